/* A container's state: state.json in its directory, written by its monitor
 * while it has one and by the engine otherwise, read here and put right
 * when the monitor is gone. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/netsetup.h"
#include "image/store.h"
#include "runtime/state.h"
#include "runtime/xrun.h"
#include "storage/container.h"

bool cstate_running(const struct cstate *st) {
  return strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0 ||
         strcmp(st->status, "restarting") == 0;
}

static void state_path(struct xstore *s, const char *id, char *buf, size_t len) {
  char dir[4096];
  engine_container_dir(s, id, dir, sizeof dir);
  snprintf(buf, len, "%s/state.json", dir);
}

static void copy_string(json_t *doc, const char *key, char *dst, size_t len, const char *dflt) {
  const char *v = json_string_value(json_object_get(doc, key));
  snprintf(dst, len, "%s", v ? v : dflt);
}

static void from_json(json_t *doc, struct cstate *st) {
  copy_string(doc, "Status", st->status, sizeof st->status, "created");
  copy_string(doc, "Error", st->error, sizeof st->error, "");
  copy_string(doc, "StartedAt", st->started_at, sizeof st->started_at, ZERO_TIME);
  copy_string(doc, "FinishedAt", st->finished_at, sizeof st->finished_at, ZERO_TIME);
  st->pid = (pid_t)json_integer_value(json_object_get(doc, "Pid"));
  st->exit_code = (int)json_integer_value(json_object_get(doc, "ExitCode"));
  st->oom_killed = json_is_true(json_object_get(doc, "OOMKilled"));
  st->restart_count = (int)json_integer_value(json_object_get(doc, "RestartCount"));
  st->monitor_pid = (pid_t)json_integer_value(json_object_get(doc, "MonitorPid"));
  st->monitor_start = (uint64_t)json_integer_value(json_object_get(doc, "MonitorStartTime"));
}

int cstate_save(struct xstore *s, const char *id, const struct cstate *st, struct xerr *err) {
  char path[4200], tmp[4300];
  state_path(s, id, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  json_t *doc = json_pack("{s:s, s:i, s:i, s:b, s:s, s:s, s:s, s:i, s:i, s:I}", "Status",
                          st->status, "Pid", (int)st->pid, "ExitCode", st->exit_code, "OOMKilled",
                          st->oom_killed, "Error", st->error, "StartedAt", st->started_at,
                          "FinishedAt", st->finished_at, "RestartCount", st->restart_count,
                          "MonitorPid", (int)st->monitor_pid, "MonitorStartTime",
                          (json_int_t)st->monitor_start);
  int r = doc ? json_dump_file(doc, tmp, JSON_COMPACT) : -1;
  json_decref(doc);
  if (r < 0 || rename(tmp, path) < 0) {
    unlink(tmp);
    return xerr_make(err, errno, "write %s", path);
  }
  return 0;
}

/* Alive, the same process (start time), and not a zombie nobody reaps. */
bool cstate_monitor_alive(const struct cstate *st) {
  if (st->monitor_pid <= 0 || proc_start_time(st->monitor_pid) != st->monitor_start)
    return false;
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)st->monitor_pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *p = strrchr(buf, ')');
  return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* The monitor is gone but the state says running: kill what is left of
 * the container and record it as Docker does after a daemon crash. */
static void repair(struct xstore *s, const char *id, struct cstate *st) {
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  struct xerr ignored = {0};
  xrun_delete(root, id, true, &ignored);
  netsetup_down(s, id, &ignored);
  snprintf(st->status, sizeof st->status, "exited");
  st->pid = 0;
  st->exit_code = 255;
  st->monitor_pid = 0;
  st->monitor_start = 0;
  rfc3339_now(st->finished_at, sizeof st->finished_at);
  cstate_save(s, id, st, &ignored);
}

/* Running as the monitor wrote it, but maybe frozen: the runtime knows. */
static void check_paused(struct xstore *s, const char *id, struct cstate *st) {
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  struct xerr ignored = {0};
  cleanup_state struct container_state *rs = NULL;
  if (state_load(root, id, &rs, &ignored) < 0)
    return;
  if (state_status(root, rs) == STATUS_PAUSED)
    snprintf(st->status, sizeof st->status, "paused");
}

int cstate_load(struct xstore *s, const char *id, struct cstate *out, struct xerr *err) {
  char path[4200];
  state_path(s, id, path, sizeof path);
  *out = (struct cstate){0};
  json_error_t jerr;
  json_t *doc = json_load_file(path, 0, &jerr);
  if (!doc) {
    if (access(path, F_OK) == 0)
      return xerr_set(err, EINVAL, "container %s: bad state file %s: %s", id, path, jerr.text);
    from_json(NULL, out);  /* created, never started */
    return 0;
  }
  from_json(doc, out);
  json_decref(doc);
  if (cstate_running(out) && !cstate_monitor_alive(out))
    repair(s, id, out);
  else if (strcmp(out->status, "running") == 0)
    check_paused(s, id, out);
  return 0;
}

json_t *engine_record_config(const struct container_record *c) {
  json_t *doc = c->config ? json_loads(c->config, 0, NULL) : NULL;
  if (!json_is_object(doc)) {
    json_decref(doc);
    doc = json_object();
  }
  if (!json_is_object(json_object_get(doc, "Config")))
    json_object_set_new(doc, "Config", json_object());
  if (!json_is_object(json_object_get(doc, "HostConfig")))
    json_object_set_new(doc, "HostConfig", json_object());
  return doc;
}

int cstate_wait_monitor_gone(struct xstore *s, const char *id, struct xerr *err) {
  for (int i = 0; i < 6000; i++) {
    struct cstate st;
    if (cstate_load(s, id, &st, err) < 0)
      return -1;
    if (cstate_running(&st) || !cstate_monitor_alive(&st))
      return 0;
    struct timespec nap = {0, 5 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
  return xerr_set(err, ETIMEDOUT, "container %s: its last monitor does not finish", id);
}
