/* Documents the runtime writes: `xrun spec` and `xrun features`. */
#ifndef XOCKER_RUNTIME_SPEC_H
#define XOCKER_RUNTIME_SPEC_H

#include <jansson.h>
#include <stdbool.h>

/* xrun's own version, for the features document's annotations. */
#ifndef XRUN_VERSION
#define XRUN_VERSION "0.1.0"
#endif

/* The newest runtime-spec version whose config.json xrun understands. */
#define SPEC_OCI_VERSION_MAX "1.1.0"

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
