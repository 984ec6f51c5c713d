/* Tar streams of directory trees (tarstream.h). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "tarstream.h"

struct archive *tar_writer_fd(int fd, struct xerr *err) {
  struct archive *a = archive_write_new();
  if (!a) {
    xerr_make(err, ENOMEM, "tar writer");
    return NULL;
  }
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    xerr_set(err, EIO, "tar writer: %s", archive_error_string(a));
    archive_write_free(a);
    return NULL;
  }
  return a;
}

int tar_writer_close(struct archive *a, struct xerr *err) {
  int r = archive_write_close(a);
  if (r != ARCHIVE_OK)
    xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
  archive_write_free(a);
  return r == ARCHIVE_OK ? 0 : -1;
}

/* ---- writing ---- */

/* The contents of the regular file fd (reopened for reading: fd may be O_PATH). */
static int write_data(struct archive *a, int fd, const char *name, struct xerr *err) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  /* The magic link leads to the inode fd holds (a regular file), nowhere else. */
  cleanup_close int rfd = open(self, O_RDONLY | O_CLOEXEC);
  if (rfd < 0)
    return xerr_make(err, errno, "open %s", name);
  char buf[65536];
  ssize_t n;
  while ((n = read(rfd, buf, sizeof buf)) > 0)
    if (archive_write_data(a, buf, (size_t)n) < 0)
      return xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
  return n < 0 ? xerr_make(err, errno, "read %s", name) : 0;
}

static int add_children(struct archive *a, int dirfd, const char *name, struct xerr *err);

int tar_add_fd(struct archive *a, int fd, const char *name, struct xerr *err) {
  struct stat st;
  if (fstat(fd, &st) < 0)
    return xerr_make(err, errno, "stat %s", name);
  if (*name) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_copy_stat(e, &st);
    char path[4096];
    snprintf(path, sizeof path, "%s%s", name, S_ISDIR(st.st_mode) ? "/" : "");
    archive_entry_copy_pathname(e, path);
    if (!S_ISREG(st.st_mode))
      archive_entry_set_size(e, 0);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
      if (n < 0) {
        archive_entry_free(e);
        return xerr_make(err, errno, "readlink %s", name);
      }
      target[n] = '\0';
      archive_entry_copy_symlink(e, target);
    }
    int r = archive_write_header(a, e) == ARCHIVE_OK
                ? 0 : xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
    archive_entry_free(e);
    if (r < 0)
      return -1;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && write_data(a, fd, name, err) < 0)
      return -1;
  }
  return S_ISDIR(st.st_mode) ? add_children(a, fd, name, err) : 0;
}

static int add_children(struct archive *a, int dirfd, const char *name, struct xerr *err) {
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", dirfd);
  int rfd = open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = rfd >= 0 ? fdopendir(rfd) : NULL;
  if (!d) {
    if (rfd >= 0)
      close(rfd);
    return xerr_make(err, errno, "open directory %s", *name ? name : "/");
  }
  int r = 0;
  struct dirent *de;
  while (r == 0 && (de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    cleanup_close int child = openat(dirfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (child < 0)
      continue;  /* gone meanwhile */
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", name, *name ? "/" : "", de->d_name) >=
        sizeof path)
      r = xerr_set(err, ENAMETOOLONG, "path too long: %s/%s", name, de->d_name);
    else
      r = tar_add_fd(a, child, path, err);
  }
  closedir(d);
  return r;
}

/* ---- extracting ---- */

/* The directory holding entry path below root, created as needed; every
 * component is opened without following symlinks.  base receives the last
 * component. */
static int open_parent(int root, const char *path, char *base, size_t base_len,
                       struct xerr *err) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  size_t n = strlen(copy);
  while (n > 0 && copy[n - 1] == '/')
    copy[--n] = '\0';
  int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
  char *save = NULL, *next = NULL;
  char *comp = strtok_r(copy, "/", &save);
  while (comp && cur >= 0) {
    next = strtok_r(NULL, "/", &save);
    if (!strcmp(comp, "..")) {
      close(cur);
      return xerr_set(err, EPERM, "extract %s: path contains '..'", path);
    }
    if (!next)
      break;
    if (strcmp(comp, ".") != 0) {
      int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && mkdirat(cur, comp, 0755) == 0)
        fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        int e = errno;
        close(cur);
        return xerr_make(err, e == ELOOP ? ENOTDIR : e, "extract %s", path);
      }
      close(cur);
      cur = fd;
    }
    comp = next;
  }
  if (cur < 0)
    return xerr_make(err, errno, "extract %s", path);
  snprintf(base, base_len, "%s", comp && strcmp(comp, ".") ? comp : "");
  return cur;
}

/* Owner, mode and times on what fd is (a dir or a file, opened here). */
static void set_meta(int fd, struct archive_entry *e, enum tar_owner owner) {
  if (owner == TAR_OWNER_ARCHIVE)
    (void)!fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e));
  else if (owner == TAR_OWNER_ROOT)
    (void)!fchown(fd, 0, 0);
  fchmod(fd, archive_entry_perm(e));
  struct timespec ts[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                           {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  if (!archive_entry_atime_is_set(e))
    ts[0] = ts[1];
  futimens(fd, ts);
}

static int copy_body(struct archive *r, int fd, const char *name, struct xerr *err) {
  const void *buf;
  size_t len;
  la_int64_t off;
  int s;
  while ((s = archive_read_data_block(r, &buf, &len, &off)) == ARCHIVE_OK)
    if (pwrite(fd, buf, len, off) != (ssize_t)len)
      return xerr_make(err, errno, "write %s", name);
  if (s != ARCHIVE_EOF)
    return xerr_set(err, EIO, "read tar: %s", archive_error_string(r));
  return 0;
}

static int extract_entry(struct archive *r, struct archive_entry *e, int root,
                         enum tar_owner owner, struct xerr *err) {
  const char *path = archive_entry_pathname(e);
  char base[256];
  cleanup_close int dir = open_parent(root, path, base, sizeof base, err);
  if (dir < 0)
    return -1;
  mode_t type = archive_entry_filetype(e);
  const char *hard = archive_entry_hardlink(e);
  if (!*base) {
    if (type != AE_IFDIR)
      return xerr_set(err, EINVAL, "extract %s: not a file name", path);
  } else if (type != AE_IFDIR) {
    struct stat st;
    if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
      unlinkat(dir, base, 0);
  }
  if (hard) {
    char tbase[256];
    cleanup_close int tdir = open_parent(root, hard, tbase, sizeof tbase, err);
    if (tdir < 0)
      return -1;
    if (linkat(tdir, tbase, dir, base, 0) < 0)
      return xerr_make(err, errno, "extract %s: link to %s", path, hard);
    return 0;
  }
  if (type == AE_IFDIR) {
    if (*base && mkdirat(dir, base, 0700) < 0 && errno != EEXIST)
      return xerr_make(err, errno, "extract %s", path);
    cleanup_close int fd =
        *base ? openat(dir, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
              : fcntl(dir, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
      return xerr_make(err, errno == ELOOP ? ENOTDIR : errno, "extract %s", path);
    set_meta(fd, e, owner);
    return 0;
  }
  if (type == AE_IFLNK) {
    if (symlinkat(archive_entry_symlink(e), dir, base) < 0)
      return xerr_make(err, errno, "extract %s", path);
    if (owner != TAR_OWNER_CALLER) {
      uid_t u = owner == TAR_OWNER_ROOT ? 0 : (uid_t)archive_entry_uid(e);
      gid_t g = owner == TAR_OWNER_ROOT ? 0 : (gid_t)archive_entry_gid(e);
      (void)!fchownat(dir, base, u, g, AT_SYMLINK_NOFOLLOW);
    }
    struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
    utimensat(dir, base, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
  }
  if (type == AE_IFREG) {
    cleanup_close int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                  0600);
    if (fd < 0)
      return xerr_make(err, errno, "extract %s", path);
    if (copy_body(r, fd, path, err) < 0)
      return -1;
    if (ftruncate(fd, archive_entry_size(e)) < 0)
      return xerr_make(err, errno, "extract %s", path);
    set_meta(fd, e, owner);
    return 0;
  }
  /* Devices, fifos, sockets. */
  if (mknodat(dir, base, type | archive_entry_perm(e), archive_entry_rdev(e)) < 0)
    return xerr_make(err, errno, "extract %s", path);
  return 0;
}

int tar_extract(int in, int dirfd, enum tar_owner owner, struct xerr *err) {
  struct archive *r = archive_read_new();
  if (!r)
    return xerr_make(err, ENOMEM, "tar reader");
  archive_read_support_format_tar(r);
  archive_read_support_filter_gzip(r);
  archive_read_support_filter_bzip2(r);
  archive_read_support_filter_xz(r);
  archive_read_support_filter_zstd(r);
  int ret = 0;
  if (archive_read_open_fd(r, in, 65536) != ARCHIVE_OK)
    ret = xerr_set(err, EIO, "read tar: %s", archive_error_string(r));
  struct archive_entry *e;
  while (ret == 0) {
    int s = archive_read_next_header(r, &e);
    if (s == ARCHIVE_EOF)
      break;
    if (s < ARCHIVE_WARN)
      ret = xerr_set(err, EIO, "read tar: %s", archive_error_string(r));
    else
      ret = extract_entry(r, e, dirfd, owner, err);
  }
  archive_read_free(r);
  return ret;
}
