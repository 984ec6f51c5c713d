/* Storage drivers: how a container's root filesystem is made from its
 * image's layers plus a writable part of its own.
 *   overlay  image layers as overlayfs lowerdirs (top layer first), the
 *            container's upper and work dirs in ROOT/containers/<id>/,
 *            mounted on ROOT/containers/<id>/merged.
 *   vfs      the layers copied in order into ROOT/containers/<id>/rootfs
 *            (whiteouts applied); nothing to mount.  Slow, works anywhere.
 * Chosen by XOCKER_STORAGE_DRIVER=overlay|vfs, else overlay when the
 * kernel can mount it on the store's filesystem (probed once, remembered
 * in ROOT/containers/.overlay-probe), else vfs.  Each container records
 * its driver, so later commands use the one it was made with. */
#ifndef XOCKER_STORAGE_DRIVER_H
#define XOCKER_STORAGE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

struct xstore;
struct xerr;

/* The image's unpacked layers, bottom (base) first: ROOT/layers/<hex>/diff. */
struct layer_stack {
  size_t n;
  char **diffs;
};
void layer_stack_free(struct layer_stack *ls);

struct storage_driver {
  const char *name;
  /* Make the container's writable part (vfs: its full copy of the layers). */
  int (*create_rw)(struct xstore *s, const char *id, const struct layer_stack *ls,
                   struct xerr *err);
  /* Mount the rootfs if it is not mounted yet; path receives where it is. */
  int (*mount)(struct xstore *s, const char *id, const struct layer_stack *ls, char *path,
               size_t len, struct xerr *err);
  /* Unmount if mounted; not mounted is fine. */
  int (*unmount)(struct xstore *s, const char *id, struct xerr *err);
  bool (*mounted)(struct xstore *s, const char *id);
  /* Remove the writable part (after unmount). */
  int (*remove_rw)(struct xstore *s, const char *id, struct xerr *err);
  /* The directory holding the container's own changes (overlay: upper dir;
   * vfs: the whole rootfs, compared with the layers by diff.c). */
  void (*rw_path)(struct xstore *s, const char *id, char *buf, size_t len);
};

extern const struct storage_driver storage_overlay;
extern const struct storage_driver storage_vfs;

const struct storage_driver *storage_driver_by_name(const char *name);
/* The driver for new containers (see above). */
int storage_driver_default(struct xstore *s, const struct storage_driver **out,
                           struct xerr *err);

/* ROOT/containers/<id> */
void storage_container_dir(struct xstore *s, const char *id, char *buf, size_t len);

#endif
