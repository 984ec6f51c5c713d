/* Writing a user namespace's uid and gid maps.  Root writes them
 * directly; an unprivileged caller can map only its own ids itself
 * (after denying setgroups) and needs the setuid newuidmap/newgidmap
 * helpers for anything more, as with Podman and runc. */
#ifndef XOCKER_RUNTIME_IDMAP_H
#define XOCKER_RUNTIME_IDMAP_H

#include <sys/types.h>

#include "config.h"

struct xerr;

int idmap_write(pid_t pid, const struct oci_config *c, struct xerr *err);

#endif
