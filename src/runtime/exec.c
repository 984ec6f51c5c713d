/* `exec`: a new process in a running container.  xrun forks a child that
 * joins the container's cgroup and namespaces (user first) and forks
 * again so the process lands in the pid namespace; it then applies the
 * process settings and execs.  An exec failure comes back over the sync
 * socket; a successful execve closes it (CLOEXEC). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "xrun.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int xrun_exec_default_process(const char *root, const char *id, json_t **out,
                              struct xerr *err) {
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  if (container_id_validate(id, err) < 0)
    return -1;
  snprintf(path, sizeof path, "%s/%s/config.json", root, id);
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0) {
    if (err->errnum == ENOENT)
      xerr_make(err, 0, "container %s does not exist", id), err->errnum = ENOENT;
    return -1;
  }
  json_t *config = json_loads(text, 0, NULL);
  json_t *proc = json_member(config, "process");
  *out = proc ? json_deep_copy(proc) : json_object();
  json_decref(config);
  return 0;
}

struct exec_ctx {
  const struct xrun_exec_opts *o;
  const struct container_state *st;
  int ns_fds[NS_COUNT];
  int sync_parent, sync_child;
  int console_fd;
  struct seccomp_program *seccomp; /* the container's profile, compiled */
  int seccomp_listener;            /* connected listenerPath, or -1 */
};

/* Open the init's namespaces that differ from ours. */
static int open_namespaces(struct exec_ctx *ex, struct xerr *err) {
  for (int t = 0; t < NS_COUNT; t++) {
    char theirs[64], ours[64];
    struct stat a, b;
    ex->ns_fds[t] = -1;
    snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", ex->st->pid, ns_proc_name(t));
    snprintf(ours, sizeof ours, "/proc/self/ns/%s", ns_proc_name(t));
    if (stat(theirs, &a) < 0) {
      if (errno == ENOENT && t == NS_TIME)
        continue; /* kernel without time namespaces */
      return xerr_make(err, errno, "open %s", theirs);
    }
    if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
      continue;
    ex->ns_fds[t] = open(theirs, O_RDONLY | O_CLOEXEC);
    if (ex->ns_fds[t] < 0)
      return xerr_make(err, errno, "open %s", theirs);
  }
  return 0;
}

static void close_namespaces(struct exec_ctx *ex) {
  for (int t = 0; t < NS_COUNT; t++)
    if (ex->ns_fds[t] >= 0)
      close(ex->ns_fds[t]);
}

static void exec_fail(struct exec_ctx *ex, struct xerr *err) {
  sync_send_error(ex->sync_child, err);
  _exit(126);
}

static void exec_process_child(struct exec_ctx *ex) {
  struct xerr err = {0};
  const struct oci_process *p = ex->o->process;
  int master = -1, slave = -1;
  if (p->terminal) {
    int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (ptmx < 0)
      exec_fail(ex, (xerr_make(&err, errno, "open /dev/ptmx in the container"), &err));
    master = ptmx;
    if ((slave = terminal_open_peer(master, &err)) < 0)
      exec_fail(ex, &err);
    if (p->has_console_size)
      terminal_set_size(slave, p->console_height, p->console_width, NULL);
    if (send_fd(ex->console_fd, master, &err) < 0)
      exec_fail(ex, &err);
    close(master);
    close(ex->console_fd);
    if (terminal_become_controlling(slave, &err) < 0)
      exec_fail(ex, &err);
    close(slave);
  }
  char exe[PATH_MAX];
  /* For a seccomp agent: the container's state (its "pid" is the init's;
   * the exec'd process cannot see its own host pid here). */
  char *state = NULL;
  if (ex->seccomp_listener >= 0) {
    json_t *j = state_to_json(ex->st, STATUS_RUNNING);
    state = json_dumps(j, JSON_COMPACT);
    json_decref(j);
  }
  /* The container's seccomp profile applies to exec'd processes too, in
   * the same order as for the init (see create.c).  The listener fd is
   * consumed by the first load call that runs. */
  if (process_apply_limits(p, &err) < 0 ||
      (!p->no_new_privileges &&
       seccomp_program_load(ex->seccomp, false, take_fd(&ex->seccomp_listener), state, &err) <
           0) ||
      process_apply_identity(p, &err) < 0 ||
      process_find_executable(p, exe, sizeof exe, &err) < 0 ||
      (p->no_new_privileges &&
       seccomp_program_load(ex->seccomp, true, take_fd(&ex->seccomp_listener), state, &err) < 0))
    exec_fail(ex, &err);
  reset_signals_for_exec();
  process_exec(p, exe, ex->o->preserve_fds, &err);
  exec_fail(ex, &err);
}

static void exec_join_child(struct exec_ctx *ex) {
  struct xerr err = {0};
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  close(ex->sync_parent);
  if (sync_expect(ex->sync_child, SYNC_GO, NULL, &err) < 0)
    _exit(1);
  if (ex->ns_fds[NS_USER] >= 0 && setns(ex->ns_fds[NS_USER], CLONE_NEWUSER) < 0)
    exec_fail(ex, (xerr_make(&err, errno, "join the container's user namespace"), &err));
  for (int t = 0; t < NS_COUNT; t++)
    if (t != NS_USER && ex->ns_fds[t] >= 0 && setns(ex->ns_fds[t], ns_clone_flag(t)) < 0)
      exec_fail(ex, (xerr_make(&err, errno, "join the container's %s namespace",
                               ns_type_name(t)), &err));
  pid_t pid = fork();
  if (pid < 0)
    exec_fail(ex, (xerr_make(&err, errno, "fork"), &err));
  if (pid > 0) {
    sync_send(ex->sync_child, SYNC_PID, pid, NULL);
    _exit(0);
  }
  exec_process_child(ex);
}

static int prepare_seccomp(const struct xrun_exec_opts *o, struct exec_ctx *ex,
                           struct xerr *err) {
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  snprintf(path, sizeof path, "%s/%s/config.json", o->root, o->id);
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
    return -1;
  json_t *config = json_loads(text, 0, NULL);
  json_t *seccomp = json_member(json_member(config, "linux"), "seccomp");
  int ret = seccomp_prepare(seccomp, &ex->seccomp, err);
  json_decref(config);
  return ret;
}

/* Returns the pid of the process, after its execve succeeded. */
static pid_t spawn(struct exec_ctx *ex, struct cgroup *cg, struct xerr *err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return xerr_make(err, errno, "socketpair");
  ex->sync_parent = sv[0];
  ex->sync_child = sv[1];
  pid_t child = fork();
  if (child == 0)
    exec_join_child(ex);
  close(ex->sync_child);
  cleanup_close int sync = ex->sync_parent;
  if (child < 0)
    return xerr_make(err, errno, "fork");
  struct sync_msg m;
  if (cg && cgroup_enter(cg, child, err) < 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return -1;
  }
  sync_send(sync, SYNC_GO, 0, NULL);
  int ret = sync_expect(sync, SYNC_PID, &m, err);
  waitpid(child, NULL, 0);
  if (ret < 0)
    return -1;
  /* EOF now means the execve went through. */
  if (sync_wait_eof(sync, err) < 0) {
    waitpid(m.value, NULL, 0);
    return -1;
  }
  return m.value;
}

int xrun_exec(const struct xrun_exec_opts *o, int *exit_code, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  *exit_code = 0;
  if (state_load(o->root, o->id, &st, err) < 0)
    return -1;
  enum container_status s = state_status(o->root, st);
  if (s != STATUS_RUNNING && s != STATUS_CREATED)
    return xerr_make(err, 0, "cannot exec in a %s container", status_name(s));
  if (o->process->caps.present && caps_validate(&o->process->caps, err) < 0)
    return -1;
  struct exec_ctx ex = {.o = o, .st = st, .sync_parent = -1, .sync_child = -1, .console_fd = -1,
                        .seccomp_listener = -1};
  int sv[2] = {-1, -1};
  cleanup_cgroup struct cgroup *cg = NULL;
  int ret = -1;
  pid_t pid = -1;
  cleanup_close int master = -1;
  if (!o->detach) {
    /* The process is our grandchild (forked after setns): adopt it so we
     * can wait for it. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    foreground_block_signals();
  }
  if (o->process->terminal) {
    if (o->console_socket) {
      if ((ex.console_fd = terminal_connect_socket(o->console_socket, err)) < 0)
        return -1;
    } else if (o->detach) {
      return xerr_make(err, EINVAL, "cannot allocate a terminal for a detached exec without "
                                    "--console-socket");
    } else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      return xerr_make(err, errno, "socketpair for the terminal");
    } else {
      ex.console_fd = sv[1];
    }
  }
  if ((st->cgroup_path && *st->cgroup_path && cgroup_open(st->cgroup_path, &cg, err) < 0) ||
      open_namespaces(&ex, err) < 0 || prepare_seccomp(o, &ex, err) < 0)
    goto out;
  if (seccomp_program_has_listener(ex.seccomp) &&
      (ex.seccomp_listener = seccomp_listener_connect(ex.seccomp, err)) < 0)
    goto out;
  pid = spawn(&ex, cg, err);
  /* The process has its copy: ours would keep the agent waiting for EOF. */
  if (ex.seccomp_listener >= 0)
    close(take_fd(&ex.seccomp_listener));
  if (pid < 0)
    goto out;
  if (o->pid_file && pid_file_write(o->pid_file, pid, err) < 0)
    goto out;
  ret = 0;
  if (o->detach)
    goto out;
  if (sv[0] >= 0) {
    close(sv[1]);
    sv[1] = -1;
    ex.console_fd = -1;
    if ((master = recv_fd(sv[0], err)) < 0) {
      ret = -1;
      goto out;
    }
  }
  ret = foreground_wait(pid, master, exit_code, err);
out:
  seccomp_program_free(ex.seccomp);
  if (ex.seccomp_listener >= 0)
    close(ex.seccomp_listener);
  close_namespaces(&ex);
  if (ex.console_fd >= 0)
    close(ex.console_fd);
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0 && sv[1] != ex.console_fd)
    close(sv[1]);
  return ret;
}
