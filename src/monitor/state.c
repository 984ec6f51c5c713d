/* The container's state.json, written by its monitor (atomically, by
 * rename) and read by the engine (src/engine/cstate.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

void now_rfc3339(char *buf, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

uint64_t self_start_time(void) {
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* Fields after the command name (which may hold spaces) start at ") ". */
  char *p = strrchr(buf, ')');
  unsigned long long start = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
                          "%*d %llu", &start) != 1)
    return 0;
  return start;
}

/* The error text is ours (xrun's message), but may hold quotes. */
static void json_escape(char *dst, size_t len, const char *src) {
  size_t n = 0;
  for (; *src && n + 7 < len; src++) {
    unsigned char c = (unsigned char)*src;
    if (c == '"' || c == '\\') {
      dst[n++] = '\\';
      dst[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(dst + n, len - n, "\\u%04x", c);
    } else {
      dst[n++] = (char)c;
    }
  }
  dst[n] = '\0';
}

int state_write(const char *path, const struct monitor_state *st) {
  char tmp[4200], error[1100];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  json_escape(error, sizeof error, st->error);
  FILE *f = fopen(tmp, "we");
  if (!f)
    return -1;
  fprintf(f,
          "{\"Status\":\"%s\",\"Pid\":%d,\"ExitCode\":%d,\"OOMKilled\":%s,\"Error\":\"%s\","
          "\"StartedAt\":\"%s\",\"FinishedAt\":\"%s\",\"RestartCount\":%d,"
          "\"MonitorPid\":%d,\"MonitorStartTime\":%llu}\n",
          st->status, (int)st->pid, st->exit_code, st->oom_killed ? "true" : "false", error,
          st->started_at, st->finished_at, st->restart_count, (int)getpid(),
          (unsigned long long)self_start_time());
  if (fclose(f) != 0)
    return -1;
  return rename(tmp, path);
}
