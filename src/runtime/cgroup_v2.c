/* cgroup v2 (unified): one hierarchy, controllers enabled top-down through
 * cgroup.subtree_control, a core freezer (cgroup.freeze) and cgroup.kill. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

static bool word_in(const char *words, const char *word) {
  size_t len = strlen(word);
  for (const char *p = words; (p = strstr(p, word)) != NULL; p += len) {
    bool start = p == words || p[-1] == ' ' || p[-1] == '\n';
    bool end = p[len] == '\0' || p[len] == ' ' || p[len] == '\n';
    if (start && end)
      return true;
  }
  return false;
}

/* Enable in dir's subtree_control every controller dir offers and has not
 * enabled yet.  When the batch write fails (one controller refused, e.g.
 * cpu with realtime tasks around, or EBUSY in a cgroup with processes),
 * try them one by one and go on: a controller that stays off shows up
 * later as a missing knob naming its file. */
static int enable_level(const char *dir, struct xerr *err) {
  cleanup_free char *avail = NULL, *enabled = NULL;
  struct xerr ignored;
  if (cgroup_read(dir, "cgroup.controllers", &avail, &ignored) < 0 ||
      cgroup_read(dir, "cgroup.subtree_control", &enabled, &ignored) < 0)
    return 0; /* a scratch level without the files */
  char want[512] = "";
  size_t used = 0;
  char *save = NULL;
  for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
    if (word_in(enabled, c))
      continue;
    int n = snprintf(want + used, sizeof want - used, "%s+%s", used ? " " : "", c);
    if (n < 0 || (size_t)n >= sizeof want - used)
      break;
    used += (size_t)n;
  }
  if (used == 0)
    return 0;
  if (cgroup_write(dir, "cgroup.subtree_control", want, &ignored) == 0)
    return 0;
  save = NULL;
  for (char *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save))
    if (cgroup_write(dir, "cgroup.subtree_control", c, &ignored) < 0)
      xlog_debug("cgroup %s: cannot enable %s: %s", dir, c + 1, ignored.msg);
  (void)err;
  return 0;
}

/* Controllers must be enabled at every level above the container's
 * cgroup, from the root down, for its knobs to exist. */
static int v2_prepare(struct cgroup *cg, struct xerr *err) {
  struct cgroup_hier *h = cgroup_unified_hier(cg);
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", h->dir);
  char *last = strrchr(buf, '/');
  for (char *p = buf + strlen(h->mount);; p = strchr(p + 1, '/')) {
    char saved = *p;
    *p = '\0';
    int r = enable_level(buf, err);
    *p = saved;
    if (r < 0)
      return -1;
    if (p == last)
      break;
  }
  return 0;
}

int cgroup_v2_enable_controller(struct cgroup_hier *h, const char *controller,
                                struct xerr *err) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", h->dir);
  char *last = strrchr(buf, '/');
  for (char *p = buf + strlen(h->mount);; p = strchr(p + 1, '/')) {
    char saved = *p;
    *p = '\0';
    cleanup_free char *enabled = NULL, *avail = NULL;
    if (cgroup_read(buf, "cgroup.subtree_control", &enabled, err) < 0)
      return -1;
    if (!word_in(enabled, controller)) {
      if (cgroup_read(buf, "cgroup.controllers", &avail, err) < 0)
        return -1;
      if (!word_in(avail, controller))
        return xerr_make(err, ENOTSUP, "%s: the %s controller is not available", buf,
                         controller);
      if (cgroup_writef(buf, "cgroup.subtree_control", err, "+%s", controller) < 0)
        return -1;
    }
    *p = saved;
    if (p == last)
      return 0;
  }
}

/* -1 is "max" on v2. */
static int write_max(const char *field, const char *dir, const char *file, int64_t v,
                     struct xerr *err) {
  if (v < 0)
    return cgroup_field_write(field, dir, file, "max", err);
  return cgroup_field_writef(field, dir, file, err, "%" PRId64, v);
}

static int v2_memory(const char *dir, const struct cgroup_resources *r, struct xerr *err) {
  if (r->has_mem_swappiness)
    xlog_debug("linux.resources.memory.swappiness ignored: cgroup v2 has no per-cgroup "
               "swappiness");
  if (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer)
    xlog_debug("linux.resources.memory.disableOOMKiller ignored: cgroup v2 cannot disable the "
               "OOM killer");
  int64_t swap = 0;
  if ((r->has_mem_swap || r->has_mem_limit) &&
      cgroup_swap_to_v2(r->has_mem_swap ? r->mem_swap : 0, r->mem_limit, r->has_mem_limit, &swap,
                        err) < 0)
    return -1;
  /* Swap first when lowering both, memory first otherwise: v2 does not
   * tie them together, but a container should never briefly get more. */
  if (swap != 0) {
    if (!cgroup_file_exists(dir, "memory.swap.max")) {
      /* Unlimited swap on a kernel without swap accounting is a no-op. */
      if (swap != -1 || r->has_mem_swap)
        return xerr_make(err, ENOENT,
                         "linux.resources.memory.swap: swap accounting is not enabled in the "
                         "kernel (no memory.swap.max)");
    } else if (write_max("memory.swap", dir, "memory.swap.max", swap, err) < 0) {
      return -1;
    }
  }
  if (r->has_mem_limit && r->mem_limit != 0 &&
      write_max("memory.limit", dir, "memory.max", r->mem_limit, err) < 0)
    return -1;
  if (r->has_mem_reservation && r->mem_reservation != 0 &&
      write_max("memory.reservation", dir, "memory.low", r->mem_reservation, err) < 0)
    return -1;
  return 0;
}

static int write_cpuset(const char *field, const char *dir, const char *file, const char *value,
                        struct xerr *err) {
  char parent[PATH_MAX], effective[64];
  cleanup_free char *avail = NULL;
  struct xerr ignored;
  snprintf(effective, sizeof effective, "%s.effective", file);
  if (cgroup_parent_dir(dir, parent, sizeof parent) == 0)
    cgroup_read(parent, effective, &avail, &ignored);
  if (cgroup_cpuset_check(field, value, avail, err) < 0)
    return -1;
  char full[32];
  snprintf(full, sizeof full, "cpu.%s", field);
  return cgroup_field_write(full, dir, file, value, err);
}

static int v2_cpu(const char *dir, const struct cgroup_resources *r, struct xerr *err) {
  if (r->has_cpu_rt_runtime || r->has_cpu_rt_period)
    return xerr_make(err, ENOTSUP,
                     "linux.resources.cpu.%s: realtime scheduling limits are not supported on "
                     "cgroup v2",
                     r->has_cpu_rt_runtime ? "realtimeRuntime" : "realtimePeriod");
  if (r->has_cpu_shares &&
      cgroup_field_writef("cpu.shares", dir, "cpu.weight", err, "%" PRIu64,
                          cgroup_shares_to_weight(r->cpu_shares)) < 0)
    return -1;
  if (r->has_cpu_quota || r->has_cpu_period) {
    char value[64] = "max";
    if (r->has_cpu_quota && r->cpu_quota > 0)
      snprintf(value, sizeof value, "%" PRId64, r->cpu_quota);
    if (r->has_cpu_period) {
      size_t n = strlen(value);
      snprintf(value + n, sizeof value - n, " %" PRIu64, r->cpu_period);
    }
    if (cgroup_field_write(r->has_cpu_quota ? "cpu.quota" : "cpu.period", dir, "cpu.max", value,
                           err) < 0)
      return -1;
  }
  if (r->has_cpu_burst && cgroup_field_writef("cpu.burst", dir, "cpu.max.burst", err,
                                              "%" PRIu64, r->cpu_burst) < 0)
    return -1;
  if (r->has_cpu_idle &&
      cgroup_field_writef("cpu.idle", dir, "cpu.idle", err, "%" PRId64, r->cpu_idle) < 0)
    return -1;
  if (r->cpu_cpus && r->cpu_cpus[0] &&
      write_cpuset("cpus", dir, "cpuset.cpus", r->cpu_cpus, err) < 0)
    return -1;
  if (r->cpu_mems && r->cpu_mems[0] &&
      write_cpuset("mems", dir, "cpuset.mems", r->cpu_mems, err) < 0)
    return -1;
  return 0;
}

static const char *const v2_throttle_key[4] = {"rbps", "wbps", "riops", "wiops"};

static int v2_io(const char *dir, const struct cgroup_resources *r, struct xerr *err) {
  if (r->has_blkio_leaf_weight)
    xlog_debug("linux.resources.blockIO.leafWeight ignored: cgroup v2 has no leaf weight");
  /* BFQ's io.bfq.weight takes blkio's own scale [1, 1000]; io.weight
   * (the cost model) takes [1, 10000], so convert for it. */
  bool bfq = cgroup_file_exists(dir, "io.bfq.weight");
  if (r->has_blkio_weight) {
    int ret = bfq ? cgroup_field_writef("blockIO.weight", dir, "io.bfq.weight", err, "%u",
                                        r->blkio_weight)
                  : cgroup_field_writef("blockIO.weight", dir, "io.weight", err,
                                        "default %" PRIu64,
                                        cgroup_blkio_weight_to_io_weight(r->blkio_weight));
    if (ret < 0)
      return -1;
  }
  for (size_t i = 0; i < r->n_weight_devices; i++) {
    const struct cgroup_weight_device *d = &r->weight_devices[i];
    if (!d->has_weight)
      continue;
    char field[64];
    snprintf(field, sizeof field, "blockIO.weightDevice[%zu]", i);
    int ret = bfq ? cgroup_field_writef(field, dir, "io.bfq.weight", err,
                                        "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                        d->weight)
                  : cgroup_field_writef(field, dir, "io.weight", err,
                                        "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                        cgroup_blkio_weight_to_io_weight(d->weight));
    if (ret < 0)
      return -1;
  }
  for (int t = 0; t < 4; t++) {
    for (size_t i = 0; i < r->n_throttle[t]; i++) {
      const struct cgroup_throttle *d = &r->throttle[t][i];
      char field[64], rate[24] = "max";
      snprintf(field, sizeof field, "blockIO.%s[%zu]", cgroup_throttle_field[t], i);
      /* 0 removes a v1 throttle; "max" is how v2 says it. */
      if (d->rate != 0)
        snprintf(rate, sizeof rate, "%" PRIu64, d->rate);
      if (cgroup_field_writef(field, dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%s",
                              d->major, d->minor, v2_throttle_key[t], rate) < 0)
        return -1;
    }
  }
  return 0;
}

static int v2_hugetlb(const char *dir, const struct cgroup_resources *r, struct xerr *err) {
  for (size_t i = 0; i < r->n_hugepages; i++) {
    const struct cgroup_hugepage *hp = &r->hugepages[i];
    char file[64], field[64];
    snprintf(file, sizeof file, "hugetlb.%s.max", hp->page_size);
    snprintf(field, sizeof field, "hugepageLimits[%zu]", i);
    if (!cgroup_file_exists(dir, file))
      return xerr_make(err, EINVAL,
                       "linux.resources.%s.pageSize: the kernel has no %s huge pages, or the "
                       "hugetlb controller is not enabled (no %s)",
                       field, hp->page_size, file);
    if (cgroup_field_writef(field, dir, file, err, "%" PRIu64, hp->limit) < 0)
      return -1;
  }
  return 0;
}

/* A device filter program replaces the devices controller on v2. */
static int v2_devices(const char *dir, const struct cgroup_resources *r, bool creating,
                      struct xerr *err) {
  if (!r->has_devices && !creating)
    return 0;
  size_t n = 1 + r->n_devices + cgroup_n_default_devices;
  cleanup_free struct cgroup_device_rule *rules = calloc(n, sizeof *rules);
  if (rules == NULL)
    return xerr_make(err, ENOMEM, "linux.resources.devices");
  rules[0] = (struct cgroup_device_rule){false, 'a', -1, -1, "rwm"};
  if (r->n_devices > 0)
    memcpy(rules + 1, r->devices, r->n_devices * sizeof *rules);
  memcpy(rules + 1 + r->n_devices, cgroup_default_devices,
         cgroup_n_default_devices * sizeof *rules);
  /* A scratch tree (cgroup_internal.h) cannot take a program: build it,
   * which checks the rules, and stop there. */
  struct statfs sfs;
  if (statfs(dir, &sfs) == 0 && sfs.f_type != CGROUP2_SUPER_MAGIC) {
    void *insns = NULL;
    size_t n_insns = 0;
    if (cgroup_bpf_build(rules, n, &insns, &n_insns, err) < 0)
      return -1;
    free(insns);
    xlog_debug("%s is not on cgroup2: device filter of %zu instructions not attached", dir,
               n_insns);
    return 0;
  }
  if (cgroup_bpf_apply(dir, rules, n, err) < 0) {
    /* Rootless without CAP_BPF: the device nodes it can reach are the
     * ones its mount namespace shows, as crun does it. */
    if (err && err->errnum == EPERM && geteuid() != 0) {
      xlog_warn("cannot install the device filter (%s); relying on the container's /dev",
                err->msg);
      return 0;
    }
    return xerr_wrap(err, "linux.resources.devices");
  }
  return 0;
}

static int v2_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err) {
  const char *dir = cgroup_unified_hier(cg)->dir;
  if (r->has_net_class_id || r->n_net_prios > 0)
    xlog_debug("linux.resources.network ignored: cgroup v2 has no net_cls/net_prio");
  if (v2_memory(dir, r, err) < 0 || v2_cpu(dir, r, err) < 0)
    return -1;
  if (r->has_pids_limit && write_max("pids.limit", dir, "pids.max", r->pids_limit, err) < 0)
    return -1;
  if (v2_io(dir, r, err) < 0 || v2_hugetlb(dir, r, err) < 0 ||
      (r->n_rdma > 0 && cgroup_write_rdma(dir, r, err) < 0) ||
      v2_devices(dir, r, creating, err) < 0)
    return -1;
  /* Last, so explicit unified values win over the mapped ones. */
  if (r->unified && json_object_size(r->unified) > 0)
    return cgroup_v2_write_unified(dir, r->unified, err);
  return 0;
}

/* ------------------------------------------------------------- unified */

int cgroup_v2_write_unified(const char *dir, json_t *unified, struct xerr *err) {
  const char *key;
  json_t *value;
  /* Keys and values were checked by cgroup_resources_parse. */
  json_object_foreach(unified, key, value) {
    if (cgroup_write(dir, key, json_string_value(value), err) == 0)
      continue;
    if (err && err->errnum == ENOENT) {
      char controller[64];
      snprintf(controller, sizeof controller, "%.*s", (int)strcspn(key, "."), key);
      return xerr_make(err, ENOENT,
                       "linux.resources.unified.%s: no such cgroup file (is the %s controller "
                       "available and enabled?)",
                       key, controller);
    }
    return xerr_wrap(err, "linux.resources.unified.%s", key);
  }
  return 0;
}

/* ------------------------------------------------------------- freezer */

static int events_frozen(const char *dir, bool *frozen, struct xerr *err) {
  cleanup_free char *events = NULL;
  if (cgroup_read(dir, "cgroup.events", &events, err) < 0)
    return -1;
  const char *f = strstr(events, "frozen ");
  *frozen = f != NULL && f[7] == '1';
  return 0;
}

int cgroup_v2_freeze_dir(const char *dir, bool frozen, struct xerr *err) {
  if (!cgroup_file_exists(dir, "cgroup.freeze"))
    return xerr_make(err, ENOTSUP, "%s: the kernel has no cgroup.freeze", dir);
  if (cgroup_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  /* cgroup.events says "frozen 1" once every task has stopped. */
  long wait = 100;
  for (int i = 0; i < 60; i++) {
    bool now;
    if (events_frozen(dir, &now, err) < 0)
      return -1;
    if (now == frozen)
      return 0;
    cgroup_sleep_us(wait);
    wait = wait * 2 > 50000 ? 50000 : wait * 2;
  }
  if (frozen) {
    struct xerr ignored;
    cgroup_write(dir, "cgroup.freeze", "0", &ignored);
  }
  return xerr_make(err, EBUSY, "%s/cgroup.events: timed out waiting for frozen %d", dir,
                   frozen ? 1 : 0);
}

int cgroup_v2_is_frozen_dir(const char *dir, bool *frozen, struct xerr *err) {
  cleanup_free char *value = NULL;
  if (!cgroup_file_exists(dir, "cgroup.freeze")) {
    *frozen = false;
    return 0;
  }
  /* The requested state, as runc reports it: "paused" right after pause. */
  if (cgroup_read(dir, "cgroup.freeze", &value, err) < 0)
    return -1;
  *frozen = strcmp(value, "1") == 0;
  return 0;
}

static bool v2_can_freeze(struct cgroup *cg) {
  return cgroup_file_exists(cgroup_unified_hier(cg)->dir, "cgroup.freeze");
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  return cgroup_v2_freeze_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v2_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  return cgroup_v2_is_frozen_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

/* cgroup.kill (5.14+) kills the whole subtree at once, forks included. */
static int v2_kill_fast(struct cgroup *cg, int sig, struct xerr *err) {
  const char *dir = cgroup_unified_hier(cg)->dir;
  if (sig != SIGKILL || !cgroup_file_exists(dir, "cgroup.kill"))
    return 0;
  if (cgroup_write(dir, "cgroup.kill", "1", err) < 0)
    return -1;
  return 1;
}

static struct cgroup_hier *v2_pids_hier(struct cgroup *cg) { return cgroup_unified_hier(cg); }

const struct cgroup_ops cgroup_v2_ops = {
    .prepare = v2_prepare,
    .set_resources = v2_set_resources,
    .can_freeze = v2_can_freeze,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill_fast = v2_kill_fast,
    .pids_hier = v2_pids_hier,
    .stats = cgroup_v2_stats,
};
