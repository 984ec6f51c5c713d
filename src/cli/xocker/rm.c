/* xocker rm [-f] CONTAINER...: removes each container's storage and
 * prints the names as given; a missing one is an error unless -f. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

static int remove_one(struct xstore *s, struct container_record *rec, const char *arg,
                      void *ctx, struct xerr *err) {
  (void)ctx;
  if (container_remove(s, rec, err) < 0)
    return -1;
  printf("%s\n", arg);
  return 0;
}

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
  return cli_for_each_container(g, argc, argv, remove_one, NULL, force);
}
