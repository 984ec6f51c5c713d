#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xerr.h"

static int log_fd = -1;
static enum xlog_format log_format = XLOG_TEXT;
static bool log_debug;

int xlog_init(const char *path, enum xlog_format format, bool debug, struct xerr *err) {
  log_format = format;
  log_debug = debug;
  if (path == NULL || *path == '\0')
    return 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0)
    return xerr_make(err, errno, "open log file %s", path);
  log_fd = fd;
  return 0;
}

void xlog_close(void) {
  if (log_fd >= 0)
    close(log_fd);
  log_fd = -1;
}

bool xlog_debug_enabled(void) { return log_debug; }

static void format_time(char *buf, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static void write_line(int fd, const char *level, const char *msg) {
  char when[64];
  format_time(when, sizeof when);
  if (log_format == XLOG_JSON && fd == log_fd) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s) {
      dprintf(fd, "%s\n", s);
      free(s);
    }
    json_decref(o);
    return;
  }
  if (fd == log_fd)
    dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
  else
    dprintf(fd, "%s\n", msg);
}

static void vlog(const char *level, bool to_stderr, const char *fmt, va_list ap) {
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (log_fd >= 0)
    write_line(log_fd, level, msg);
  if (to_stderr) {
    char prefixed[4200];
    if (strcmp(level, "error") == 0)
      snprintf(prefixed, sizeof prefixed, "%s", msg);
    else
      snprintf(prefixed, sizeof prefixed, "%s: %s", level, msg);
    write_line(STDERR_FILENO, level, prefixed);
  }
}

void xlog_debug(const char *fmt, ...) {
  if (!log_debug)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog("debug", log_fd < 0, fmt, ap);
  va_end(ap);
}

void xlog_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning", true, fmt, ap);
  va_end(ap);
}

void xlog_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("error", true, fmt, ap);
  va_end(ap);
}
