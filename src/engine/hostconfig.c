/* HostConfig: Docker's defaults, its run/create flags (one table entry
 * per flag: the JSON field and how its value parses) and the checks the
 * Docker daemon makes once every flag is in (hostconfig_finish). */
#include "engine/hostconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/hostconfig_internal.h"

#define DEFAULT_SHM_SIZE 67108864 /* Docker's 64 MiB */
#define MIN_MEMORY 6291456        /* Docker's 6 MB floor for limits */

json_t *hostconfig_new(void) {
  json_t *hc = json_object();
  /* Fields in the order `docker inspect` prints them. */
  json_object_set_new(hc, "CapAdd", json_null());
  json_object_set_new(hc, "CapDrop", json_null());
  /* Docker's default is "host" on cgroup v1, but xrun mounts a v1 host's
   * hierarchies whole, so only a cgroup namespace shows a container its
   * own cgroup at /sys/fs/cgroup: xocker keeps "private" there too. */
  json_object_set_new(hc, "CgroupnsMode", json_string("private"));
  json_object_set_new(hc, "GroupAdd", json_null());
  json_object_set_new(hc, "IpcMode", json_string("private"));
  json_object_set_new(hc, "OomScoreAdj", json_integer(0));
  json_object_set_new(hc, "PidMode", json_string(""));
  json_object_set_new(hc, "Privileged", json_false());
  json_object_set_new(hc, "ReadonlyRootfs", json_false());
  json_object_set_new(hc, "SecurityOpt", json_null());
  json_object_set_new(hc, "UTSMode", json_string(""));
  json_object_set_new(hc, "UsernsMode", json_string(""));
  json_object_set_new(hc, "ShmSize", json_integer(DEFAULT_SHM_SIZE));
  json_object_set_new(hc, "CpuShares", json_integer(0));
  json_object_set_new(hc, "Memory", json_integer(0));
  json_object_set_new(hc, "NanoCpus", json_integer(0));
  json_object_set_new(hc, "CgroupParent", json_string(""));
  json_object_set_new(hc, "BlkioWeight", json_integer(0));
  json_object_set_new(hc, "BlkioWeightDevice", json_array());
  json_object_set_new(hc, "BlkioDeviceReadBps", json_array());
  json_object_set_new(hc, "BlkioDeviceWriteBps", json_array());
  json_object_set_new(hc, "BlkioDeviceReadIOps", json_array());
  json_object_set_new(hc, "BlkioDeviceWriteIOps", json_array());
  json_object_set_new(hc, "CpuPeriod", json_integer(0));
  json_object_set_new(hc, "CpuQuota", json_integer(0));
  json_object_set_new(hc, "CpuRealtimePeriod", json_integer(0));
  json_object_set_new(hc, "CpuRealtimeRuntime", json_integer(0));
  json_object_set_new(hc, "CpusetCpus", json_string(""));
  json_object_set_new(hc, "CpusetMems", json_string(""));
  json_object_set_new(hc, "Devices", json_array());
  json_object_set_new(hc, "DeviceCgroupRules", json_null());
  json_object_set_new(hc, "MemoryReservation", json_integer(0));
  json_object_set_new(hc, "MemorySwap", json_integer(0));
  json_object_set_new(hc, "MemorySwappiness", json_null());
  json_object_set_new(hc, "OomKillDisable", hc_cgroup_v2() ? json_null() : json_false());
  json_object_set_new(hc, "PidsLimit", json_null());
  json_object_set_new(hc, "Ulimits", json_array());
  json_object_set_new(hc, "CpuCount", json_integer(0));
  json_object_set_new(hc, "CpuPercent", json_integer(0));
  json_object_set_new(hc, "IOMaximumIOps", json_integer(0));
  json_object_set_new(hc, "IOMaximumBandwidth", json_integer(0));
  /* Sysctls, Init, MaskedPaths and ReadonlyPaths appear only when set,
   * as in Docker's (omitempty fields). */
  return hc;
}

/* ---- the flags ---- */

enum kind {
  K_SIZE,       /* go-units size */
  K_SWAP,       /* a size, or -1 for unlimited */
  K_INT,        /* signed, `bits` wide */
  K_UINT,       /* unsigned, `bits` wide */
  K_BOOL,       /* true/false; a bare flag is given "true" */
  K_STRING,     /* as given */
  K_CPUS,       /* decimal CPUs -> NanoCpus */
  K_SWAPPINESS, /* int, -1 or 0..100 */
  K_CAP,        /* appended to a list as CAP_NAME */
  K_LIST,       /* appended to a list as given */
  K_ULIMIT,     /* {Name,Hard,Soft}, one per name */
  K_WEIGHT_DEV, /* {Path,Weight} */
  K_BPS,        /* {Path,Rate} with a size */
  K_IOPS,       /* {Path,Rate} with a count */
  K_DEVICE,     /* {PathOnHost,PathInContainer,CgroupPermissions} */
  K_CGROUP_RULE,
  K_SYSCTL, /* KEY=VALUE into an object */
  K_SECOPT, /* --security-opt */
};

struct flag {
  const char *name;
  const char *shown; /* as Docker's errors name it */
  enum kind kind;
  const char *key;
  int bits;
};

static const struct flag flags[] = {
    {"memory", "-m, --memory", K_SIZE, "Memory", 0},
    {"memory-swap", "--memory-swap", K_SWAP, "MemorySwap", 0},
    {"memory-reservation", "--memory-reservation", K_SIZE, "MemoryReservation", 0},
    {"memory-swappiness", "--memory-swappiness", K_SWAPPINESS, "MemorySwappiness", 64},
    {"oom-kill-disable", "--oom-kill-disable", K_BOOL, "OomKillDisable", 0},
    {"oom-score-adj", "--oom-score-adj", K_INT, "OomScoreAdj", 64},
    {"cpu-shares", "-c, --cpu-shares", K_INT, "CpuShares", 64},
    {"cpus", "--cpus", K_CPUS, "NanoCpus", 0},
    {"cpu-period", "--cpu-period", K_INT, "CpuPeriod", 64},
    {"cpu-quota", "--cpu-quota", K_INT, "CpuQuota", 64},
    {"cpu-rt-period", "--cpu-rt-period", K_INT, "CpuRealtimePeriod", 64},
    {"cpu-rt-runtime", "--cpu-rt-runtime", K_INT, "CpuRealtimeRuntime", 64},
    {"cpuset-cpus", "--cpuset-cpus", K_STRING, "CpusetCpus", 0},
    {"cpuset-mems", "--cpuset-mems", K_STRING, "CpusetMems", 0},
    {"pids-limit", "--pids-limit", K_INT, "PidsLimit", 64},
    {"blkio-weight", "--blkio-weight", K_UINT, "BlkioWeight", 16},
    {"blkio-weight-device", "--blkio-weight-device", K_WEIGHT_DEV, "BlkioWeightDevice", 0},
    {"device-read-bps", "--device-read-bps", K_BPS, "BlkioDeviceReadBps", 0},
    {"device-write-bps", "--device-write-bps", K_BPS, "BlkioDeviceWriteBps", 0},
    {"device-read-iops", "--device-read-iops", K_IOPS, "BlkioDeviceReadIOps", 0},
    {"device-write-iops", "--device-write-iops", K_IOPS, "BlkioDeviceWriteIOps", 0},
    {"device", "--device", K_DEVICE, "Devices", 0},
    {"device-cgroup-rule", "--device-cgroup-rule", K_CGROUP_RULE, "DeviceCgroupRules", 0},
    {"cap-add", "--cap-add", K_CAP, "CapAdd", 0},
    {"cap-drop", "--cap-drop", K_CAP, "CapDrop", 0},
    {"privileged", "--privileged", K_BOOL, "Privileged", 0},
    {"read-only", "--read-only", K_BOOL, "ReadonlyRootfs", 0},
    {"security-opt", "--security-opt", K_SECOPT, "SecurityOpt", 0},
    {"ulimit", "--ulimit", K_ULIMIT, "Ulimits", 0},
    {"init", "--init", K_BOOL, "Init", 0},
    {"shm-size", "--shm-size", K_SIZE, "ShmSize", 0},
    {"ipc", "--ipc", K_STRING, "IpcMode", 0},
    {"pid", "--pid", K_STRING, "PidMode", 0},
    {"uts", "--uts", K_STRING, "UTSMode", 0},
    {"userns", "--userns", K_STRING, "UsernsMode", 0},
    {"sysctl", "--sysctl", K_SYSCTL, "Sysctls", 0},
    {"cgroupns", "--cgroupns", K_STRING, "CgroupnsMode", 0},
    {"cgroup-parent", "--cgroup-parent", K_STRING, "CgroupParent", 0},
    {"group-add", "--group-add", K_LIST, "GroupAdd", 0},
};

static const struct flag *find_flag(const char *name) {
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (strcmp(flags[i].name, name) == 0)
      return &flags[i];
  return NULL;
}

bool hostconfig_has_flag(const char *flag) { return find_flag(flag) != NULL; }

/* The list at hc[key], made when it is null. */
static json_t *list_at(json_t *hc, const char *key) {
  json_t *list = json_object_get(hc, key);
  if (!json_is_array(list)) {
    list = json_array();
    json_object_set_new(hc, key, list);
  }
  return list;
}

/* One ulimit per name, kept sorted by name as Docker's CLI lists them. */
static void put_ulimit(json_t *hc, json_t *u) {
  json_t *list = list_at(hc, "Ulimits");
  const char *name = json_string_value(json_object_get(u, "Name"));
  size_t i;
  for (i = 0; i < json_array_size(list); i++) {
    int cmp = strcmp(json_string_value(json_object_get(json_array_get(list, i), "Name")), name);
    if (cmp == 0) {
      json_array_set_new(list, i, u);
      return;
    }
    if (cmp > 0)
      break;
  }
  json_array_insert_new(list, i, u);
}

/* seccomp=FILE is stored as the profile's compact JSON, as Docker's CLI
 * sends it. */
static int seccomp_opt(const char *path, char **out, struct xerr *err) {
  json_error_t jerr;
  json_t *profile = json_load_file(path, 0, &jerr);
  if (!profile) {
    if (access(path, R_OK) < 0) {
      char cause[128]; /* Go's words for the errno: lower case */
      snprintf(cause, sizeof cause, "%s", strerror(errno));
      cause[0] = (char)tolower((unsigned char)cause[0]);
      return xerr_set(err, errno, "opening seccomp profile (%s) failed: open %s: %s", path, path, cause);
    }
    return xerr_set(err, EINVAL, "compacting json for seccomp profile (%s) failed: %s", path,
                    jerr.text);
  }
  char *text = json_dumps(profile, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(profile);
  if (asprintf(out, "seccomp=%s", text) < 0)
    *out = NULL;
  free(text);
  return *out ? 0 : xerr_make(err, ENOMEM, "seccomp profile %s", path);
}

/* Docker's CLI splits KEY=VALUE (or the old KEY:VALUE) and reads seccomp
 * files; its daemon then knows label, apparmor, seccomp and
 * no-new-privileges. */
static int set_security_opt(json_t *hc, const char *opt, struct xerr *err) {
  if (strcmp(opt, "systempaths=unconfined") == 0) {
    json_object_set_new(hc, "MaskedPaths", json_array());
    json_object_set_new(hc, "ReadonlyPaths", json_array());
    return 0;
  }
  size_t klen = strcspn(opt, "=");
  if (!opt[klen] && strcmp(opt, "no-new-privileges") != 0) {
    klen = strcspn(opt, ":");
    if (!opt[klen])
      return xerr_set(err, EINVAL, "Invalid --security-opt: \"%s\"", opt);
  }
  const char *value = opt[klen] ? opt + klen + 1 : "true";
  char key[32];
  snprintf(key, sizeof key, "%.*s", (int)(klen < 31 ? klen : 31), opt);
  cleanup_free char *stored = strdup(opt);
  if (strcmp(key, "no-new-privileges") == 0) {
    bool b;
    char msg[128];
    if (hc_parse_bool(value, &b, msg, sizeof msg) < 0)
      return xerr_set(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
  } else if (strcmp(key, "seccomp") == 0) {
    if (strcmp(value, "unconfined") != 0 && strcmp(value, "builtin") != 0) {
      free(stored);
      stored = NULL;
      if (seccomp_opt(value, &stored, err) < 0)
        return -1;
    }
  } else if (strcmp(key, "label") != 0 && strcmp(key, "apparmor") != 0) {
    return xerr_set(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
  }
  json_array_append_new(list_at(hc, "SecurityOpt"), json_string(stored));
  return 0;
}

static int bad_value(const struct flag *f, const char *value, const char *msg, struct xerr *err) {
  return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: %s", value, f->shown, msg);
}

static int set_sysctl(json_t *hc, const char *value) {
  json_t *map = json_object_get(hc, "Sysctls");
  if (!json_is_object(map)) {
    map = json_object();
    json_object_set_new(hc, "Sysctls", map);
  }
  size_t klen = strcspn(value, "=");
  char key[256];
  snprintf(key, sizeof key, "%.*s", (int)(klen < 255 ? klen : 255), value);
  json_object_set_new(map, key, json_string(value + klen + 1));
  return 0;
}

/* Structured values: each parser fills item or msg. */
static int set_item(json_t *hc, const struct flag *f, const char *value, struct xerr *err) {
  char msg[512];
  json_t *item = NULL;
  int ret = -1;
  switch (f->kind) {
  case K_ULIMIT: ret = hc_parse_ulimit(value, &item, msg, sizeof msg); break;
  case K_WEIGHT_DEV: ret = hc_parse_weight_device(value, &item, msg, sizeof msg); break;
  case K_BPS: ret = hc_parse_throttle(value, false, &item, msg, sizeof msg); break;
  case K_IOPS: ret = hc_parse_throttle(value, true, &item, msg, sizeof msg); break;
  case K_DEVICE:
    /* Checked after flag parsing in Docker, so no "invalid argument". */
    if (hc_parse_device(value, &item, msg, sizeof msg) < 0)
      return xerr_set(err, EINVAL, "%s", msg);
    ret = 0;
    break;
  case K_SIZE: case K_SWAP: case K_INT: case K_UINT: case K_BOOL: case K_STRING: case K_CPUS:
  case K_SWAPPINESS: case K_CAP: case K_LIST: case K_CGROUP_RULE: case K_SYSCTL: case K_SECOPT:
  default: break;
  }
  if (ret < 0)
    return bad_value(f, value, msg, err);
  if (f->kind == K_ULIMIT)
    put_ulimit(hc, item);
  else
    json_array_append_new(list_at(hc, f->key), item);
  return 0;
}

static int set_number(json_t *hc, const struct flag *f, const char *value, struct xerr *err) {
  char msg[512];
  int64_t v = 0;
  uint64_t u = 0;
  bool b = false;
  switch (f->kind) {
  case K_SIZE:
    if (hc_parse_size(value, &v, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_object_set_new(hc, f->key, json_integer(v));
  case K_SWAP:
    if (strcmp(value, "-1") != 0 && hc_parse_size(value, &v, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_object_set_new(hc, f->key, json_integer(strcmp(value, "-1") == 0 ? -1 : v));
  case K_INT:
  case K_SWAPPINESS:
    if (hc_parse_int(value, f->bits, &v, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    if (f->kind == K_SWAPPINESS && v != -1 && (v < 0 || v > 100))
      return xerr_set(err, EINVAL, "invalid value: %" PRId64 ". Valid memory swappiness range is 0-100", v);
    if (f->kind == K_SWAPPINESS && v == -1)
      return json_object_set_new(hc, f->key, json_null());
    return json_object_set_new(hc, f->key, json_integer(v));
  case K_UINT:
    if (hc_parse_uint(value, f->bits, &u, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_object_set_new(hc, f->key, json_integer((json_int_t)u));
  case K_BOOL:
    if (hc_parse_bool(value, &b, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_object_set_new(hc, f->key, json_boolean(b));
  case K_CPUS:
    if (hc_parse_nanocpus(value, &v, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_object_set_new(hc, f->key, json_integer(v));
  case K_STRING: case K_CAP: case K_LIST: case K_ULIMIT: case K_WEIGHT_DEV: case K_BPS:
  case K_IOPS: case K_DEVICE: case K_CGROUP_RULE: case K_SYSCTL: case K_SECOPT:
  default: return -1;
  }
}

int hostconfig_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err) {
  const struct flag *f = find_flag(flag);
  char msg[512];
  if (!f)
    return xerr_set(err, EINVAL, "unknown flag: --%s", flag);
  switch (f->kind) {
  case K_STRING: return json_object_set_new(hc, f->key, json_string(value));
  case K_LIST: return json_array_append_new(list_at(hc, f->key), json_string(value));
  case K_CAP: {
    char name[160];
    hc_cap_name(value, name, sizeof name);
    return json_array_append_new(list_at(hc, f->key), json_string(name));
  }
  case K_CGROUP_RULE:
    if (hc_check_device_cgroup_rule(value, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return json_array_append_new(list_at(hc, f->key), json_string(value));
  case K_SYSCTL:
    if (hc_check_sysctl(value, msg, sizeof msg) < 0)
      return bad_value(f, value, msg, err);
    return set_sysctl(hc, value);
  case K_SECOPT: return set_security_opt(hc, value, err);
  case K_ULIMIT: case K_WEIGHT_DEV: case K_BPS: case K_IOPS: case K_DEVICE:
    return set_item(hc, f, value, err);
  case K_SIZE: case K_SWAP: case K_INT: case K_UINT: case K_BOOL: case K_CPUS: case K_SWAPPINESS:
  default: return set_number(hc, f, value, err);
  }
}

/* ---- the daemon's checks ---- */

static int64_t int_at(json_t *hc, const char *key) {
  return json_integer_value(json_object_get(hc, key));
}

static const char *str_at(json_t *hc, const char *key) {
  const char *s = json_string_value(json_object_get(hc, key));
  return s ? s : "";
}

/* "0-1" from a sysfs list file, for the cpuset messages. */
static void online_list(const char *path, char *buf, size_t len) {
  cleanup_free char *text = NULL;
  struct xerr ignored = {0};
  snprintf(buf, len, "0");
  if (read_file_at(AT_FDCWD, path, &text, NULL, &ignored) == 0)
    snprintf(buf, len, "%.*s", (int)strcspn(text, "\n"), text);
}

static int check_cpuset(json_t *hc, const char *key, const char *what, const char *avail_file,
                        const char *unavailable, struct xerr *err) {
  const char *set = str_at(hc, key);
  long max, avail_max;
  char avail[128];
  if (!*set)
    return 0;
  if (hc_cpuset_max(set, &max) < 0)
    return xerr_set(err, EINVAL, "Invalid value %s for cpuset %s: invalid format: %s", set, what, set);
  online_list(avail_file, avail, sizeof avail);
  if (hc_cpuset_max(avail, &avail_max) == 0 && max > avail_max)
    return xerr_set(err, EINVAL, "%s - requested %s, available: %s", unavailable, set, avail);
  return 0;
}

static int check_memory(json_t *hc, struct xerr *err) {
  int64_t mem = int_at(hc, "Memory"), swap = int_at(hc, "MemorySwap");
  int64_t reservation = int_at(hc, "MemoryReservation");
  if (mem != 0 && mem < MIN_MEMORY)
    return xerr_set(err, EINVAL, "Minimum memory limit allowed is 6MB");
  if (mem > 0 && swap > 0 && swap < mem)
    return xerr_set(err, EINVAL,
                    "Minimum memoryswap limit should be larger than memory limit, see usage");
  if (mem == 0 && swap > 0)
    return xerr_set(err, EINVAL,
                    "You should always set the Memory limit when using Memoryswap limit, see usage");
  if (reservation != 0 && reservation < MIN_MEMORY)
    return xerr_set(err, EINVAL, "Minimum memory reservation allowed is 6MB");
  if (mem > 0 && reservation > 0 && mem < reservation)
    return xerr_set(err, EINVAL,
                    "Minimum memory limit can not be less than memory reservation limit, see usage");
  /* Docker's default swap is as much again as the memory limit. */
  if (mem > 0 && swap == 0)
    json_object_set_new(hc, "MemorySwap", json_integer(mem * 2));
  return 0;
}

static int check_cpu(json_t *hc, struct xerr *err) {
  int64_t nano = int_at(hc, "NanoCpus"), period = int_at(hc, "CpuPeriod");
  int64_t quota = int_at(hc, "CpuQuota");
  long ncpu = hc_online_cpus();
  if (nano > 0 && period > 0)
    return xerr_set(err, EINVAL, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano > 0 && quota > 0)
    return xerr_set(err, EINVAL, "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (nano < 0 || nano > (int64_t)ncpu * 1000000000)
    return xerr_set(err, EINVAL, "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
                    ncpu, ncpu);
  if (period != 0 && (period < 1000 || period > 1000000))
    return xerr_set(err, EINVAL,
                    "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (quota > 0 && quota < 1000)
    return xerr_set(err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (check_cpuset(hc, "CpusetCpus", "cpus", "/sys/devices/system/cpu/online",
                   "Requested CPUs are not available", err) < 0 ||
      check_cpuset(hc, "CpusetMems", "mems", "/sys/devices/system/node/online",
                   "Requested memory nodes are not available", err) < 0)
    return -1;
  return 0;
}

/* "container:NAME" with a name, or one of the words. */
static bool mode_valid(const char *mode, const char *const *words, bool container) {
  for (const char *const *w = words; *w; w++)
    if (strcmp(mode, *w) == 0)
      return true;
  return container && strncmp(mode, "container:", 10) == 0 && mode[10];
}

static int check_modes(json_t *hc, struct xerr *err) {
  static const char *const ipc[] = {"", "none", "private", "shareable", "host", NULL};
  static const char *const pid[] = {"", "host", NULL};
  static const char *const cgroupns[] = {"", "host", "private", NULL};
  if (!mode_valid(str_at(hc, "PidMode"), pid, true))
    return xerr_set(err, EINVAL, "--pid: invalid PID mode");
  if (!mode_valid(str_at(hc, "UTSMode"), pid, false))
    return xerr_set(err, EINVAL, "--uts: invalid UTS mode");
  if (!mode_valid(str_at(hc, "UsernsMode"), pid, false))
    return xerr_set(err, EINVAL, "--userns: invalid USER mode");
  if (!mode_valid(str_at(hc, "CgroupnsMode"), cgroupns, false))
    return xerr_set(err, EINVAL, "--cgroupns: invalid CGROUP mode");
  if (!mode_valid(str_at(hc, "IpcMode"), ipc, true))
    return xerr_set(err, EINVAL, "invalid IPC mode: %s", str_at(hc, "IpcMode"));
  if (!*str_at(hc, "IpcMode"))
    json_object_set_new(hc, "IpcMode", json_string("private"));
  /* Docker turns SELinux labels off for host pid or ipc and privileged
   * containers, and says so. */
  if (strcmp(str_at(hc, "PidMode"), "host") == 0 || strcmp(str_at(hc, "IpcMode"), "host") == 0 ||
      json_is_true(json_object_get(hc, "Privileged"))) {
    json_t *opts = list_at(hc, "SecurityOpt");
    size_t i;
    json_t *v;
    bool present = false;
    json_array_foreach(opts, i, v) present |= strcmp(json_string_value(v), "label=disable") == 0;
    if (!present)
      json_array_append_new(opts, json_string("label=disable"));
  }
  if (!*str_at(hc, "CgroupnsMode"))
    json_object_set_new(hc, "CgroupnsMode", json_string("private"));
  return 0;
}

int hostconfig_finish(json_t *hc, struct xerr *err) {
  if (check_memory(hc, err) < 0 || check_cpu(hc, err) < 0 || check_modes(hc, err) < 0)
    return -1;
  if (!hc_blkio_weight_supported()) {
    json_object_set_new(hc, "BlkioWeight", json_integer(0));
    json_object_set_new(hc, "BlkioWeightDevice", json_array());
  }
  int64_t weight = int_at(hc, "BlkioWeight"), adj = int_at(hc, "OomScoreAdj");
  if (weight > 0 && (weight < 10 || weight > 1000))
    return xerr_set(err, EINVAL, "Range of blkio weight is from 10 to 1000");
  if (adj < -1000 || adj > 1000)
    return xerr_set(err, EINVAL, "Invalid value %" PRId64 ", range for oom score adj is [-1000, 1000]", adj);
  if (int_at(hc, "ShmSize") < 0)
    return xerr_set(err, EINVAL, "SHM size can not be less than 0");
  if (int_at(hc, "ShmSize") == 0)
    json_object_set_new(hc, "ShmSize", json_integer(DEFAULT_SHM_SIZE));
  /* 0 and -1 both mean no limit; Docker shows that as null. */
  if (json_is_integer(json_object_get(hc, "PidsLimit")) && int_at(hc, "PidsLimit") <= 0)
    json_object_set_new(hc, "PidsLimit", json_null());
  return 0;
}
