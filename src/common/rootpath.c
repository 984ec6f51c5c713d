#include "rootpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "xerr.h"

static bool force_walk(void) {
  static int cached = -1;
  if (cached < 0) {
    const char *v = getenv("XOCKER_FORCE_ROOTPATH_WALK");
    cached = v && strcmp(v, "1") == 0;
  }
  return cached;
}

#define MAX_SYMLINKS 40

/* The fallback: walk path one component at a time from rootfd.  A symlink
 * is read and its target spliced in front of the rest; an absolute target
 * restarts at rootfd, and ".." at the root stays at the root. */
static int walk_open(int rootfd, const char *path, int flags, mode_t mode) {
  char buf[PATH_MAX * 2];
  int links = 0;
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* Stack of directory fds so ".." can go back without trusting the fs. */
  int stack[PATH_MAX / 2];
  int depth = 0;
  stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (stack[0] < 0)
    return -1;
  char *rest = buf;
  int result = -1;
  for (;;) {
    while (*rest == '/')
      rest++;
    if (*rest == '\0') {
      /* Path named a directory we already hold. */
      if (flags & O_CREAT && !(flags & O_DIRECTORY)) {
        errno = EISDIR;
        break;
      }
      result = openat(stack[depth], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC, mode);
      break;
    }
    char *slash = strchr(rest, '/');
    bool last = slash == NULL;
    if (slash)
      *slash = '\0';
    char *name = rest;
    rest = last ? rest + strlen(rest) : slash + 1;
    if (strcmp(name, ".") == 0)
      continue;
    if (strcmp(name, "..") == 0) {
      if (depth > 0)
        close(stack[depth--]);
      continue;
    }
    struct stat st;
    if (fstatat(stack[depth], name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(stack[depth], name, target, sizeof target - 1);
      if (n < 0)
        break;
      target[n] = '\0';
      if (++links > MAX_SYMLINKS) {
        errno = ELOOP;
        break;
      }
      char joined[sizeof buf];
      if (snprintf(joined, sizeof joined, "%s/%s", target, rest) >= (int)sizeof joined) {
        errno = ENAMETOOLONG;
        break;
      }
      if (target[0] == '/')
        while (depth > 0)
          close(stack[depth--]);
      memcpy(buf, joined, sizeof buf);
      rest = buf;
      continue;
    }
    if (last) {
      result = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
      break;
    }
    if (depth + 1 >= (int)(sizeof stack / sizeof stack[0])) {
      errno = ENAMETOOLONG;
      break;
    }
    int next = openat(stack[depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0)
      break;
    stack[++depth] = next;
  }
  int saved = errno;
  while (depth >= 0)
    close(stack[depth--]);
  errno = saved;
  return result;
}

static int open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
  if (!force_walk()) {
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EAGAIN))
      return fd;
  }
  return walk_open(rootfd, path, flags, mode);
}

int root_open(int rootfd, const char *path, int flags, mode_t mode, struct xerr *err) {
  int fd = open_in_root(rootfd, path, flags, mode);
  if (fd < 0)
    return xerr_make(err, errno, "open %s inside the container root", path);
  return fd;
}

/* A dangling symlink `name` in dirfd, met while walking `path` at offset
 * `at` (the start of the component after it): splice its target in and
 * return the path to walk again, resolved from the root as before. */
static int splice_symlink(int dirfd, const char *name, const char *path, size_t start,
                          size_t at, char *out, size_t len) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
  if (n < 0)
    return -1;
  target[n] = '\0';
  const char *rest = path + at;
  int w;
  if (target[0] == '/')
    w = snprintf(out, len, "%s/%s", target, rest);
  else
    w = snprintf(out, len, "%.*s/%s/%s", (int)start, path, target, rest);
  if (w < 0 || (size_t)w >= len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

static int mkdir_p_walk(int rootfd, const char *path, mode_t mode, int depth, struct xerr *err) {
  char prefix[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof prefix)
    return xerr_make(err, ENAMETOOLONG, "mkdir %s", path);
  if (depth > MAX_SYMLINKS)
    return xerr_make(err, ELOOP, "mkdir %s inside the container root", path);
  /* Resolve each prefix from the root again, so a symlink at any level is
   * followed inside the root and never outside it. */
  int dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (dirfd < 0)
    return xerr_make(err, errno, "mkdir %s", path);
  size_t i = 0;
  while (i < len) {
    while (i < len && path[i] == '/')
      i++;
    size_t start = i;
    while (i < len && path[i] != '/')
      i++;
    if (i == start)
      break;
    char name[NAME_MAX + 1];
    size_t nlen = i - start;
    if (nlen > NAME_MAX) {
      close(dirfd);
      return xerr_make(err, ENAMETOOLONG, "mkdir %s", path);
    }
    memcpy(name, path + start, nlen);
    name[nlen] = '\0';
    if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST) {
      int e = errno;
      close(dirfd);
      return xerr_make(err, e, "mkdir %.*s inside the container root", (int)i, path);
    }
    memcpy(prefix, path, i);
    prefix[i] = '\0';
    int next = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
    if (next < 0 && errno == ENOENT) {
      /* A symlink whose target does not exist yet: create the target,
       * inside the root, as runc does. */
      char spliced[PATH_MAX];
      if (splice_symlink(dirfd, name, path, start, i, spliced, sizeof spliced) == 0) {
        close(dirfd);
        return mkdir_p_walk(rootfd, spliced, mode, depth + 1, err);
      }
      errno = ENOENT;
    }
    if (next < 0) {
      int e = errno;
      close(dirfd);
      return xerr_make(err, e, "open %s inside the container root", prefix);
    }
    close(dirfd);
    dirfd = next;
  }
  return dirfd;
}

int root_mkdir_p(int rootfd, const char *path, mode_t mode, struct xerr *err) {
  return mkdir_p_walk(rootfd, path, mode, 0, err);
}

int root_open_parent(int rootfd, const char *path, char *base, size_t base_len,
                     struct xerr *err) {
  char dir[PATH_MAX];
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  if (len >= sizeof dir)
    return xerr_make(err, ENAMETOOLONG, "%s", path);
  memcpy(dir, path, len);
  dir[len] = '\0';
  char *slash = strrchr(dir, '/');
  const char *name = slash ? slash + 1 : dir;
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return xerr_make(err, EINVAL, "%s: does not name a file", path);
  if (strlen(name) >= base_len)
    return xerr_make(err, ENAMETOOLONG, "%s", path);
  strcpy(base, name);
  if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
  return root_mkdir_p(rootfd, dir, 0755, err);
}

static __thread int ensure_depth;

int root_ensure(int rootfd, const char *path, int is_dir, mode_t mode, struct xerr *err) {
  if (is_dir)
    return root_mkdir_p(rootfd, path, mode, err);
  int fd = open_in_root(rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return xerr_make(err, errno, "open %s inside the container root", path);
  char base[NAME_MAX + 1];
  cleanup_close int parent = root_open_parent(rootfd, path, base, sizeof base, err);
  if (parent < 0)
    return -1;
  /* The parent is already resolved inside the root; create the file there
   * without following a symlink that may have appeared meanwhile. */
  int made = openat(parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
  if (made < 0 && errno == ELOOP) {
    /* The last component is a dangling symlink: create its target. */
    char target[PATH_MAX], spliced[PATH_MAX];
    ssize_t n = readlinkat(parent, base, target, sizeof target - 1);
    if (n < 0)
      return xerr_make(err, errno, "readlink %s inside the container root", path);
    target[n] = '\0';
    size_t dir_len = strlen(path) - strlen(base);
    int w = target[0] == '/'
                ? snprintf(spliced, sizeof spliced, "%s", target)
                : snprintf(spliced, sizeof spliced, "%.*s%s", (int)dir_len, path, target);
    if (w < 0 || (size_t)w >= sizeof spliced)
      return xerr_make(err, ENAMETOOLONG, "create %s inside the container root", path);
    if (++ensure_depth > MAX_SYMLINKS)
      return xerr_make(err, ELOOP, "create %s inside the container root", path);
    int fd2 = root_ensure(rootfd, spliced, 0, mode, err);
    ensure_depth--;
    return fd2;
  }
  if (made < 0 && errno != EEXIST)
    return xerr_make(err, errno, "create %s inside the container root", path);
  if (made >= 0)
    close(made);
  fd = open_in_root(rootfd, path, O_PATH, 0);
  if (fd < 0)
    return xerr_make(err, errno, "open %s inside the container root", path);
  return fd;
}
