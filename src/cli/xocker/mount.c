/* xocker mount CONTAINER / xocker umount CONTAINER, as Podman has them:
 * mount prints where the rootfs is; umount prints the container's id. */
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

static int parse(int argc, char **argv, const char *usage) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  %s\n", usage);
      return 0;
    }
    return 125;
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  return -1;
}

static int mount_one(struct xstore *s, struct container_record *rec, const char *arg,
                     void *ctx, struct xerr *err) {
  (void)arg;
  (void)ctx;
  char path[4096];
  if (container_mount(s, rec, path, sizeof path, err) < 0)
    return -1;
  printf("%s\n", path);
  return 0;
}

static int unmount_one(struct xstore *s, struct container_record *rec, const char *arg,
                       void *ctx, struct xerr *err) {
  (void)arg;
  (void)ctx;
  if (container_unmount(s, rec, err) < 0)
    return -1;
  printf("%s\n", rec->id);
  return 0;
}

int cmd_mount(const struct xocker_globals *g, int argc, char **argv) {
  int r = parse(argc, argv, "xocker mount CONTAINER [CONTAINER...]");
  if (r >= 0)
    return r;
  return cli_for_each_container(g, argc, argv, mount_one, NULL, false);
}

int cmd_umount(const struct xocker_globals *g, int argc, char **argv) {
  int r = parse(argc, argv, "xocker umount CONTAINER [CONTAINER...]");
  if (r >= 0)
    return r;
  return cli_for_each_container(g, argc, argv, unmount_one, NULL, false);
}
