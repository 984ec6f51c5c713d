#include "cli.h"
#include "common/xerr.h"

int cmd_delete(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+f", opts)) != -1) {
    if (c != 'f')
      return 1;
    force = true;
  }
  if (optind >= argc)
    return cli_usage_error(argv[0], "requires a container id");
  /* runc deletes several ids in one call; the first failure decides. */
  int ret = 0;
  for (; optind < argc; optind++) {
    struct xerr err = {0};
    if (xrun_delete(g->root, argv[optind], force, &err) < 0)
      ret = cli_fail(&err);
  }
  return ret;
}
