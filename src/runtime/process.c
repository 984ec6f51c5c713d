#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/close_range.h>

#include "caps.h"
#include "common/xerr.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

int process_apply_limits(const struct oci_process *p, struct xerr *err) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct oci_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(r->resource, &rl) < 0) {
      int e = errno;
      struct rlimit cur;
      getrlimit(r->resource, &cur);
      if (e == EPERM && r->hard > cur.rlim_max)
        return xerr_make(err, e,
                         "process.rlimits: %s hard limit %llu is above the current hard limit "
                         "%llu, and raising it needs CAP_SYS_RESOURCE",
                         r->name, (unsigned long long)r->hard, (unsigned long long)cur.rlim_max);
      return xerr_make(err, e, "process.rlimits: setrlimit %s", r->name);
    }
  }
  if (p->has_oom_score_adj) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, (size_t)n) != n) {
      int e = errno;
      if (fd >= 0)
        close(fd);
      return xerr_make(err, e, "process.oomScoreAdj: set %d", p->oom_score_adj);
    }
    close(fd);
  }
  return 0;
}

int process_join_keyring(const char *id, struct xerr *err) {
  char name[128];
  snprintf(name, sizeof name, "_ses.%.100s", id);
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
    return xerr_make(err, errno, "create session keyring %s", name);
  return 0;
}

static int set_ids(const struct oci_process *p, struct xerr *err) {
  /* setgroups is denied in a user namespace whose gid map was written
   * with setgroups=deny; only fail when groups were asked for. */
  if (setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
      (p->n_additional_gids > 0 || errno != EPERM))
    return xerr_make(err, errno, "process.user.additionalGids: setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0)
    return xerr_make(err, errno, "process.user.gid: setgid %u", p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0)
    return xerr_make(err, errno, "process.user.uid: setuid %u", p->uid);
  return 0;
}

int process_apply_identity(const struct oci_process *p, struct xerr *err) {
  if (p->caps.present && caps_apply_bounding(&p->caps, err) < 0)
    return -1;
  /* Keep the permitted set across setuid, so the configured sets can be
   * applied to a non-root user afterwards. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return xerr_make(err, errno, "prctl PR_SET_KEEPCAPS");
  if (set_ids(p, err) < 0)
    return -1;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return xerr_make(err, errno, "prctl PR_SET_KEEPCAPS");
  if (p->caps.present && caps_apply_sets(&p->caps, err) < 0)
    return -1;
  if (p->has_umask)
    umask(p->umask);
  else
    umask(022);
  if (chdir(p->cwd) < 0)
    return xerr_make(err, errno, "process.cwd: chdir %s", p->cwd);
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return xerr_make(err, errno, "process.noNewPrivileges: prctl");
  return 0;
}

static const char *env_lookup(char **env, const char *name) {
  size_t n = strlen(name);
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
      return *e + n + 1;
  return NULL;
}

static bool is_executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int process_find_executable(const struct oci_process *p, char *path, size_t len,
                            struct xerr *err) {
  const char *name = p->args[0];
  if (strchr(name, '/')) {
    struct stat st;
    if (stat(name, &st) < 0)
      return xerr_make(err, errno, "exec: \"%s\"", name);
    if (S_ISDIR(st.st_mode))
      return xerr_make(err, EISDIR, "exec: \"%s\"", name);
    snprintf(path, len, "%s", name);
    return 0;
  }
  const char *search = env_lookup(p->env, "PATH");
  if (search == NULL)
    search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const char *dir = search;
  while (*dir) {
    const char *end = strchrnul(dir, ':');
    int dlen = (int)(end - dir);
    snprintf(path, len, "%.*s/%s", dlen ? dlen : 1, dlen ? dir : ".", name);
    if (is_executable(path))
      return 0;
    dir = *end ? end + 1 : end;
  }
  xerr_make(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
  err->errnum = ENOENT;
  return -1;
}

int process_exec(const struct oci_process *p, const char *path, int preserve_fds,
                 struct xerr *err) {
  /* Fds handed down by the caller stay open whatever flags they came with. */
  for (int fd = 3; fd < 3 + preserve_fds; fd++)
    fcntl(fd, F_SETFD, 0);
  /* Mark, don't close: the exec error path still needs its socket. */
  syscall(SYS_close_range, 3 + (unsigned)preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(path, p->args, p->env);
  return xerr_make(err, errno, "exec %s", path);
}
