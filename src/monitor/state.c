/* The container's state.json, written by its monitor (atomically, by
 * rename) and read by the engine (src/engine/cstate.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/proc.h"
#include "monitor.h"

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
          (unsigned long long)proc_start_time(getpid()));
  if (fclose(f) != 0)
    return -1;
  return rename(tmp, path);
}
