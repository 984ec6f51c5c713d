/* Internals of the cgroup module (cgroup*.c only, and its unit tests).
 *
 * A container's cgroup is one directory in each mounted hierarchy
 * (struct cgroup_hier).  What differs between layouts lives behind
 * struct cgroup_ops: cgroup_v1.c implements v1 and hybrid (v1 controllers
 * plus a controller-less cgroup2 tree that only tracks processes),
 * cgroup_v2.c the unified layout.  mkdir, enter, the recursive pid walk
 * and rmdir are the same everywhere and live in cgroup.c.
 *
 * Scratch trees.  Tests point XRUN_CGROUP_ROOT at a plain directory tree
 * standing in for cgroupfs.  When the root is not a cgroup2 mount and
 * /proc/self/mountinfo shows no cgroup filesystem under it, the layout is
 * read from the tree itself:
 *   - <root>/cgroup.controllers exists           -> V2, the root is the
 *     unified hierarchy;
 *   - otherwise every subdirectory is a v1 hierarchy whose name is its
 *     comma-separated controller list ("cpu,cpuacct"; "systemd" stands for
 *     the named hierarchy name=systemd), except that a subdirectory
 *     "unified" holding a cgroup.controllers file is the cgroup2 tree of a
 *     HYBRID layout.
 * Files the test creates play the kernel's part: a knob that does not
 * exist cannot be written, exactly as on cgroupfs, and the values written
 * are read back from the files (or from cgroup_write_hook, which sees every
 * write in order, for knobs written several times such as devices.allow).
 */
#ifndef XOCKER_RUNTIME_CGROUP_INTERNAL_H
#define XOCKER_RUNTIME_CGROUP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/cgroup.h"

struct xerr;

/* Relative cgroupsPath values (and the default) go under this parent. */
#define CGROUP_OWN_PARENT "/xrun"

/* One mounted hierarchy and the container's directory in it. */
struct cgroup_hier {
  char *controllers; /* "cpu", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
  char *mount;       /* where the hierarchy is mounted */
  char *dir;         /* mount + cgroup path (NULL until bound to a cgroup) */
  char *created_top; /* topmost directory cgroup_create made, for undo */
  bool unified;      /* the cgroup2 hierarchy */
};

/* linux.resources, parsed and checked once (cgroup_resources.c), then
 * written by the layout's set_resources.  "has_*" marks fields present in
 * the JSON: absent fields are never written, so `update` only changes what
 * it names. */
struct cgroup_throttle {
  int64_t major, minor;
  uint64_t rate;
};

struct cgroup_weight_device {
  int64_t major, minor;
  uint16_t weight, leaf_weight;
  bool has_weight, has_leaf_weight;
};

struct cgroup_hugepage {
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct cgroup_device_rule {
  bool allow;
  char type;           /* 'a', 'c', 'b' */
  int64_t major, minor; /* -1 = any */
  char access[4];      /* subset of "rwm" in that order */
};

struct cgroup_net_prio {
  char *name;
  uint32_t priority;
};

struct cgroup_rdma {
  char *device;
  uint32_t hca_handles, hca_objects;
  bool has_handles, has_objects;
};

struct cgroup_resources {
  /* memory */
  int64_t mem_limit, mem_reservation, mem_swap;
  uint64_t mem_swappiness;
  bool mem_disable_oom_killer, mem_use_hierarchy;
  bool has_mem_limit, has_mem_reservation, has_mem_swap, has_mem_swappiness;
  bool has_mem_disable_oom_killer, has_mem_use_hierarchy;
  /* cpu */
  uint64_t cpu_shares, cpu_period, cpu_rt_period, cpu_burst;
  int64_t cpu_quota, cpu_rt_runtime, cpu_idle;
  char *cpu_cpus, *cpu_mems;
  bool has_cpu_shares, has_cpu_period, has_cpu_rt_period, has_cpu_burst;
  bool has_cpu_quota, has_cpu_rt_runtime, has_cpu_idle;
  /* pids */
  int64_t pids_limit;
  bool has_pids_limit;
  /* blockIO */
  uint16_t blkio_weight, blkio_leaf_weight;
  bool has_blkio_weight, has_blkio_leaf_weight;
  struct cgroup_weight_device *weight_devices;
  size_t n_weight_devices;
  struct cgroup_throttle *throttle[4]; /* read bps, write bps, read iops, write iops */
  size_t n_throttle[4];
  /* hugepageLimits */
  struct cgroup_hugepage *hugepages;
  size_t n_hugepages;
  /* devices */
  struct cgroup_device_rule *devices;
  size_t n_devices;
  bool has_devices;
  /* network */
  uint32_t net_class_id;
  bool has_net_class_id;
  struct cgroup_net_prio *net_prios;
  size_t n_net_prios;
  /* rdma */
  struct cgroup_rdma *rdma;
  size_t n_rdma;
  /* unified: borrowed from the JSON document */
  json_t *unified;
};

enum { CGROUP_THROTTLE_READ_BPS, CGROUP_THROTTLE_WRITE_BPS, CGROUP_THROTTLE_READ_IOPS,
       CGROUP_THROTTLE_WRITE_IOPS };
extern const char *const cgroup_throttle_field[4]; /* "throttleReadBpsDevice", ... */

/* What differs between layouts.  Every function gets a cgroup whose
 * hierarchies are bound (hier[i].dir set). */
struct cgroup_ops {
  /* After the directories exist: make the new cgroup usable (v1: cpuset
   * values copied down; v2: controllers enabled in the parents). */
  int (*prepare)(struct cgroup *cg, struct xerr *err);
  /* creating: true on the first application, when device defaults must
   * be installed even if linux.resources.devices is absent. */
  int (*set_resources)(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                       struct xerr *err);
  bool (*can_freeze)(struct cgroup *cg);
  int (*freeze)(struct cgroup *cg, bool frozen, struct xerr *err);
  int (*is_frozen)(struct cgroup *cg, bool *frozen, struct xerr *err);
  /* Kill everything at once when the kernel can (cgroup.kill): returns 1
   * when done, 0 when the caller must signal pid by pid. */
  int (*kill_fast)(struct cgroup *cg, int sig, struct xerr *err);
  /* The hierarchy whose tree lists the container's processes. */
  struct cgroup_hier *(*pids_hier)(struct cgroup *cg);
  int (*stats)(struct cgroup *cg, json_t *data, struct xerr *err);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_hybrid_ops;
extern const struct cgroup_ops cgroup_v2_ops;

struct cgroup {
  enum cgroup_layout layout;
  const struct cgroup_ops *ops;
  char *path; /* "/xrun/<id>" */
  struct cgroup_hier *hier;
  size_t n_hier;
};

/* --- discovery (cgroup.c) --- */

/* Find the hierarchies under mount_root (see the scratch-tree rule above).
 * *hier is an array of *n entries with dir == NULL. */
int cgroup_discover(const char *mount_root, enum cgroup_layout *layout,
                    struct cgroup_hier **hier, size_t *n, struct xerr *err);
/* The cgroup mounts directly under mount_root in mountinfo text; the
 * mount points are deduplicated, the last mount winning as in the kernel.
 * Returns the number found (0 is possible). */
int cgroup_parse_mountinfo(const char *text, const char *mount_root,
                           struct cgroup_hier **hier, size_t *n, struct xerr *err);
void cgroup_hier_free(struct cgroup_hier *hier, size_t n);

/* --- helpers shared by the layouts (cgroup.c) --- */

/* The v1 hierarchy carrying controller ("memory", "name=systemd"), or the
 * unified one for "" ; NULL when not mounted. */
struct cgroup_hier *cgroup_find_hier(struct cgroup *cg, const char *controller);
struct cgroup_hier *cgroup_unified_hier(struct cgroup *cg);
/* True when a comma-separated controller list names controller. */
bool cgroup_list_has(const char *list, const char *controller);

/* Write value to <dir>/<file> in one write(2), as cgroupfs wants: the
 * error names the full path. */
int cgroup_write(const char *dir, const char *file, const char *value, struct xerr *err);
int cgroup_writef(const char *dir, const char *file, struct xerr *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* For a knob written many times in a row (devices.allow): open it once
 * and write each value with cgroup_write_knob (cgroupfs parses every
 * write(2) on its own). */
int cgroup_open_knob(const char *dir, const char *file, struct xerr *err);
int cgroup_write_knob(int fd, const char *dir, const char *file, const char *value,
                      struct xerr *err);
/* The same for one linux.resources field: the error starts with
 * "linux.resources.<field>: " and says what a missing file means. */
int cgroup_field_write(const char *field, const char *dir, const char *file, const char *value,
                       struct xerr *err);
int cgroup_field_writef(const char *field, const char *dir, const char *file, struct xerr *err,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* dirname of a cgroup directory into out; -1 when it has none. */
int cgroup_parent_dir(const char *dir, char *out, size_t len);
/* Read <dir>/<file> whole, trailing newline removed. */
int cgroup_read(const char *dir, const char *file, char **out, struct xerr *err);
/* Read a file holding one number ("max" reads as UINT64_MAX). */
int cgroup_read_u64(const char *dir, const char *file, uint64_t *out, struct xerr *err);
bool cgroup_file_exists(const char *dir, const char *file);
/* Every write goes through this hook when set (tests record the order of
 * writes with it); it runs before the write. */
extern void (*cgroup_write_hook)(const char *dir, const char *file, const char *value);

/* Sleep in the retry loops (freezer, rmdir). */
void cgroup_sleep_us(long usec);

/* --- resources (cgroup_resources.c) --- */

/* Parse linux.resources (NULL or absent fields leave *r zeroed). */
int cgroup_resources_parse(json_t *resources, struct cgroup_resources *r, struct xerr *err);
void cgroup_resources_clear(struct cgroup_resources *r);
/* The default device rules every container gets after its own (runc's
 * AllowedDevices), so /dev/null, ttys and friends keep working. */
extern const struct cgroup_device_rule cgroup_default_devices[];
extern const size_t cgroup_n_default_devices;
/* v1 <-> v2 value mappings, as runc and crun do them. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight);
/* memory.swap on v1 is memory+swap; v2's memory.swap.max is swap only.
 * Returns 0 and sets *out (-1 = max, 0 = leave alone) or fails naming the
 * field. */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, bool has_limit, int64_t *out,
                      struct xerr *err);
/* Check a cpuset list ("0-3,7") for syntax and that it lies inside the
 * available set (e.g. the parent's effective cpus); field names it. */
int cgroup_cpuset_check(const char *field, const char *list, const char *available,
                        struct xerr *err);

/* rdma.max lines for linux.resources.rdma (same format on v1 and v2). */
int cgroup_write_rdma(const char *dir, const struct cgroup_resources *r, struct xerr *err);

/* --- stats (cgroup_stats.c): fill runc's `events --stats` "data" --- */
int cgroup_v1_stats(struct cgroup *cg, json_t *data, struct xerr *err);
int cgroup_v2_stats(struct cgroup *cg, json_t *data, struct xerr *err);

/* --- v2 pieces also used by hybrid (cgroup_v2.c) --- */
int cgroup_v2_freeze_dir(const char *dir, bool frozen, struct xerr *err);
int cgroup_v2_is_frozen_dir(const char *dir, bool *frozen, struct xerr *err);
/* Enable one controller from the hierarchy's root down to the parent of
 * the container's cgroup (hybrid: hugetlb bound to the cgroup2 tree). */
int cgroup_v2_enable_controller(struct cgroup_hier *h, const char *controller, struct xerr *err);
/* Write linux.resources.unified into dir. */
int cgroup_v2_write_unified(const char *dir, json_t *unified, struct xerr *err);

/* --- v2 device filter (cgroup_devices_bpf.c) --- */

/* Build the BPF_PROG_TYPE_CGROUP_DEVICE program for rules (last match
 * wins, as the v1 controller behaves). *insns is malloc'd, *n_insns the
 * number of 8-byte instructions. */
int cgroup_bpf_build(const struct cgroup_device_rule *rules, size_t n, void **insns,
                     size_t *n_insns, struct xerr *err);
/* Load the program and attach it to the cgroup2 directory dir, replacing
 * the programs we attached before. */
int cgroup_bpf_apply(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                     struct xerr *err);

#endif
