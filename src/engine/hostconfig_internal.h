/* Shared by the hostconfig_*.c files: value parsers in Docker's words
 * (hostconfig_values.c), devices (hostconfig_devices.c), seccomp
 * (hostconfig_seccomp.c). Not part of the engine's interface. */
#ifndef XOCKER_ENGINE_HOSTCONFIG_INTERNAL_H
#define XOCKER_ENGINE_HOSTCONFIG_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xerr;

/* go-units RAMInBytes: "64m", "1.5g", "512", "10KiB" (binary multiples);
 * msg gets its error ("invalid size: 'x'", "invalid suffix: 'x'"). */
int hc_parse_size(const char *s, int64_t *out, char *msg, size_t len);
/* Whether the kernel has a blkio weight (CFQ/BFQ): without it Docker
 * drops --blkio-weight and --blkio-weight-device with a warning. */
bool hc_blkio_weight_supported(void);
/* strconv.ParseInt / ParseUint / ParseBool, with Go's error text in msg. */
int hc_parse_int(const char *s, int bits, int64_t *out, char *msg, size_t len);
int hc_parse_uint(const char *s, int bits, uint64_t *out, char *msg, size_t len);
int hc_parse_bool(const char *s, bool *out, char *msg, size_t len);
/* --cpus: a decimal number of CPUs as nanoseconds of CPU per second. */
int hc_parse_nanocpus(const char *s, int64_t *out, char *msg, size_t len);

/* Each fills *out (new reference) or msg with the text after Docker's
 * `invalid argument "V" for "FLAG" flag: `. */
int hc_parse_ulimit(const char *s, json_t **out, char *msg, size_t len);
int hc_parse_weight_device(const char *s, json_t **out, char *msg, size_t len);
int hc_parse_throttle(const char *s, bool iops, json_t **out, char *msg, size_t len);
int hc_parse_device(const char *s, json_t **out, char *msg, size_t len);
int hc_check_device_cgroup_rule(const char *s, char *msg, size_t len);
int hc_check_sysctl(const char *s, char *msg, size_t len);
/* "net_admin" -> "CAP_NET_ADMIN"; "ALL" stays. */
void hc_cap_name(const char *in, char *out, size_t len);
/* A cpuset list ("0-2,5"): -1 when malformed; *max the highest number. */
int hc_cpuset_max(const char *s, long *max);

/* Host facts the checks compare against. */
long hc_online_cpus(void);
bool hc_cgroup_v2(void);

/* ---- devices (hostconfig_devices.c) ---- */

/* Docker's device cgroup rules (deny all, then the standard allow list),
 * or allow-all when privileged. */
json_t *hc_default_device_rules(bool privileged);
/* One --device mapping ({PathOnHost,PathInContainer,CgroupPermissions}):
 * appends to linux.devices and its cgroup rule to rules. */
int hc_add_device(json_t *mapping, json_t *devices, json_t *rules, struct xerr *err);
/* Every device node under /dev (privileged containers). */
int hc_add_host_devices(json_t *devices, struct xerr *err);
/* major/minor of a block device path (blkio limits). */
int hc_block_device(const char *path, int64_t *major, int64_t *minor, struct xerr *err);
/* A rule string "c 1:3 rwm" as an OCI device cgroup rule. */
json_t *hc_rule_from_string(const char *s);

/* ---- seccomp (hostconfig_seccomp.c) ---- */

/* linux.seccomp for the container: the built-in profile when profile is
 * NULL, else a Docker-format profile (JSON text). caps is the bounding set
 * (Docker's includes/excludes by capability). */
int hc_seccomp(const char *profile, json_t *caps, json_t **out, struct xerr *err);

/* The bytes of src/runtime/profiles/default-seccomp.json, generated at
 * build time. */
extern const unsigned char xocker_default_seccomp[];
extern const unsigned long xocker_default_seccomp_len;

#endif
