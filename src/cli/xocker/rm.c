/* xocker rm [-f] CONTAINER...: removes each container's storage and
 * prints the names as given; a missing one is an error unless -f. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

int cmd_rm(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"volumes", no_argument, NULL, 'v'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fvh", longopts)) != -1) {
    if (c == 'f') {
      force = true;
    } else if (c == 'v') {
      /* no volumes yet */
    } else if (c == 'h') {
      printf("\nUsage:  xocker rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
             "Remove one or more containers\n\nOptions:\n"
             "  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
             "  -v, --volumes   Remove anonymous volumes associated with the container\n");
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
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    struct container_record rec;
    if (container_lookup(s, argv[i], &rec, &err) < 0) {
      if (!(force && err.errnum == ENOENT))
        ret = cli_error(&err);
      continue;
    }
    if (container_remove(s, &rec, &err) < 0)
      ret = cli_error(&err);
    else
      printf("%s\n", argv[i]);
    container_record_clear(&rec);
  }
  store_close(s);
  return ret;
}
