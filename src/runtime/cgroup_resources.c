/* linux.resources: parsing and the v1/v2 value mappings. */
#include <errno.h>
#include <string.h>

#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

int cgroup_resources_parse(json_t *resources, struct cgroup_resources *r, struct xerr *err) {
  memset(r, 0, sizeof *r);
  if (resources == NULL || json_is_null(resources))
    return 0;
  if (!json_is_object(resources))
    return xerr_make(err, EINVAL, "linux.resources: expected an object");
  json_t *u = json_object_get(resources, "unified");
  if (u && !json_is_null(u)) {
    if (!json_is_object(u))
      return xerr_make(err, EINVAL, "linux.resources.unified: expected an object");
    r->unified = u;
  }
  return 0;
}

void cgroup_resources_clear(struct cgroup_resources *r) { memset(r, 0, sizeof *r); }
