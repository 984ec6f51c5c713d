/* The loop of every command that acts on containers named on its command
 * line: open the store once, look each name up, act, and print each error
 * once while going on with the others, as Docker's CLI does. */
#include <errno.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

int cli_for_each_container(const struct xocker_globals *g, int argc, char **argv,
                           container_action action, void *ctx, bool ignore_missing) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    struct container_record rec;
    if (container_lookup(s, argv[i], &rec, &err) < 0) {
      if (!(ignore_missing && err.errnum == ENOENT))
        ret = cli_error(&err);
      continue;
    }
    if (action(s, &rec, argv[i], ctx, &err) < 0)
      ret = cli_daemon_error(&err);
    container_record_clear(&rec);
  }
  store_close(s);
  return ret;
}
