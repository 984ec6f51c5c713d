/* xocker cp CONTAINER:SRC DEST | SRC CONTAINER:DEST (either side "-" for a
 * tar stream on stdin/stdout), with Docker's path rules:
 *   a file onto a missing path or a file: that name; into a directory: its
 *   own name inside; a directory onto a missing path: created with that
 *   name; into a directory: inside it, or only its contents with "SRC/.";
 *   a directory onto a file: "cannot copy directory"; a missing
 *   destination ending in "/" for a file: "no such directory".
 * The copy is a tar stream (libarchive) made by a child process and
 * extracted by this one.  Container paths are resolved inside the
 * container's root (rootpath.h: never through a symlink out of it); a
 * running container is reached through /proc/PID/root (so its volumes are
 * seen), a stopped one through its mounted rootfs.  Extraction runs with
 * libarchive's secure flags in the destination directory, so an entry can
 * neither climb out with ".." nor write through a symlink. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/rootpath.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"
#include "tarstream.h"

struct cp_opts {
  bool archive, follow;
};

/* One side of the copy: a host path or a path in a container. */
struct cp_side {
  const char *arg;          /* as given */
  const char *container;    /* NULL: the host */
  char path[4096];          /* the path (in the container: from its "/") */
  int rootfd;               /* the container's root (O_PATH), -1 for the host */
  struct container_record rec;
  bool unmount_after;
};

/* What a path names. */
struct cp_info {
  bool exists, is_dir;
};

/* "name:path" is a container path unless it starts with "/" or "." (a
 * local path with a colon in it is written ./a:b). */
static void split_arg(const char *arg, struct cp_side *side) {
  side->arg = arg;
  side->rootfd = -1;
  const char *colon = strchr(arg, ':');
  if (!colon || arg[0] == '/' || arg[0] == '.') {
    snprintf(side->path, sizeof side->path, "%s", arg);
    return;
  }
  static char names[2][CONTAINER_NAME_MAX];
  static int used;
  char *name = names[used++ % 2];
  snprintf(name, CONTAINER_NAME_MAX, "%.*s", (int)(colon - arg), arg);
  side->container = name;
  snprintf(side->path, sizeof side->path, "%s", colon + 1);
}

static bool ends_with_slash_dot(const char *p) {
  size_t n = strlen(p);
  return (n >= 2 && !strcmp(p + n - 2, "/.")) || !strcmp(p, ".");
}

static bool ends_with_slash(const char *p) {
  size_t n = strlen(p);
  return n > 0 && (p[n - 1] == '/' || ends_with_slash_dot(p));
}

/* The container's root as an O_PATH fd: /proc/PID/root while it runs,
 * else its mounted rootfs. */
static int open_container(struct xstore *s, struct cp_side *side, struct xerr *err) {
  if (container_lookup(s, side->container, &side->rec, err) < 0) {
    err->errnum = ESRCH;
    return -1;
  }
  struct cstate st;
  if (cstate_load(s, side->rec.id, &st, err) < 0)
    return -1;
  char root[4096];
  if (cstate_running(&st) && st.pid > 0) {
    snprintf(root, sizeof root, "/proc/%d/root", (int)st.pid);
  } else {
    side->unmount_after = !container_mounted(s, &side->rec);
    if (container_mount(s, &side->rec, root, sizeof root, err) < 0)
      return -1;
  }
  side->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (side->rootfd < 0)
    return xerr_make(err, errno, "open the root of container %s", side->container);
  return 0;
}

static int not_found(const struct cp_side *side, const char *path, struct xerr *err) {
  if (side->container)  /* ESRCH: the daemon's error in Docker */
    return xerr_set(err, ESRCH, "Could not find the file %s in container %s", path,
                    side->container);
  return xerr_set(err, ENOENT, "lstat %s: no such file or directory", path);
}

/* An O_PATH fd of path on this side (follow: a final symlink is followed,
 * inside the container's root); -1 with errno when it is missing. */
static int open_on_side(const struct cp_side *side, const char *path, bool follow) {
  int flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  if (side->rootfd < 0)
    return open(path, flags);
  struct xerr ignored = {0};
  if (follow)
    return root_open(side->rootfd, path, flags, 0, &ignored);
  char copy[4096], base[256];
  snprintf(copy, sizeof copy, "%s", path);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  if (!strcmp(copy, "/") || !*copy)
    return fcntl(side->rootfd, F_DUPFD_CLOEXEC, 3);
  int dirfd = root_open_parent(side->rootfd, copy, base, sizeof base, &ignored);
  if (dirfd < 0)
    return -1;
  int fd = openat(dirfd, base, flags);
  int saved = errno;
  close(dirfd);
  errno = saved;
  return fd;
}

static struct cp_info info_of(int fd) {
  struct stat st;
  struct cp_info i = {0};
  if (fd >= 0 && fstat(fd, &st) == 0) {
    i.exists = true;
    i.is_dir = S_ISDIR(st.st_mode);
  }
  return i;
}

/* The last component of a path ("/a/b/" -> "b", "/" -> "."). */
static void base_of(const char *path, char *out, size_t len) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  snprintf(out, len, "%s", basename(copy));
  if (!strcmp(out, "/"))
    snprintf(out, len, ".");
}

static void parent_of(const char *path, char *out, size_t len) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  snprintf(out, len, "%s", dirname(copy));
}

/* Child: write the tar of src (fd, already resolved) named top to out. */
static int write_source(int srcfd, const char *top, int out) {
  struct xerr err = {0};
  struct archive *a = tar_writer_fd(out, &err);
  if (!a) {
    fprintf(stderr, "Error: %s\n", err.msg);
    return 1;
  }
  int r = tar_add_fd(a, srcfd, top, &err);
  if (tar_writer_close(a, r < 0 ? &(struct xerr){0} : &err) < 0 || r < 0) {
    fprintf(stderr, "Error: %s\n", err.msg);
    return 1;
  }
  return 0;
}

/* Into a container: root's files unless -a keeps the archive's owners;
 * out of one: the files are the caller's. */
static int extract(int in, int dirfd, const struct cp_opts *o, bool into_container,
                   struct xerr *err) {
  enum tar_owner owner = !into_container ? TAR_OWNER_CALLER
                         : o->archive    ? TAR_OWNER_ARCHIVE
                                         : TAR_OWNER_ROOT;
  return tar_extract(in, dirfd, owner, err);
}

/* Fork a child writing the tar of srcfd into a pipe, extract it here. */
static int copy_through_pipe(int srcfd, const char *top, int dirfd, const struct cp_opts *o,
                             bool into_container, struct xerr *err) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return xerr_make(err, errno, "pipe");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return xerr_make(err, errno, "fork");
  if (pid == 0) {
    close(fds[0]);
    _exit(write_source(srcfd, top, fds[1]));
  }
  close(fds[1]);
  int r = extract(fds[0], dirfd, o, into_container, err);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
    return xerr_set(err, EIO, "copy %s failed", top);
  return r;
}

/* Where the copy lands: the directory to extract in and the top name. */
static int plan_destination(const struct cp_side *dst, struct cp_info src, const char *src_path,
                            int *dirfd, char *top, size_t top_len, struct xerr *err) {
  cleanup_close int dfd = open_on_side(dst, dst->path, true);
  struct cp_info d = info_of(dfd);
  char base[256];
  if (d.exists && d.is_dir) {
    if (src.is_dir && ends_with_slash_dot(src_path))
      top[0] = '\0';
    else
      base_of(src_path, top, top_len);
    *dirfd = take_fd(&dfd);
    return 0;
  }
  if (d.exists) {
    if (src.is_dir)
      return xerr_set(err, ENOTDIR, "cannot copy directory");
    if (ends_with_slash(dst->path))
      return xerr_set(err, ENOTDIR, "not a directory");
  } else if (ends_with_slash(dst->path) && !src.is_dir) {
    return xerr_set(err, ENOENT, "no such directory");
  }
  char parent[4096];
  parent_of(dst->path, parent, sizeof parent);
  base_of(dst->path, base, sizeof base);
  snprintf(top, top_len, "%s", base);
  *dirfd = open_on_side(dst, parent, true);
  if (*dirfd < 0)
    return not_found(dst, parent, err);
  if (!info_of(*dirfd).is_dir)
    return xerr_set(err, ENOTDIR, "not a directory");
  return 0;
}

static int copy(const struct cp_side *src, const struct cp_side *dst, const struct cp_opts *o,
                struct xerr *err) {
  bool from_stdin = !src->container && !strcmp(src->path, "-");
  bool to_stdout = !dst->container && !strcmp(dst->path, "-");
  if (from_stdin) {
    cleanup_close int dfd = open_on_side(dst, dst->path, true);
    if (!info_of(dfd).is_dir)
      return xerr_set(err, ENOTDIR, "destination \"%s\" must be a directory", dst->arg);
    return extract(STDIN_FILENO, dfd, o, dst->container != NULL, err);
  }
  /* A file named with a trailing "/" is "not a directory"; -L follows a
   * final symlink (inside the container's root). */
  cleanup_close int sfd = open_on_side(src, src->path, o->follow || ends_with_slash(src->path));
  if (sfd < 0 && errno == ENOTDIR)
    return xerr_set(err, ENOTDIR, "not a directory");
  if (sfd < 0)
    return not_found(src, src->path, err);
  struct cp_info s = info_of(sfd);
  if (ends_with_slash(src->path) && !s.is_dir)
    return xerr_set(err, ENOTDIR, "not a directory");
  char top[256];
  if (to_stdout) {
    if (s.is_dir && ends_with_slash_dot(src->path))
      top[0] = '\0';
    else
      base_of(src->path, top, sizeof top);
    fflush(stdout);
    return write_source(sfd, top, STDOUT_FILENO) == 0 ? 0
           : xerr_set(err, EIO, "copy %s failed", src->arg);
  }
  cleanup_close int dirfd = -1;
  if (plan_destination(dst, s, src->path, &dirfd, top, sizeof top, err) < 0)
    return -1;
  return copy_through_pipe(sfd, top, dirfd, o, dst->container != NULL, err);
}

static void close_side(struct xstore *s, struct cp_side *side) {
  if (side->rootfd >= 0)
    close(side->rootfd);
  struct xerr ignored = {0};
  if (side->unmount_after)
    container_unmount(s, &side->rec, &ignored);
  if (side->container)
    container_record_clear(&side->rec);
}

int cmd_cp(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"archive", no_argument, NULL, 'a'},
                                           {"follow-link", no_argument, NULL, 'L'},
                                           {"quiet", no_argument, NULL, 'q'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct cp_opts o = {0};
  int c;
  while ((c = cli_getopt(argc, argv, "aLq", longopts)) != -1) {
    if (c == 'a') {
      o.archive = true;
    } else if (c == 'L') {
      o.follow = true;
    } else if (c == 'q') {
      continue;  /* no progress output is shown anyway */
    } else if (c == 'h') {
      printf("\nUsage:  xocker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
             "        xocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\n"
             "Copy files/folders between a container and the local filesystem\n\nOptions:\n"
             "  -a, --archive       Archive mode (copy all uid/gid information)\n"
             "  -L, --follow-link   Always follow symbol link in SRC_PATH\n"
             "  -q, --quiet         Suppress progress output during copy\n");
      return 0;
    } else {
      return 125;
    }
  }
  if (argc - optind != 2)
    return cli_usage(argv[0], "\"%s\" requires exactly 2 arguments.", argv[0]);
  struct cp_side src = {0}, dst = {0};
  split_arg(argv[optind], &src);
  split_arg(argv[optind + 1], &dst);
  if (src.container && dst.container)
    return cli_errorf("copying between containers is not supported");
  if (!src.container && !dst.container)
    return cli_errorf("must specify at least one container source");
  if (!*src.path || !*dst.path)
    return cli_errorf("filesystem path cannot be empty");
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  struct cp_side *ctr = src.container ? &src : &dst;
  int ret = 0;
  if (open_container(s, ctr, &err) < 0 || copy(&src, &dst, &o, &err) < 0)
    ret = err.errnum == ESRCH ? cli_daemon_error(&err) : cli_error(&err);
  close_side(s, ctr);
  store_close(s);
  return ret;
}
