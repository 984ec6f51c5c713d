/* Documents the runtime writes: `xrun spec` and `xrun features`. */
#ifndef XOCKER_RUNTIME_SPEC_H
#define XOCKER_RUNTIME_SPEC_H

#include <jansson.h>
#include <stdbool.h>

/* A default config.json, the same shape runc's `spec` makes (busybox-style
 * rootfs "rootfs", args ["sh"], terminal true, the default capability set,
 * the standard mounts, masked and readonly paths, namespaces).  rootless:
 * adds a user namespace with the caller's uid/gid mapped to 0, drops the
 * network namespace, uses rbind /sys, no cgroup resources, as runc does. */
json_t *spec_default(bool rootless);

/* The OCI features document (features.md): ociVersionMin/Max, hooks,
 * mountOptions, linux.namespaces, capabilities, cgroup, seccomp (actions,
 * operators, archs, knownFlags, supportedFlags from libseccomp), apparmor,
 * selinux, intelRdt, mountExtensions, annotations. */
json_t *spec_features(void);

#endif
