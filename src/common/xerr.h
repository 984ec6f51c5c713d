/* One error type for the whole code base: a fallible function takes
 * `struct xerr *err`, fills it on failure and returns a negative number.
 * Library code never prints; the CLI prints the message once. */
#ifndef XOCKER_COMMON_XERR_H
#define XOCKER_COMMON_XERR_H

#include <stddef.h>

#define XERR_MSG_MAX 1024

struct xerr {
  int errnum;             /* errno of the cause, 0 when there is none */
  char msg[XERR_MSG_MAX]; /* names the object and the cause */
};

/* Fill err with errnum and a formatted message; when errnum is non-zero,
 * ": strerror(errnum)" is appended.  Always returns -1 so call sites read
 * `return xerr_make(err, errno, "open %s", path);`. */
int xerr_make(struct xerr *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like xerr_make, for messages that are complete as they are (a user's
 * bad input, "No such image: x"): errnum is kept for callers to test, and
 * no strerror text is appended. */
int xerr_set(struct xerr *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with context ("create container x: ...").
 * Returns -1. */
int xerr_wrap(struct xerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void xerr_clear(struct xerr *err);

#endif
