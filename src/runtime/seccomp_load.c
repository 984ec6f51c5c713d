/* The container-side half: load the precompiled filter, and hand the
 * notify fd to the seccomp agent (runtime-spec, "The Container Process
 * State"). */
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "seccomp.h"
#include "sync.h"
#include "seccomp_internal.h"
#include "state.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

int seccomp_listener_connect(const struct seccomp_program *p, struct xerr *err) {
  if (!seccomp_program_has_listener(p))
    return -1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(p->listener_path) >= sizeof sa.sun_path)
    return xerr_make(err, ENAMETOOLONG, "linux.seccomp.listenerPath: %s", p->listener_path);
  strcpy(sa.sun_path, p->listener_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return xerr_make(err, errno, "linux.seccomp.listenerPath: socket");
  int r;
  do
    r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(fd);
    return xerr_make(err, e, "linux.seccomp.listenerPath: connect to %s", p->listener_path);
  }
  return fd;
}

static bool has_cap_sys_admin(void) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0)
    return false;
  return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"} */
static char *process_state(const struct seccomp_program *p, const char *state_json,
                           struct xerr *err) {
  json_t *state = json_loads(state_json ? state_json : "{}", 0, NULL);
  if (!json_is_object(state)) {
    json_decref(state);
    xerr_make(err, EINVAL, "linux.seccomp: the container state is not a JSON object");
    return NULL;
  }
  json_t *pid = json_object_get(state, "pid");
  json_t *ver = json_object_get(state, "ociVersion");
  json_t *w = json_object();
  json_t *fds = json_array();
  if (w == NULL || fds == NULL ||
      json_object_set_new(w, "ociVersion", json_is_string(ver) ? json_copy(ver)
                                                               : json_string(OCI_VERSION)) < 0 ||
      json_array_append_new(fds, json_string("seccompFd")) < 0 ||
      json_object_set_new(w, "fds", fds) < 0 ||
      json_object_set_new(w, "pid", json_integer(json_is_integer(pid) ? json_integer_value(pid)
                                                                      : getpid())) < 0 ||
      (p->listener_metadata &&
       json_object_set_new(w, "metadata", json_string(p->listener_metadata)) < 0) ||
      json_object_set_new(w, "state", state) < 0) {
    json_decref(w);
    xerr_make(err, ENOMEM, "linux.seccomp: container process state");
    return NULL;
  }
  char *text = json_dumps(w, JSON_COMPACT);
  json_decref(w);
  if (text == NULL)
    xerr_make(err, ENOMEM, "linux.seccomp: container process state");
  return text;
}

/* One sendmsg carrying the fd and as much of the text as fits, the rest
 * with plain sends (the spec allows that; fds go in the first only). */
static int send_state(int sock, int fd, const char *text) {
  size_t len = strlen(text);
  ssize_t n = sendmsg_fd(sock, fd, text, len);
  if (n < 0)
    return -1;
  while ((size_t)n < len) {
    ssize_t m = send(sock, text + n, len - (size_t)n, MSG_NOSIGNAL);
    if (m < 0 && errno == EINTR)
      continue;
    if (m <= 0)
      return -1;
    n += m;
  }
  return 0;
}

int seccomp_program_load(const struct seccomp_program *p, bool no_new_privs_already,
                         int listener_fd, const char *state_json, struct xerr *err) {
  cleanup_close int lfd = listener_fd;
  if (p == NULL)
    return 0;
  if (!no_new_privs_already && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 &&
      !has_cap_sys_admin())
    return xerr_make(err, EPERM,
                     "linux.seccomp: loading the filter needs process.noNewPrivileges or "
                     "CAP_SYS_ADMIN");
  unsigned long flags = p->flags;
  cleanup_free char *text = NULL;
  if (p->has_notify) {
    if (lfd < 0)
      return xerr_make(err, EINVAL, "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is used but no "
                                    "seccomp agent is connected");
    if ((text = process_state(p, state_json, err)) == NULL)
      return -1;
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if (flags & SECCOMP_FILTER_FLAG_TSYNC)
      flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  struct sock_fprog prog = {.len = (unsigned short)p->n_insns, .filter = p->insns};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0 && errno == EINVAL && p->spec_allow_implicit)
    /* Compiled (and cached) where the kernel had SPEC_ALLOW: not asked for. */
    r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags & ~SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                &prog);
  if (r < 0)
    return xerr_make(err, errno, "linux.seccomp: load the filter");
  if (!p->has_notify)
    return 0;
  /* From here on the filter applies to us: only sendmsg and close. */
  cleanup_close int nfd = (int)r;
  if (send_state(lfd, nfd, text) < 0)
    return xerr_make(err, errno, "linux.seccomp.listenerPath: send the seccomp fd to %s",
                     p->listener_path);
  return 0;
}
