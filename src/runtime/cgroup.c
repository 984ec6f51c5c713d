/* The layout-independent half of the cgroup module: finding the
 * hierarchies, the cgroupsPath rules, and the operations that are the same
 * on every layout (mkdir, enter, the pid walk, kill, rmdir).  What differs
 * is behind cg->ops (cgroup_v1.c, cgroup_v2.c). */
#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

void (*cgroup_write_hook)(const char *dir, const char *file, const char *value);

/* Callers may pass err == NULL (best-effort cleanup paths); the internals
 * decide on err->errnum, so give them somewhere to write. */
#define ERR_OR_LOCAL(err)                                                                    \
  struct xerr local_err_;                                                                    \
  if ((err) == NULL)                                                                         \
  (err) = &local_err_

const char *cgroup_mount_root(void) {
  const char *env = getenv("XRUN_CGROUP_ROOT");
  return env && *env ? env : "/sys/fs/cgroup";
}

/* ---------------------------------------------------------------- files */

int cgroup_write(const char *dir, const char *file, const char *value, struct xerr *err) {
  /* No O_CREAT: a knob the kernel does not offer is an error, not a new
   * file (this also keeps scratch trees honest).  O_TRUNC is ignored by
   * cgroupfs and makes plain files hold the last value. */
  cleanup_close int fd = cgroup_open_knob(dir, file, err);
  if (fd < 0)
    return -1;
  return cgroup_write_knob(fd, dir, file, value, err);
}

int cgroup_open_knob(const char *dir, const char *file, struct xerr *err) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
    return xerr_make(err, ENAMETOOLONG, "open %s/%s", dir, file);
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", path);
  return fd;
}

int cgroup_write_knob(int fd, const char *dir, const char *file, const char *value,
                      struct xerr *err) {
  if (cgroup_write_hook)
    cgroup_write_hook(dir, file, value);
  size_t len = strlen(value);
  ssize_t n;
  do
    n = write(fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return xerr_make(err, errno, "write %s to %s/%s", value, dir, file);
  if ((size_t)n != len)
    return xerr_make(err, EIO, "write %s to %s/%s: short write", value, dir, file);
  return 0;
}

int cgroup_writef(const char *dir, const char *file, struct xerr *err, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf)
    return xerr_make(err, EINVAL, "write %s/%s: value too long", dir, file);
  return cgroup_write(dir, file, buf, err);
}

int cgroup_field_write(const char *field, const char *dir, const char *file, const char *value,
                       struct xerr *err) {
  if (cgroup_write(dir, file, value, err) == 0)
    return 0;
  if (err && err->errnum == ENOENT)
    return xerr_make(err, ENOENT, "linux.resources.%s: %s/%s does not exist (not supported by "
                     "the kernel or its controller is not enabled)", field, dir, file);
  return xerr_wrap(err, "linux.resources.%s", field);
}

int cgroup_field_writef(const char *field, const char *dir, const char *file, struct xerr *err,
                        const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf)
    return xerr_make(err, EINVAL, "linux.resources.%s: value too long", field);
  return cgroup_field_write(field, dir, file, buf, err);
}

int cgroup_parent_dir(const char *dir, char *out, size_t len) {
  if (snprintf(out, len, "%s", dir) >= (int)len)
    return -1;
  char *slash = strrchr(out, '/');
  if (slash == NULL || slash == out)
    return -1;
  *slash = '\0';
  return 0;
}

int cgroup_read(const char *dir, const char *file, char **out, struct xerr *err) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
    return xerr_make(err, ENAMETOOLONG, "read %s/%s", dir, file);
  size_t len = 0;
  char *buf = NULL;
  if (read_file_at(AT_FDCWD, path, &buf, &len, err) < 0)
    return -1;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  *out = buf;
  return 0;
}

int cgroup_read_u64(const char *dir, const char *file, uint64_t *out, struct xerr *err) {
  cleanup_free char *s = NULL;
  if (cgroup_read(dir, file, &s, err) < 0)
    return -1;
  if (strcmp(s, "max") == 0) {
    *out = UINT64_MAX;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || (*end != '\0' && *end != '\n'))
    return xerr_make(err, EINVAL, "read %s/%s: not a number: \"%s\"", dir, file, s);
  *out = v;
  return 0;
}

bool cgroup_file_exists(const char *dir, const char *file) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
    return false;
  return access(path, F_OK) == 0;
}

void cgroup_sleep_us(long usec) {
  struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

bool cgroup_list_has(const char *list, const char *controller) {
  size_t len = strlen(controller);
  for (const char *p = list; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == len && strncmp(p, controller, len) == 0)
      return true;
    p = comma ? comma + 1 : NULL;
  }
  return false;
}

struct cgroup_hier *cgroup_find_hier(struct cgroup *cg, const char *controller) {
  for (size_t i = 0; i < cg->n_hier; i++) {
    struct cgroup_hier *h = &cg->hier[i];
    if (*controller == '\0' ? h->unified : (!h->unified && cgroup_list_has(h->controllers, controller)))
      return h;
  }
  return NULL;
}

struct cgroup_hier *cgroup_unified_hier(struct cgroup *cg) { return cgroup_find_hier(cg, ""); }

/* ------------------------------------------------------------ discovery */

void cgroup_hier_free(struct cgroup_hier *hier, size_t n) {
  if (hier == NULL)
    return;
  for (size_t i = 0; i < n; i++) {
    free(hier[i].controllers);
    free(hier[i].mount);
    free(hier[i].dir);
    free(hier[i].created_top);
  }
  free(hier);
}

static int hier_add(struct cgroup_hier **hier, size_t *n, const char *mount,
                    const char *controllers, bool unified, struct xerr *err) {
  /* The same mount point seen again (an over-mount) replaces the entry:
   * the last mount is the visible one. */
  for (size_t i = 0; i < *n; i++) {
    if (strcmp((*hier)[i].mount, mount) != 0)
      continue;
    char *c = strdup(controllers);
    if (c == NULL)
      return xerr_make(err, ENOMEM, "cgroup hierarchy %s", mount);
    free((*hier)[i].controllers);
    (*hier)[i].controllers = c;
    (*hier)[i].unified = unified;
    return 0;
  }
  struct cgroup_hier *bigger = realloc(*hier, (*n + 1) * sizeof **hier);
  if (bigger == NULL)
    return xerr_make(err, ENOMEM, "cgroup hierarchy %s", mount);
  *hier = bigger;
  struct cgroup_hier *h = &bigger[*n];
  memset(h, 0, sizeof *h);
  h->mount = strdup(mount);
  h->controllers = strdup(controllers);
  h->unified = unified;
  (*n)++;
  if (h->mount == NULL || h->controllers == NULL)
    return xerr_make(err, ENOMEM, "cgroup hierarchy %s", mount);
  return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
        r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

static const char *const known_controllers[] = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
    "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc", "debug", NULL};

/* From a v1 mount's super options ("rw,cpu,cpuacct,xattr"), the controller
 * list ("cpu,cpuacct"); named hierarchies keep their "name=" form. */
static void controllers_from_options(const char *opts, char *out, size_t len) {
  out[0] = '\0';
  size_t used = 0;
  for (const char *p = opts; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    bool keep = n > 5 && strncmp(p, "name=", 5) == 0;
    for (size_t i = 0; !keep && known_controllers[i]; i++)
      keep = strlen(known_controllers[i]) == n && strncmp(p, known_controllers[i], n) == 0;
    if (keep && used + n + 2 < len) {
      if (used)
        out[used++] = ',';
      memcpy(out + used, p, n);
      used += n;
      out[used] = '\0';
    }
    p = comma ? comma + 1 : NULL;
  }
}

/* Is path strictly below dir ("/sys/fs/cgroup/cpu" below "/sys/fs/cgroup")? */
static bool path_below(const char *path, const char *dir) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0';
}

int cgroup_parse_mountinfo(const char *text, const char *mount_root,
                           struct cgroup_hier **hier, size_t *n, struct xerr *err) {
  cleanup_free char *copy = strdup(text);
  if (copy == NULL)
    return xerr_make(err, ENOMEM, "parse mountinfo");
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* "36 25 0:31 / /sys/fs/cgroup/cpu rw,relatime shared:14 - cgroup cgroup rw,cpu" */
    char *sep = strstr(line, " - ");
    if (sep == NULL)
      continue;
    *sep = '\0';
    char *fields[5] = {0};
    char *fsave = NULL;
    char *f = strtok_r(line, " ", &fsave);
    for (int i = 0; i < 5 && f; i++, f = strtok_r(NULL, " ", &fsave))
      fields[i] = f;
    if (fields[4] == NULL)
      continue;
    char *tail_save = NULL;
    char *fstype = strtok_r(sep + 3, " ", &tail_save);
    char *source = fstype ? strtok_r(NULL, " ", &tail_save) : NULL;
    char *super = source ? strtok_r(NULL, " ", &tail_save) : NULL;
    if (fstype == NULL || (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
      continue;
    char *mnt = fields[4];
    unescape_octal(mnt);
    if (!path_below(mnt, mount_root))
      continue;
    bool unified = strcmp(fstype, "cgroup2") == 0;
    char controllers[256];
    controllers_from_options(unified ? "" : (super ? super : ""), controllers,
                             sizeof controllers);
    if (!unified && controllers[0] == '\0')
      continue; /* a v1 mount with nothing we know: nothing to do there */
    if (hier_add(hier, n, mnt, controllers, unified, err) < 0)
      return -1;
  }
  return (int)*n;
}

/* The scratch-tree rule (cgroup_internal.h). */
static int discover_scratch(const char *root, enum cgroup_layout *layout,
                            struct cgroup_hier **hier, size_t *n, struct xerr *err) {
  if (cgroup_file_exists(root, "cgroup.controllers")) {
    *layout = CGROUP_LAYOUT_V2;
    return hier_add(hier, n, root, "", true, err);
  }
  cleanup_dir DIR *d = opendir(root);
  if (d == NULL)
    return xerr_make(err, errno, "open cgroup root %s", root);
  bool hybrid = false;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char sub[PATH_MAX];
    if (snprintf(sub, sizeof sub, "%s/%s", root, de->d_name) >= (int)sizeof sub)
      continue;
    struct stat st;
    if (stat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
      continue;
    int r;
    if (strcmp(de->d_name, "unified") == 0 && cgroup_file_exists(sub, "cgroup.controllers")) {
      hybrid = true;
      r = hier_add(hier, n, sub, "", true, err);
    } else {
      r = hier_add(hier, n, sub,
                   strcmp(de->d_name, "systemd") == 0 ? "name=systemd" : de->d_name, false,
                   err);
    }
    if (r < 0)
      return -1;
  }
  if (*n == 0)
    return xerr_make(err, ENOENT, "no cgroup hierarchy found under %s", root);
  *layout = hybrid ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
  return 0;
}

int cgroup_discover(const char *mount_root, enum cgroup_layout *layout,
                    struct cgroup_hier **out, size_t *n_out, struct xerr *err) {
  struct statfs sfs;
  if (statfs(mount_root, &sfs) < 0)
    return xerr_make(err, errno, "statfs %s", mount_root);
  struct cgroup_hier *hier = NULL;
  size_t n = 0;
  int ret;
  if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
    *layout = CGROUP_LAYOUT_V2;
    ret = hier_add(&hier, &n, mount_root, "", true, err);
  } else {
    cleanup_free char *mountinfo = NULL;
    ret = read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL, err);
    if (ret >= 0)
      ret = cgroup_parse_mountinfo(mountinfo, mount_root, &hier, &n, err);
    if (ret == 0) {
      ret = discover_scratch(mount_root, layout, &hier, &n, err);
    } else if (ret > 0) {
      /* Real cgroupfs under a tmpfs: hybrid when <root>/unified is cgroup2. */
      char unified[PATH_MAX];
      snprintf(unified, sizeof unified, "%s/unified", mount_root);
      bool hybrid = statfs(unified, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
      /* Only the cgroup2 tree at <root>/unified belongs to the layout;
       * other cgroup2 mounts under the root are someone else's. */
      for (size_t i = 0; i < n;) {
        if (hier[i].unified && !(hybrid && strcmp(hier[i].mount, unified) == 0)) {
          free(hier[i].controllers);
          free(hier[i].mount);
          memmove(&hier[i], &hier[i + 1], (n - i - 1) * sizeof *hier);
          n--;
        } else {
          i++;
        }
      }
      *layout = hybrid ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1;
      ret = 0;
    }
  }
  if (ret < 0) {
    cgroup_hier_free(hier, n);
    return -1;
  }
  *out = hier;
  *n_out = n;
  return 0;
}

int cgroup_detect_layout(const char *mount_root, enum cgroup_layout *out, struct xerr *err) {
  ERR_OR_LOCAL(err);
  struct cgroup_hier *hier = NULL;
  size_t n = 0;
  if (cgroup_discover(mount_root ? mount_root : cgroup_mount_root(), out, &hier, &n, err) < 0)
    return -1;
  cgroup_hier_free(hier, n);
  return 0;
}

/* ----------------------------------------------------------------- path */

static bool bad_component(const char *c, size_t n) {
  return n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.');
}

int cgroup_path_for(const char *cgroups_path, const char *id, char **out, struct xerr *err) {
  ERR_OR_LOCAL(err);
  char *path = NULL;
  if (cgroups_path == NULL || *cgroups_path == '\0') {
    if (id == NULL || bad_component(id, strlen(id)) || strchr(id, '/') != NULL)
      return xerr_make(err, EINVAL, "cgroup path: invalid container id \"%s\"",
                       id ? id : "");
    if (asprintf(&path, CGROUP_OWN_PARENT "/%s", id) < 0)
      return xerr_make(err, ENOMEM, "cgroup path");
    *out = path;
    return 0;
  }
  bool absolute = cgroups_path[0] == '/';
  const char *p = absolute ? cgroups_path + 1 : cgroups_path;
  if (*p == '\0')
    return xerr_make(err, EINVAL,
                     "linux.cgroupsPath \"%s\": the root cgroup cannot be a container's",
                     cgroups_path);
  /* Every component must be a real name: "..", "." and empty ones ("//",
   * a trailing "/") could leave or alias the hierarchy. */
  for (const char *c = p;;) {
    const char *slash = strchr(c, '/');
    size_t n = slash ? (size_t)(slash - c) : strlen(c);
    if (bad_component(c, n))
      return xerr_make(err, EINVAL,
                       "linux.cgroupsPath \"%s\": empty, \".\" and \"..\" components are not "
                       "allowed",
                       cgroups_path);
    if (slash == NULL)
      break;
    c = slash + 1;
  }
  if (strlen(cgroups_path) >= PATH_MAX / 2)
    return xerr_make(err, ENAMETOOLONG, "linux.cgroupsPath");
  if (asprintf(&path, "%s%s", absolute ? "" : CGROUP_OWN_PARENT "/", cgroups_path) < 0)
    return xerr_make(err, ENOMEM, "cgroup path");
  *out = path;
  return 0;
}

/* ------------------------------------------------------------- lifecycle */

void cgroup_free(struct cgroup *cg) {
  if (cg == NULL)
    return;
  cgroup_hier_free(cg->hier, cg->n_hier);
  free(cg->path);
  free(cg);
}

static const struct cgroup_ops *ops_for(enum cgroup_layout layout) {
  switch (layout) {
  case CGROUP_LAYOUT_V1:
    return &cgroup_v1_ops;
  case CGROUP_LAYOUT_V2:
    return &cgroup_v2_ops;
  case CGROUP_LAYOUT_HYBRID:
    return &cgroup_hybrid_ops;
  default:
    return &cgroup_v1_ops;
  }
}

/* Discover the hierarchies and bind them to path. */
static int cgroup_new(const char *path, struct cgroup **out, struct xerr *err) {
  if (path == NULL || path[0] != '/' || path[1] == '\0')
    return xerr_make(err, EINVAL, "cgroup path \"%s\": must be absolute and not the root",
                     path ? path : "");
  cleanup_cgroup struct cgroup *cg = calloc(1, sizeof *cg);
  if (cg == NULL || (cg->path = strdup(path)) == NULL)
    return xerr_make(err, ENOMEM, "cgroup %s", path);
  if (cgroup_discover(cgroup_mount_root(), &cg->layout, &cg->hier, &cg->n_hier, err) < 0)
    return -1;
  cg->ops = ops_for(cg->layout);
  for (size_t i = 0; i < cg->n_hier; i++) {
    if (asprintf(&cg->hier[i].dir, "%s%s", cg->hier[i].mount, path) < 0) {
      cg->hier[i].dir = NULL;
      return xerr_make(err, ENOMEM, "cgroup %s", path);
    }
  }
  *out = steal_pointer(&cg);
  return 0;
}

/* mkdir the container's directory in one hierarchy, remembering the
 * topmost directory we made so a failed create can take exactly that
 * back.  The common case (parent exists) is a single mkdir(2). */
static int mkdir_hier(struct cgroup_hier *h, struct xerr *err) {
  if (mkdir(h->dir, 0755) == 0) {
    h->created_top = strdup(h->dir);
    return h->created_top ? 0 : xerr_make(err, ENOMEM, "mkdir %s", h->dir);
  }
  if (errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return xerr_make(err, errno, "mkdir %s", h->dir);
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", h->dir);
  for (char *p = buf + strlen(h->mount) + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0755) == 0) {
      if (h->created_top == NULL && (h->created_top = strdup(buf)) == NULL)
        return xerr_make(err, ENOMEM, "mkdir %s", buf);
    } else if (errno != EEXIST) {
      return xerr_make(err, errno, "mkdir %s", buf);
    }
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST)
    return xerr_make(err, errno, "mkdir %s", buf);
  if (h->created_top == NULL && (h->created_top = strdup(buf)) == NULL)
    return xerr_make(err, ENOMEM, "mkdir %s", buf);
  return 0;
}

/* Undo mkdir_hier: rmdir from the leaf up to created_top. */
static void undo_mkdir(struct cgroup_hier *h) {
  if (h->created_top == NULL)
    return;
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", h->dir);
  size_t top = strlen(h->created_top);
  for (;;) {
    if (rmdir(buf) < 0 && errno != ENOENT)
      break;
    char *slash = strrchr(buf, '/');
    if (slash == NULL || strlen(buf) <= top)
      break;
    *slash = '\0';
    if (strlen(buf) < top)
      break;
  }
  free(h->created_top);
  h->created_top = NULL;
}

int cgroup_create(const char *path, json_t *resources, struct cgroup **out, struct xerr *err) {
  ERR_OR_LOCAL(err);
  /* Check linux.resources before touching the filesystem, so bad input
   * costs no mkdir/rmdir. */
  struct cgroup_resources res;
  if (cgroup_resources_parse(resources, &res, err) < 0)
    return -1;
  cleanup_cgroup struct cgroup *cg = NULL;
  int ret = cgroup_new(path, &cg, err);
  for (size_t i = 0; ret == 0 && i < cg->n_hier; i++)
    ret = mkdir_hier(&cg->hier[i], err);
  if (ret == 0)
    ret = cg->ops->prepare(cg, err);
  if (ret == 0)
    ret = cg->ops->set_resources(cg, &res, true, err);
  cgroup_resources_clear(&res);
  if (ret < 0) {
    if (cg != NULL)
      for (size_t i = cg->n_hier; i-- > 0;)
        undo_mkdir(&cg->hier[i]);
    return xerr_wrap(err, "create cgroup %s", path);
  }
  for (size_t i = 0; i < cg->n_hier; i++) {
    free(cg->hier[i].created_top);
    cg->hier[i].created_top = NULL;
  }
  *out = steal_pointer(&cg);
  return 0;
}

int cgroup_open(const char *path, struct cgroup **out, struct xerr *err) {
  ERR_OR_LOCAL(err);
  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_new(path, &cg, err) < 0)
    return -1;
  /* The cgroup exists when any hierarchy has it; ENOENT lets callers
   * such as `delete` tell "already gone" from real failures. */
  bool found = false;
  for (size_t i = 0; i < cg->n_hier && !found; i++)
    found = access(cg->hier[i].dir, F_OK) == 0;
  if (!found)
    return xerr_make(err, ENOENT, "cgroup %s does not exist", path);
  *out = steal_pointer(&cg);
  return 0;
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct xerr *err) {
  ERR_OR_LOCAL(err);
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  for (size_t i = 0; i < cg->n_hier; i++)
    if (cgroup_write(cg->hier[i].dir, "cgroup.procs", buf, err) < 0)
      return xerr_wrap(err, "add pid %d to cgroup %s", (int)pid, cg->path);
  return 0;
}

int cgroup_set_resources(struct cgroup *cg, json_t *resources, struct xerr *err) {
  ERR_OR_LOCAL(err);
  struct cgroup_resources res;
  if (cgroup_resources_parse(resources, &res, err) < 0)
    return -1;
  int ret = cg->ops->set_resources(cg, &res, false, err);
  cgroup_resources_clear(&res);
  return ret;
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  ERR_OR_LOCAL(err);
  if (cg->ops->freeze(cg, frozen, err) < 0)
    return xerr_wrap(err, "%s cgroup %s", frozen ? "freeze" : "thaw", cg->path);
  return 0;
}

int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  ERR_OR_LOCAL(err);
  return cg->ops->is_frozen(cg, frozen, err);
}

/* ----------------------------------------------------------------- pids */

struct pid_list {
  pid_t *v;
  size_t n, cap;
};

static int pids_of_dir(int dfd, const char *where, struct pid_list *l, int depth,
                       struct xerr *err) {
  cleanup_free char *procs = NULL;
  if (read_file_at(dfd, "cgroup.procs", &procs, NULL, err) < 0) {
    if (err && err->errnum == ENOENT)
      return 0; /* removed under us: no processes there */
    return xerr_wrap(err, "%s", where);
  }
  for (char *p = procs; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    if (l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 32;
      pid_t *bigger = realloc(l->v, cap * sizeof *bigger);
      if (bigger == NULL)
        return xerr_make(err, ENOMEM, "list pids of %s", where);
      l->v = bigger;
      l->cap = cap;
    }
    l->v[l->n++] = (pid_t)v;
    p = end;
    while (*p == '\n' || *p == ' ')
      p++;
  }
  if (depth > 64)
    return 0;
  /* Child cgroups (made inside the container, e.g. by systemd in it). */
  int fd = dup(dfd);
  if (fd < 0)
    return xerr_make(err, errno, "list cgroups under %s", where);
  cleanup_dir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return xerr_make(err, errno, "list cgroups under %s", where);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    cleanup_close int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0)
      continue;
    if (pids_of_dir(sub, where, l, depth + 1, err) < 0)
      return -1;
  }
  return 0;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct xerr *err) {
  ERR_OR_LOCAL(err);
  struct cgroup_hier *h = cg->ops->pids_hier(cg);
  if (h == NULL)
    return xerr_make(err, ENOENT, "cgroup %s: no hierarchy lists its processes", cg->path);
  struct pid_list l = {0};
  cleanup_close int fd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT)
      return xerr_make(err, errno, "open %s", h->dir);
  } else if (pids_of_dir(fd, h->dir, &l, 0, err) < 0) {
    free(l.v);
    return -1;
  }
  *pids = l.v;
  *n = l.n;
  return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct xerr *err) {
  ERR_OR_LOCAL(err);
  int ret = cg->ops->kill_fast(cg, sig, err);
  if (ret != 0)
    return ret < 0 ? xerr_wrap(err, "kill cgroup %s", cg->path) : 0;
  /* Freeze so nothing forks past the pid list; keep a paused container
   * paused, except that a v1-frozen task only dies from SIGKILL once
   * thawed. */
  bool was_frozen = false, froze = false;
  if (cg->ops->can_freeze(cg)) {
    if (cg->ops->is_frozen(cg, &was_frozen, err) < 0)
      was_frozen = false;
    if (!was_frozen) {
      if (cg->ops->freeze(cg, true, err) < 0)
        xlog_debug("kill cgroup %s without freezing it: %s", cg->path, err->msg);
      else
        froze = true;
    }
  }
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  ret = cgroup_pids(cg, &pids, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH)
      ret = xerr_make(err, errno, "kill pid %d with signal %d", (int)pids[i], sig);
  if (froze || (was_frozen && sig == SIGKILL)) {
    struct xerr thaw_err;
    if (cg->ops->freeze(cg, false, &thaw_err) < 0 && ret == 0) {
      *err = thaw_err;
      ret = -1;
    }
  }
  return ret < 0 ? xerr_wrap(err, "kill cgroup %s", cg->path) : 0;
}

int cgroup_stats(struct cgroup *cg, json_t **out, struct xerr *err) {
  ERR_OR_LOCAL(err);
  json_t *data = json_object();
  if (data == NULL)
    return xerr_make(err, ENOMEM, "cgroup stats");
  if (cg->ops->stats(cg, data, err) < 0) {
    json_decref(data);
    return xerr_wrap(err, "stats of cgroup %s", cg->path);
  }
  *out = data;
  return 0;
}

/* ------------------------------------------------------------- destroy */

/* rmdir dir, after its child cgroups if it has any; retries EBUSY while
 * the last tasks of a killed container are still exiting.  The common
 * case (no children, no tasks) is a single rmdir(2). */
static int rmdir_tree(const char *dir, int depth, struct xerr *err) {
  if (rmdir(dir) == 0 || errno == ENOENT)
    return 0;
  /* cgroupfs says EBUSY for child cgroups, a plain tree ENOTEMPTY. */
  if (errno != EBUSY && errno != ENOTEMPTY)
    return xerr_make(err, errno, "rmdir %s", dir);
  if (depth < 64) {
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
      return errno == ENOENT ? 0 : xerr_make(err, errno, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      char sub[PATH_MAX];
      if (snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) >= (int)sizeof sub)
        return xerr_make(err, ENAMETOOLONG, "rmdir %s/%s", dir, de->d_name);
      if (rmdir_tree(sub, depth + 1, err) < 0)
        return -1;
    }
  }
  long wait = 1000;
  for (int attempt = 0;; attempt++) {
    if (rmdir(dir) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || attempt >= 10)
      return xerr_make(err, errno, "rmdir %s", dir);
    cgroup_sleep_us(wait);
    wait = wait * 2 > 100000 ? 100000 : wait * 2;
  }
}

int cgroup_destroy(struct cgroup *cg, struct xerr *err) {
  ERR_OR_LOCAL(err);
  int ret = 0;
  struct xerr first;
  /* Go on through every hierarchy even after a failure, so as little as
   * possible is left; report the first error. */
  for (size_t i = cg->n_hier; i-- > 0;) {
    if (rmdir_tree(cg->hier[i].dir, 0, ret < 0 ? &first : err) < 0 && ret == 0)
      ret = -1;
  }
  return ret < 0 ? xerr_wrap(err, "remove cgroup %s", cg->path) : 0;
}

/* -------------------------------------------------------------- queries */

const char *cgroup_dir(struct cgroup *cg, const char *controller) {
  /* On a unified host every controller lives in the one directory. */
  if (cg->layout == CGROUP_LAYOUT_V2)
    return cg->n_hier ? cg->hier[0].dir : NULL;
  struct cgroup_hier *h = cgroup_find_hier(cg, controller ? controller : "");
  return h ? h->dir : NULL;
}

enum cgroup_layout cgroup_layout_of(struct cgroup *cg) { return cg->layout; }

const char *cgroup_path(struct cgroup *cg) { return cg->path; }
