/* Safe layer extraction.  Two libarchive handles: `raw` only
 * decompresses the blob (every filter libarchive has, sniffed), and `tar`
 * reads tar entries from the bytes `raw` produces through feed(), which
 * also hashes them, so the diff id is computed in the same single pass.
 *
 * Every entry is written relative to an fd of its parent directory that
 * was resolved inside the layer (rootpath.h: openat2 RESOLVE_IN_ROOT, or
 * a walk that re-roots symlinks), and the last component is never
 * followed.  Paths that climb above the layer with ".." are refused;
 * absolute paths are taken relative to the layer, as Docker does. */
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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
#include "image/decompress.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* A directory whose times are set once everything inside it is written. */
struct dir_time {
  char *path;
  struct timespec times[2];
};

struct unpacker {
  const char *name;
  int rootfd;
  struct archive *raw;
  struct archive *tar;
  struct digester hash;
  bool raw_done; /* the decompressed stream is over (or was empty) */
  int64_t size;
  struct dir_time *dirs;
  size_t n_dirs, cap_dirs;
  /* The last parent directory resolved, reused while entries stay in the
   * same directory (tars list them together).  Only a removal can change
   * what a resolved path names, so every removal drops it. */
  char cached_dir[PATH_MAX];
  int cached_fd;
};

static la_ssize_t feed(struct archive *a, void *data, const void **buf) {
  struct unpacker *u = data;
  size_t len = 0;
  la_int64_t offset = 0;
  if (u->raw_done)
    return 0;
  int r = archive_read_data_block(u->raw, buf, &len, &offset);
  if (r == ARCHIVE_EOF) {
    u->raw_done = true;
    return 0;
  }
  if (r < ARCHIVE_WARN) {
    int e = archive_errno(u->raw);
    archive_set_error(a, e > 0 ? e : EIO, "%s", archive_error_string(u->raw));
    return -1;
  }
  digester_update(&u->hash, *buf, len);
  return (la_ssize_t)len;
}

/* Lexically clean an entry path: drop "/", "." and empty components,
 * apply "..", and refuse a path that climbs out of the layer.  "" is the
 * layer's root. */
static int clean_path(const char *in, char *out, size_t len, const char *what,
                      struct xerr *err) {
  size_t o = 0;
  const char *p = in;
  while (*p) {
    while (*p == '/')
      p++;
    const char *start = p;
    while (*p && *p != '/')
      p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || (n == 1 && start[0] == '.'))
      continue;
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      if (o == 0)
        return xerr_set(err, EPERM, "%s \"%s\" points outside the layer", what, in);
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--;
      continue;
    }
    if (o + n + 2 > len)
      return xerr_make(err, ENAMETOOLONG, "%s \"%s\"", what, in);
    if (o > 0)
      out[o++] = '/';
    memcpy(out + o, start, n);
    o += n;
  }
  out[o] = '\0';
  return 0;
}

/* Make room for a new entry called base in parent: an existing directory
 * stays when the new entry is a directory too, anything else goes. */
static int clear_slot(struct unpacker *u, int parent, const char *base, bool new_is_dir,
                      bool *kept_dir, struct xerr *err) {
  struct stat st;
  *kept_dir = false;
  if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : xerr_make(err, errno, "stat %s", base);
  if (new_is_dir && S_ISDIR(st.st_mode)) {
    *kept_dir = true;
    return 0;
  }
  u->cached_dir[0] = '\0'; /* the fd stays open: the caller is using it */
  return remove_tree_at(parent, base, err);
}

static int write_data(struct unpacker *u, int fd, const char *path, int64_t size,
                      struct xerr *err) {
  const void *buf;
  size_t len;
  la_int64_t offset;
  int r;
  while ((r = archive_read_data_block(u->tar, &buf, &len, &offset)) == ARCHIVE_OK ||
         r == ARCHIVE_WARN) {
    const char *p = buf;
    while (len > 0) {
      ssize_t n = pwrite(fd, p, len, offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return xerr_make(err, errno, "write %s", path);
      p += n;
      len -= (size_t)n;
      offset += n;
    }
  }
  if (r != ARCHIVE_EOF)
    return xerr_set(err, EIO, "read %s: %s", path, archive_error_string(u->tar));
  /* Sparse files end with a hole that no block covers. */
  if (ftruncate(fd, size) < 0)
    return xerr_make(err, errno, "write %s", path);
  return 0;
}

static bool skip_xattr(const char *name) {
  /* trusted.* is overlayfs' namespace (opaque, redirect, ...): only what
   * we create ourselves may appear there. */
  return strncmp(name, "trusted.", 8) == 0;
}

/* Owner, mode, xattrs and times of the entry base in parent.  Order
 * matters: chown clears set-id bits and security.capability, so the mode
 * and xattrs come after it. */
static int apply_metadata(struct unpacker *u, struct archive_entry *e, int parent,
                          const char *base, const char *path, bool is_symlink, bool is_dir,
                          struct xerr *err) {
  const char *at = *base ? base : ".";
  if (fchownat(parent, at, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
               AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "chown %s", path);
  if (!is_symlink && fchmodat(parent, at, archive_entry_mode(e) & 07777, 0) < 0)
    return xerr_make(err, errno, "chmod %s", path);
  const char *xname;
  const void *value;
  size_t vlen;
  archive_entry_xattr_reset(e);
  while (archive_entry_xattr_next(e, &xname, &value, &vlen) == ARCHIVE_OK) {
    if (skip_xattr(xname))
      continue;
    char proc[64 + NAME_MAX];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d/%s", parent, at);
    if (lsetxattr(proc, xname, value, vlen, 0) < 0 && errno != ENOTSUP)
      return xerr_make(err, errno, "set xattr %s on %s", xname, path);
  }
  struct timespec times[2] = {
      {archive_entry_atime(e), archive_entry_atime_nsec(e)},
      {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
  };
  if (!archive_entry_atime_is_set(e))
    times[0] = times[1];
  if (is_dir) {
    /* Creating the directory's contents would change its mtime again. */
    if (u->n_dirs == u->cap_dirs) {
      size_t cap = u->cap_dirs ? u->cap_dirs * 2 : 64;
      struct dir_time *d = realloc(u->dirs, cap * sizeof *d);
      if (!d)
        return xerr_make(err, ENOMEM, "unpack %s", path);
      u->dirs = d;
      u->cap_dirs = cap;
    }
    char *copy = strdup(path);
    if (!copy)
      return xerr_make(err, ENOMEM, "unpack %s", path);
    u->dirs[u->n_dirs].path = copy;
    memcpy(u->dirs[u->n_dirs].times, times, sizeof times);
    u->n_dirs++;
    return 0;
  }
  if (utimensat(parent, at, times, AT_SYMLINK_NOFOLLOW) < 0)
    return xerr_make(err, errno, "set times of %s", path);
  return 0;
}

static int set_dir_times(struct unpacker *u, struct xerr *err) {
  for (size_t i = u->n_dirs; i-- > 0;) {
    struct dir_time *d = &u->dirs[i];
    char base[NAME_MAX + 1] = "";
    cleanup_close int parent = -1;
    if (strcmp(d->path, ".") != 0)
      parent = root_open_parent(u->rootfd, d->path, base, sizeof base, err);
    else
      parent = fcntl(u->rootfd, F_DUPFD_CLOEXEC, 3);
    if (parent < 0)
      return -1;
    if (utimensat(parent, *base ? base : ".", d->times, AT_SYMLINK_NOFOLLOW) < 0)
      return xerr_make(err, errno, "set times of %s", d->path);
  }
  return 0;
}

static int make_hardlink(struct unpacker *u, struct archive_entry *e, int parent,
                         const char *base, const char *path, struct xerr *err) {
  char target[PATH_MAX];
  if (clean_path(archive_entry_hardlink(e), target, sizeof target, "hard link target", err) < 0)
    return -1;
  if (!*target)
    return xerr_set(err, EPERM, "hard link %s to the layer's root", path);
  /* Resolved inside the layer, last component not followed (so a link
   * to a symlink links the symlink): a link to "/etc/passwd" means the
   * layer's own etc/passwd, never the host's. */
  char *slash = strrchr(target, '/');
  const char *tbase = slash ? slash + 1 : target;
  if (slash)
    *slash = '\0';
  cleanup_close int dir = slash ? root_open(u->rootfd, target, O_PATH | O_DIRECTORY, 0, err)
                                : fcntl(u->rootfd, F_DUPFD_CLOEXEC, 3);
  if (dir < 0)
    return slash ? xerr_wrap(err, "hard link %s", path)
                 : xerr_make(err, errno, "hard link %s", path);
  cleanup_close int fd = openat(dir, tbase, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (slash)
    *slash = '/';
  if (fd < 0)
    return xerr_make(err, errno, "hard link %s to %s", path, target);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return xerr_make(err, errno, "hard link %s", path);
  if (S_ISDIR(st.st_mode))
    return xerr_set(err, EPERM, "hard link %s to the directory %s", path, target);
  if (linkat(fd, "", parent, base, AT_EMPTY_PATH) < 0)
    return xerr_make(err, errno, "hard link %s to %s", path, target);
  return 0;
}

/* overlayfs' whiteout: a character device 0:0 named like the file. */
static int make_whiteout(struct unpacker *u, int parent, const char *name, const char *path,
                         struct xerr *err) {
  bool kept;
  if (clear_slot(u, parent, name, false, &kept, err) < 0)
    return -1;
  if (mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) < 0)
    return xerr_make(err, errno, "whiteout %s", path);
  return 0;
}

static int make_opaque(int parent, const char *path, struct xerr *err) {
  cleanup_close int dir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) < 0)
    return xerr_make(err, errno, "opaque directory %s", path);
  return 0;
}

static int make_entry(struct unpacker *u, struct archive_entry *e, int parent, const char *base,
                      const char *path, struct xerr *err) {
  mode_t type = archive_entry_filetype(e);
  bool kept_dir;
  if (clear_slot(u, parent, base, type == AE_IFDIR, &kept_dir, err) < 0)
    return -1;
  switch (type) {
  case AE_IFREG: {
    cleanup_close int fd =
        openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return xerr_make(err, errno, "create %s", path);
    int64_t size = archive_entry_size(e);
    if (write_data(u, fd, path, size, err) < 0)
      return -1;
    u->size += size;
    break;
  }
  case AE_IFDIR:
    if (!kept_dir && mkdirat(parent, base, 0700) < 0)
      return xerr_make(err, errno, "mkdir %s", path);
    break;
  case AE_IFLNK: {
    const char *target = archive_entry_symlink(e);
    if (!target)
      return xerr_set(err, EINVAL, "symlink %s has no target", path);
    /* The target is stored as is: it is only ever resolved inside a
     * container's root (or inside the layer, by this file). */
    if (symlinkat(target, parent, base) < 0)
      return xerr_make(err, errno, "symlink %s", path);
    break;
  }
  case AE_IFCHR:
  case AE_IFBLK:
  case AE_IFIFO: {
    dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (mknodat(parent, base, type | 0600, type == AE_IFIFO ? 0 : dev) < 0)
      return xerr_make(err, errno, "mknod %s", path);
    break;
  }
  case AE_IFSOCK:
    return 0; /* sockets cannot be recreated from a tar; Docker skips them too */
  default:
    return xerr_set(err, EINVAL, "%s: unknown file type 0%o", path, (unsigned)type);
  }
  return apply_metadata(u, e, parent, base, path, type == AE_IFLNK, type == AE_IFDIR, err);
}

/* The directory of path, resolved inside the layer (created if missing),
 * and its last component in base.  The fd belongs to the unpacker. */
static int parent_of(struct unpacker *u, const char *path, char *base, size_t base_len,
                     struct xerr *err) {
  const char *slash = strrchr(path, '/');
  const char *last = slash ? slash + 1 : path;
  if (strlen(last) >= base_len)
    return xerr_make(err, ENAMETOOLONG, "%s", path);
  memcpy(base, last, strlen(last) + 1);
  if (!slash)
    return u->rootfd;
  size_t dlen = (size_t)(slash - path);
  if (u->cached_fd >= 0 && u->cached_dir[0] && strlen(u->cached_dir) == dlen &&
      memcmp(u->cached_dir, path, dlen) == 0)
    return u->cached_fd;
  char dir[PATH_MAX];
  memcpy(dir, path, dlen);
  dir[dlen] = '\0';
  int fd = root_mkdir_p(u->rootfd, dir, 0755, err);
  if (fd < 0)
    return -1;
  if (u->cached_fd >= 0)
    close(u->cached_fd);
  u->cached_fd = fd;
  memcpy(u->cached_dir, dir, dlen + 1);
  return fd;
}

static int extract_entry(struct unpacker *u, struct archive_entry *e, struct xerr *err) {
  const char *raw_path = archive_entry_pathname(e);
  if (!raw_path)
    return xerr_set(err, EINVAL, "an entry has no name");
  char path[PATH_MAX];
  if (clean_path(raw_path, path, sizeof path, "entry", err) < 0)
    return -1;
  if (!*path) {
    /* "./": the layer's root itself, only its metadata applies. */
    if (archive_entry_filetype(e) != AE_IFDIR)
      return xerr_set(err, EINVAL, "entry \"%s\" is not a directory", raw_path);
    return apply_metadata(u, e, u->rootfd, "", ".", false, true, err);
  }
  char base[NAME_MAX + 1];
  int parent = parent_of(u, path, base, sizeof base, err); /* borrowed */
  if (parent < 0)
    return xerr_wrap(err, "entry %s", raw_path);
  if (strcmp(base, WHITEOUT_OPAQUE) == 0)
    return make_opaque(parent, path, err);
  if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0) {
    const char *name = base + strlen(WHITEOUT_PREFIX);
    /* Other ".wh..wh." names are aufs' bookkeeping: nothing to unpack. */
    if (strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
      return 0;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      return xerr_set(err, EINVAL, "whiteout entry \"%s\" names nothing", raw_path);
    return make_whiteout(u, parent, name, path, err);
  }
  if (archive_entry_hardlink(e)) {
    bool kept;
    if (clear_slot(u, parent, base, false, &kept, err) < 0)
      return -1;
    return make_hardlink(u, e, parent, base, path, err);
  }
  return make_entry(u, e, parent, base, path, err);
}

static int open_handles(struct unpacker *u, int fd, struct xerr *err) {
  u->raw = archive_read_new();
  u->tar = archive_read_new();
  if (!u->raw || !u->tar)
    return xerr_make(err, ENOMEM, "read the layer");
  decompress_support(u->raw);
  archive_read_support_format_raw(u->raw);
  archive_read_support_format_empty(u->raw);
  if (archive_read_open_fd(u->raw, fd, 128 * 1024) != ARCHIVE_OK)
    return xerr_set(err, EIO, "%s", archive_error_string(u->raw));
  struct archive_entry *e;
  int r = archive_read_next_header(u->raw, &e);
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN && r != ARCHIVE_EOF)
    return xerr_set(err, EIO, "%s", archive_error_string(u->raw));
  u->raw_done = r == ARCHIVE_EOF;
  archive_read_support_format_tar(u->tar);
  archive_read_support_format_empty(u->tar);
  if (archive_read_open(u->tar, u, NULL, feed, NULL) != ARCHIVE_OK)
    return xerr_set(err, EIO, "%s", archive_error_string(u->tar));
  return 0;
}

static int extract_all(struct unpacker *u, struct xerr *err) {
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header(u->tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (extract_entry(u, e, err) < 0)
      return -1;
  }
  if (r != ARCHIVE_EOF)
    return xerr_set(err, EIO, "%s", archive_error_string(u->tar));
  /* The diff id covers the whole stream, padding after the end of the
   * archive included. */
  const void *buf;
  size_t len;
  la_int64_t offset;
  r = ARCHIVE_EOF;
  while (!u->raw_done && ((r = archive_read_data_block(u->raw, &buf, &len, &offset)) ==
                              ARCHIVE_OK ||
                          r == ARCHIVE_WARN))
    digester_update(&u->hash, buf, len);
  if (r != ARCHIVE_EOF)
    return xerr_set(err, EIO, "%s", archive_error_string(u->raw));
  return set_dir_times(u, err);
}

int unpack_layer(int fd, int layerfd, const char *name, struct unpack_result *out,
                 struct xerr *err) {
  struct unpacker u = {.name = name, .rootfd = layerfd, .cached_fd = -1};
  int ret = digester_init(&u.hash, err);
  if (ret == 0)
    ret = open_handles(&u, fd, err);
  if (ret == 0)
    ret = extract_all(&u, err);
  if (ret < 0 && name && *name)
    xerr_wrap(err, "layer %s", name);
  if (ret == 0) {
    digester_final(&u.hash, out->diff_id);
    out->size = u.size;
  }
  digester_free(&u.hash);
  if (u.tar)
    archive_read_free(u.tar);
  if (u.raw)
    archive_read_free(u.raw);
  if (u.cached_fd >= 0)
    close(u.cached_fd);
  for (size_t i = 0; i < u.n_dirs; i++)
    free(u.dirs[i].path);
  free(u.dirs);
  return ret;
}
