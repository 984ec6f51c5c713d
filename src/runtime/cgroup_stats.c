/* Usage figures in the shape of runc's `events --stats` "data" object
 * (libcontainer's cgroups.Stats as JSON).  Only files that exist are
 * read: a controller that is absent leaves its figures at zero, as runc
 * does, rather than failing the whole report. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

/* jansson integers are signed 64-bit; "unlimited" (v2's "max", runc's
 * MaxUint64) is reported as the largest it can hold. */
static json_int_t j64(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (json_int_t)v; }

static uint64_t u64_or_zero(const char *dir, const char *file) {
  uint64_t v = 0;
  struct xerr ignored;
  if (dir == NULL || cgroup_read_u64(dir, file, &v, &ignored) < 0)
    return 0;
  return v;
}

static int set_u64(json_t *o, const char *key, uint64_t v) {
  return json_object_set_new(o, key, json_integer(j64(v)));
}

/* "key value" lines (memory.stat, cpu.stat, memory.events) as an object. */
static json_t *read_kv(const char *dir, const char *file) {
  json_t *o = json_object();
  cleanup_free char *text = NULL;
  struct xerr ignored;
  if (o == NULL || dir == NULL || cgroup_read(dir, file, &text, &ignored) < 0)
    return o;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(line, ' ');
    if (sp == NULL)
      continue;
    *sp = '\0';
    char *end;
    unsigned long long v = strtoull(sp + 1, &end, 10);
    if (end != sp + 1)
      set_u64(o, line, v);
  }
  return o;
}

static uint64_t kv_get(json_t *kv, const char *key) {
  json_t *v = json_object_get(kv, key);
  return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* "1 2 3" as an array of numbers. */
static json_t *read_list(const char *dir, const char *file) {
  json_t *a = json_array();
  cleanup_free char *text = NULL;
  struct xerr ignored;
  if (a == NULL || dir == NULL || cgroup_read(dir, file, &text, &ignored) < 0)
    return a;
  for (char *p = text;;) {
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p)
      break;
    json_array_append_new(a, json_integer(j64(v)));
    p = end;
  }
  return a;
}

static json_t *mem_entry(uint64_t usage, uint64_t max, uint64_t failcnt, uint64_t limit) {
  json_t *o = json_object();
  set_u64(o, "usage", usage);
  set_u64(o, "max", max);
  set_u64(o, "failcnt", failcnt);
  set_u64(o, "limit", limit);
  return o;
}

static json_t *blkio_entry(unsigned long major, unsigned long minor, const char *op,
                           uint64_t value) {
  json_t *o = json_object();
  set_u64(o, "major", major);
  set_u64(o, "minor", minor);
  json_object_set_new(o, "op", json_string(op));
  set_u64(o, "value", value);
  return o;
}

/* v1 blkio: "8:0 Read 4096" lines, and a final "Total N". */
static json_t *read_blkio_v1(const char *dir, const char *file) {
  json_t *a = json_array();
  cleanup_free char *text = NULL;
  struct xerr ignored;
  if (dir == NULL || cgroup_read(dir, file, &text, &ignored) < 0)
    return a;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned long major, minor;
    unsigned long long v;
    char op[32];
    if (sscanf(line, "%lu:%lu %31s %llu", &major, &minor, op, &v) == 4)
      json_array_append_new(a, blkio_entry(major, minor, op, v));
  }
  return a;
}

static int pids_stats(json_t *data, const char *dir) {
  json_t *p = json_object();
  set_u64(p, "current", u64_or_zero(dir, "pids.current"));
  uint64_t limit = u64_or_zero(dir, "pids.max");
  set_u64(p, "limit", limit == UINT64_MAX ? 0 : limit); /* runc: 0 = no limit */
  return json_object_set_new(data, "pids", p);
}

/* hugetlb.<size>.<usage_file> for every size the directory offers. */
static json_t *hugetlb_stats(const char *dir, const char *usage_file, const char *max_file) {
  json_t *o = json_object();
  if (dir == NULL)
    return o;
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    return o;
  struct dirent *de;
  char suffix[64];
  snprintf(suffix, sizeof suffix, ".%s", usage_file);
  while ((de = readdir(d)) != NULL) {
    const char *name = de->d_name;
    size_t n = strlen(name), sl = strlen(suffix);
    if (strncmp(name, "hugetlb.", 8) != 0 || n <= 8 + sl || strcmp(name + n - sl, suffix) != 0)
      continue;
    char size[32];
    snprintf(size, sizeof size, "%.*s", (int)(n - 8 - sl), name + 8);
    if (strchr(size, '.') != NULL)
      continue; /* hugetlb.2MB.rsvd.* */
    char file[96];
    json_t *e = json_object();
    set_u64(e, "usage", u64_or_zero(dir, name));
    snprintf(file, sizeof file, "hugetlb.%s.%s", size, max_file);
    set_u64(e, "max", u64_or_zero(dir, file));
    if (strcmp(max_file, "max_usage_in_bytes") == 0) {
      snprintf(file, sizeof file, "hugetlb.%s.failcnt", size);
      set_u64(e, "failcnt", u64_or_zero(dir, file));
    } else {
      snprintf(file, sizeof file, "hugetlb.%s.events", size);
      json_t *ev = read_kv(dir, file);
      set_u64(e, "failcnt", kv_get(ev, "max"));
      json_decref(ev);
    }
    json_object_set_new(o, size, e);
  }
  return o;
}

static const char *dir_of(struct cgroup *cg, const char *controller) {
  struct cgroup_hier *h = cgroup_find_hier(cg, controller);
  return h ? h->dir : NULL;
}

int cgroup_v1_stats(struct cgroup *cg, json_t *data, struct xerr *err) {
  (void)err;
  /* cpu */
  const char *acct = dir_of(cg, "cpuacct");
  json_t *usage = json_object();
  set_u64(usage, "total", u64_or_zero(acct, "cpuacct.usage"));
  json_object_set_new(usage, "percpu", read_list(acct, "cpuacct.usage_percpu"));
  json_object_set_new(usage, "percpu_kernel", read_list(acct, "cpuacct.usage_percpu_sys"));
  json_object_set_new(usage, "percpu_user", read_list(acct, "cpuacct.usage_percpu_user"));
  /* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds. */
  json_t *ticks = read_kv(acct, "cpuacct.stat");
  long hz = sysconf(_SC_CLK_TCK);
  uint64_t ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
  set_u64(usage, "kernel", kv_get(ticks, "system") * ns_per_tick);
  set_u64(usage, "user", kv_get(ticks, "user") * ns_per_tick);
  json_decref(ticks);
  json_t *cs = read_kv(dir_of(cg, "cpu"), "cpu.stat");
  json_t *thr = json_object();
  set_u64(thr, "periods", kv_get(cs, "nr_periods"));
  set_u64(thr, "throttled_periods", kv_get(cs, "nr_throttled"));
  set_u64(thr, "throttled_time", kv_get(cs, "throttled_time"));
  json_decref(cs);
  json_t *cpu = json_object();
  json_object_set_new(cpu, "usage", usage);
  json_object_set_new(cpu, "throttling", thr);
  json_object_set_new(data, "cpu", cpu);

  /* memory */
  const char *m = dir_of(cg, "memory");
  json_t *mem = json_object();
  json_t *raw = read_kv(m, "memory.stat");
  set_u64(mem, "cache", kv_get(raw, "cache"));
  json_object_set_new(mem, "usage",
                      mem_entry(u64_or_zero(m, "memory.usage_in_bytes"),
                                u64_or_zero(m, "memory.max_usage_in_bytes"),
                                u64_or_zero(m, "memory.failcnt"),
                                u64_or_zero(m, "memory.limit_in_bytes")));
  json_object_set_new(mem, "swap",
                      mem_entry(u64_or_zero(m, "memory.memsw.usage_in_bytes"),
                                u64_or_zero(m, "memory.memsw.max_usage_in_bytes"),
                                u64_or_zero(m, "memory.memsw.failcnt"),
                                u64_or_zero(m, "memory.memsw.limit_in_bytes")));
  json_object_set_new(mem, "kernel",
                      mem_entry(u64_or_zero(m, "memory.kmem.usage_in_bytes"),
                                u64_or_zero(m, "memory.kmem.max_usage_in_bytes"),
                                u64_or_zero(m, "memory.kmem.failcnt"),
                                u64_or_zero(m, "memory.kmem.limit_in_bytes")));
  json_object_set_new(mem, "kernelTCP",
                      mem_entry(u64_or_zero(m, "memory.kmem.tcp.usage_in_bytes"),
                                u64_or_zero(m, "memory.kmem.tcp.max_usage_in_bytes"),
                                u64_or_zero(m, "memory.kmem.tcp.failcnt"),
                                u64_or_zero(m, "memory.kmem.tcp.limit_in_bytes")));
  json_object_set_new(mem, "raw", raw);
  json_object_set_new(data, "memory", mem);

  pids_stats(data, dir_of(cg, "pids"));

  /* blkio: CFQ's files if present, else BFQ's, else the throttle
   * layer's (which counts every I/O, whatever the scheduler). */
  const char *b = dir_of(cg, "blkio");
  const char *prefix = "blkio.throttle.";
  if (b && cgroup_file_exists(b, "blkio.io_service_bytes_recursive"))
    prefix = "blkio.";
  else if (b && cgroup_file_exists(b, "blkio.bfq.io_service_bytes_recursive"))
    prefix = "blkio.bfq.";
  char f1[96], f2[96];
  snprintf(f1, sizeof f1, "%sio_service_bytes_recursive", prefix);
  snprintf(f2, sizeof f2, "%sio_serviced_recursive", prefix);
  json_t *blkio = json_object();
  json_object_set_new(blkio, "ioServiceBytesRecursive", read_blkio_v1(b, f1));
  json_object_set_new(blkio, "ioServicedRecursive", read_blkio_v1(b, f2));
  json_object_set_new(data, "blkio", blkio);

  const char *hdir = dir_of(cg, "hugetlb");
  json_object_set_new(data, "hugetlb",
                      hdir ? hugetlb_stats(hdir, "usage_in_bytes", "max_usage_in_bytes")
                           : json_object());
  return 0;
}

int cgroup_v2_stats(struct cgroup *cg, json_t *data, struct xerr *err) {
  (void)err;
  const char *d = cgroup_unified_hier(cg)->dir;
  json_t *cs = read_kv(d, "cpu.stat");
  json_t *usage = json_object();
  set_u64(usage, "total", kv_get(cs, "usage_usec") * 1000);
  json_object_set_new(usage, "percpu", json_array());
  set_u64(usage, "kernel", kv_get(cs, "system_usec") * 1000);
  set_u64(usage, "user", kv_get(cs, "user_usec") * 1000);
  json_t *thr = json_object();
  set_u64(thr, "periods", kv_get(cs, "nr_periods"));
  set_u64(thr, "throttled_periods", kv_get(cs, "nr_throttled"));
  set_u64(thr, "throttled_time", kv_get(cs, "throttled_usec") * 1000);
  json_decref(cs);
  json_t *cpu = json_object();
  json_object_set_new(cpu, "usage", usage);
  json_object_set_new(cpu, "throttling", thr);
  json_object_set_new(data, "cpu", cpu);

  json_t *mem = json_object();
  json_t *raw = read_kv(d, "memory.stat");
  json_t *events = read_kv(d, "memory.events");
  uint64_t cur = u64_or_zero(d, "memory.current"), max = u64_or_zero(d, "memory.max");
  if (!cgroup_file_exists(d, "memory.max"))
    max = UINT64_MAX;
  set_u64(mem, "cache", kv_get(raw, "file"));
  json_object_set_new(mem, "usage", mem_entry(cur, u64_or_zero(d, "memory.peak"),
                                              kv_get(events, "max"), max));
  /* v1 reports memory+swap as "swap"; keep that meaning. */
  uint64_t scur = u64_or_zero(d, "memory.swap.current");
  uint64_t smax = cgroup_file_exists(d, "memory.swap.max") ? u64_or_zero(d, "memory.swap.max")
                                                           : UINT64_MAX;
  json_t *sev = read_kv(d, "memory.swap.events");
  json_object_set_new(mem, "swap",
                      mem_entry(scur + cur, u64_or_zero(d, "memory.swap.peak"),
                                kv_get(sev, "max"),
                                smax == UINT64_MAX || max == UINT64_MAX ? UINT64_MAX
                                                                        : smax + max));
  json_decref(sev);
  json_decref(events);
  json_object_set_new(mem, "raw", raw);
  json_object_set_new(data, "memory", mem);

  pids_stats(data, d);

  /* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" */
  json_t *bytes = json_array(), *ios = json_array();
  cleanup_free char *text = NULL;
  struct xerr ignored;
  if (cgroup_read(d, "io.stat", &text, &ignored) == 0) {
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      unsigned long major, minor;
      int off = 0;
      if (sscanf(line, "%lu:%lu%n", &major, &minor, &off) != 2)
        continue;
      char *fsave = NULL;
      for (char *kv = strtok_r(line + off, " ", &fsave); kv; kv = strtok_r(NULL, " ", &fsave)) {
        char key[16];
        unsigned long long v;
        if (sscanf(kv, "%15[a-z]=%llu", key, &v) != 2)
          continue;
        if (strcmp(key, "rbytes") == 0)
          json_array_append_new(bytes, blkio_entry(major, minor, "Read", v));
        else if (strcmp(key, "wbytes") == 0)
          json_array_append_new(bytes, blkio_entry(major, minor, "Write", v));
        else if (strcmp(key, "rios") == 0)
          json_array_append_new(ios, blkio_entry(major, minor, "Read", v));
        else if (strcmp(key, "wios") == 0)
          json_array_append_new(ios, blkio_entry(major, minor, "Write", v));
      }
    }
  }
  json_t *blkio = json_object();
  json_object_set_new(blkio, "ioServiceBytesRecursive", bytes);
  json_object_set_new(blkio, "ioServicedRecursive", ios);
  json_object_set_new(data, "blkio", blkio);
  json_object_set_new(data, "hugetlb", hugetlb_stats(d, "current", "max"));
  return 0;
}

int cgroup_oom_kills(struct cgroup *cg, uint64_t *count, struct xerr *err) {
  (void)err;
  *count = 0;
  if (cg->layout != CGROUP_LAYOUT_V2) {
    const char *m = dir_of(cg, "memory");
    if (m != NULL) {
      json_t *kv = read_kv(m, "memory.oom_control");
      *count = kv_get(kv, "oom_kill");
      json_decref(kv);
      return 0;
    }
  }
  struct cgroup_hier *u = cgroup_unified_hier(cg);
  if (u != NULL) {
    json_t *kv = read_kv(u->dir, "memory.events");
    *count = kv_get(kv, "oom_kill");
    json_decref(kv);
  }
  return 0;
}
