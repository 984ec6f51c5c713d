#include "xerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int xerr_make(struct xerr *err, int errnum, const char *fmt, ...) {
  if (err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (errnum != 0 && n >= 0 && (size_t)n < sizeof err->msg)
    snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
  err->errnum = errnum;
  return -1;
}

int xerr_set(struct xerr *err, int errnum, const char *fmt, ...) {
  if (err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->errnum = errnum;
  return -1;
}

int xerr_wrap(struct xerr *err, const char *fmt, ...) {
  if (err == NULL)
    return -1;
  char prefix[XERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  char old[XERR_MSG_MAX];
  memcpy(old, err->msg, sizeof old);
  /* Truncation keeps the prefix, which names the outer object. */
  size_t plen = strnlen(prefix, sizeof err->msg - 1);
  memcpy(err->msg, prefix, plen);
  size_t used = plen;
  if (used + 2 < sizeof err->msg) {
    memcpy(err->msg + used, ": ", 2);
    used += 2;
  }
  size_t olen = strnlen(old, sizeof err->msg - 1 - used);
  memcpy(err->msg + used, old, olen);
  err->msg[used + olen] = '\0';
  return -1;
}

void xerr_clear(struct xerr *err) {
  if (err == NULL)
    return;
  err->errnum = 0;
  err->msg[0] = '\0';
}
