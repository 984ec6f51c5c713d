/* `create`: everything from config.json to an init process that waits on
 * exec.fifo for `start`.
 *
 * Processes: xrun clones the init directly with all the new namespaces
 * when no namespace is joined by path and no time namespace is asked for
 * (the fast path: one process).  Otherwise it forks an intermediate child
 * that joins the given namespaces (user first), unshares the new ones and
 * forks the real init, so pid and time namespaces apply to it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "hooks.h"
#include "loopback.h"
#include "idmap.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "xrun.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct create_ctx {
  const struct xrun_create_opts *o;
  struct oci_config *config;
  char state_dir[PATH_MAX];
  int sync_parent, sync_child;
  int fifo_fd;               /* O_PATH fd of exec.fifo */
  int console_fd;            /* connected console socket or -1 */
  int ns_fds[NS_COUNT];      /* namespaces joined by path */
  bool fast_path;
  int clone_flags;           /* new namespaces made by clone (fast path) */
  struct container_state st;
  struct cgroup *cg;
  struct seccomp_program *seccomp; /* compiled before the fork, NULL when none */
  int seccomp_listener;            /* connected listenerPath, or -1 */
};

static bool ns_new(const struct oci_config *c, enum ns_type t) {
  return c->namespaces[t].present && c->namespaces[t].path == NULL;
}

/* ---- in the child ---- */

static void child_fail(struct create_ctx *cx, struct xerr *err) {
  sync_send_error(cx->sync_child, err);
  _exit(1);
}

static int write_time_offsets(const struct oci_config *c, struct xerr *err) {
  char buf[128];
  int n = 0;
  if (c->time_monotonic.present)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
                  (long long)c->time_monotonic.secs, c->time_monotonic.nanosecs);
  if (c->time_boottime.present)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
                  (long long)c->time_boottime.secs, c->time_boottime.nanosecs);
  if (n == 0)
    return 0;
  /* One write per line: the kernel takes one offset per write. */
  for (char *line = buf; *line;) {
    char *end = strchr(line, '\n') + 1;
    if (write_file_at(AT_FDCWD, "/proc/self/timens_offsets", line, (size_t)(end - line), err) < 0)
      return xerr_wrap(err, "linux.timeOffsets");
    line = end;
  }
  return 0;
}

/* In a new user namespace, act as its root (the kernel gives us the
 * overflow id until we ask), so what we create is owned by mapped ids. */
static void become_ns_root(void) {
  if (setresgid(0, 0, 0) == 0)
    (void)setresuid(0, 0, 0);
}

/* The slow path's intermediate child: join, unshare, fork the init. */
static void child_join_and_fork(struct create_ctx *cx) {
  struct xerr err = {0};
  const struct oci_config *c = cx->config;
  if (cx->ns_fds[NS_USER] >= 0 && setns(cx->ns_fds[NS_USER], CLONE_NEWUSER) < 0)
    child_fail(cx, (xerr_make(&err, errno, "join user namespace %s", c->namespaces[NS_USER].path), &err));
  for (int t = 0; t < NS_COUNT; t++)
    if (t != NS_USER && cx->ns_fds[t] >= 0 && setns(cx->ns_fds[t], ns_clone_flag(t)) < 0)
      child_fail(cx, (xerr_make(&err, errno, "join %s namespace %s", ns_type_name(t),
                                c->namespaces[t].path), &err));
  if (ns_new(c, NS_USER)) {
    if (unshare(CLONE_NEWUSER) < 0)
      child_fail(cx, (xerr_make(&err, errno, "create user namespace"), &err));
    sync_send(cx->sync_child, SYNC_USERMAP, 0, NULL);
    if (sync_expect(cx->sync_child, SYNC_USERMAP_DONE, NULL, &err) < 0)
      _exit(1);
    become_ns_root();
  }
  int flags = 0;
  for (int t = 0; t < NS_COUNT; t++)
    if (t != NS_USER && ns_new(c, t))
      flags |= ns_clone_flag(t);
  if (flags && unshare(flags) < 0)
    child_fail(cx, (xerr_make(&err, errno, "create namespaces"), &err));
  if (ns_new(c, NS_TIME) && write_time_offsets(c, &err) < 0)
    child_fail(cx, &err);
  pid_t pid = fork();
  if (pid < 0)
    child_fail(cx, (xerr_make(&err, errno, "fork container init"), &err));
  if (pid > 0) {
    sync_send(cx->sync_child, SYNC_PID, pid, NULL);
    _exit(0);
  }
}

/* Host pid of the calling process, from the host /proc still visible
 * before pivot_root (NSpid's first field). */
static pid_t host_pid(void) {
  cleanup_free char *status = NULL;
  if (read_file_at(AT_FDCWD, "/proc/self/status", &status, NULL, NULL) < 0)
    return 0;
  char *p = strstr(status, "\nNSpid:");
  return p ? (pid_t)strtol(p + 7, NULL, 10) : 0;
}

static char *state_json_text(struct create_ctx *cx, pid_t pid) {
  cx->st.pid = pid;
  json_t *j = state_to_json(&cx->st, STATUS_CREATING);
  char *s = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  return s;
}

static int child_terminal_setup(struct create_ctx *cx, struct rootfs_ctx *rc, int *master,
                                int *slave, struct xerr *err) {
  const struct oci_process *p = cx->config->process;
  *master = rootfs_open_ptmx(cx->config, err);
  if (*master < 0)
    return -1;
  *slave = terminal_open_peer(*master, err);
  if (*slave < 0)
    return -1;
  if (p->has_console_size &&
      terminal_set_size(*slave, p->console_height, p->console_width, err) < 0)
    return -1;
  rc->console_slave = *slave;
  return rootfs_bind_console(cx->config, *slave, err);
}

/* state: the container state for a seccomp agent, made before pivot_root
 * while host_pid() can still see the host pid. */
static int load_seccomp(struct create_ctx *cx, bool nnp, const char *state, struct xerr *err) {
  if (cx->seccomp == NULL)
    return 0;
  int ret = seccomp_program_load(cx->seccomp, nnp, cx->seccomp_listener, state, err);
  cx->seccomp_listener = -1; /* consumed */
  return ret < 0 ? xerr_wrap(err, "linux.seccomp") : 0;
}

static int child_setup(struct create_ctx *cx, struct xerr *err) {
  const struct oci_config *c = cx->config;
  /* Devices and directories get exactly the modes the config gives. */
  umask(0);
  const struct oci_process *p = c->process;
  struct rootfs_ctx rc = {.config = c, .bundle = cx->o->bundle, .no_pivot = cx->o->no_pivot,
                          .in_user_ns = c->namespaces[NS_USER].present, .console_slave = -1};
  int master = -1, slave = -1;
  if (!cx->o->no_new_keyring && process_join_keyring(cx->o->id, err) < 0)
    return -1;
  if (c->namespaces[NS_NET].present && !c->namespaces[NS_NET].path && loopback_up(err) < 0)
    return -1;
  if (rootfs_mount_all(&rc, err) < 0)
    return -1;
  if (p->terminal && child_terminal_setup(cx, &rc, &master, &slave, err) < 0)
    return -1;
  if (c->hooks[HOOK_PRESTART].n || c->hooks[HOOK_CREATE_RUNTIME].n) {
    sync_send(cx->sync_child, SYNC_HOOKS, 0, NULL);
    if (sync_expect(cx->sync_child, SYNC_HOOKS_DONE, NULL, err) < 0)
      return -1;
  }
  cleanup_free char *state_text = NULL;
  if (c->hooks[HOOK_CREATE_CONTAINER].n || c->hooks[HOOK_START_CONTAINER].n ||
      cx->seccomp_listener >= 0)
    state_text = state_json_text(cx, host_pid());
  if (c->hooks[HOOK_CREATE_CONTAINER].n &&
      hooks_run(&c->hooks[HOOK_CREATE_CONTAINER], HOOK_CREATE_CONTAINER, state_text, err) < 0)
    return -1;
  if (c->hostname && *c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
    return xerr_make(err, errno, "hostname: set \"%s\"", c->hostname);
  if (c->domainname && *c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
    return xerr_make(err, errno, "domainname: set \"%s\"", c->domainname);
  if (rootfs_make_cwd(c, err) < 0 || rootfs_enter(&rc, err) < 0 || rootfs_finish(&rc, err) < 0)
    return -1;
  if (p->terminal) {
    if (send_fd(cx->console_fd, master, err) < 0)
      return -1;
    close(master);
    close(cx->console_fd);
    if (terminal_become_controlling(slave, err) < 0)
      return -1;
    close(slave);
  } else if (setsid() < 0) {
    return xerr_make(err, errno, "setsid");
  }
  if (c->has_personality && personality(c->personality) < 0)
    return xerr_make(err, errno, "linux.personality");
  if (process_apply_limits(p, err) < 0)
    return -1;
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it goes
   * before the capabilities are dropped; with it, as late as possible. */
  if (!p->no_new_privileges && load_seccomp(cx, false, state_text, err) < 0)
    return -1;
  if (process_apply_identity(p, err) < 0)
    return -1;
  if (p->no_new_privileges && load_seccomp(cx, true, state_text, err) < 0)
    return -1;
  char exe[PATH_MAX];
  if (process_find_executable(p, exe, sizeof exe, err) < 0)
    return -1;
  /* Everything that can fail has run: tell create it may return. */
  sync_send(cx->sync_child, SYNC_READY, 0, NULL);
  close(cx->sync_child);
  cx->sync_child = -1;
  char fifo[32];
  snprintf(fifo, sizeof fifo, "/proc/self/fd/%d", cx->fifo_fd);
  int w = open(fifo, O_WRONLY | O_CLOEXEC);
  if (w < 0 || write(w, "0", 1) != 1)
    return xerr_make(err, errno, "wait for start on exec.fifo");
  close(w);
  if (c->hooks[HOOK_START_CONTAINER].n &&
      hooks_run(&c->hooks[HOOK_START_CONTAINER], HOOK_START_CONTAINER, state_text, err) < 0)
    return -1;
  reset_signals_for_exec();
  return process_exec(p, exe, cx->o->preserve_fds, err);
}

static void child_main(struct create_ctx *cx) {
  struct xerr err = {0};
  close(cx->sync_parent);
  if (sync_expect(cx->sync_child, SYNC_GO, NULL, &err) < 0)
    _exit(1);
  /* Nothing in the container may open our /proc/PID/exe (the host binary)
   * while we still run xrun code in its namespaces.  Not before GO: an
   * unprivileged xrun could not write the id maps of a non-dumpable child,
   * and until GO no other process shares any namespace with us (a new pid
   * namespace is still empty; joins happen after). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (!cx->fast_path) {
    child_join_and_fork(cx);
  } else {
    if (ns_new(cx->config, NS_USER))
      become_ns_root();
    if (ns_new(cx->config, NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
      child_fail(cx, (xerr_make(&err, errno, "create cgroup namespace"), &err));
  }
  if (child_setup(cx, &err) < 0) {
    if (cx->sync_child >= 0) {
      sync_send_error(cx->sync_child, &err);
    } else {
      /* After READY only stderr is left to tell. */
      dprintf(STDERR_FILENO, "%s\n", err.msg);
    }
    _exit(err.errnum == ENOENT ? 127 : 126);
  }
  _exit(127);
}

/* ---- in xrun ---- */

static int open_joined_namespaces(struct create_ctx *cx, struct xerr *err) {
  for (int t = 0; t < NS_COUNT; t++) {
    cx->ns_fds[t] = -1;
    const char *path = cx->config->namespaces[t].path;
    if (path == NULL)
      continue;
    cx->ns_fds[t] = open(path, O_RDONLY | O_CLOEXEC);
    if (cx->ns_fds[t] < 0)
      return xerr_make(err, errno, "linux.namespaces: open %s namespace %s", ns_type_name(t), path);
    cx->fast_path = false;
  }
  return 0;
}

static void close_joined_namespaces(struct create_ctx *cx) {
  for (int t = 0; t < NS_COUNT; t++)
    if (cx->ns_fds[t] >= 0)
      close(cx->ns_fds[t]);
}

/* Devices the config makes are usable in the container: allow them in
 * the device cgroup after the configured rules, as runc does. */
static int allow_config_devices(struct oci_config *c, struct xerr *err) {
  if (c->n_devices == 0 || c->resources == NULL)
    return 0;
  json_t *rules = json_object_get(c->resources, "devices");
  if (!json_is_array(rules))
    return 0; /* no device rules: the cgroup's devices are not restricted */
  for (size_t i = 0; i < c->n_devices; i++) {
    const struct oci_device *d = &c->devices[i];
    char type[2] = {d->type == 'u' ? 'c' : d->type, '\0'};
    if (d->type == 'p')
      continue; /* FIFOs are not device-cgroup business */
    json_t *rule = json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type", type, "major",
                             (json_int_t)d->major, "minor", (json_int_t)d->minor, "access", "rwm");
    if (rule == NULL || json_array_append_new(rules, rule) < 0)
      return xerr_make(err, ENOMEM, "linux.devices");
  }
  return 0;
}

static int check_config(const struct oci_config *c, const struct xrun_create_opts *o,
                        struct xerr *err) {
  struct stat st;
  if (c->process == NULL)
    return xerr_make(err, EINVAL, "process: required field is missing");
  if (stat(c->root_path, &st) < 0)
    return xerr_make(err, errno, "root.path: rootfs %s", c->root_path);
  if (!S_ISDIR(st.st_mode))
    return xerr_make(err, ENOTDIR, "root.path: rootfs %s", c->root_path);
  if (!c->namespaces[NS_MOUNT].present || c->namespaces[NS_MOUNT].path)
    return xerr_make(err, EINVAL, "linux.namespaces: xrun needs a new mount namespace");
  if (geteuid() != 0 && !c->namespaces[NS_USER].present)
    return xerr_make(err, EPERM,
                     "linux.namespaces: a rootless container needs a user namespace (see "
                     "`xrun spec --rootless`)");
  if (c->process->caps.present && caps_validate(&c->process->caps, err) < 0)
    return -1;
  if (c->process->terminal && o->console_socket == NULL && o->console_fd < 0)
    return xerr_make(err, EINVAL,
                     "process.terminal is true: a --console-socket is needed to hand over the "
                     "terminal");
  return 0;
}

static int make_state_dir(struct create_ctx *cx, struct xerr *err) {
  const struct xrun_create_opts *o = cx->o;
  if (state_dir_path(o->root, o->id, cx->state_dir, sizeof cx->state_dir, err) < 0)
    return -1;
  if (mkdir_p(o->root, 0711, err) < 0)
    return -1;
  if (mkdir(cx->state_dir, 0711) < 0) {
    if (errno == EEXIST) {
      xerr_make(err, 0, "container with id %s already exists", o->id);
      err->errnum = EEXIST;
      return -1;
    }
    return xerr_make(err, errno, "create state directory %s", cx->state_dir);
  }
  return 0;
}

static int save_config_copy(struct create_ctx *cx, struct xerr *err) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/config.json", cx->state_dir);
  char *text = json_dumps(cx->config->json, JSON_COMPACT);
  if (text == NULL)
    return xerr_make(err, ENOMEM, "save config");
  int ret = write_state_file(path, text, strlen(text), 0600, err);
  free(text);
  return ret;
}

static int make_fifo(struct create_ctx *cx, struct xerr *err) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/exec.fifo", cx->state_dir);
  mode_t old = umask(0);
  int r = mkfifo(path, 0622);
  umask(old);
  if (r < 0)
    return xerr_make(err, errno, "mkfifo %s", path);
  cx->fifo_fd = open(path, O_PATH | O_CLOEXEC);
  if (cx->fifo_fd < 0)
    return xerr_make(err, errno, "open %s", path);
  return 0;
}

static pid_t clone_child(struct create_ctx *cx) {
  int flags = SIGCHLD;
  if (cx->fast_path)
    flags |= cx->clone_flags;
  pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
  if (pid == 0)
    child_main(cx);
  return pid;
}

static int run_parent_hooks(struct create_ctx *cx, struct xerr *err) {
  cleanup_free char *text = state_json_text(cx, cx->st.pid);
  const struct oci_config *c = cx->config;
  if (hooks_run(&c->hooks[HOOK_PRESTART], HOOK_PRESTART, text, err) < 0 ||
      hooks_run(&c->hooks[HOOK_CREATE_RUNTIME], HOOK_CREATE_RUNTIME, text, err) < 0)
    return -1;
  sync_send(cx->sync_parent, SYNC_HOOKS_DONE, 0, NULL);
  return 0;
}

static int recv_any(int fd, struct sync_msg *m, struct xerr *err) {
  memset(m, 0, sizeof *m);
  ssize_t n;
  do
    n = recv(fd, m, sizeof *m - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return xerr_make(err, errno, "read from container init");
  if (n == 0)
    return xerr_make(err, 0, "container init exited during set-up");
  if (m->type == SYNC_ERROR) {
    xerr_make(err, 0, "%s", m->msg);
    err->errnum = m->value;
    return -1;
  }
  return 0;
}

/* Talk the child through set-up until it says READY. */
static int drive_child(struct create_ctx *cx, pid_t child, struct xerr *err) {
  const struct oci_config *c = cx->config;
  if (cx->fast_path && ns_new(c, NS_USER) && idmap_write(child, c, err) < 0)
    return -1;
  if (cx->cg && cgroup_enter(cx->cg, child, err) < 0)
    return -1;
  sync_send(cx->sync_parent, SYNC_GO, 0, NULL);
  cx->st.pid = child;
  for (;;) {
    struct sync_msg m;
    if (recv_any(cx->sync_parent, &m, err) < 0)
      return -1;
    switch (m.type) {
    case SYNC_USERMAP:
      if (idmap_write(child, c, err) < 0)
        return -1;
      sync_send(cx->sync_parent, SYNC_USERMAP_DONE, 0, NULL);
      break;
    case SYNC_PID:
      cx->st.pid = m.value;
      waitpid(child, NULL, 0); /* the intermediate child is done */
      break;
    case SYNC_HOOKS:
      if (run_parent_hooks(cx, err) < 0)
        return -1;
      break;
    case SYNC_READY:
      return 0;
    default:
      return xerr_make(err, EPROTO, "unexpected message %d from container init", m.type);
    }
  }
}

static void destroy_partial(struct create_ctx *cx, pid_t child) {
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  if (cx->cg) {
    cgroup_kill_all(cx->cg, SIGKILL, NULL);
    cgroup_destroy(cx->cg, NULL);
  }
  if (cx->state_dir[0])
    remove_tree(cx->state_dir, NULL);
}

/* A rootless container goes on without cgroups it may not write, as runc
 * does, unless resources were asked for. */
static int make_cgroup(struct create_ctx *cx, const char *path, struct xerr *err) {
  if (cgroup_create(path, cx->config->resources, &cx->cg, err) == 0)
    return 0;
  int e = err->errnum;
  if (geteuid() == 0 || (e != EACCES && e != EPERM && e != EROFS) || cx->config->resources)
    return -1;
  xlog_warn("rootless: no cgroup for the container (%s)", err->msg);
  xerr_clear(err);
  cx->cg = NULL;
  return 0;
}

static int create_container(struct create_ctx *cx, pid_t *pid_out, struct xerr *err) {
  const struct xrun_create_opts *o = cx->o;
  struct oci_config *c = cx->config;
  char created[64];
  int sv[2];
  pid_t child = -1;
  cleanup_free char *cgroup_path = NULL;

  if (make_state_dir(cx, err) < 0)
    return -1;
  cx->st.id = (char *)o->id;
  cx->st.bundle = (char *)o->bundle;
  cx->st.rootfs = c->root_path;
  cx->st.annotations = c->annotations;
  cx->st.owner = geteuid();
  cx->st.has_user_ns = c->namespaces[NS_USER].present;
  rfc3339_now(created, sizeof created);
  cx->st.created = created;
  if (save_config_copy(cx, err) < 0 || make_fifo(cx, err) < 0 ||
      cgroup_path_for(c->cgroups_path, o->id, &cgroup_path, err) < 0 ||
      make_cgroup(cx, cgroup_path, err) < 0)
    goto fail;
  cx->st.cgroup_path = cx->cg ? cgroup_path : "";
  if (o->console_socket && (cx->console_fd = terminal_connect_socket(o->console_socket, err)) < 0)
    goto fail;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    xerr_make(err, errno, "socketpair");
    goto fail;
  }
  cx->sync_parent = sv[0];
  cx->sync_child = sv[1];
  child = clone_child(cx);
  close(cx->sync_child);
  if (child < 0) {
    xerr_make(err, errno, "clone container init");
    goto fail;
  }
  if (drive_child(cx, child, err) < 0)
    goto fail;
  cx->st.start_time = proc_start_time(cx->st.pid);
  if (state_save(o->root, &cx->st, err) < 0)
    goto fail;
  if (o->pid_file && pid_file_write(o->pid_file, cx->st.pid, err) < 0)
    goto fail;
  *pid_out = cx->st.pid;
  return 0;
fail:
  destroy_partial(cx, child);
  return -1;
}

int xrun_create(const struct xrun_create_opts *o, pid_t *pid, struct xerr *err) {
  struct create_ctx cx = {.o = o, .sync_parent = -1, .sync_child = -1, .fifo_fd = -1,
                          .console_fd = o->console_fd, .fast_path = true,
                          .seccomp_listener = -1};
  if (container_id_validate(o->id, err) < 0)
    return -1;
  if (oci_config_load(o->bundle, &cx.config, err) < 0)
    return -1;
  int ret = -1;
  for (int t = 0; t < NS_COUNT; t++)
    cx.ns_fds[t] = -1;
  if (check_config(cx.config, o, err) < 0 || allow_config_devices(cx.config, err) < 0 ||
      open_joined_namespaces(&cx, err) < 0 ||
      seccomp_prepare(cx.config->seccomp, &cx.seccomp, err) < 0)
    goto out;
  xerr_clear(err);
  cx.seccomp_listener = seccomp_listener_connect(cx.seccomp, err);
  if (cx.seccomp_listener < 0 && err->msg[0])
    goto out;
  if (cx.config->namespaces[NS_TIME].present)
    cx.fast_path = false;
  for (int t = 0; t < NS_COUNT; t++)
    if (t != NS_CGROUP && t != NS_TIME && ns_new(cx.config, t))
      cx.clone_flags |= ns_clone_flag(t);
  ret = create_container(&cx, pid, err);
out:
  close_joined_namespaces(&cx);
  if (cx.sync_parent >= 0)
    close(cx.sync_parent);
  if (cx.fifo_fd >= 0)
    close(cx.fifo_fd);
  if (cx.console_fd >= 0 && cx.console_fd != o->console_fd)
    close(cx.console_fd);
  cgroup_free(cx.cg);
  seccomp_program_free(cx.seccomp);
  if (cx.seccomp_listener >= 0)
    close(cx.seccomp_listener);
  oci_config_free(cx.config);
  if (ret < 0)
    xerr_wrap(err, "create container %s", o->id);
  return ret;
}
