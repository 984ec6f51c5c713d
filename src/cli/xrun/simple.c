/* The commands that take only a container id: start, state, pause,
 * resume. */
#include <jansson.h>

#include "cli.h"
#include "common/xerr.h"

static int id_only(int argc, char **argv, const char **id) {
  static const struct option none[] = {{NULL, 0, NULL, 0}};
  if (cli_getopt(argc, argv, "+", none) != -1)
    return 1;
  if (cli_require_id(argv[0], argc, argv, id) != 0)
    return 1;
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
  return 0;
}

int cmd_start(const struct xrun_globals *g, int argc, char **argv) {
  const char *id;
  struct xerr err = {0};
  if (id_only(argc, argv, &id) != 0)
    return 1;
  return xrun_start(g->root, id, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_state(const struct xrun_globals *g, int argc, char **argv) {
  const char *id;
  struct xerr err = {0};
  json_t *state;
  if (id_only(argc, argv, &id) != 0)
    return 1;
  if (xrun_state(g->root, id, &state, &err) < 0)
    return cli_fail(&err);
  cli_print_json(state);
  json_decref(state);
  return 0;
}

int cmd_pause(const struct xrun_globals *g, int argc, char **argv) {
  const char *id;
  struct xerr err = {0};
  if (id_only(argc, argv, &id) != 0)
    return 1;
  return xrun_pause(g->root, id, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_resume(const struct xrun_globals *g, int argc, char **argv) {
  const char *id;
  struct xerr err = {0};
  if (id_only(argc, argv, &id) != 0)
    return 1;
  return xrun_resume(g->root, id, &err) < 0 ? cli_fail(&err) : 0;
}
