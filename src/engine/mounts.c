/* Stub until the volume code lands (see mounts.h). */
#include "engine/mounts.h"

#include <errno.h>

#include "common/xerr.h"

bool mounts_has_flag(const char *flag) {
  (void)flag;
  return false;
}

int mounts_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err) {
  (void)hc;
  (void)value;
  return xerr_set(err, EINVAL, "unknown flag: --%s", flag);
}

int mounts_setup(struct xstore *s, const char *container_id, json_t *image_config, json_t *hc,
                 const char *rootfs, json_t *spec, json_t **mounts, struct xerr *err) {
  (void)s, (void)container_id, (void)image_config, (void)hc, (void)rootfs, (void)spec, (void)err;
  *mounts = json_array();
  return 0;
}

int mounts_release(struct xstore *s, json_t *mounts, bool remove_anonymous, struct xerr *err) {
  (void)s, (void)mounts, (void)remove_anonymous, (void)err;
  return 0;
}
