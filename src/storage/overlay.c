/* The overlay driver.  ROOT/containers/<id>/ holds diff/ (the upper dir:
 * the container's changes), work/ (overlayfs' scratch space) and merged/
 * (the mount point).
 *
 * The layers are passed one by one with fsconfig("lowerdir+") (Linux
 * 6.8+), so there is no limit from the one-page mount option string,
 * whatever the number of layers.  Older kernels get mount(2) with lowerdir
 * paths relative to ROOT/layers (we fchdir there), ~70 bytes a layer.
 *
 * index=off because layers are shared between containers (the index ties
 * a lower inode to one upper); redirect_dir=off so a renamed directory is
 * copied up whole, and metacopy=off so a chmod copies the data up too: the
 * upper dir alone then says what changed (diff and commit read it), as
 * with Docker's overlay2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/driver.h"

static void sub_path(struct xstore *s, const char *id, const char *sub, char *buf, size_t len) {
  snprintf(buf, len, "%s/containers/%s/%s", s->root, id, sub);
}

static void overlay_rw_path(struct xstore *s, const char *id, char *buf, size_t len) {
  sub_path(s, id, "diff", buf, len);
}

static int overlay_create_rw(struct xstore *s, const char *id, const struct layer_stack *ls,
                             struct xerr *err) {
  (void)ls;
  static const char *const subs[] = {"diff", "work", "merged", "empty"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
    char path[4096];
    sub_path(s, id, subs[i], path, sizeof path);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
      return xerr_make(err, errno, "create %s", path);
  }
  return 0;
}

static bool overlay_mounted(struct xstore *s, const char *id) {
  char merged[4096], parent[4096];
  struct stat a, b;
  sub_path(s, id, "merged", merged, sizeof merged);
  sub_path(s, id, "", parent, sizeof parent);
  return stat(merged, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* The kernel's own words about a failed fsconfig, from the fs context. */
static void fs_context_message(int fs, char *buf, size_t len) {
  buf[0] = '\0';
  char line[512];
  ssize_t n;
  while ((n = read(fs, line, sizeof line - 1)) > 0) {
    line[n] = '\0';
    if (n > 2 && line[1] == ' ')
      snprintf(buf, len, ": %s", line + 2);
  }
}

static int fs_set(int fs, const char *key, const char *value, struct xerr *err) {
  if (fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) == 0)
    return 0;
  int e = errno;
  char why[512];
  fs_context_message(fs, why, sizeof why);
  return xerr_make(err, e, "overlay option %s=%s%s", key, value, why);
}

/* The new mount API: one fsconfig call per layer. */
static int mount_fsconfig(const char *merged, const char *const *lowers, size_t n,
                          const char *upper, const char *work, struct xerr *err) {
  cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return xerr_make(err, errno, "overlay is not available");
  for (size_t i = 0; i < n; i++)
    if (fs_set(fs, "lowerdir+", lowers[i], err) < 0)
      return -1;
  if (fs_set(fs, "upperdir", upper, err) < 0 || fs_set(fs, "workdir", work, err) < 0 ||
      fs_set(fs, "index", "off", err) < 0 || fs_set(fs, "redirect_dir", "off", err) < 0 ||
      fs_set(fs, "metacopy", "off", err) < 0)
    return -1;
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    int e = errno;
    char why[512];
    fs_context_message(fs, why, sizeof why);
    return xerr_make(err, e, "mount overlay on %s%s", merged, why);
  }
  cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0)
    return xerr_make(err, errno, "mount overlay on %s", merged);
  if (move_mount(mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return xerr_make(err, errno, "mount overlay on %s", merged);
  return 0;
}

/* mount(2) for kernels without "lowerdir+": lowerdirs relative to
 * ROOT/layers keep the option string short. */
static int mount_legacy(struct xstore *s, const char *merged, const char *const *lowers,
                        size_t n, const char *upper, const char *work, struct xerr *err) {
  char layers[4096];
  snprintf(layers, sizeof layers, "%s/layers/", s->root);
  size_t prefix = strlen(layers);
  size_t cap = 4096, used = 0;
  cleanup_free char *opts = malloc(cap);
  if (!opts)
    return xerr_make(err, ENOMEM, "mount overlay");
  used += (size_t)snprintf(opts, cap, "lowerdir=");
  for (size_t i = 0; i < n; i++) {
    const char *l = strncmp(lowers[i], layers, prefix) == 0 ? lowers[i] + prefix : lowers[i];
    int w = snprintf(opts + used, cap - used, "%s%s", i ? ":" : "", l);
    if (w < 0 || (size_t)w >= cap - used)
      return xerr_make(err, E2BIG, "mount overlay on %s: %zu layers are too many for this "
                       "kernel (no fsconfig lowerdir+)", merged, n);
    used += (size_t)w;
  }
  int w = snprintf(opts + used, cap - used,
                   ",upperdir=%s,workdir=%s,index=off,redirect_dir=off,metacopy=off", upper,
                   work);
  if (w < 0 || (size_t)w >= cap - used)
    return xerr_make(err, E2BIG, "mount overlay on %s: options too long", merged);
  cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0 || chdir(layers) < 0)
    return xerr_make(err, errno, "mount overlay: chdir %s", layers);
  int ret = mount("overlay", merged, "overlay", 0, opts);
  int e = errno;
  if (fchdir(cwd) < 0 || ret < 0)
    return xerr_make(err, ret < 0 ? e : errno, "mount overlay on %s", merged);
  return 0;
}

static int overlay_mount(struct xstore *s, const char *id, const struct layer_stack *ls,
                         char *path, size_t len, struct xerr *err) {
  char merged[4096], upper[4096], work[4096], empty[4096];
  sub_path(s, id, "merged", merged, sizeof merged);
  sub_path(s, id, "diff", upper, sizeof upper);
  sub_path(s, id, "work", work, sizeof work);
  sub_path(s, id, "empty", empty, sizeof empty);
  snprintf(path, len, "%s", merged);
  if (overlay_mounted(s, id))
    return 0;
  /* Top layer first; an image without layers gets an empty lower dir. */
  size_t n = ls->n ? ls->n : 1;
  cleanup_free const char **lowers = calloc(n, sizeof *lowers);
  if (!lowers)
    return xerr_make(err, ENOMEM, "mount overlay");
  for (size_t i = 0; i < ls->n; i++)
    lowers[i] = ls->diffs[ls->n - 1 - i];
  if (!ls->n)
    lowers[0] = empty;
  /* XOCKER_OVERLAY_LEGACY_MOUNT=1 forces the old path, so tests cover it. */
  const char *legacy = getenv("XOCKER_OVERLAY_LEGACY_MOUNT");
  if (legacy && strcmp(legacy, "1") == 0)
    return mount_legacy(s, merged, lowers, n, upper, work, err);
  struct xerr first = {0};
  if (mount_fsconfig(merged, lowers, n, upper, work, &first) == 0)
    return 0;
  if (first.errnum != EINVAL && first.errnum != ENOSYS) {
    *err = first;
    return -1;
  }
  return mount_legacy(s, merged, lowers, n, upper, work, err);
}

static int overlay_unmount(struct xstore *s, const char *id, struct xerr *err) {
  char merged[4096];
  sub_path(s, id, "merged", merged, sizeof merged);
  while (overlay_mounted(s, id)) {
    if (umount2(merged, 0) < 0 && umount2(merged, MNT_DETACH) < 0)
      return xerr_make(err, errno, "unmount %s", merged);
  }
  return 0;
}

static int overlay_remove_rw(struct xstore *s, const char *id, struct xerr *err) {
  static const char *const subs[] = {"diff", "work", "merged", "empty"};
  char dir[4096];
  sub_path(s, id, "", dir, sizeof dir);
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : xerr_make(err, errno, "open %s", dir);
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (remove_tree_at(fd, subs[i], err) < 0)
      return xerr_wrap(err, "remove container %s", id);
  return 0;
}

const struct storage_driver storage_overlay = {
    .name = "overlay",
    .create_rw = overlay_create_rw,
    .mount = overlay_mount,
    .unmount = overlay_unmount,
    .mounted = overlay_mounted,
    .remove_rw = overlay_remove_rw,
    .rw_path = overlay_rw_path,
};
