#include "fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "xerr.h"

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

ssize_t read_all(int fd, void *buf, size_t len) {
  char *p = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, p + got, len - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct xerr *err) {
  cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", path);
  size_t cap = 4096, used = 0;
  cleanup_free char *buf = malloc(cap);
  if (buf == NULL)
    return xerr_make(err, ENOMEM, "read %s", path);
  for (;;) {
    if (used + 1 >= cap) {
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL)
        return xerr_make(err, ENOMEM, "read %s", path);
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + used, cap - used - 1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return xerr_make(err, errno, "read %s", path);
    }
    if (n == 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer(&buf);
  return 0;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct xerr *err) {
  cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", path);
  if (write_all(fd, data, len) < 0)
    return xerr_make(err, errno, "write %s", path);
  return 0;
}

static int replace_file(const char *path, const char *data, size_t len, mode_t mode, bool durable,
                        struct xerr *err) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, getpid()) >= (int)sizeof tmp)
    return xerr_make(err, ENAMETOOLONG, "write %s", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return xerr_make(err, errno, "create %s", tmp);
  if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
    int e = errno;
    close(fd);
    unlink(tmp);
    return xerr_make(err, e, "write %s", tmp);
  }
  close(fd);
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return xerr_make(err, e, "rename %s to %s", tmp, path);
  }
  return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                      struct xerr *err) {
  return replace_file(path, data, len, mode, true, err);
}

int write_state_file(const char *path, const char *data, size_t len, mode_t mode,
                     struct xerr *err) {
  return replace_file(path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, struct xerr *err) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return xerr_make(err, ENAMETOOLONG, "mkdir %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
      return xerr_make(err, errno, "mkdir %s", buf);
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST)
    return xerr_make(err, errno, "mkdir %s", buf);
  return 0;
}

int remove_tree_at(int parent, const char *name, struct xerr *err) {
  if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return xerr_make(err, errno, "remove %s", name);
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", name);
  cleanup_dir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return xerr_make(err, errno, "opendir %s", name);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (remove_tree_at(dirfd(d), de->d_name, err) < 0)
      return -1;
  }
  if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return xerr_make(err, errno, "rmdir %s", name);
  return 0;
}

int remove_tree(const char *path, struct xerr *err) {
  return remove_tree_at(AT_FDCWD, path, err);
}
