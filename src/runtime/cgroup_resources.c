/* linux.resources: parsed and checked once into struct cgroup_resources,
 * so bad input fails before any cgroup is touched and every error names
 * its JSON path; plus the v1 <-> v2 value mappings runc and crun use. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

#define WHERE "linux.resources"

const char *const cgroup_throttle_field[4] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                              "throttleReadIOPSDevice",
                                              "throttleWriteIOPSDevice"};

/* runc's AllowedDevices: what every container may use whatever its own
 * rules say (mknod of anything; the standard character devices; ptys;
 * tun). */
const struct cgroup_device_rule cgroup_default_devices[] = {
    {true, 'c', -1, -1, "m"},  {true, 'b', -1, -1, "m"},  {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"},  {true, 'c', 1, 7, "rwm"},  {true, 'c', 5, 0, "rwm"},
    {true, 'c', 1, 5, "rwm"},  {true, 'c', 1, 9, "rwm"},  {true, 'c', 5, 1, "rwm"},
    {true, 'c', 136, -1, "rwm"}, {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};
const size_t cgroup_n_default_devices =
    sizeof cgroup_default_devices / sizeof cgroup_default_devices[0];

/* ------------------------------------------------------------ mappings */

uint64_t cgroup_shares_to_weight(uint64_t shares) {
  if (shares == 0)
    return 0;
  /* cpu.shares spans [2, 262144], cpu.weight [1, 10000]. */
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight) {
  if (weight == 0)
    return 0;
  /* blkio.weight spans [10, 1000], io.weight [1, 10000]. */
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

int cgroup_swap_to_v2(int64_t swap, int64_t limit, bool has_limit, int64_t *out,
                      struct xerr *err) {
  if (!has_limit)
    limit = 0;
  /* Unlimited memory with swap left unset means both unlimited, as on v1. */
  if (limit == -1 && swap == 0) {
    *out = -1;
    return 0;
  }
  if (swap == -1 || swap == 0) {
    *out = swap;
    return 0;
  }
  if (limit == 0 || limit == -1)
    return xerr_make(err, EINVAL,
                     WHERE ".memory.swap: a swap limit needs a memory limit (swap is "
                     "memory+swap)");
  if (swap < limit)
    return xerr_make(err, EINVAL,
                     WHERE ".memory.swap: %" PRId64 " is below memory.limit %" PRId64
                           " (swap is memory+swap)",
                     swap, limit);
  *out = swap - limit;
  return 0;
}

/* ------------------------------------------------------------- cpusets */

#define CPUSET_MAX 8192

/* "0-3,7" -> bits; false on bad syntax or a number past CPUSET_MAX. */
static bool cpuset_parse(const char *list, unsigned char *bits) {
  memset(bits, 0, CPUSET_MAX / 8);
  const char *p = list;
  while (*p == ' ' || *p == '\n')
    p++;
  if (*p == '\0')
    return true;
  for (;;) {
    if (!isdigit((unsigned char)*p))
      return false;
    char *end;
    unsigned long lo = strtoul(p, &end, 10), hi = lo;
    p = end;
    if (*p == '-') {
      p++;
      if (!isdigit((unsigned char)*p))
        return false;
      hi = strtoul(p, &end, 10);
      p = end;
    }
    if (hi < lo || hi >= CPUSET_MAX)
      return false;
    for (unsigned long i = lo; i <= hi; i++)
      bits[i / 8] |= (unsigned char)(1u << (i % 8));
    while (*p == ' ' || *p == '\n')
      p++;
    if (*p == '\0')
      return true;
    if (*p != ',')
      return false;
    p++;
  }
}

int cgroup_cpuset_check(const char *field, const char *list, const char *available,
                        struct xerr *err) {
  unsigned char want[CPUSET_MAX / 8], have[CPUSET_MAX / 8];
  if (!cpuset_parse(list, want))
    return xerr_make(err, EINVAL, WHERE ".cpu.%s: \"%s\" is not a list such as \"0-3,7\"", field,
                     list);
  if (available == NULL || !cpuset_parse(available, have))
    return 0;
  bool any = false;
  for (size_t i = 0; i < sizeof have; i++)
    any |= have[i] != 0;
  if (!any)
    return 0; /* nothing known about the machine: let the kernel judge */
  for (size_t i = 0; i < CPUSET_MAX; i++) {
    if ((want[i / 8] >> (i % 8) & 1) && !(have[i / 8] >> (i % 8) & 1))
      return xerr_make(err, EINVAL,
                       WHERE ".cpu.%s: \"%s\" names %s %zu, outside the available set \"%s\"",
                       field, list, strcmp(field, "cpus") == 0 ? "CPU" : "memory node", i,
                       available);
  }
  return 0;
}

/* ----------------------------------------------------------------- rdma */

int cgroup_write_rdma(const char *dir, const struct cgroup_resources *r, struct xerr *err) {
  for (size_t i = 0; i < r->n_rdma; i++) {
    const struct cgroup_rdma *d = &r->rdma[i];
    if (!d->has_handles && !d->has_objects)
      continue;
    char line[256], field[160];
    int n = snprintf(line, sizeof line, "%s", d->device);
    if (d->has_handles && n > 0 && (size_t)n < sizeof line)
      n += snprintf(line + n, sizeof line - (size_t)n, " hca_handle=%u", d->hca_handles);
    if (d->has_objects && n > 0 && (size_t)n < sizeof line)
      snprintf(line + n, sizeof line - (size_t)n, " hca_object=%u", d->hca_objects);
    snprintf(field, sizeof field, "rdma.%s", d->device);
    if (cgroup_field_write(field, dir, "rdma.max", line, err) < 0)
      return -1;
  }
  return 0;
}

/* ------------------------------------------------------------- parsing */

void cgroup_resources_clear(struct cgroup_resources *r) {
  free(r->cpu_cpus);
  free(r->cpu_mems);
  free(r->weight_devices);
  for (int i = 0; i < 4; i++)
    free(r->throttle[i]);
  for (size_t i = 0; i < r->n_hugepages; i++)
    free(r->hugepages[i].page_size);
  free(r->hugepages);
  free(r->devices);
  for (size_t i = 0; i < r->n_net_prios; i++)
    free(r->net_prios[i].name);
  free(r->net_prios);
  for (size_t i = 0; i < r->n_rdma; i++)
    free(r->rdma[i].device);
  free(r->rdma);
  memset(r, 0, sizeof *r);
}

/* -1 (unlimited), 0 (unset) or a positive number of bytes. */
static int check_limit(const char *field, int64_t v, struct xerr *err) {
  if (v < -1)
    return xerr_make(err, EINVAL, WHERE ".%s: %" PRId64 " is invalid (use -1 for unlimited)",
                     field, v);
  return 0;
}

static int parse_memory(json_t *m, struct cgroup_resources *r, struct xerr *err) {
  const char *w = WHERE ".memory";
  if (json_get_int64(m, "limit", w, false, &r->mem_limit, &r->has_mem_limit, err) < 0 ||
      json_get_int64(m, "reservation", w, false, &r->mem_reservation, &r->has_mem_reservation,
                     err) < 0 ||
      json_get_int64(m, "swap", w, false, &r->mem_swap, &r->has_mem_swap, err) < 0 ||
      json_get_uint64(m, "swappiness", w, false, &r->mem_swappiness, &r->has_mem_swappiness,
                      err) < 0 ||
      json_get_bool(m, "disableOOMKiller", w, &r->mem_disable_oom_killer, err) < 0 ||
      json_get_bool(m, "useHierarchy", w, &r->mem_use_hierarchy, err) < 0)
    return -1;
  r->has_mem_disable_oom_killer = json_member(m, "disableOOMKiller") != NULL;
  r->has_mem_use_hierarchy = json_member(m, "useHierarchy") != NULL;
  if (check_limit("memory.limit", r->mem_limit, err) < 0 ||
      check_limit("memory.reservation", r->mem_reservation, err) < 0 ||
      check_limit("memory.swap", r->mem_swap, err) < 0)
    return -1;
  /* Docker sends swappiness -1 as 18446744073709551615 to mean "unset". */
  if (r->has_mem_swappiness && r->mem_swappiness == UINT64_MAX)
    r->has_mem_swappiness = false;
  if (r->has_mem_swappiness && r->mem_swappiness > 100)
    return xerr_make(err, EINVAL, "%s.swappiness: %" PRIu64 " is out of range 0-100", w,
                     r->mem_swappiness);
  if (r->mem_swap > 0 && r->mem_limit > 0 && r->mem_swap < r->mem_limit)
    return xerr_make(err, EINVAL,
                     "%s.swap: %" PRId64 " is below memory.limit %" PRId64
                     " (swap is memory+swap)",
                     w, r->mem_swap, r->mem_limit);
  if (json_member(m, "kernel") || json_member(m, "kernelTCP"))
    xlog_debug("%s.kernel and kernelTCP are ignored (deprecated by the kernel)", w);
  return 0;
}

static int parse_cpu(json_t *c, struct cgroup_resources *r, struct xerr *err) {
  const char *w = WHERE ".cpu";
  if (json_get_uint64(c, "shares", w, false, &r->cpu_shares, &r->has_cpu_shares, err) < 0 ||
      json_get_int64(c, "quota", w, false, &r->cpu_quota, &r->has_cpu_quota, err) < 0 ||
      json_get_uint64(c, "period", w, false, &r->cpu_period, &r->has_cpu_period, err) < 0 ||
      json_get_uint64(c, "burst", w, false, &r->cpu_burst, &r->has_cpu_burst, err) < 0 ||
      json_get_int64(c, "realtimeRuntime", w, false, &r->cpu_rt_runtime, &r->has_cpu_rt_runtime,
                     err) < 0 ||
      json_get_uint64(c, "realtimePeriod", w, false, &r->cpu_rt_period, &r->has_cpu_rt_period,
                      err) < 0 ||
      json_get_int64(c, "idle", w, false, &r->cpu_idle, &r->has_cpu_idle, err) < 0 ||
      json_get_string(c, "cpus", w, false, &r->cpu_cpus, err) < 0 ||
      json_get_string(c, "mems", w, false, &r->cpu_mems, err) < 0)
    return -1;
  /* 0 means "not set" for these, as in runc. */
  r->has_cpu_shares &= r->cpu_shares != 0;
  r->has_cpu_quota &= r->cpu_quota != 0;
  r->has_cpu_period &= r->cpu_period != 0;
  r->has_cpu_rt_runtime &= r->cpu_rt_runtime != 0;
  r->has_cpu_rt_period &= r->cpu_rt_period != 0;
  if (r->has_cpu_quota && r->cpu_quota < -1)
    return xerr_make(err, EINVAL, "%s.quota: %" PRId64 " is invalid (use -1 for unlimited)", w,
                     r->cpu_quota);
  if (r->has_cpu_idle && r->cpu_idle != 0 && r->cpu_idle != 1)
    return xerr_make(err, EINVAL, "%s.idle: %" PRId64 " is invalid (0 or 1)", w, r->cpu_idle);
  if (r->cpu_cpus && r->cpu_cpus[0] && cgroup_cpuset_check("cpus", r->cpu_cpus, NULL, err) < 0)
    return -1;
  if (r->cpu_mems && r->cpu_mems[0] && cgroup_cpuset_check("mems", r->cpu_mems, NULL, err) < 0)
    return -1;
  return 0;
}

static int parse_pids(json_t *p, struct cgroup_resources *r, struct xerr *err) {
  if (json_get_int64(p, "limit", WHERE ".pids", false, &r->pids_limit, &r->has_pids_limit,
                     err) < 0)
    return -1;
  /* 0 means unset and -1 unlimited, as in runc; anything below is a mistake. */
  if (r->has_pids_limit && r->pids_limit < -1)
    return xerr_make(err, EINVAL, WHERE ".pids.limit: %lld is invalid (use -1 for unlimited)",
                     (long long)r->pids_limit);
  r->has_pids_limit &= r->pids_limit != 0;
  return 0;
}

static int get_weight(json_t *o, const char *key, const char *where, uint16_t *out, bool *has,
                      struct xerr *err) {
  uint32_t v = 0;
  bool present = false;
  if (json_get_uint32(o, key, where, false, &v, &present, err) < 0)
    return -1;
  if (!present || v == 0)
    return 0;
  if (v < 10 || v > 1000)
    return xerr_make(err, EINVAL, "%s.%s: %u is out of range 10-1000", where, key, v);
  *out = (uint16_t)v;
  *has = true;
  return 0;
}

static int get_major_minor(json_t *o, const char *where, int64_t *major, int64_t *minor,
                           struct xerr *err) {
  if (json_get_int64(o, "major", where, true, major, NULL, err) < 0 ||
      json_get_int64(o, "minor", where, true, minor, NULL, err) < 0)
    return -1;
  if (*major < 0 || *minor < 0 || *major > UINT32_MAX || *minor > UINT32_MAX)
    return xerr_make(err, EINVAL, "%s: invalid device number %" PRId64 ":%" PRId64, where,
                     *major, *minor);
  return 0;
}

static int parse_blkio(json_t *b, struct cgroup_resources *r, struct xerr *err) {
  const char *w = WHERE ".blockIO";
  char where[128];
  if (get_weight(b, "weight", w, &r->blkio_weight, &r->has_blkio_weight, err) < 0 ||
      get_weight(b, "leafWeight", w, &r->blkio_leaf_weight, &r->has_blkio_leaf_weight, err) < 0)
    return -1;
  json_t *arr;
  if (json_get_array(b, "weightDevice", w, &arr, err) < 0)
    return -1;
  if (arr && json_array_size(arr) > 0) {
    r->weight_devices = calloc(json_array_size(arr), sizeof *r->weight_devices);
    if (r->weight_devices == NULL)
      return xerr_make(err, ENOMEM, "%s.weightDevice", w);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
      struct cgroup_weight_device *d = &r->weight_devices[r->n_weight_devices++];
      snprintf(where, sizeof where, "%s.weightDevice[%zu]", w, i);
      if (!json_is_object(e))
        return xerr_make(err, EINVAL, "%s: expected an object", where);
      if (get_major_minor(e, where, &d->major, &d->minor, err) < 0 ||
          get_weight(e, "weight", where, &d->weight, &d->has_weight, err) < 0 ||
          get_weight(e, "leafWeight", where, &d->leaf_weight, &d->has_leaf_weight, err) < 0)
        return -1;
    }
  }
  for (int t = 0; t < 4; t++) {
    if (json_get_array(b, cgroup_throttle_field[t], w, &arr, err) < 0)
      return -1;
    if (arr == NULL || json_array_size(arr) == 0)
      continue;
    r->throttle[t] = calloc(json_array_size(arr), sizeof *r->throttle[t]);
    if (r->throttle[t] == NULL)
      return xerr_make(err, ENOMEM, "%s.%s", w, cgroup_throttle_field[t]);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
      struct cgroup_throttle *d = &r->throttle[t][r->n_throttle[t]++];
      snprintf(where, sizeof where, "%s.%s[%zu]", w, cgroup_throttle_field[t], i);
      if (!json_is_object(e))
        return xerr_make(err, EINVAL, "%s: expected an object", where);
      if (get_major_minor(e, where, &d->major, &d->minor, err) < 0 ||
          json_get_uint64(e, "rate", where, true, &d->rate, NULL, err) < 0)
        return -1;
    }
  }
  return 0;
}

/* "2MB", "1GB", "64KB": what the hugetlb knob names use. */
static bool page_size_ok(const char *s) {
  size_t n = 0;
  while (isdigit((unsigned char)s[n]))
    n++;
  return n > 0 && s[0] != '0' && (strcmp(s + n, "KB") == 0 || strcmp(s + n, "MB") == 0 ||
                                  strcmp(s + n, "GB") == 0);
}

static int parse_hugepages(json_t *arr, struct cgroup_resources *r, struct xerr *err) {
  if (json_array_size(arr) == 0)
    return 0;
  r->hugepages = calloc(json_array_size(arr), sizeof *r->hugepages);
  if (r->hugepages == NULL)
    return xerr_make(err, ENOMEM, WHERE ".hugepageLimits");
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    char where[64];
    snprintf(where, sizeof where, WHERE ".hugepageLimits[%zu]", i);
    struct cgroup_hugepage *h = &r->hugepages[r->n_hugepages++];
    if (!json_is_object(e))
      return xerr_make(err, EINVAL, "%s: expected an object", where);
    if (json_get_string(e, "pageSize", where, true, &h->page_size, err) < 0 ||
        json_get_uint64(e, "limit", where, true, &h->limit, NULL, err) < 0)
      return -1;
    if (!page_size_ok(h->page_size))
      return xerr_make(err, EINVAL, "%s.pageSize: \"%s\" is not a size such as \"2MB\"", where,
                       h->page_size);
  }
  return 0;
}

static int parse_device(json_t *e, const char *where, struct cgroup_device_rule *d,
                        struct xerr *err) {
  cleanup_free char *type = NULL, *access = NULL;
  if (!json_is_object(e))
    return xerr_make(err, EINVAL, "%s: expected an object", where);
  d->major = d->minor = -1;
  if (json_get_bool(e, "allow", where, &d->allow, err) < 0 ||
      json_get_string(e, "type", where, false, &type, err) < 0 ||
      json_get_int64(e, "major", where, false, &d->major, NULL, err) < 0 ||
      json_get_int64(e, "minor", where, false, &d->minor, NULL, err) < 0 ||
      json_get_string(e, "access", where, false, &access, err) < 0)
    return -1;
  if (json_member(e, "allow") == NULL)
    return xerr_make(err, EINVAL, "%s.allow: required field is missing", where);
  if (type == NULL || type[0] == '\0')
    d->type = 'a';
  else if (strcmp(type, "a") == 0 || strcmp(type, "b") == 0 || strcmp(type, "c") == 0)
    d->type = type[0];
  else
    return xerr_make(err, EINVAL, "%s.type: unknown device type \"%s\" (expected a, b or c)",
                     where, type);
  if (d->major < -1 || d->minor < -1 || d->major > UINT32_MAX || d->minor > UINT32_MAX)
    return xerr_make(err, EINVAL, "%s: invalid device number %" PRId64 ":%" PRId64, where,
                     d->major, d->minor);
  bool rd = false, wr = false, mk = false;
  for (const char *p = access ? access : "rwm"; *p; p++) {
    if (*p == 'r')
      rd = true;
    else if (*p == 'w')
      wr = true;
    else if (*p == 'm')
      mk = true;
    else
      return xerr_make(err, EINVAL, "%s.access: \"%s\" is not a combination of r, w and m",
                       where, access);
  }
  if (!rd && !wr && !mk) /* "" means all, as in runc */
    rd = wr = mk = true;
  size_t n = 0;
  if (rd)
    d->access[n++] = 'r';
  if (wr)
    d->access[n++] = 'w';
  if (mk)
    d->access[n++] = 'm';
  d->access[n] = '\0';
  return 0;
}

static int parse_devices(json_t *arr, struct cgroup_resources *r, struct xerr *err) {
  r->has_devices = true;
  if (json_array_size(arr) == 0)
    return 0;
  r->devices = calloc(json_array_size(arr), sizeof *r->devices);
  if (r->devices == NULL)
    return xerr_make(err, ENOMEM, WHERE ".devices");
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    char where[64];
    snprintf(where, sizeof where, WHERE ".devices[%zu]", i);
    if (parse_device(e, where, &r->devices[r->n_devices++], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_network(json_t *n, struct cgroup_resources *r, struct xerr *err) {
  const char *w = WHERE ".network";
  if (json_get_uint32(n, "classID", w, false, &r->net_class_id, &r->has_net_class_id, err) < 0)
    return -1;
  json_t *arr;
  if (json_get_array(n, "priorities", w, &arr, err) < 0)
    return -1;
  if (arr == NULL || json_array_size(arr) == 0)
    return 0;
  r->net_prios = calloc(json_array_size(arr), sizeof *r->net_prios);
  if (r->net_prios == NULL)
    return xerr_make(err, ENOMEM, "%s.priorities", w);
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    char where[64];
    snprintf(where, sizeof where, "%s.priorities[%zu]", w, i);
    struct cgroup_net_prio *p = &r->net_prios[r->n_net_prios++];
    if (!json_is_object(e))
      return xerr_make(err, EINVAL, "%s: expected an object", where);
    if (json_get_string(e, "name", where, true, &p->name, err) < 0 ||
        json_get_uint32(e, "priority", where, true, &p->priority, NULL, err) < 0)
      return -1;
    if (p->name[0] == '\0' || strpbrk(p->name, " \n/") != NULL)
      return xerr_make(err, EINVAL, "%s.name: \"%s\" is not an interface name", where, p->name);
  }
  return 0;
}

static int parse_rdma(json_t *o, struct cgroup_resources *r, struct xerr *err) {
  if (json_object_size(o) == 0)
    return 0;
  r->rdma = calloc(json_object_size(o), sizeof *r->rdma);
  if (r->rdma == NULL)
    return xerr_make(err, ENOMEM, WHERE ".rdma");
  const char *key;
  json_t *e;
  json_object_foreach(o, key, e) {
    char where[128];
    snprintf(where, sizeof where, WHERE ".rdma.%s", key);
    struct cgroup_rdma *d = &r->rdma[r->n_rdma++];
    if ((d->device = strdup(key)) == NULL)
      return xerr_make(err, ENOMEM, "%s", where);
    if (key[0] == '\0' || strpbrk(key, " \n/") != NULL)
      return xerr_make(err, EINVAL, "%s: invalid device name", where);
    if (!json_is_object(e))
      return xerr_make(err, EINVAL, "%s: expected an object", where);
    if (json_get_uint32(e, "hcaHandles", where, false, &d->hca_handles, &d->has_handles, err) <
            0 ||
        json_get_uint32(e, "hcaObjects", where, false, &d->hca_objects, &d->has_objects, err) < 0)
      return -1;
  }
  return 0;
}

static int parse_unified(json_t *u, struct cgroup_resources *r, struct xerr *err) {
  const char *key;
  json_t *v;
  json_object_foreach(u, key, v) {
    /* A file name in the container's own cgroup, nothing else. */
    if (key[0] == '\0' || key[0] == '.' || strchr(key, '/') != NULL || strchr(key, '.') == NULL)
      return xerr_make(err, EINVAL, WHERE ".unified.%s: invalid cgroup file name", key);
    /* These would move or kill processes, or fight our own freezer. */
    if (strcmp(key, "cgroup.procs") == 0 || strcmp(key, "cgroup.threads") == 0 ||
        strcmp(key, "cgroup.kill") == 0 || strcmp(key, "cgroup.freeze") == 0)
      return xerr_make(err, EINVAL, WHERE ".unified.%s: this cgroup file is managed by the runtime",
                       key);
    if (!json_is_string(v))
      return xerr_make(err, EINVAL, WHERE ".unified.%s: expected a string", key);
  }
  r->unified = u;
  return 0;
}

int cgroup_resources_parse(json_t *resources, struct cgroup_resources *r, struct xerr *err) {
  memset(r, 0, sizeof *r);
  if (resources == NULL || json_is_null(resources))
    return 0;
  if (!json_is_object(resources))
    return xerr_make(err, EINVAL, WHERE ": expected an object");
  json_t *o;
  int ret = 0;
  if (ret == 0 && (ret = json_get_object(resources, "memory", WHERE, &o, err)) == 0 && o)
    ret = parse_memory(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "cpu", WHERE, &o, err)) == 0 && o)
    ret = parse_cpu(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "pids", WHERE, &o, err)) == 0 && o)
    ret = parse_pids(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "blockIO", WHERE, &o, err)) == 0 && o)
    ret = parse_blkio(o, r, err);
  if (ret == 0 && (ret = json_get_array(resources, "hugepageLimits", WHERE, &o, err)) == 0 && o)
    ret = parse_hugepages(o, r, err);
  if (ret == 0 && (ret = json_get_array(resources, "devices", WHERE, &o, err)) == 0 && o)
    ret = parse_devices(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "network", WHERE, &o, err)) == 0 && o)
    ret = parse_network(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "rdma", WHERE, &o, err)) == 0 && o)
    ret = parse_rdma(o, r, err);
  if (ret == 0 && (ret = json_get_object(resources, "unified", WHERE, &o, err)) == 0 && o)
    ret = parse_unified(o, r, err);
  if (ret < 0) {
    cgroup_resources_clear(r);
    return -1;
  }
  return 0;
}
