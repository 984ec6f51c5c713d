/* Docker's copy-up: a volume that is empty when mounted over a directory
 * of the image is first filled with that directory's content, with its
 * owners, modes, times and extended attributes, and hard links kept as
 * links.  The source is read through fds resolved inside the rootfs, so a
 * symlink in the image cannot make us copy the host's files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/rootpath.h"
#include "common/xerr.h"
#include "engine/mounts_internal.h"

struct link_seen {
  dev_t dev;
  ino_t ino;
  int dst_dirfd; /* dup of the directory the first copy went to */
  char *name;
};

struct copy_ctx {
  struct link_seen *links;
  size_t n_links;
};

static void ctx_free(struct copy_ctx *c) {
  for (size_t i = 0; i < c->n_links; i++) {
    close(c->links[i].dst_dirfd);
    free(c->links[i].name);
  }
  free(c->links);
}

/* Extended attributes of fd (a regular file or directory) copied to dst;
 * those the target filesystem refuses are skipped, as Docker's copy does. */
static void copy_xattrs(int src, int dst) {
  char names[4096];
  ssize_t len = flistxattr(src, names, sizeof names);
  for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
    char value[4096];
    ssize_t vlen = fgetxattr(src, names + off, value, sizeof value);
    if (vlen >= 0)
      fsetxattr(dst, names + off, value, (size_t)vlen, 0);
  }
}

/* Owner, then mode (chown clears set-id bits), xattrs, times. */
static int copy_meta_fd(int dst, const struct stat *st, int src, const char *name,
                        struct xerr *err) {
  if (fchown(dst, st->st_uid, st->st_gid) < 0)
    return xerr_make(err, errno, "copy up %s: chown", name);
  if (fchmod(dst, st->st_mode & 07777) < 0)
    return xerr_make(err, errno, "copy up %s: chmod", name);
  if (src >= 0)
    copy_xattrs(src, dst);
  const struct timespec times[2] = {st->st_atim, st->st_mtim};
  futimens(dst, times);
  return 0;
}

static int copy_data(int src, int dst, const char *name, struct xerr *err) {
  for (;;) {
    ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
    if (n == 0)
      return 0;
    if (n > 0)
      continue;
    if (errno == EINTR)
      continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
      return xerr_make(err, errno, "copy up %s", name);
    break;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = read(src, buf, sizeof buf);
    if (n == 0)
      return 0;
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || write_all(dst, buf, (size_t)n) < 0)
      return xerr_make(err, errno, "copy up %s", name);
  }
}

/* 1 when the file was linked to an earlier copy of the same inode. */
static int link_if_seen(struct copy_ctx *c, const struct stat *st, int dstdir, const char *name,
                        struct xerr *err) {
  if (st->st_nlink < 2)
    return 0;
  for (size_t i = 0; i < c->n_links; i++)
    if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
      if (linkat(c->links[i].dst_dirfd, c->links[i].name, dstdir, name, 0) < 0)
        return xerr_make(err, errno, "copy up %s: link", name);
      return 1;
    }
  struct link_seen *grown = realloc(c->links, (c->n_links + 1) * sizeof *grown);
  if (!grown)
    return xerr_make(err, ENOMEM, "copy up %s", name);
  c->links = grown;
  int dfd = fcntl(dstdir, F_DUPFD_CLOEXEC, 0);
  char *dup_name = strdup(name);
  if (dfd < 0 || !dup_name) {
    if (dfd >= 0)
      close(dfd);
    free(dup_name);
    return xerr_make(err, ENOMEM, "copy up %s", name);
  }
  c->links[c->n_links++] = (struct link_seen){st->st_dev, st->st_ino, dfd, dup_name};
  return 0;
}

static int copy_tree(struct copy_ctx *c, int srcdir, int dstdir, struct xerr *err);

static int copy_file(struct copy_ctx *c, int srcdir, int dstdir, const char *name,
                     const struct stat *st, struct xerr *err) {
  int seen = link_if_seen(c, st, dstdir, name, err);
  if (seen != 0)
    return seen < 0 ? -1 : 0;
  cleanup_close int src = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0)
    return xerr_make(err, errno, "copy up %s", name);
  cleanup_close int dst =
      openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst < 0)
    return xerr_make(err, errno, "copy up %s", name);
  if (copy_data(src, dst, name, err) < 0)
    return -1;
  return copy_meta_fd(dst, st, src, name, err);
}

static int copy_dir(struct copy_ctx *c, int srcdir, int dstdir, const char *name,
                    const struct stat *st, struct xerr *err) {
  if (mkdirat(dstdir, name, 0700) < 0)
    return xerr_make(err, errno, "copy up %s", name);
  cleanup_close int src = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int dst = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0 || dst < 0)
    return xerr_make(err, errno, "copy up %s", name);
  if (copy_tree(c, src, dst, err) < 0)
    return -1;
  return copy_meta_fd(dst, st, src, name, err);
}

static int copy_symlink(int srcdir, int dstdir, const char *name, const struct stat *st,
                        struct xerr *err) {
  char target[4096];
  ssize_t n = readlinkat(srcdir, name, target, sizeof target - 1);
  if (n < 0)
    return xerr_make(err, errno, "copy up %s", name);
  target[n] = '\0';
  if (symlinkat(target, dstdir, name) < 0 ||
      fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "copy up %s", name);
  const struct timespec times[2] = {st->st_atim, st->st_mtim};
  utimensat(dstdir, name, times, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int copy_special(int dstdir, const char *name, const struct stat *st, struct xerr *err) {
  if (mknodat(dstdir, name, st->st_mode, st->st_rdev) < 0 ||
      fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
      fchmodat(dstdir, name, st->st_mode & 07777, 0) < 0)
    return xerr_make(err, errno, "copy up %s", name);
  return 0;
}

static int copy_entry(struct copy_ctx *c, int srcdir, int dstdir, const char *name,
                      struct xerr *err) {
  struct stat st;
  if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "copy up %s", name);
  switch (st.st_mode & S_IFMT) {
  case S_IFDIR: return copy_dir(c, srcdir, dstdir, name, &st, err);
  case S_IFREG: return copy_file(c, srcdir, dstdir, name, &st, err);
  case S_IFLNK: return copy_symlink(srcdir, dstdir, name, &st, err);
  default: return copy_special(dstdir, name, &st, err);
  }
}

static int copy_tree(struct copy_ctx *c, int srcdir, int dstdir, struct xerr *err) {
  int fd = fcntl(srcdir, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return xerr_make(err, errno, "copy up");
  /* fdopendir reads from the fd's offset: start at the beginning. */
  lseek(fd, 0, SEEK_SET);
  cleanup_dir DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return xerr_make(err, errno, "copy up");
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
        copy_entry(c, srcdir, dstdir, e->d_name, err) < 0)
      return -1;
  return 0;
}

static bool dir_empty(int fd) {
  int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dfd < 0)
    return false;
  cleanup_dir DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return false;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      return false;
  return true;
}

int mount_copy_up(const char *rootfs, const char *dest, const char *volume_path,
                  struct xerr *err) {
  cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return xerr_make(err, errno, "open rootfs %s", rootfs);
  struct xerr ignored = {0};
  cleanup_close int src = root_open(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, &ignored);
  if (src < 0)
    return 0; /* nothing there in the image (or not a directory): nothing to copy */
  cleanup_close int dst = open(volume_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return xerr_make(err, errno, "open volume %s", volume_path);
  if (!dir_empty(dst))
    return 0;
  struct stat st;
  if (fstat(src, &st) < 0)
    return xerr_make(err, errno, "copy up %s", dest);
  struct copy_ctx c = {0};
  int rc = copy_tree(&c, src, dst, err);
  ctx_free(&c);
  if (rc < 0)
    return xerr_wrap(err, "copy %s from the image", dest);
  /* The volume's root takes the owner and mode of the image's directory. */
  return copy_meta_fd(dst, &st, src, dest, err);
}
