/* Capabilities of the container process: bounding, effective,
 * inheritable, permitted and ambient sets, through libcap. */
#ifndef XOCKER_RUNTIME_CAPS_H
#define XOCKER_RUNTIME_CAPS_H

#include "config.h"

struct xerr;

/* Check every name in every set (unknown names are an error naming the set
 * and the name), so bad configs fail in `create` before any process runs. */
int caps_validate(const struct oci_capabilities *caps, struct xerr *err);

/* Drop the bounding set to caps->bounding.  Call while still privileged,
 * before changing uid. */
int caps_apply_bounding(const struct oci_capabilities *caps, struct xerr *err);
/* Set effective, permitted, inheritable, then raise ambient.  Call after
 * setresuid() with PR_SET_KEEPCAPS set. */
int caps_apply_sets(const struct oci_capabilities *caps, struct xerr *err);

#endif
