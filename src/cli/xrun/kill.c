#include <signal.h>

#include "cli.h"
#include "common/xerr.h"
#include "runtime/names.h"

int cmd_kill(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
  bool all = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+a", opts)) != -1) {
    if (c != 'a')
      return 1;
    all = true;
  }
  const char *id;
  if (cli_require_id(argv[0], argc, argv, &id) != 0)
    return 1;
  int sig = SIGTERM;
  struct xerr err = {0};
  if (optind < argc && signal_parse(argv[optind++], &sig, &err) < 0)
    return cli_fail(&err);
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
  return xrun_kill(g->root, id, sig, all, &err) < 0 ? cli_fail(&err) : 0;
}
