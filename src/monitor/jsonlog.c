/* Docker's json-file log driver: one JSON object a line,
 * {"log":"text\n","stream":"stdout","time":"2026-01-02T03:04:05.123456789Z"},
 * rotated by size into <path>.1 ... <path>.<max_file-1>. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/monitor_proto.h"
#include "common/proc.h"
#include "monitor.h"

/* Docker cuts lines longer than 16 KiB into partial entries. */
#define LINE_MAX_BYTES 16384

struct line_buffer {
  char buf[LINE_MAX_BYTES];
  size_t len;
};

struct jsonlog {
  char *path;
  int fd;
  int64_t size, max_size;
  int max_file;
  struct line_buffer out, err;
};

struct jsonlog *jsonlog_open(const char *path, int64_t max_size, int max_file) {
  struct jsonlog *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->path = strdup(path);
  l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  l->max_size = max_size;
  l->max_file = max_file < 1 ? 1 : max_file;
  struct stat st;
  if (l->fd >= 0 && fstat(l->fd, &st) == 0)
    l->size = st.st_size;
  return l;
}

/* Shift <path>.N-1 -> <path>.N ... <path> -> <path>.1 and start afresh. */
static void rotate(struct jsonlog *l) {
  char from[4200], to[4200];
  for (int i = l->max_file - 1; i >= 1; i--) {
    if (i == 1)
      snprintf(from, sizeof from, "%s", l->path);
    else
      snprintf(from, sizeof from, "%s.%d", l->path, i - 1);
    snprintf(to, sizeof to, "%s.%d", l->path, i);
    rename(from, to);
  }
  if (l->fd >= 0)
    close(l->fd);
  l->fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  l->size = 0;
}

/* JSON string escaping of the container's bytes. Bytes of 0x80 and up are
 * kept: the reader (the engine's `logs`, jansson) takes UTF-8. */
static size_t escape(char *dst, const char *src, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c == '"' || c == '\\') {
      dst[n++] = '\\';
      dst[n++] = (char)c;
    } else if (c == '\n') {
      dst[n++] = '\\';
      dst[n++] = 'n';
    } else if (c == '\r') {
      dst[n++] = '\\';
      dst[n++] = 'r';
    } else if (c == '\t') {
      dst[n++] = '\\';
      dst[n++] = 't';
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(dst + n, "\\u00", 4);
      n += 4;
      dst[n++] = hex[c >> 4];
      dst[n++] = hex[c & 15];
    } else {
      dst[n++] = (char)c;
    }
  }
  return n;
}

static void write_entry(struct jsonlog *l, int stream, const char *text, size_t len) {
  static char line[LINE_MAX_BYTES * 6 + 128];
  char when[40];
  rfc3339_now(when, sizeof when);
  size_t n = 0;
  memcpy(line, "{\"log\":\"", 8);
  n = 8;
  n += escape(line + n, text, len);
  n += (size_t)snprintf(line + n, sizeof line - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                        stream == FRAME_STDERR ? "stderr" : "stdout", when);
  if (l->max_size > 0 && l->size > 0 && l->size + (int64_t)n > l->max_size)
    rotate(l);
  if (l->fd < 0)
    return;
  const char *p = line;
  while (n > 0) {
    ssize_t w = write(l->fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
    l->size += w;
  }
}

void jsonlog_write(struct jsonlog *l, int stream, const char *buf, size_t len) {
  if (!l)
    return;
  struct line_buffer *b = stream == FRAME_STDERR ? &l->err : &l->out;
  for (size_t i = 0; i < len; i++) {
    b->buf[b->len++] = buf[i];
    if (buf[i] == '\n' || b->len == sizeof b->buf) {
      write_entry(l, stream, b->buf, b->len);
      b->len = 0;
    }
  }
}

void jsonlog_flush(struct jsonlog *l) {
  if (!l)
    return;
  if (l->out.len)
    write_entry(l, FRAME_STDOUT, l->out.buf, l->out.len);
  if (l->err.len)
    write_entry(l, FRAME_STDERR, l->err.buf, l->err.len);
  l->out.len = l->err.len = 0;
}

void jsonlog_close(struct jsonlog *l) {
  if (!l)
    return;
  jsonlog_flush(l);
  if (l->fd >= 0)
    close(l->fd);
  free(l->path);
  free(l);
}
