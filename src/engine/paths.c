/* Where a container's engine files are (container.h). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"

void engine_container_dir(struct xstore *s, const char *id, char *buf, size_t len) {
  snprintf(buf, len, "%s/containers/%s", s->root, id);
}

void engine_rundir(struct xstore *s, const char *id, char *buf, size_t len) {
  snprintf(buf, len, "%s/containers/%s", s->runroot, id);
}

void engine_xrun_root(struct xstore *s, char *buf, size_t len) {
  snprintf(buf, len, "%s/xrun", s->runroot);
}

int engine_bin_path(const char *name, char *buf, size_t len, struct xerr *err) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    return xerr_make(err, errno, "readlink /proc/self/exe");
  self[n] = '\0';
  if ((size_t)snprintf(buf, len, "%s/%s", dirname(self), name) >= len)
    return xerr_set(err, ENAMETOOLONG, "path of %s is too long", name);
  if (access(buf, X_OK) < 0)
    return xerr_make(err, errno, "%s (installed next to xocker)", buf);
  return 0;
}
