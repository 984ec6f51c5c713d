/* Docker's HostConfig: the run/create flags that limit and confine a
 * container (resources, devices, ulimits, security options, sysctls,
 * namespace modes, /dev/shm size, --init), kept as Docker's own JSON so
 * `inspect` shows it as Docker does and `update` can change it, and turned
 * into the OCI config by hostconfig_to_oci. */
#ifndef XOCKER_ENGINE_HOSTCONFIG_H
#define XOCKER_ENGINE_HOSTCONFIG_H

#include <jansson.h>
#include <stdbool.h>

struct xerr;

/* A HostConfig with Docker's defaults (the fields `docker inspect` shows
 * for a plain `docker run`). */
json_t *hostconfig_new(void);

/* Whether flag (a long name without dashes: "memory", "cpus", "ulimit",
 * "security-opt", ...) is one hostconfig_set_flag takes. */
bool hostconfig_has_flag(const char *flag);
/* Apply one run/create flag to hc. Errors are Docker's ("invalid
 * argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'"). */
int hostconfig_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err);
/* The checks Docker's daemon makes once every flag is in ("Minimum memory
 * limit allowed is 6MB", "Range of CPUs is from 0.01 to 2.00, ...") and
 * its derived values (MemorySwap twice Memory by default, PidsLimit <= 0
 * as null, an empty IpcMode as "private"). Call it before storing hc;
 * hostconfig_to_oci calls it too (it is idempotent). */
int hostconfig_finish(json_t *hc, struct xerr *err);

/* Resolves --ipc/--pid/--uts container:NAME to the other container's
 * namespace file, "/proc/PID/ns/ipc"; returns -1 with err when that
 * container is not running. */
struct ns_resolver {
  int (*resolve)(void *ctx, const char *container, const char *ns, char *path, size_t len,
                 struct xerr *err);
  void *ctx;
};

/* Write hc's limits and confinement into spec (an OCI config made by
 * engine_oci_spec): linux.resources, devices, rlimits, seccomp, sysctls,
 * namespaces, the /dev/shm size, the init process. cgroups_path is the
 * container's cgroupsPath. */
int hostconfig_to_oci(json_t *hc, json_t *spec, const char *cgroups_path,
                      const struct ns_resolver *ns, struct xerr *err);

/* Just linux.resources from hc, for `update` (xrun update -r FILE). */
json_t *hostconfig_resources(json_t *hc, struct xerr *err);

#endif
