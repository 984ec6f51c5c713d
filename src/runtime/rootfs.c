#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/rootpath.h"
#include "common/xerr.h"
#include "mountopts.h"

#define FD_PATH_MAX 32

static void fd_path(char *buf, int fd) { snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd); }

/* Collapse repeated and trailing slashes, so "/dev/", "//dev" and "/dev"
 * compare equal. */
static void normalize_path(const char *in, char *out, size_t len) {
  size_t o = 0;
  for (const char *p = in; *p && o + 1 < len; p++) {
    if (*p == '/' && o > 0 && out[o - 1] == '/')
      continue;
    out[o++] = *p;
  }
  while (o > 1 && out[o - 1] == '/')
    o--;
  out[o] = '\0';
}

static bool path_is(const char *a, const char *b) {
  char na[PATH_MAX], nb[PATH_MAX];
  normalize_path(a, na, sizeof na);
  normalize_path(b, nb, sizeof nb);
  return strcmp(na, nb) == 0;
}

static const struct oci_mount *find_mount(const struct oci_config *c, const char *dest) {
  for (size_t i = 0; i < c->n_mounts; i++)
    if (path_is(c->mounts[i].destination, dest))
      return &c->mounts[i];
  return NULL;
}

/* Flags the kernel locks on a mount made in a less privileged user
 * namespace; a bind remount must repeat them or it fails with EPERM. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  unsigned long flags = 0;
  if (statvfs(path, &sv) < 0)
    return 0;
  static const struct { unsigned long st, ms; } map[] = {
      {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
      {ST_RDONLY, MS_RDONLY}, {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (sv.f_flag & map[i].st)
      flags |= map[i].ms;
  return flags;
}

/* Re-mount an existing bind mount with new flags, keeping the locked ones
 * the caller did not ask to clear. */
static int bind_remount(const char *path, unsigned long flags, unsigned long clear,
                        const char *what, struct xerr *err) {
  unsigned long keep = locked_flags(path) & ~clear & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  unsigned long all = MS_REMOUNT | MS_BIND | flags | keep;
  if (mount(NULL, path, NULL, all, NULL) < 0) {
    /* In a user namespace atime flags may be locked too: retry keeping them. */
    unsigned long atime = locked_flags(path) & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
    if (errno != EPERM || mount(NULL, path, NULL, all | atime, NULL) < 0)
      return xerr_make(err, errno, "remount %s", what);
  }
  return 0;
}

/* rro, rnosuid, ...: attributes applied to every mount of the subtree. */
static int apply_recursive_attrs(const char *path, const struct oci_mount *m, struct xerr *err) {
  uint64_t set = 0, clr = 0;
  if (mount_options_recursive_attrs(m, &set, &clr) <= 0)
    return 0;
  struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
  if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) < 0)
    return xerr_make(err, errno, "mount %s: set recursive options", m->destination);
  return 0;
}

static int mount_bind(const struct rootfs_ctx *ctx, int rootfd, const struct oci_mount *m,
                      struct xerr *err) {
  char source[PATH_MAX];
  if (mount_options_idmap(m) != MOUNT_IDMAP_NONE)
    return xerr_make(err, ENOTSUP, "mount %s: idmapped mounts are not supported yet",
                     m->destination);
  if (m->source == NULL)
    return xerr_make(err, EINVAL, "mount %s: bind mount without a source", m->destination);
  if (m->source[0] == '/')
    snprintf(source, sizeof source, "%s", m->source);
  else
    snprintf(source, sizeof source, "%s/%s", ctx->bundle, m->source);
  struct stat st;
  if (stat(source, &st) < 0)
    return xerr_make(err, errno, "mount %s on %s: source", source, m->destination);
  cleanup_close int target = root_ensure(rootfd, m->destination, S_ISDIR(st.st_mode), 0755, err);
  if (target < 0)
    return xerr_wrap(err, "mount %s", m->destination);
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  unsigned long flags = MS_BIND | (m->recursive_bind ? MS_REC : 0);
  if (mount(source, tp, NULL, flags, NULL) < 0)
    return xerr_make(err, errno, "bind mount %s on %s", source, m->destination);
  uint64_t rset = 0, rclr = 0;
  bool recursive_attrs = mount_options_recursive_attrs(m, &rset, &rclr) > 0;
  if (!m->has_flag_changes && !recursive_attrs)
    return 0;
  /* The O_PATH fd still names the directory under the new mount; reopen
   * the destination so the remount reaches the mount on top. */
  cleanup_close int top = root_open(rootfd, m->destination, O_PATH, 0, err);
  if (top < 0)
    return -1;
  fd_path(tp, top);
  if (m->has_flag_changes &&
      bind_remount(tp, m->flags & ~(MS_BIND | MS_REC), m->clear_flags, m->destination, err) < 0)
    return -1;
  return apply_recursive_attrs(tp, m, err);
}

/* One cgroup v1 hierarchy or the cgroup2 tree, below a cgroup mount. */
static int mount_cgroup_hierarchy(int dirfd, const char *name, const char *fstype,
                                  const char *data, unsigned long flags, struct xerr *err) {
  if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
    return xerr_make(err, errno, "mkdir cgroup %s", name);
  cleanup_close int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open cgroup dir %s", name);
  char tp[FD_PATH_MAX];
  fd_path(tp, fd);
  if (mount("cgroup", tp, fstype, flags, data) < 0)
    return xerr_make(err, errno, "mount cgroup %s", name);
  return 0;
}

static int symlink_cgroup_aliases(int dirfd, const char *name) {
  /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on hosts. */
  if (strchr(name, ',') == NULL)
    return 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", name);
  char *save = NULL;
  for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save))
    if (symlinkat(name, dirfd, part) < 0 && errno != EEXIST)
      return -1;
  return 0;
}

/* A cgroup mount: cgroup2 on unified hosts; otherwise a tmpfs holding one
 * mount per v1 hierarchy (and "unified" on hybrid hosts), each rooted at
 * the container's cgroup by its cgroup namespace. */
static int mount_cgroup_hierarchies(int rootfd, const struct oci_mount *m, struct xerr *err);

/* A user namespace may not mount cgroup v1 hierarchies: bind the host's
 * tree instead, read-only as the mount asked, as runc does rootless. */
static int bind_host_cgroups(int rootfd, const struct oci_mount *m, struct xerr *err) {
  cleanup_close int target = root_open(rootfd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (target < 0)
    return -1;
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  if (mount("/sys/fs/cgroup", tp, NULL, MS_BIND | MS_REC, NULL) < 0)
    return xerr_make(err, errno, "bind /sys/fs/cgroup on %s", m->destination);
  cleanup_close int top = root_open(rootfd, m->destination, O_PATH, 0, err);
  if (top < 0)
    return -1;
  fd_path(tp, top);
  if ((m->flags & MS_RDONLY) && bind_remount(tp, MS_RDONLY, 0, m->destination, err) < 0)
    return -1;
  return 0;
}

static int mount_cgroup(const struct rootfs_ctx *ctx, int rootfd, const struct oci_mount *m,
                        struct xerr *err) {
  if (mount_cgroup_hierarchies(rootfd, m, err) == 0)
    return 0;
  if (!ctx->in_user_ns || (err->errnum != EPERM && err->errnum != EACCES))
    return -1;
  /* Undo the half-made tmpfs and its sub-mounts, then bind. */
  cleanup_close int target = root_open(rootfd, m->destination, O_PATH | O_DIRECTORY, 0, NULL);
  if (target >= 0) {
    char tp[FD_PATH_MAX];
    fd_path(tp, target);
    umount2(tp, MNT_DETACH);
  }
  xerr_clear(err);
  return bind_host_cgroups(rootfd, m, err);
}

static int mount_cgroup_hierarchies(int rootfd, const struct oci_mount *m, struct xerr *err) {
  cleanup_close int target = root_ensure(rootfd, m->destination, 1, 0755, err);
  if (target < 0)
    return xerr_wrap(err, "mount %s", m->destination);
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  unsigned long flags = m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_RDONLY);
  cleanup_free char *cg = NULL;
  if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &cg, NULL, err) < 0)
    return -1;
  bool v1 = strstr(cg, "\n1:") != NULL || strncmp(cg, "1:", 2) == 0;
  if (!v1) {
    if (mount("cgroup2", tp, "cgroup2", flags, NULL) < 0)
      return xerr_make(err, errno, "mount cgroup2 on %s", m->destination);
    return 0;
  }
  if (mount("tmpfs", tp, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
    return xerr_make(err, errno, "mount tmpfs on %s", m->destination);
  cleanup_close int dir = root_open(rootfd, m->destination, O_PATH | O_DIRECTORY, 0, err);
  if (dir < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *ctrls = strchr(line, ':');
    char *end = ctrls ? strchr(ctrls + 1, ':') : NULL;
    if (end == NULL)
      continue;
    *end = '\0';
    ctrls++;
    int ret;
    if (*ctrls == '\0') {
      ret = mount_cgroup_hierarchy(dir, "unified", "cgroup2", NULL, flags, err);
    } else {
      const char *name = strncmp(ctrls, "name=", 5) == 0 ? ctrls + 5 : ctrls;
      ret = mount_cgroup_hierarchy(dir, name, "cgroup", ctrls, flags, err);
      if (ret == 0 && symlink_cgroup_aliases(dir, name) < 0)
        ret = xerr_make(err, errno, "link cgroup %s", name);
    }
    if (ret < 0)
      return xerr_wrap(err, "mount %s", m->destination);
  }
  cleanup_close int top = root_open(rootfd, m->destination, O_PATH, 0, err);
  if (top < 0)
    return -1;
  fd_path(tp, top);
  if ((m->flags & MS_RDONLY) && bind_remount(tp, flags, 0, m->destination, err) < 0)
    return -1;
  return 0;
}

static int mount_generic(const struct rootfs_ctx *ctx, int rootfd, const struct oci_mount *m,
                         struct xerr *err) {
  cleanup_close int target = root_ensure(rootfd, m->destination, 1, 0755, err);
  if (target < 0)
    return xerr_wrap(err, "mount %s", m->destination);
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  const char *type = m->type ? m->type : "none";
  const char *source = m->source ? m->source : type;
  if (mount(source, tp, type, m->flags, m->data) < 0) {
    int e = errno;
    /* sysfs cannot be mounted in a user namespace that does not own the
     * network namespace; bind the host's, read-only, as runc does. */
    if (strcmp(type, "sysfs") == 0 && (e == EPERM || e == EACCES) && ctx->in_user_ns) {
      if (mount("/sys", tp, NULL, MS_BIND | MS_REC, NULL) == 0)
        return 0;
    }
    return xerr_make(err, e, "mount %s on %s (type %s)", source, m->destination, type);
  }
  return 0;
}

static int mount_one(const struct rootfs_ctx *ctx, int rootfd, const struct oci_mount *m,
                     struct xerr *err) {
  if (m->bind)
    return mount_bind(ctx, rootfd, m, err);
  if (m->type && strcmp(m->type, "cgroup") == 0)
    return mount_cgroup(ctx, rootfd, m, err);
  return mount_generic(ctx, rootfd, m, err);
}

struct default_device {
  const char *path;
  unsigned major, minor;
};

static const struct default_device default_devices[] = {
    {"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static int make_device(const struct rootfs_ctx *ctx, int rootfd, const char *path, char type,
                       unsigned major, unsigned minor, mode_t perm, uid_t uid, gid_t gid,
                       struct xerr *err) {
  char base[NAME_MAX + 1];
  cleanup_close int parent = root_open_parent(rootfd, path, base, sizeof base, err);
  if (parent < 0)
    return -1;
  if (ctx->in_user_ns) {
    /* mknod is not allowed in a user namespace: bind the host's node. */
    int f = openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (f < 0 && errno != EEXIST)
      return xerr_make(err, errno, "create device %s", path);
    if (f >= 0)
      close(f);
    cleanup_close int target = root_open(rootfd, path, O_PATH, 0, err);
    if (target < 0)
      return -1;
    char tp[FD_PATH_MAX];
    fd_path(tp, target);
    if (mount(path, tp, NULL, MS_BIND, NULL) < 0)
      return xerr_make(err, errno, "bind device %s", path);
    return 0;
  }
  mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
  if (unlinkat(parent, base, 0) < 0 && errno != ENOENT && errno != EISDIR)
    return xerr_make(err, errno, "replace device %s", path);
  if (mknodat(parent, base, kind | (perm & 07777), makedev(major, minor)) < 0)
    return xerr_make(err, errno, "mknod %s", path);
  if (fchownat(parent, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "chown device %s", path);
  return 0;
}

static int make_devices(const struct rootfs_ctx *ctx, int rootfd, bool own_dev,
                        struct xerr *err) {
  const struct oci_config *c = ctx->config;
  if (own_dev)
    for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
      const struct default_device *d = &default_devices[i];
      bool overridden = false;
      for (size_t j = 0; j < c->n_devices; j++)
        overridden |= path_is(c->devices[j].path, d->path);
      if (!overridden &&
          make_device(ctx, rootfd, d->path, 'c', d->major, d->minor, 0666, 0, 0, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < c->n_devices; i++) {
    const struct oci_device *d = &c->devices[i];
    mode_t perm = d->has_file_mode ? d->file_mode : 0666;
    if (make_device(ctx, rootfd, d->path, d->type, (unsigned)d->major, (unsigned)d->minor, perm,
                    d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, err) < 0)
      return -1;
  }
  return 0;
}

static int make_dev_links(const struct oci_config *c, int rootfd, struct xerr *err) {
  static const struct { const char *target, *link; } links[] = {
      {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
  };
  cleanup_close int dev = root_open(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);
  if (dev < 0)
    return -1;
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i].target, dev, links[i].link) < 0 && errno != EEXIST)
      return xerr_make(err, errno, "symlink /dev/%s", links[i].link);
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
      errno != EEXIST)
    return xerr_make(err, errno, "symlink /dev/core");
  if (find_mount(c, "/dev/pts")) {
    /* ptmx must point into the container's own devpts instance */
    unlinkat(dev, "ptmx", 0);
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
      return xerr_make(err, errno, "symlink /dev/ptmx");
  }
  return 0;
}

int rootfs_bind_console(const struct oci_config *config, int slave, struct xerr *err) {
  cleanup_close int rootfd = open(config->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return xerr_make(err, errno, "open rootfs %s", config->root_path);
  cleanup_close int target = root_ensure(rootfd, "/dev/console", 0, 0600, err);
  if (target < 0)
    return -1;
  char src[FD_PATH_MAX], tp[FD_PATH_MAX];
  fd_path(src, slave);
  fd_path(tp, target);
  if (mount(src, tp, NULL, MS_BIND, NULL) < 0)
    return xerr_make(err, errno, "bind the console on /dev/console");
  return 0;
}

/* The mount point holding path: the longest mount point in mountinfo
 * that is a prefix of it. */
static int make_parent_mount_slave(const char *path, struct xerr *err) {
  cleanup_free char *info = NULL;
  if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &info, NULL, err) < 0)
    return -1;
  char best[PATH_MAX] = "/";
  size_t best_len = 1;
  char *save = NULL;
  for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char mp[PATH_MAX];
    /* id parent major:minor root mountpoint ... */
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
      continue;
    size_t len = strlen(mp);
    if (len > best_len && strncmp(path, mp, len) == 0 && (path[len] == '/' || path[len] == '\0')) {
      memcpy(best, mp, len + 1);
      best_len = len;
    }
  }
  if (mount(NULL, best, NULL, MS_SLAVE, NULL) < 0)
    return xerr_make(err, errno, "make %s a slave mount", best);
  return 0;
}

int rootfs_mount_all(struct rootfs_ctx *ctx, struct xerr *err) {
  const struct oci_config *c = ctx->config;
  /* Keep every mount we make from propagating back to the host: rslave
   * unless rootfsPropagation asks for something else. */
  unsigned long root_prop = MS_REC | MS_SLAVE;
  if (c->rootfs_propagation && propagation_parse(c->rootfs_propagation, &root_prop, err) < 0)
    return xerr_wrap(err, "linux.rootfsPropagation");
  if (mount(NULL, "/", NULL, root_prop, NULL) < 0)
    return xerr_make(err, errno, "set the propagation of /");
  /* pivot_root refuses a shared parent mount of the new root.  Making it a
   * slave (not private) keeps host mounts flowing in for "slave" and
   * "shared"; rootfs_finish settles the final propagation. */
  bool tree_unshared = root_prop == (MS_REC | MS_SLAVE) || root_prop == (MS_REC | MS_PRIVATE);
  if (!tree_unshared && make_parent_mount_slave(c->root_path, err) < 0)
    return -1;
  if (mount(c->root_path, c->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return xerr_make(err, errno, "bind the rootfs %s", c->root_path);
  cleanup_close int rootfd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return xerr_make(err, errno, "open rootfs %s", c->root_path);
  for (size_t i = 0; i < c->n_mounts; i++)
    if (mount_one(ctx, rootfd, &c->mounts[i], err) < 0)
      return -1;
  bool own_dev = find_mount(c, "/dev") != NULL;
  if (make_devices(ctx, rootfd, own_dev, err) < 0)
    return -1;
  if (own_dev && make_dev_links(c, rootfd, err) < 0)
    return -1;
  return 0;
}

int rootfs_make_cwd(const struct oci_config *c, struct xerr *err) {
  cleanup_close int rootfd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return xerr_make(err, errno, "open rootfs %s", c->root_path);
  int fd = root_mkdir_p(rootfd, c->process->cwd, 0755, err);
  if (fd < 0)
    return xerr_wrap(err, "process.cwd");
  close(fd);
  return 0;
}

int rootfs_open_ptmx(const struct oci_config *c, struct xerr *err) {
  cleanup_close int rootfd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return xerr_make(err, errno, "open rootfs %s", c->root_path);
  int fd = root_open(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0, NULL);
  if (fd < 0)
    fd = root_open(rootfd, "/dev/ptmx", O_RDWR | O_NOCTTY, 0, err);
  return fd;
}

int rootfs_enter(struct rootfs_ctx *ctx, struct xerr *err) {
  const char *root = ctx->config->root_path;
  if (chdir(root) < 0)
    return xerr_make(err, errno, "chdir %s", root);
  if (ctx->no_pivot) {
    if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
      return xerr_make(err, errno, "move the rootfs onto /");
    if (chroot(".") < 0)
      return xerr_make(err, errno, "chroot %s", root);
  } else {
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return xerr_make(err, errno, "pivot_root %s", root);
    /* The old root is now stacked under "."; detach it without letting the
     * unmount propagate anywhere. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return xerr_make(err, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
      return xerr_make(err, errno, "detach the old root");
  }
  if (chdir("/") < 0)
    return xerr_make(err, errno, "chdir /");
  return 0;
}

static int write_sysctls(const struct oci_config *c, struct xerr *err) {
  for (size_t i = 0; i < c->n_sysctls; i++) {
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", c->sysctls[i].key);
    if (n < 0 || (size_t)n >= sizeof path || strstr(c->sysctls[i].key, ".."))
      return xerr_make(err, EINVAL, "linux.sysctl.%s: invalid name", c->sysctls[i].key);
    for (char *p = path + 10; *p; p++)
      if (*p == '.')
        *p = '/';
    if (write_file_at(AT_FDCWD, path, c->sysctls[i].value, strlen(c->sysctls[i].value), err) < 0)
      return xerr_wrap(err, "linux.sysctl.%s", c->sysctls[i].key);
  }
  return 0;
}

static int mask_path(const char *path, struct xerr *err) {
  cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = root_open(rootfd, path, O_PATH, 0, NULL);
  if (fd < 0)
    return 0; /* nothing there to hide */
  cleanup_close int target = fd;
  struct stat st;
  if (fstat(target, &st) < 0)
    return xerr_make(err, errno, "stat masked path %s", path);
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", tp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k") < 0)
      return xerr_make(err, errno, "mask %s", path);
  } else if (mount("/dev/null", tp, NULL, MS_BIND, NULL) < 0) {
    return xerr_make(err, errno, "mask %s", path);
  }
  return 0;
}

static int readonly_path(const char *path, struct xerr *err) {
  cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = root_open(rootfd, path, O_PATH, 0, NULL);
  if (fd < 0)
    return 0;
  cleanup_close int target = fd;
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  if (mount(tp, tp, NULL, MS_BIND | MS_REC, NULL) < 0)
    return xerr_make(err, errno, "bind read-only path %s", path);
  cleanup_close int top = root_open(rootfd, path, O_PATH, 0, err);
  if (top < 0)
    return -1;
  fd_path(tp, top);
  return bind_remount(tp, MS_RDONLY, 0, path, err);
}

static int set_propagation(const struct oci_mount *m, struct xerr *err) {
  cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int target = root_open(rootfd, m->destination, O_PATH, 0, err);
  if (target < 0)
    return -1;
  char tp[FD_PATH_MAX];
  fd_path(tp, target);
  if (mount(NULL, tp, NULL, m->propagation, NULL) < 0)
    return xerr_make(err, errno, "set the propagation of %s", m->destination);
  return 0;
}

int rootfs_finish(struct rootfs_ctx *ctx, struct xerr *err) {
  const struct oci_config *c = ctx->config;
  if (write_sysctls(c, err) < 0)
    return -1;
  /* Propagation is applied once the old root is gone: detaching it made
   * the whole new tree a slave. */
  if (c->rootfs_propagation) {
    unsigned long flags = 0;
    if (propagation_parse(c->rootfs_propagation, &flags, err) < 0)
      return -1;
    if (mount(NULL, "/", NULL, flags, NULL) < 0)
      return xerr_make(err, errno, "linux.rootfsPropagation: set %s on /", c->rootfs_propagation);
  }
  for (size_t i = 0; i < c->n_mounts; i++)
    if (c->mounts[i].propagation && set_propagation(&c->mounts[i], err) < 0)
      return -1;
  for (char **p = c->masked_paths; p && *p; p++)
    if (mask_path(*p, err) < 0)
      return -1;
  for (char **p = c->readonly_paths; p && *p; p++)
    if (readonly_path(*p, err) < 0)
      return -1;
  if (c->root_readonly && bind_remount("/", MS_RDONLY, 0, "the rootfs read-only", err) < 0)
    return -1;
  return 0;
}
