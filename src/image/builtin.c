/* The built-in images: an OCI layout made at build time
 * (scripts/make-busybox-image.sh) copied into every new store.  Cheap by
 * construction: three blobs of about 1 MB and one layer to unpack. */
#include "image/builtin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/oci_layout.h"

#define BUILTIN_DIR_NAME "busybox-oci"

/* $XOCKER_BUILTIN_IMAGES, else busybox-oci beside the running binary. */
static int builtin_dir(char *buf, size_t len) {
  const char *env = getenv("XOCKER_BUILTIN_IMAGES");
  if (env && *env)
    return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
  char exe[PATH_MAX - sizeof "/" BUILTIN_DIR_NAME];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0)
    return -1;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash)
    return -1;
  *slash = '\0';
  return snprintf(buf, len, "%s/" BUILTIN_DIR_NAME, exe) < (int)len ? 0 : -1;
}

int builtin_seed(struct xstore *s, struct xerr *err) {
  char dir[PATH_MAX];
  char probe[PATH_MAX + 32];
  if (builtin_dir(dir, sizeof dir) < 0)
    return 0;
  snprintf(probe, sizeof probe, "%s/" OCI_INDEX_FILE, dir);
  if (access(probe, F_OK) < 0) {
    xlog_debug("no built-in images at %s", dir);
    return 0;
  }
  cleanup_free char *index = NULL;
  size_t len = 0;
  struct loaded_image *images = NULL;
  size_t n = 0;
  if (oci_layout_import_dir(s, dir, &index, &len, err) < 0 ||
      oci_index_images(s, index, len, NULL, &images, &n, err) < 0)
    return xerr_wrap(err, "built-in images");
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    const char *tag = images[i].names[0];
    char id[DIGEST_BUF_LEN];
    ret = image_register(s, images[i].manifest_digest, tag, NULL, NULL, id, err);
    for (size_t t = 1; ret == 0 && tag && images[i].names[t]; t++)
      ret = image_tag(s, id, images[i].names[t], err);
  }
  loaded_images_free(images, n);
  return ret < 0 ? xerr_wrap(err, "built-in images") : 0;
}
