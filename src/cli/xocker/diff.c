/* xocker diff CONTAINER: Docker's A/C/D lines. */
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"
#include "storage/diff.h"

int cmd_diff(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  xocker diff CONTAINER\n\n"
             "Inspect changes to files or directories on a container's filesystem\n");
      return 0;
    }
    return 125;
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  struct container_record rec;
  struct change_list changes;
  char source[4096];
  int ret = 0;
  if (container_lookup(s, argv[optind], &rec, &err) < 0) {
    ret = cli_error(&err);
  } else {
    if (container_changes(s, &rec, &changes, source, sizeof source, &err) < 0) {
      ret = cli_error(&err);
    } else {
      for (size_t i = 0; i < changes.n; i++)
        printf("%c %s\n", changes.items[i].kind, changes.items[i].path);
      change_list_free(&changes);
    }
    container_record_clear(&rec);
  }
  store_close(s);
  return ret;
}
