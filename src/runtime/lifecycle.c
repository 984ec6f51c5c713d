/* start, kill, delete, state, list, pause, resume, ps: the operations on
 * a container that already exists. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "hooks.h"
#include "state.h"
#include "xrun.h"

static bool has_cgroup(const struct container_state *st) {
  return st->cgroup_path && *st->cgroup_path;
}

static int load_saved_config(const char *root, const struct container_state *st,
                             struct oci_config **out, struct xerr *err) {
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  snprintf(path, sizeof path, "%s/%s/config.json", root, st->id);
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
    return -1;
  return oci_config_parse(text, st->bundle, out, err);
}

static char *state_text(const struct container_state *st, enum container_status s) {
  json_t *j = state_to_json(st, s);
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  return text;
}

/* Read the byte init writes into exec.fifo once it can open it, checking
 * now and then that init is still alive (a FIFO reader opened before any
 * writer never sees a hang-up). */
static int release_init(const char *fifo, const struct container_state *st, struct xerr *err) {
  cleanup_close int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return xerr_make(err, 0, "cannot start an already running container");
    return xerr_make(err, errno, "open %s", fifo);
  }
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    int r = poll(&p, 1, 100);
    if (r < 0 && errno != EINTR)
      return xerr_make(err, errno, "wait on %s", fifo);
    if (r > 0) {
      char byte;
      ssize_t n = read(fd, &byte, 1);
      if (n == 1)
        return 0;
      if (n < 0 && errno != EAGAIN)
        return xerr_make(err, errno, "read %s", fifo);
    }
    if (!state_process_alive(st))
      return xerr_make(err, 0, "container init exited before start");
  }
}

int xrun_start(const char *root, const char *id, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  switch (state_status(root, st)) {
  case STATUS_CREATED:
    break;
  case STATUS_STOPPED:
    return xerr_make(err, 0, "cannot start a container that has stopped");
  default:
    return xerr_make(err, 0, "cannot start an already running container");
  }
  char fifo[PATH_MAX];
  snprintf(fifo, sizeof fifo, "%s/%s/exec.fifo", root, id);
  if (release_init(fifo, st, err) < 0)
    return -1;
  unlink(fifo);
  cleanup_config struct oci_config *config = NULL;
  if (load_saved_config(root, st, &config, err) < 0)
    return -1;
  if (config->hooks[HOOK_POSTSTART].n) {
    cleanup_free char *text = state_text(st, STATUS_RUNNING);
    struct xerr hook_err = {0};
    /* The spec: a failing poststart hook is a warning; start goes on. */
    if (hooks_run(&config->hooks[HOOK_POSTSTART], HOOK_POSTSTART, text, &hook_err) < 0)
      xlog_warn("%s", hook_err.msg);
  }
  return 0;
}

static int signal_init(const struct container_state *st, int sig, struct xerr *err) {
  int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0)
    return xerr_make(err, errno, "container not running");
  /* The pidfd pins the process: check it is still our init, then signal. */
  int ret = 0;
  if (!state_process_alive(st))
    ret = xerr_make(err, 0, "container not running");
  else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    ret = xerr_make(err, errno, "send signal %d to %d", sig, st->pid);
  close(pidfd);
  return ret;
}

int xrun_kill(const char *root, const char *id, int sig, bool all, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  enum container_status s = state_status(root, st);
  if (s == STATUS_STOPPED && !all)
    return xerr_make(err, 0, "container not running");
  if (!all)
    return signal_init(st, sig, err);
  if (!has_cgroup(st))
    return signal_init(st, sig, err); /* rootless without cgroups: only init is known */
  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_open(st->cgroup_path, &cg, err) < 0)
    return -1;
  return cgroup_kill_all(cg, sig, err);
}

/* Wait until the init is gone (it may not be our child). */
static void wait_gone(const struct container_state *st) {
  int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pidfd >= 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    for (int i = 0; i < 100 && state_process_alive(st); i++)
      if (poll(&p, 1, 100) > 0)
        break;
    close(pidfd);
  }
  /* Reap it if it is ours (run, or a test harness that is our parent). */
  waitpid(st->pid, NULL, WNOHANG);
}

static int destroy(const char *root, struct container_state *st, struct xerr *err) {
  cleanup_cgroup struct cgroup *cg = NULL;
  if (st->cgroup_path && *st->cgroup_path && cgroup_open(st->cgroup_path, &cg, NULL) == 0) {
    cgroup_kill_all(cg, SIGKILL, NULL);
  }
  if (state_process_alive(st))
    signal_init(st, SIGKILL, NULL);
  wait_gone(st);
  if (cg && cgroup_destroy(cg, err) < 0)
    return -1;
  cleanup_config struct oci_config *config = NULL;
  if (load_saved_config(root, st, &config, NULL) == 0 && config->hooks[HOOK_POSTSTOP].n) {
    cleanup_free char *text = state_text(st, STATUS_STOPPED);
    struct xerr hook_err = {0};
    if (hooks_run(&config->hooks[HOOK_POSTSTOP], HOOK_POSTSTOP, text, &hook_err) < 0)
      xlog_warn("%s", hook_err.msg);
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/%s", root, st->id);
  return remove_tree(dir, err);
}

int xrun_delete(const char *root, const char *id, bool force, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0) {
    if (force && err->errnum == ENOENT) {
      /* A state dir without state.json is a create that died: clear it. */
      char dir[PATH_MAX];
      if (state_dir_path(root, id, dir, sizeof dir, NULL) == 0)
        remove_tree(dir, NULL);
      return 0;
    }
    return -1;
  }
  enum container_status s = state_status(root, st);
  if ((s == STATUS_RUNNING || s == STATUS_PAUSED) && !force)
    return xerr_make(err, 0, "cannot delete container %s that is not stopped: %s", id,
                     status_name(s));
  return destroy(root, st, err);
}

int xrun_state(const char *root, const char *id, json_t **out, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  *out = state_to_json(st, state_status(root, st));
  return 0;
}

int xrun_list(const char *root, json_t **out, struct xerr *err) {
  json_t *arr = json_array();
  cleanup_dir DIR *d = opendir(root);
  if (d == NULL) {
    if (errno == ENOENT) {
      *out = arr;
      return 0;
    }
    json_decref(arr);
    return xerr_make(err, errno, "open %s", root);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    cleanup_state struct container_state *st = NULL;
    if (state_load(root, de->d_name, &st, NULL) < 0)
      continue; /* being created, or not ours */
    json_array_append_new(arr, state_to_json(st, state_status(root, st)));
  }
  *out = arr;
  return 0;
}

static int freeze(const char *root, const char *id, bool frozen, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  enum container_status s = state_status(root, st);
  if (frozen && s != STATUS_RUNNING && s != STATUS_CREATED)
    return xerr_make(err, 0, "container not running");
  if (!frozen && s != STATUS_PAUSED)
    return xerr_make(err, 0, "container not paused");
  if (!has_cgroup(st))
    return xerr_make(err, ENOTSUP, "container %s has no cgroup to freeze (rootless)", id);
  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_open(st->cgroup_path, &cg, err) < 0)
    return -1;
  return cgroup_freeze(cg, frozen, err);
}

int xrun_pause(const char *root, const char *id, struct xerr *err) {
  return freeze(root, id, true, err);
}

int xrun_resume(const char *root, const char *id, struct xerr *err) {
  return freeze(root, id, false, err);
}

int xrun_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  if (state_status(root, st) == STATUS_STOPPED) {
    *pids = NULL;
    *n = 0;
    return 0;
  }
  if (!has_cgroup(st)) {
    *pids = calloc(1, sizeof **pids);
    if (*pids == NULL)
      return xerr_make(err, ENOMEM, "pids");
    (*pids)[0] = st->pid;
    *n = 1;
    return 0;
  }
  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_open(st->cgroup_path, &cg, err) < 0)
    return -1;
  return cgroup_pids(cg, pids, n, err);
}
