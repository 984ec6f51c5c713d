/* The vfs driver: the container's rootfs is a plain directory,
 * ROOT/containers/<id>/rootfs, made by copying the image's layers in order
 * and applying each layer's whiteouts (a character device 0:0 deletes the
 * name; a directory marked trusted.overlay.opaque="y" first loses what the
 * layers below put in it).  Owners, modes, xattrs, times, hard links
 * within a layer, devices and fifos are kept.  Files are cloned (FICLONE)
 * where the filesystem can, else copied with copy_file_range.
 *
 * Both trees are walked by fd, never by path, and no symlink is followed:
 * the layers' contents come from images and are not trusted. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/driver.h"

static void vfs_rootfs(struct xstore *s, const char *id, char *buf, size_t len) {
  snprintf(buf, len, "%s/containers/%s/rootfs", s->root, id);
}

/* A file of the current layer with several links: where its first link
 * landed in the rootfs, so the others can link to it. */
struct link_seen {
  dev_t dev;
  ino_t ino;
  char *dst_path;
};

static int link_cmp(const void *a, const void *b) {
  const struct link_seen *x = a, *y = b;
  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino)
    return x->ino < y->ino ? -1 : 1;
  return 0;
}

static void link_free(void *p) {
  struct link_seen *l = p;
  free(l->dst_path);
  free(l);
}

struct copier {
  int dst_root;
  void *links; /* tsearch tree of struct link_seen, per layer */
};

static void proc_path(char *buf, size_t len, int dirfd, const char *name) {
  snprintf(buf, len, "/proc/self/fd/%d/%s", dirfd, name);
}

static int copy_xattrs(int src_dir, int dst_dir, const char *name, const char *path,
                       struct xerr *err) {
  char src[256], dst[256];
  proc_path(src, sizeof src, src_dir, name);
  proc_path(dst, sizeof dst, dst_dir, name);
  char list[8192];
  ssize_t n = llistxattr(src, list, sizeof list);
  if (n < 0)
    return errno == ENOTSUP ? 0 : xerr_make(err, errno, "list xattrs of %s", path);
  for (char *k = list; k < list + n; k += strlen(k) + 1) {
    if (strncmp(k, "trusted.overlay.", 16) == 0)
      continue;
    char value[65536];
    ssize_t v = lgetxattr(src, k, value, sizeof value);
    if (v < 0)
      return xerr_make(err, errno, "read xattr %s of %s", k, path);
    if (lsetxattr(dst, k, value, (size_t)v, 0) < 0 && errno != ENOTSUP)
      return xerr_make(err, errno, "set xattr %s on %s", k, path);
  }
  return 0;
}

/* chown first (it clears set-id bits and capabilities), then mode, xattrs, times. */
static int copy_metadata(int src_dir, int dst_dir, const char *name, const struct stat *st,
                         const char *path, struct xerr *err) {
  if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "chown %s", path);
  if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
    return xerr_make(err, errno, "chmod %s", path);
  if (copy_xattrs(src_dir, dst_dir, name, path, err) < 0)
    return -1;
  struct timespec times[2] = {st->st_atim, st->st_mtim};
  if (utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "set times of %s", path);
  return 0;
}

static int copy_data(int src_dir, int dst_dir, const char *name, const struct stat *st,
                     const char *path, struct xerr *err) {
  cleanup_close int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return xerr_make(err, errno, "open %s", path);
  cleanup_close int out =
      openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return xerr_make(err, errno, "create %s", path);
  if (st->st_size == 0 || ioctl(out, FICLONE, in) == 0)
    return 0;
  off_t left = st->st_size;
  while (left > 0) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return xerr_make(err, errno, "copy %s", path);
    if (n == 0)
      break; /* the file shrank meanwhile */
    left -= n;
  }
  return 0;
}

static int apply_dir(struct copier *c, int src, int dst, const char *rel, struct xerr *err);

static int apply_hardlink(struct copier *c, int dst, const char *name, const struct stat *st,
                          const char *path, bool *done, struct xerr *err) {
  struct link_seen key = {.dev = st->st_dev, .ino = st->st_ino};
  struct link_seen **found = tfind(&key, &c->links, link_cmp);
  *done = false;
  if (found) {
    if (linkat(c->dst_root, (*found)->dst_path, dst, name, 0) < 0)
      return xerr_make(err, errno, "hard link %s to %s", path, (*found)->dst_path);
    *done = true;
    return 0;
  }
  struct link_seen *l = calloc(1, sizeof *l);
  if (!l || !(l->dst_path = strdup(path)) || !tsearch(l, &c->links, link_cmp)) {
    if (l)
      free(l->dst_path);
    free(l);
    return xerr_make(err, ENOMEM, "copy %s", path);
  }
  l->dev = st->st_dev;
  l->ino = st->st_ino;
  return 0;
}

static int apply_nondir(struct copier *c, int src, int dst, const char *name,
                        const struct stat *st, const char *path, struct xerr *err) {
  if (remove_tree_at(dst, name, err) < 0)
    return -1;
  if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
    bool linked;
    if (apply_hardlink(c, dst, name, st, path, &linked, err) < 0)
      return -1;
    if (linked)
      return 0;
  }
  if (S_ISREG(st->st_mode)) {
    if (copy_data(src, dst, name, st, path, err) < 0)
      return -1;
  } else if (S_ISLNK(st->st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(src, name, target, sizeof target - 1);
    if (n < 0)
      return xerr_make(err, errno, "readlink %s", path);
    target[n] = '\0';
    if (symlinkat(target, dst, name) < 0)
      return xerr_make(err, errno, "symlink %s", path);
  } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode)) {
    if (mknodat(dst, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
      return xerr_make(err, errno, "mknod %s", path);
  } else {
    return 0; /* sockets */
  }
  return copy_metadata(src, dst, name, st, path, err);
}

static bool is_opaque(int dirfd) {
  char v[2];
  return fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

static int clear_dir(int dirfd, struct xerr *err) {
  int fd = dup(dirfd);
  if (fd < 0)
    return xerr_make(err, errno, "opaque directory");
  cleanup_dir DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return xerr_make(err, errno, "opaque directory");
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
        remove_tree_at(dirfd, de->d_name, err) < 0)
      return -1;
  return 0;
}

static int apply_subdir(struct copier *c, int src, int dst, const char *name,
                        const struct stat *st, const char *path, struct xerr *err) {
  struct stat cur;
  bool existed = fstatat(dst, name, &cur, AT_SYMLINK_NOFOLLOW) == 0;
  if (existed && !S_ISDIR(cur.st_mode)) {
    if (remove_tree_at(dst, name, err) < 0)
      return -1;
    existed = false;
  }
  if (!existed && mkdirat(dst, name, 0700) < 0)
    return xerr_make(err, errno, "mkdir %s", path);
  cleanup_close int s2 = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int d2 = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s2 < 0 || d2 < 0)
    return xerr_make(err, errno, "open %s", path);
  if (existed && is_opaque(s2) && clear_dir(d2, err) < 0)
    return xerr_wrap(err, "%s", path);
  if (apply_dir(c, s2, d2, path, err) < 0)
    return -1;
  /* Last, so the copies inside do not change its times again. */
  return copy_metadata(src, dst, name, st, path, err);
}

static int apply_dir(struct copier *c, int src, int dst, const char *rel, struct xerr *err) {
  int fd = dup(src);
  if (fd < 0)
    return xerr_make(err, errno, "read %s", rel);
  cleanup_dir DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return xerr_make(err, errno, "read %s", rel);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", name) >= (int)sizeof path)
      return xerr_make(err, ENAMETOOLONG, "%s/%s", rel, name);
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return xerr_make(err, errno, "stat %s", path);
    int r;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
      r = remove_tree_at(dst, name, err); /* whiteout */
    else if (S_ISDIR(st.st_mode))
      r = apply_subdir(c, src, dst, name, &st, path, err);
    else
      r = apply_nondir(c, src, dst, name, &st, path, err);
    if (r < 0)
      return -1;
  }
  return 0;
}

static int apply_layer(struct copier *c, const char *diff, struct xerr *err) {
  cleanup_close int src = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return xerr_make(err, errno, "open layer %s", diff);
  int r = apply_dir(c, src, c->dst_root, "", err);
  tdestroy(c->links, link_free);
  c->links = NULL;
  if (r < 0)
    return xerr_wrap(err, "copy layer %s", diff);
  struct stat st;
  if (fstat(src, &st) < 0)
    return xerr_make(err, errno, "stat %s", diff);
  return copy_metadata(src, c->dst_root, ".", &st, "/", err);
}

static int vfs_create_rw(struct xstore *s, const char *id, const struct layer_stack *ls,
                         struct xerr *err) {
  char rootfs[4096];
  vfs_rootfs(s, id, rootfs, sizeof rootfs);
  if (mkdir(rootfs, 0755) < 0)
    return xerr_make(err, errno, "create %s", rootfs);
  struct copier c = {.dst_root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (c.dst_root < 0)
    return xerr_make(err, errno, "open %s", rootfs);
  int r = 0;
  for (size_t i = 0; i < ls->n && r == 0; i++)
    r = apply_layer(&c, ls->diffs[i], err);
  close(c.dst_root);
  return r;
}

static int vfs_mount(struct xstore *s, const char *id, const struct layer_stack *ls, char *path,
                     size_t len, struct xerr *err) {
  (void)ls;
  (void)err;
  vfs_rootfs(s, id, path, len);
  return 0;
}

static int vfs_unmount(struct xstore *s, const char *id, struct xerr *err) {
  (void)s;
  (void)id;
  (void)err;
  return 0;
}

static bool vfs_mounted(struct xstore *s, const char *id) {
  (void)s;
  (void)id;
  return true;
}

static int vfs_remove_rw(struct xstore *s, const char *id, struct xerr *err) {
  char rootfs[4096];
  vfs_rootfs(s, id, rootfs, sizeof rootfs);
  if (remove_tree_at(AT_FDCWD, rootfs, err) < 0)
    return xerr_wrap(err, "remove container %s", id);
  return 0;
}

const struct storage_driver storage_vfs = {
    .name = "vfs",
    .create_rw = vfs_create_rw,
    .mount = vfs_mount,
    .unmount = vfs_unmount,
    .mounted = vfs_mounted,
    .remove_rw = vfs_remove_rw,
    .rw_path = vfs_rootfs,
};
