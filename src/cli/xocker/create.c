/* xocker create [--name NAME] IMAGE [COMMAND] [ARG...]: for now only the
 * container's storage (its rootfs from the image); prints the full id. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

/* What the engine will need to know about the container, kept in its row. */
static char *config_json(int argc, char **argv) {
  json_t *cmd = json_array();
  for (int i = 0; i < argc; i++)
    json_array_append_new(cmd, json_string(argv[i]));
  json_t *doc = json_pack("{s:o}", "Cmd", cmd);
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return text;
}

int cmd_create(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  const char *name = NULL;
  int c;
  /* "+": options end at IMAGE; what follows is the container's command. */
  while ((c = cli_getopt(argc, argv, "+h", longopts)) != -1) {
    if (c == 'n') {
      name = optarg;
    } else if (c == 'h') {
      printf("\nUsage:  xocker create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
             "Create a new container\n\nOptions:\n"
             "      --name string   Assign a name to the container\n");
      return 0;
    } else {
      return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  struct container_record rec;
  char *config = config_json(argc - optind - 1, argv + optind + 1);
  int ret = 0;
  if (container_create(s, argv[optind], name, config, &rec, &err) < 0) {
    ret = cli_error(&err);
  } else {
    printf("%s\n", rec.id);
    container_record_clear(&rec);
  }
  free(config);
  store_close(s);
  return ret;
}
