/* xocker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG] */
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"

int cmd_tag(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  xocker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n");
      return 0;
    }
    return 125;
  }
  if (argc - optind != 2)
    return cli_usage(argv[0], "\"%s\" requires exactly 2 arguments.", argv[0]);
  const char *source = argv[optind], *target = argv[optind + 1];
  struct image_ref ref;
  struct xerr err = {0};
  if (ref_parse(target, true, &ref, &err) < 0)
    return cli_errorf("parsing reference: \"%s\" is not a valid repository/tag: %s", target,
                      err.msg);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct image_record r;
  int ret = 0;
  if (image_lookup(s, source, &r, &err) < 0) {
    ret = cli_error(&err);
  } else {
    if (image_tag(s, r.id, target, &err) < 0)
      ret = cli_error(&err);
    image_record_clear(&r);
  }
  store_close(s);
  return ret;
}
