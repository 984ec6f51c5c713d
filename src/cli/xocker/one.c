/* The store and one named container, for the commands that act on a
 * single container (top, port, cp, export, rename, stats). */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

struct xstore *cli_open_container(const struct xocker_globals *g, const char *name,
                                  struct container_record *rec) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return NULL;
  struct xerr err = {0};
  if (container_lookup(s, name, rec, &err) < 0) {
    cli_daemon_error(&err);
    store_close(s);
    return NULL;
  }
  return s;
}

int cli_daemon_errorf(const char *fmt, ...) {
  struct xerr err = {0};
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err.msg, sizeof err.msg, fmt, ap);
  va_end(ap);
  return cli_daemon_error(&err);
}
