/* Choosing a storage driver (driver.h). */
#include "storage/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/store.h"

void layer_stack_free(struct layer_stack *ls) {
  for (size_t i = 0; i < ls->n; i++)
    free(ls->diffs[i]);
  free(ls->diffs);
  ls->diffs = NULL;
  ls->n = 0;
}

void storage_container_dir(struct xstore *s, const char *id, char *buf, size_t len) {
  snprintf(buf, len, "%s/containers/%s", s->root, id);
}

const struct storage_driver *storage_driver_by_name(const char *name) {
  if (strcmp(name, "overlay") == 0 || strcmp(name, "overlay2") == 0)
    return &storage_overlay;
  if (strcmp(name, "vfs") == 0)
    return &storage_vfs;
  return NULL;
}

/* Mount a one-layer overlay in a scratch dir of the store: the true test
 * of the kernel and of the store's filesystem as upper dir. */
static bool overlay_works(struct xstore *s) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/containers/.probe-XXXXXX", s->root);
  if (!mkdtemp(dir))
    return false;
  const char *id = strrchr(dir, '/') + 1;
  char lower[4200], path[4200];
  snprintf(lower, sizeof lower, "%s/lower", dir);
  struct xerr err = {0};
  bool ok = mkdir(lower, 0755) == 0 && storage_overlay.create_rw(s, id, NULL, &err) == 0;
  if (ok) {
    char *diffs[] = {lower};
    struct layer_stack ls = {1, diffs};
    ok = storage_overlay.mount(s, id, &ls, path, sizeof path, &err) == 0;
    storage_overlay.unmount(s, id, &err);
  }
  remove_tree_at(AT_FDCWD, dir, &err);
  return ok;
}

int storage_driver_default(struct xstore *s, const struct storage_driver **out,
                           struct xerr *err) {
  const char *env = getenv("XOCKER_STORAGE_DRIVER");
  if (env && *env) {
    *out = storage_driver_by_name(env);
    if (!*out)
      return xerr_set(err, EINVAL, "unknown storage driver \"%s\" (XOCKER_STORAGE_DRIVER): "
                       "use overlay or vfs", env);
    return 0;
  }
  char probe[4096];
  snprintf(probe, sizeof probe, "%s/containers/.overlay-probe", s->root);
  cleanup_free char *known = NULL;
  struct xerr ignored = {0};
  if (read_file_at(AT_FDCWD, probe, &known, NULL, &ignored) == 0) {
    *out = strncmp(known, "yes", 3) == 0 ? &storage_overlay : &storage_vfs;
    return 0;
  }
  bool ok = overlay_works(s);
  write_file_atomic(probe, ok ? "yes\n" : "no\n", ok ? 4 : 3, 0644, &ignored);
  *out = ok ? &storage_overlay : &storage_vfs;
  return 0;
}
