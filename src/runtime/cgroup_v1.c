/* cgroup v1, and hybrid hosts: v1 controllers do the work; the cgroup2
 * tree at <root>/unified (no controllers, or only a few) just tracks the
 * container's processes, and takes linux.resources.unified. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

/* A new cpuset cgroup starts with empty cpus and mems, and no task can
 * join it until they are set: copy them down from the nearest ancestor
 * that has them, top-down, as crun does.  *value gets dir's value. */
static int cpuset_fill(const char *mount, const char *dir, const char *file, char **value,
                       struct xerr *err) {
  if (cgroup_read(dir, file, value, err) < 0)
    return -1;
  if ((*value)[0] != '\0' || strcmp(dir, mount) == 0)
    return 0;
  free(*value);
  *value = NULL;
  char parent[PATH_MAX];
  if (cgroup_parent_dir(dir, parent, sizeof parent) < 0)
    return cgroup_read(dir, file, value, err);
  if (cpuset_fill(mount, parent, file, value, err) < 0)
    return -1;
  if ((*value)[0] == '\0')
    return 0;
  return cgroup_write(dir, file, *value, err);
}

static int v1_prepare(struct cgroup *cg, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "cpuset");
  if (h == NULL)
    return 0;
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (int i = 0; i < 2; i++) {
    cleanup_free char *value = NULL;
    if (cpuset_fill(h->mount, h->dir, files[i], &value, err) < 0) {
      if (err && err->errnum == ENOENT)
        continue; /* a scratch tree without the knob: nothing to copy */
      return -1;
    }
  }
  /* Parents we just made: let their future children inherit cpus and
   * mems from the kernel, so the next create reads them and is done. */
  if (h->created_top != NULL && strcmp(h->created_top, h->dir) != 0) {
    char parent[PATH_MAX];
    struct xerr ignored;
    if (cgroup_parent_dir(h->dir, parent, sizeof parent) == 0)
      cgroup_write(parent, "cgroup.clone_children", "1", &ignored);
  }
  return 0;
}

static int v1_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err);

static int hybrid_set_resources(struct cgroup *cg, const struct cgroup_resources *r,
                                bool creating, struct xerr *err) {
  if (v1_set_resources(cg, r, creating, err) < 0)
    return -1;
  struct cgroup_hier *u = cgroup_unified_hier(cg);
  if (r->unified && json_object_size(r->unified) > 0)
    return cgroup_v2_write_unified(u->dir, r->unified, err);
  return 0;
}

/* ------------------------------------------------------------- freezer */

static bool v1_can_freeze(struct cgroup *cg) { return cgroup_find_hier(cg, "freezer") != NULL; }

static bool hybrid_can_freeze(struct cgroup *cg) {
  /* cgroup2's core freezer works even in a tree without controllers. */
  return v1_can_freeze(cg) || cgroup_unified_hier(cg) != NULL;
}

static int freezer_state(const char *dir, char **state, struct xerr *err) {
  return cgroup_read(dir, "freezer.state", state, err);
}

static int v1_freeze_dir(const char *dir, bool frozen, struct xerr *err) {
  const char *want = frozen ? "FROZEN" : "THAWED";
  if (cgroup_write(dir, "freezer.state", want, err) < 0)
    return -1;
  /* Freezing takes effect task by task; the state reads FREEZING until
   * the last one is frozen.  A task stuck in the kernel can hold it there
   * for a while: writing FROZEN again re-kicks it.  ~2 s in all. */
  long wait = 100;
  for (int i = 0; i < 60; i++) {
    cleanup_free char *state = NULL;
    if (freezer_state(dir, &state, err) < 0)
      return -1;
    if (strcmp(state, want) == 0)
      return 0;
    cgroup_sleep_us(wait);
    wait = wait * 2 > 50000 ? 50000 : wait * 2;
    if (i % 10 == 9 && cgroup_write(dir, "freezer.state", want, err) < 0)
      return -1;
  }
  if (frozen) {
    struct xerr ignored;
    cgroup_write(dir, "freezer.state", "THAWED", &ignored);
  }
  return xerr_make(err, EBUSY, "%s/freezer.state: timed out waiting for %s", dir, want);
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "freezer");
  if (h == NULL)
    return xerr_make(err, ENOTSUP, "the freezer cgroup controller is not mounted");
  return v1_freeze_dir(h->dir, frozen, err);
}

static int hybrid_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  if (v1_can_freeze(cg))
    return v1_freeze(cg, frozen, err);
  return cgroup_v2_freeze_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v1_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "freezer");
  if (h == NULL) {
    *frozen = false;
    return 0;
  }
  cleanup_free char *state = NULL;
  if (freezer_state(h->dir, &state, err) < 0)
    return -1;
  /* FREEZING counts as paused: a pause was asked for and not undone. */
  *frozen = strcmp(state, "THAWED") != 0;
  return 0;
}

static int hybrid_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  if (v1_can_freeze(cg))
    return v1_is_frozen(cg, frozen, err);
  return cgroup_v2_is_frozen_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v1_kill_fast(struct cgroup *cg, int sig, struct xerr *err) {
  (void)cg, (void)sig, (void)err;
  return 0;
}

/* The container is in the cgroup2 tree too (cgroup_enter puts it in every
 * hierarchy), and its cgroup.kill needs no controller: SIGKILL the whole
 * subtree at once, forks included.  A task frozen by the v1 freezer only
 * dies once thawed. */
static int hybrid_kill_fast(struct cgroup *cg, int sig, struct xerr *err) {
  struct cgroup_hier *u = cgroup_unified_hier(cg);
  if (sig != SIGKILL || u == NULL || !cgroup_file_exists(u->dir, "cgroup.kill"))
    return 0;
  if (cgroup_write(u->dir, "cgroup.kill", "1", err) < 0)
    return -1;
  bool frozen = false;
  if (v1_can_freeze(cg) && v1_is_frozen(cg, &frozen, err) == 0 && frozen &&
      v1_freeze(cg, false, err) < 0)
    return -1;
  return 1;
}

/* pids lists exactly the container's processes; freezer too; failing
 * both, any hierarchy the container was entered into will do. */
static struct cgroup_hier *v1_pids_hier(struct cgroup *cg) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "pids");
  if (h == NULL)
    h = cgroup_find_hier(cg, "freezer");
  if (h == NULL)
    h = cgroup_find_hier(cg, "memory");
  if (h == NULL)
    h = cgroup_unified_hier(cg);
  if (h == NULL && cg->n_hier > 0)
    h = &cg->hier[0];
  return h;
}

/* ----------------------------------------------------------- resources */

static struct cgroup_hier *need(struct cgroup *cg, const char *controller, const char *field,
                                struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, controller);
  if (h == NULL)
    xerr_make(err, ENOTSUP, "linux.resources.%s: the %s cgroup controller is not mounted", field,
              controller);
  return h;
}

/* memory.limit_in_bytes refuses (EBUSY) a limit the kernel cannot reclaim
 * down to: say so, the errno alone reads as a mystery. */
static int write_mem_limit(const char *field, const char *dir, const char *file, int64_t v,
                           struct xerr *err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  if (cgroup_write(dir, file, buf, err) == 0)
    return 0;
  if (err && err->errnum == EBUSY)
    return xerr_make(err, EBUSY,
                     "linux.resources.%s: cannot set %s/%s to %s: the cgroup already uses more",
                     field, dir, file, buf);
  if (err && err->errnum == ENOENT && strstr(file, "memsw"))
    return xerr_make(err, ENOENT,
                     "linux.resources.%s: swap accounting is not enabled in the kernel (no %s)",
                     field, file);
  return xerr_wrap(err, "linux.resources.%s", field);
}

/* The order of memory and memory+swap writes matters on v1: the kernel
 * keeps limit <= memsw limit at every step.  This is runc's order. */
static int v1_memory(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                     struct xerr *err) {
  if (!r->has_mem_limit && !r->has_mem_reservation && !r->has_mem_swap &&
      !r->has_mem_swappiness && !r->has_mem_disable_oom_killer && !r->has_mem_use_hierarchy)
    return 0;
  struct cgroup_hier *h = need(cg, "memory", "memory", err);
  if (h == NULL)
    return -1;
  const char *dir = h->dir;
  int64_t limit = r->has_mem_limit ? r->mem_limit : 0;
  int64_t swap = r->has_mem_swap ? r->mem_swap : 0;
  /* Unlimited memory with swap unset: unlimited swap too. */
  if (limit == -1 && swap == 0 && cgroup_file_exists(dir, "memory.memsw.limit_in_bytes"))
    swap = -1;
  bool done = false;
  if (limit != 0 && swap != 0) {
    uint64_t cur = 0;
    if (cgroup_read_u64(dir, "memory.limit_in_bytes", &cur, err) < 0)
      return xerr_wrap(err, "linux.resources.memory.limit");
    if (swap == -1 || cur < (uint64_t)swap) {
      if (write_mem_limit("memory.swap", dir, "memory.memsw.limit_in_bytes", swap, err) < 0 ||
          write_mem_limit("memory.limit", dir, "memory.limit_in_bytes", limit, err) < 0)
        return -1;
      done = true;
    }
  }
  if (!done) {
    if (limit != 0 && write_mem_limit("memory.limit", dir, "memory.limit_in_bytes", limit, err) < 0)
      return -1;
    if (swap != 0 &&
        write_mem_limit("memory.swap", dir, "memory.memsw.limit_in_bytes", swap, err) < 0)
      return -1;
  }
  if (r->has_mem_reservation && r->mem_reservation != 0 &&
      cgroup_field_writef("memory.reservation", dir, "memory.soft_limit_in_bytes", err,
                          "%" PRId64, r->mem_reservation) < 0)
    return -1;
  if (r->has_mem_swappiness &&
      cgroup_field_writef("memory.swappiness", dir, "memory.swappiness", err, "%" PRIu64,
                          r->mem_swappiness) < 0)
    return -1;
  /* Only a change needs writing: a new cgroup has the OOM killer on. */
  if (r->has_mem_disable_oom_killer && (r->mem_disable_oom_killer || !creating) &&
      cgroup_field_write("memory.disableOOMKiller", dir, "memory.oom_control",
                         r->mem_disable_oom_killer ? "1" : "0", err) < 0)
    return -1;
  if (r->has_mem_use_hierarchy &&
      cgroup_field_write("memory.useHierarchy", dir, "memory.use_hierarchy",
                         r->mem_use_hierarchy ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

/* A period and its quota (cfs, or realtime) constrain each other: the
 * kernel can refuse the new period (EINVAL) until the new quota is in.
 * Then retry the period after the quota, as runc does. */
static int write_period_quota(const char *dir, const char *period_field, const char *period_file,
                              bool has_period, uint64_t period, const char *quota_field,
                              const char *quota_file, bool has_quota, int64_t quota,
                              struct xerr *err) {
  bool retry_period = false;
  if (has_period &&
      cgroup_field_writef(period_field, dir, period_file, err, "%" PRIu64, period) < 0) {
    if (err == NULL || !has_quota || err->errnum != EINVAL)
      return -1;
    retry_period = true;
  }
  if (has_quota && cgroup_field_writef(quota_field, dir, quota_file, err, "%" PRId64, quota) < 0)
    return -1;
  if (retry_period &&
      cgroup_field_writef(period_field, dir, period_file, err, "%" PRIu64, period) < 0)
    return -1;
  return 0;
}

/* cpus and mems must lie inside the parent's: check first, so the error
 * names the field and the CPUs that are missing, not just EINVAL. */
static int write_cpuset(const char *field, const char *dir, const char *file,
                        const char *effective, const char *value, struct xerr *err) {
  char parent[PATH_MAX];
  cleanup_free char *avail = NULL;
  struct xerr ignored;
  if (cgroup_parent_dir(dir, parent, sizeof parent) == 0 &&
      cgroup_read(parent, effective, &avail, &ignored) < 0)
    cgroup_read(parent, file, &avail, &ignored);
  if (cgroup_cpuset_check(field, value, avail, err) < 0)
    return -1;
  char full[32];
  snprintf(full, sizeof full, "cpu.%s", field);
  return cgroup_field_write(full, dir, file, value, err);
}

static int v1_cpu(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst ||
      r->has_cpu_rt_runtime || r->has_cpu_rt_period || r->has_cpu_idle) {
    struct cgroup_hier *h = need(cg, "cpu", "cpu", err);
    if (h == NULL)
      return -1;
    if (r->has_cpu_shares && cgroup_field_writef("cpu.shares", h->dir, "cpu.shares", err,
                                                 "%" PRIu64, r->cpu_shares) < 0)
      return -1;
    if (write_period_quota(h->dir, "cpu.period", "cpu.cfs_period_us", r->has_cpu_period,
                           r->cpu_period, "cpu.quota", "cpu.cfs_quota_us", r->has_cpu_quota,
                           r->cpu_quota, err) < 0)
      return -1;
    if (r->has_cpu_burst && cgroup_field_writef("cpu.burst", h->dir, "cpu.cfs_burst_us", err,
                                                "%" PRIu64, r->cpu_burst) < 0)
      return -1;
    if (write_period_quota(h->dir, "cpu.realtimePeriod", "cpu.rt_period_us",
                           r->has_cpu_rt_period, r->cpu_rt_period, "cpu.realtimeRuntime",
                           "cpu.rt_runtime_us", r->has_cpu_rt_runtime, r->cpu_rt_runtime,
                           err) < 0)
      return -1;
    if (r->has_cpu_idle &&
        cgroup_field_writef("cpu.idle", h->dir, "cpu.idle", err, "%" PRId64, r->cpu_idle) < 0)
      return -1;
  }
  bool cpus = r->cpu_cpus && r->cpu_cpus[0], mems = r->cpu_mems && r->cpu_mems[0];
  if (cpus || mems) {
    struct cgroup_hier *h = need(cg, "cpuset", cpus ? "cpu.cpus" : "cpu.mems", err);
    if (h == NULL)
      return -1;
    if (cpus && write_cpuset("cpus", h->dir, "cpuset.cpus", "cpuset.effective_cpus",
                             r->cpu_cpus, err) < 0)
      return -1;
    if (mems && write_cpuset("mems", h->dir, "cpuset.mems", "cpuset.effective_mems",
                             r->cpu_mems, err) < 0)
      return -1;
  }
  return 0;
}

static int v1_pids(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  if (!r->has_pids_limit)
    return 0;
  struct cgroup_hier *h = need(cg, "pids", "pids", err);
  if (h == NULL)
    return -1;
  if (r->pids_limit < 0)
    return cgroup_field_write("pids.limit", h->dir, "pids.max", "max", err);
  return cgroup_field_writef("pids.limit", h->dir, "pids.max", err, "%" PRId64, r->pids_limit);
}

static const char *const v1_throttle_file[4] = {
    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};

static int v1_blkio(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  size_t n_throttle = r->n_throttle[0] + r->n_throttle[1] + r->n_throttle[2] + r->n_throttle[3];
  if (!r->has_blkio_weight && !r->has_blkio_leaf_weight && r->n_weight_devices == 0 &&
      n_throttle == 0)
    return 0;
  struct cgroup_hier *h = need(cg, "blkio", "blockIO", err);
  if (h == NULL)
    return -1;
  /* CFQ's blkio.weight is gone from current kernels; BFQ offers
   * blkio.bfq.weight with the same range. */
  bool cfq = cgroup_file_exists(h->dir, "blkio.weight");
  const char *weight_file = cfq ? "blkio.weight" : "blkio.bfq.weight";
  const char *weight_dev_file = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
  bool has_leaf = cgroup_file_exists(h->dir, "blkio.leaf_weight");
  if (r->has_blkio_weight && cgroup_field_writef("blockIO.weight", h->dir, weight_file, err,
                                                 "%u", r->blkio_weight) < 0)
    return -1;
  if (r->has_blkio_leaf_weight) {
    if (!has_leaf)
      xlog_debug("linux.resources.blockIO.leafWeight ignored: the kernel has no "
                 "blkio.leaf_weight");
    else if (cgroup_field_writef("blockIO.leafWeight", h->dir, "blkio.leaf_weight", err, "%u",
                                 r->blkio_leaf_weight) < 0)
      return -1;
  }
  for (size_t i = 0; i < r->n_weight_devices; i++) {
    const struct cgroup_weight_device *d = &r->weight_devices[i];
    char field[64];
    snprintf(field, sizeof field, "blockIO.weightDevice[%zu]", i);
    if (d->has_weight && cgroup_field_writef(field, h->dir, weight_dev_file, err,
                                             "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                             d->weight) < 0)
      return -1;
    if (d->has_leaf_weight && has_leaf &&
        cgroup_field_writef(field, h->dir, "blkio.leaf_weight_device", err,
                            "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                            d->leaf_weight) < 0)
      return -1;
  }
  for (int t = 0; t < 4; t++) {
    for (size_t i = 0; i < r->n_throttle[t]; i++) {
      const struct cgroup_throttle *d = &r->throttle[t][i];
      char field[64];
      snprintf(field, sizeof field, "blockIO.%s[%zu]", cgroup_throttle_field[t], i);
      if (cgroup_field_writef(field, h->dir, v1_throttle_file[t], err,
                              "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                              d->rate) < 0)
        return -1;
    }
  }
  return 0;
}

static int write_hugetlb(const char *dir, const struct cgroup_resources *r, const char *suffix,
                         struct xerr *err) {
  for (size_t i = 0; i < r->n_hugepages; i++) {
    const struct cgroup_hugepage *hp = &r->hugepages[i];
    char file[64], field[64];
    snprintf(file, sizeof file, "hugetlb.%s.%s", hp->page_size, suffix);
    snprintf(field, sizeof field, "hugepageLimits[%zu]", i);
    if (!cgroup_file_exists(dir, file))
      return xerr_make(err, EINVAL,
                       "linux.resources.%s.pageSize: the kernel has no %s huge pages (no %s)",
                       field, hp->page_size, file);
    if (cgroup_field_writef(field, dir, file, err, "%" PRIu64, hp->limit) < 0)
      return -1;
  }
  return 0;
}

static int v1_hugetlb(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  if (r->n_hugepages == 0)
    return 0;
  struct cgroup_hier *h = cgroup_find_hier(cg, "hugetlb");
  if (h != NULL)
    return write_hugetlb(h->dir, r, "limit_in_bytes", err);
  /* Hybrid hosts may bind hugetlb to the cgroup2 tree instead. */
  struct cgroup_hier *u = cgroup_unified_hier(cg);
  if (u != NULL && cgroup_v2_enable_controller(u, "hugetlb", err) == 0)
    return write_hugetlb(u->dir, r, "max", err);
  return xerr_make(err, ENOTSUP,
                   "linux.resources.hugepageLimits: the hugetlb cgroup controller is not "
                   "available");
}

static void format_rule(const struct cgroup_device_rule *d, char *buf, size_t len) {
  if (d->type == 'a') {
    snprintf(buf, len, "a");
    return;
  }
  char major[24] = "*", minor[24] = "*";
  if (d->major >= 0)
    snprintf(major, sizeof major, "%" PRId64, d->major);
  if (d->minor >= 0)
    snprintf(minor, sizeof minor, "%" PRId64, d->minor);
  snprintf(buf, len, "%c %s:%s %s", d->type, major, minor, d->access);
}

/* Deny everything, then the container's rules in order, then the
 * defaults every container needs.  The kernel applies each write in turn,
 * so the order is the meaning. */
static int v1_devices(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                      struct xerr *err) {
  if (!r->has_devices && !creating)
    return 0;
  struct cgroup_hier *h = cgroup_find_hier(cg, "devices");
  if (h == NULL) {
    if (r->n_devices == 0)
      return 0;
    return xerr_make(err, ENOTSUP,
                     "linux.resources.devices: the devices cgroup controller is not mounted");
  }
  cleanup_close int deny = cgroup_open_knob(h->dir, "devices.deny", err);
  cleanup_close int allow = deny < 0 ? -1 : cgroup_open_knob(h->dir, "devices.allow", err);
  if (deny < 0 || allow < 0)
    return xerr_wrap(err, "linux.resources.devices");
  if (cgroup_write_knob(deny, h->dir, "devices.deny", "a", err) < 0)
    return xerr_wrap(err, "linux.resources.devices");
  char rule[64];
  for (size_t i = 0; i < r->n_devices; i++) {
    const struct cgroup_device_rule *d = &r->devices[i];
    format_rule(d, rule, sizeof rule);
    if (cgroup_write_knob(d->allow ? allow : deny, h->dir,
                          d->allow ? "devices.allow" : "devices.deny", rule, err) < 0)
      return xerr_wrap(err, "linux.resources.devices[%zu]", i);
  }
  for (size_t i = 0; i < cgroup_n_default_devices; i++) {
    format_rule(&cgroup_default_devices[i], rule, sizeof rule);
    if (cgroup_write_knob(allow, h->dir, "devices.allow", rule, err) < 0)
      return xerr_wrap(err, "linux.resources.devices (default rule %s)", rule);
  }
  return 0;
}

/* net_cls and net_prio are often not mounted at all; like runc, a missing
 * hierarchy means there is nothing to set. */
static int v1_network(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  if (r->has_net_class_id) {
    struct cgroup_hier *h = cgroup_find_hier(cg, "net_cls");
    if (h == NULL)
      xlog_debug("linux.resources.network.classID ignored: net_cls is not mounted");
    else if (cgroup_field_writef("network.classID", h->dir, "net_cls.classid", err, "%u",
                                 r->net_class_id) < 0)
      return -1;
  }
  if (r->n_net_prios > 0) {
    struct cgroup_hier *h = cgroup_find_hier(cg, "net_prio");
    if (h == NULL) {
      xlog_debug("linux.resources.network.priorities ignored: net_prio is not mounted");
      return 0;
    }
    for (size_t i = 0; i < r->n_net_prios; i++) {
      char field[64];
      snprintf(field, sizeof field, "network.priorities[%zu]", i);
      if (cgroup_field_writef(field, h->dir, "net_prio.ifpriomap", err, "%s %u",
                              r->net_prios[i].name, r->net_prios[i].priority) < 0)
        return -1;
    }
  }
  return 0;
}

static int v1_rdma(struct cgroup *cg, const struct cgroup_resources *r, struct xerr *err) {
  if (r->n_rdma == 0)
    return 0;
  struct cgroup_hier *h = need(cg, "rdma", "rdma", err);
  if (h == NULL)
    return -1;
  return cgroup_write_rdma(h->dir, r, err);
}

static int v1_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err) {
  if (r->unified && json_object_size(r->unified) > 0 && cg->layout == CGROUP_LAYOUT_V1)
    return xerr_make(err, ENOTSUP,
                     "linux.resources.unified: cgroup v2 is not available on this host");
  if (v1_memory(cg, r, creating, err) < 0 || v1_cpu(cg, r, err) < 0 || v1_pids(cg, r, err) < 0 ||
      v1_blkio(cg, r, err) < 0 || v1_hugetlb(cg, r, err) < 0 ||
      v1_devices(cg, r, creating, err) < 0 || v1_network(cg, r, err) < 0 ||
      v1_rdma(cg, r, err) < 0)
    return -1;
  return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
    .prepare = v1_prepare,
    .set_resources = v1_set_resources,
    .can_freeze = v1_can_freeze,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill_fast = v1_kill_fast,
    .pids_hier = v1_pids_hier,
    .stats = cgroup_v1_stats,
};

const struct cgroup_ops cgroup_hybrid_ops = {
    .prepare = v1_prepare,
    .set_resources = hybrid_set_resources,
    .can_freeze = hybrid_can_freeze,
    .freeze = hybrid_freeze,
    .is_frozen = hybrid_is_frozen,
    .kill_fast = hybrid_kill_fast,
    .pids_hier = v1_pids_hier,
    .stats = cgroup_v1_stats,
};
