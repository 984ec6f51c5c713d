/* Starting a container: spawn its monitor (src/monitor) in a session of
 * its own, so that it outlives the command, and follow the start-up
 * protocol of monitor_proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/events.h"
#include "engine/monitor_proto.h"
#include "image/store.h"
#include "storage/container.h"

static void push(char ***argv, const char *s) { strv_append(argv, s); }

static void pushf(char ***argv, const char *fmt, const char *v) {
  char buf[8400];
  snprintf(buf, sizeof buf, fmt, v);
  strv_append(argv, buf);
}

/* The memory cgroup files the monitor reads for an OOM kill. */
static void push_oom_files(char ***argv, json_t *spec) {
  const char *cg = json_string_value(
      json_object_get(json_object_get(spec, "linux"), "cgroupsPath"));
  if (!cg)
    return;
  pushf(argv, "--oom-file=/sys/fs/cgroup/memory%s/memory.oom_control", cg);
  pushf(argv, "--oom-file=/sys/fs/cgroup%s/memory.events", cg);
}

static void push_log_opts(char ***argv, json_t *hc, const char *dir, const char *id) {
  json_t *log = json_object_get(hc, "LogConfig");
  const char *type = json_string_value(json_object_get(log, "Type"));
  if (type && strcmp(type, "none") == 0)
    return;
  char path[4300];
  snprintf(path, sizeof path, "%s/%s-json.log", dir, id);
  pushf(argv, "--log-path=%s", path);
  json_t *cfg = json_object_get(log, "Config");
  const char *size = json_string_value(json_object_get(cfg, "max-size"));
  const char *files = json_string_value(json_object_get(cfg, "max-file"));
  if (size)
    pushf(argv, "--log-max-size=%s", size);
  if (files)
    pushf(argv, "--log-max-file=%s", files);
}

static void push_restart(char ***argv, json_t *hc) {
  json_t *rp = json_object_get(hc, "RestartPolicy");
  const char *name = json_string_value(json_object_get(rp, "Name"));
  if (!name || !*name || strcmp(name, "no") == 0)
    return;
  char buf[64];
  json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
  if (strcmp(name, "on-failure") == 0 && max > 0)
    snprintf(buf, sizeof buf, "--restart=on-failure:%lld", (long long)max);
  else
    snprintf(buf, sizeof buf, "--restart=%s", name);
  push(argv, buf);
}

/* The monitor's command line. */
static int monitor_argv(struct xstore *s, const struct container_record *c, char ***out,
                        struct xerr *err) {
  char monitor[4096], xrun[4096], self[4096], dir[4096], rundir[4096], xroot[4096], path[4300];
  if (engine_bin_path("xocker-monitor", monitor, sizeof monitor, err) < 0 ||
      engine_bin_path("xrun", xrun, sizeof xrun, err) < 0 ||
      engine_bin_path("xocker", self, sizeof self, err) < 0)
    return -1;
  engine_container_dir(s, c->id, dir, sizeof dir);
  engine_rundir(s, c->id, rundir, sizeof rundir);
  engine_xrun_root(s, xroot, sizeof xroot);
  snprintf(path, sizeof path, "%s/config.json", dir);
  json_t *spec = json_load_file(path, 0, NULL);
  if (!spec)
    return xerr_make(err, errno, "read %s", path);
  json_t *rec = engine_record_config(c);
  json_t *cfg = json_object_get(rec, "Config"), *hc = json_object_get(rec, "HostConfig");
  char **argv = NULL;
  push(&argv, monitor);
  pushf(&argv, "--id=%s", c->id);
  pushf(&argv, "--bundle=%s", dir);
  pushf(&argv, "--xrun=%s", xrun);
  pushf(&argv, "--xrun-root=%s", xroot);
  pushf(&argv, "--rundir=%s", rundir);
  snprintf(path, sizeof path, "%s/state.json", dir);
  pushf(&argv, "--state=%s", path);
  push_log_opts(&argv, hc, dir, c->id);
  if (json_is_true(json_object_get(cfg, "Tty")))
    push(&argv, "--tty");
  if (json_is_true(json_object_get(cfg, "OpenStdin")))
    push(&argv, "--stdin");
  if (json_is_true(json_object_get(cfg, "StdinOnce")))
    push(&argv, "--stdin-once");
  push_restart(&argv, hc);
  push_oom_files(&argv, spec);
  push(&argv, "--");
  push(&argv, self);
  pushf(&argv, "--root=%s", s->root);
  pushf(&argv, "--runroot=%s", s->runroot);
  push(&argv, "container");
  push(&argv, "cleanup");
  push(&argv, c->id);
  json_decref(rec);
  json_decref(spec);
  *out = argv;
  return 0;
}

/* Double fork: the monitor is nobody's child but init's, in a session of
 * its own, with the sync socket on fd 3 and nothing else open. */
static int spawn(char **argv, int sync_fd, struct xerr *err) {
  pid_t pid = fork();
  if (pid < 0)
    return xerr_make(err, errno, "fork");
  if (pid == 0) {
    setsid();
    if (fork() != 0)
      _exit(0);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (dup2(sync_fd, MONITOR_SYNC_FD) < 0)
      _exit(1);
    close_range(MONITOR_SYNC_FD + 1, ~0U, 0);
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return 0;
}

/* One message from the monitor: its kind, the text after it. */
static int receive(int fd, char *text, size_t len, struct xerr *err) {
  char buf[1200];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf - 1, 0)) < 0 && errno == EINTR) {
  }
  if (n <= 0)
    return xerr_set(err, EPIPE, "the container's monitor exited during start-up");
  buf[n] = '\0';
  snprintf(text, len, "%.1000s", buf + 1);
  return buf[0];
}

int engine_start_begin(struct xstore *s, const struct container_record *c,
                       struct start_handle *h, struct xerr *err) {
  char rundir[4096], marker[4200];
  if (cstate_wait_monitor_gone(s, c->id, err) < 0)
    return -1;
  engine_rundir(s, c->id, rundir, sizeof rundir);
  if (mkdir_p(rundir, 0700, err) < 0)
    return -1;
  engine_container_dir(s, c->id, marker, sizeof marker);
  strncat(marker, "/stopped", sizeof marker - strlen(marker) - 1);
  unlink(marker);
  char rootfs[4096];
  if (engine_refresh_joined_namespaces(s, c, err) < 0 ||
      container_mount(s, c, rootfs, sizeof rootfs, err) < 0)
    return -1;
  cleanup_strv char **argv = NULL;
  if (monitor_argv(s, c, &argv, err) < 0)
    return -1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return xerr_make(err, errno, "socketpair");
  int r = spawn(argv, sv[1], err);
  close(sv[1]);
  char text[1100];
  int kind = r < 0 ? -1 : receive(sv[0], text, sizeof text, err);
  if (kind != 'C') {
    close(sv[0]);
    if (kind == 'E')
      xerr_set(err, EINVAL, "%s", text);
    return -1;
  }
  *h = (struct start_handle){.sync_fd = sv[0], .pid = atoi(text)};
  snprintf(h->id, sizeof h->id, "%s", c->id);
  engine_event(s, "start", c, NULL);
  return 0;
}

int engine_start_finish(struct start_handle *h, struct xerr *err) {
  char text[1100];
  int kind = -1;
  if (send(h->sync_fd, h->engine_cleans ? "s" : "S", 1, MSG_NOSIGNAL) != 1)
    xerr_make(err, errno, "start %s: the monitor is gone", h->id);
  else
    kind = receive(h->sync_fd, text, sizeof text, err);
  close(h->sync_fd);
  h->sync_fd = -1;
  if (kind == 'E')
    return xerr_set(err, EINVAL, "%s", text);
  return kind == 'R' ? 0 : -1;
}

int engine_start(struct xstore *s, const struct container_record *c, struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  if (strcmp(st.status, "paused") == 0)
    return xerr_set(err, EINVAL,
                    "cannot start a paused container, try unpause instead");
  if (cstate_running(&st))
    return 0;
  struct start_handle h;
  if (engine_start_begin(s, c, &h, err) < 0)
    return -1;
  return engine_start_finish(&h, err);
}
