/* Logging for the CLIs.  Library code only calls xlog_debug (and
 * xlog_warn for conditions that do not fail the operation); errors travel
 * up as struct xerr and the CLI logs them once with xlog_error. */
#ifndef XOCKER_COMMON_LOG_H
#define XOCKER_COMMON_LOG_H

#include <stdbool.h>

enum xlog_format { XLOG_TEXT, XLOG_JSON };

struct xerr;

/* path may be NULL (stderr only).  With a log file, every line goes to the
 * file in the given format and errors also to stderr as plain text, the
 * way runc does it, so callers such as Podman and containerd can read the
 * last error from the file. */
int xlog_init(const char *path, enum xlog_format format, bool debug, struct xerr *err);
void xlog_close(void);
bool xlog_debug_enabled(void);

void xlog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
