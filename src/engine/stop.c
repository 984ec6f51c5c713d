/* Stop, kill, pause and wait: signals through the runtime (libxrun) and
 * the state the monitor writes. A stop or kill the user asked for leaves a
 * `stopped` marker in its directory so that the restart policy leaves it
 * be, also after a reboot (unless-stopped). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xerr.h"
#include "engine/container.h"
#include "engine/events.h"
#include "image/store.h"
#include "runtime/names.h"
#include "runtime/xrun.h"
#include "storage/container.h"

static void mark_stopped(struct xstore *s, const char *id) {
  char path[4200];
  engine_container_dir(s, id, path, sizeof path);
  strncat(path, "/stopped", sizeof path - strlen(path) - 1);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
}

static int not_running(const struct container_record *c, struct xerr *err) {
  return xerr_set(err, EINVAL, "Container %s is not running", c->id);
}

int engine_kill(struct xstore *s, const struct container_record *c, int sig, struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  if (!cstate_running(&st) || strcmp(st.status, "restarting") == 0)
    return xerr_set(err, EINVAL, "Cannot kill container: %s: Container %s is not running", c->name,
                    c->id);
  mark_stopped(s, c->id);
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  /* A paused container gets the signal when it thaws; SIGKILL works at once. */
  if (xrun_kill(root, c->id, sig, false, err) < 0)
    return xerr_wrap(err, "Cannot kill container: %s", c->id);
  engine_event_code(s, "kill", c, "signal", sig);
  return 0;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Poll the state until it is not running or the deadline (< 0: none). */
static int wait_until_stopped(struct xstore *s, const struct container_record *c, double timeout,
                              struct cstate *st, struct xerr *err) {
  double deadline = now_s() + timeout;
  for (;;) {
    if (cstate_load(s, c->id, st, err) < 0)
      return -1;
    /* Stopped, and its monitor's clean-up (unmount, --rm) done. */
    if (!cstate_running(st) && !cstate_monitor_alive(st))
      return 1;
    if (timeout >= 0 && now_s() >= deadline)
      return 0;
    struct timespec nap = {0, 10 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
}

static int stop_signal(json_t *cfg, struct xerr *err) {
  const char *name = json_string_value(json_object_get(cfg, "StopSignal"));
  int sig = 15;
  if (name && *name && signal_parse(name, &sig, err) < 0)
    return -1;
  return sig;
}

int engine_stop(struct xstore *s, const struct container_record *c, int timeout,
                struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  mark_stopped(s, c->id);
  if (!cstate_running(&st))
    return 0;
  engine_event(s, "stop", c, NULL);
  json_t *rec = engine_record_config(c);
  json_t *cfg = json_object_get(rec, "Config");
  int sig = stop_signal(cfg, err);
  if (timeout < 0)
    timeout = json_is_integer(json_object_get(cfg, "StopTimeout"))
                  ? (int)json_integer_value(json_object_get(cfg, "StopTimeout"))
                  : 10;
  json_decref(rec);
  if (sig < 0)
    return -1;
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  struct xerr ignored = {0};
  if (strcmp(st.status, "paused") == 0)
    xrun_resume(root, c->id, &ignored);
  if (strcmp(st.status, "restarting") != 0 && xrun_kill(root, c->id, sig, false, &ignored) == 0) {
    int r = wait_until_stopped(s, c, timeout, &st, err);
    if (r != 0)
      return r < 0 ? -1 : 0;
  }
  xrun_kill(root, c->id, 9, true, &ignored);
  int r = wait_until_stopped(s, c, 30, &st, err);
  if (r == 0)
    return xerr_set(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c->id);
  return r < 0 ? -1 : 0;
}

int engine_pause(struct xstore *s, const struct container_record *c, bool pause,
                 struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  if (pause) {
    if (strcmp(st.status, "paused") == 0)
      return xerr_set(err, EINVAL, "Container %s is already paused", c->id);
    if (strcmp(st.status, "running") != 0)
      return not_running(c, err);
    engine_event(s, "pause", c, NULL);
    return xrun_pause(root, c->id, err);
  }
  if (strcmp(st.status, "paused") != 0)
    return xerr_set(err, EINVAL, "Container %s is not paused", c->id);
  engine_event(s, "unpause", c, NULL);
  return xrun_resume(root, c->id, err);
}

int engine_wait(struct xstore *s, const struct container_record *c, int *exit_code,
                struct xerr *err) {
  struct cstate st;
  if (wait_until_stopped(s, c, -1, &st, err) < 0)
    return -1;
  *exit_code = st.exit_code;
  return 0;
}
