/* Stub until the HostConfig flags land (see hostconfig.h). */
#include "engine/hostconfig.h"

#include <errno.h>

#include "common/xerr.h"

json_t *hostconfig_new(void) { return json_object(); }

bool hostconfig_has_flag(const char *flag) {
  (void)flag;
  return false;
}

int hostconfig_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err) {
  (void)hc;
  (void)value;
  return xerr_set(err, EINVAL, "unknown flag: --%s", flag);
}

int hostconfig_to_oci(json_t *hc, json_t *spec, const char *cgroups_path,
                      const struct ns_resolver *ns, struct xerr *err) {
  (void)hc;
  (void)ns;
  (void)err;
  json_t *linux = json_object_get(spec, "linux");
  if (linux)
    json_object_set_new(linux, "cgroupsPath", json_string(cgroups_path));
  return 0;
}

json_t *hostconfig_resources(json_t *hc, struct xerr *err) {
  (void)hc;
  (void)err;
  return json_object();
}
