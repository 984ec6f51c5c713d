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

int cmd_mount(const struct xocker_globals *g, int argc, char **argv) {
  int r = parse(argc, argv, "xocker mount CONTAINER [CONTAINER...]");
  if (r >= 0)
    return r;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    struct container_record rec;
    char path[4096];
    if (container_lookup(s, argv[i], &rec, &err) < 0) {
      ret = cli_error(&err);
      continue;
    }
    if (container_mount(s, &rec, path, sizeof path, &err) < 0)
      ret = cli_error(&err);
    else
      printf("%s\n", path);
    container_record_clear(&rec);
  }
  store_close(s);
  return ret;
}

int cmd_umount(const struct xocker_globals *g, int argc, char **argv) {
  int r = parse(argc, argv, "xocker umount CONTAINER [CONTAINER...]");
  if (r >= 0)
    return r;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    struct container_record rec;
    if (container_lookup(s, argv[i], &rec, &err) < 0) {
      ret = cli_error(&err);
      continue;
    }
    if (container_unmount(s, &rec, &err) < 0)
      ret = cli_error(&err);
    else
      printf("%s\n", rec.id);
    container_record_clear(&rec);
  }
  store_close(s);
  return ret;
}
