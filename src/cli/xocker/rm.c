/* xocker rm [-f] [-v] CONTAINER...: removes each container (a running one
 * only with -f, which kills it; -v also its anonymous volumes) and prints
 * the names as given; a missing one is an error unless -f. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "engine/container.h"
#include "storage/container.h"

struct rm_opts {
  bool force, volumes;
};

static int remove_one(struct xstore *s, struct container_record *rec, const char *arg,
                      void *ctx, struct xerr *err) {
  const struct rm_opts *o = ctx;
  if (engine_remove(s, rec, o->force, o->volumes, err) < 0)
    return -1;
  printf("%s\n", arg);
  return 0;
}

int cmd_rm(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"volumes", no_argument, NULL, 'v'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct rm_opts o = {0};
  int c;
  while ((c = cli_getopt(argc, argv, "fvh", longopts)) != -1) {
    if (c == 'f') {
      o.force = true;
    } else if (c == 'v') {
      o.volumes = true;
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
  return cli_for_each_container(g, argc, argv, remove_one, &o, o.force);
}
