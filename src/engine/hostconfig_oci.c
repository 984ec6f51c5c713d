/* HostConfig -> OCI config, as Docker's daemon fills the spec it hands to
 * runc: cgroup resources, devices, rlimits, security options, sysctls,
 * namespace modes, /dev/shm, the init process. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/hostconfig.h"
#include "engine/hostconfig_internal.h"
#include "engine/user.h"
#include "runtime/names.h"

#define INIT_PATH_IN_CONTAINER "/sbin/docker-init"

static int64_t int_at(json_t *obj, const char *key) {
  return json_integer_value(json_object_get(obj, key));
}

static const char *str_at(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "";
}

static json_t *object_at(json_t *parent, const char *key) {
  json_t *o = json_object_get(parent, key);
  if (!json_is_object(o)) {
    o = json_object();
    json_object_set_new(parent, key, o);
  }
  return o;
}

/* ---- resources ---- */

static void put_positive(json_t *obj, const char *key, int64_t v) {
  if (v > 0)
    json_object_set_new(obj, key, json_integer(v));
}

static json_t *memory_resources(json_t *hc) {
  json_t *m = json_object();
  put_positive(m, "limit", int_at(hc, "Memory"));
  put_positive(m, "reservation", int_at(hc, "MemoryReservation"));
  if (int_at(hc, "MemorySwap") != 0)
    json_object_set_new(m, "swap", json_integer(int_at(hc, "MemorySwap")));
  json_t *swappiness = json_object_get(hc, "MemorySwappiness");
  if (json_is_integer(swappiness) && json_integer_value(swappiness) >= 0)
    json_object_set_new(m, "swappiness", json_integer(json_integer_value(swappiness)));
  if (json_is_true(json_object_get(hc, "OomKillDisable")))
    json_object_set_new(m, "disableOOMKiller", json_true());
  return m;
}

static json_t *cpu_resources(json_t *hc) {
  json_t *c = json_object();
  int64_t nano = int_at(hc, "NanoCpus");
  put_positive(c, "shares", int_at(hc, "CpuShares"));
  if (nano > 0) {
    /* Docker turns --cpus into a quota over a 100 ms period. */
    json_object_set_new(c, "period", json_integer(100000));
    json_object_set_new(c, "quota", json_integer(nano * 100000 / 1000000000));
  } else {
    put_positive(c, "period", int_at(hc, "CpuPeriod"));
    if (int_at(hc, "CpuQuota") != 0)
      json_object_set_new(c, "quota", json_integer(int_at(hc, "CpuQuota")));
  }
  put_positive(c, "realtimePeriod", int_at(hc, "CpuRealtimePeriod"));
  put_positive(c, "realtimeRuntime", int_at(hc, "CpuRealtimeRuntime"));
  if (*str_at(hc, "CpusetCpus"))
    json_object_set_new(c, "cpus", json_string(str_at(hc, "CpusetCpus")));
  if (*str_at(hc, "CpusetMems"))
    json_object_set_new(c, "mems", json_string(str_at(hc, "CpusetMems")));
  return c;
}

/* {Path,Weight|Rate} -> {major,minor,weight|rate}. */
static int block_list(json_t *hc, const char *key, const char *field, json_t *blkio,
                      const char *oci_key, struct xerr *err) {
  json_t *list = json_object_get(hc, key);
  if (json_array_size(list) == 0)
    return 0;
  json_t *out = json_array();
  json_object_set_new(blkio, oci_key, out);
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    int64_t maj, min;
    if (hc_block_device(str_at(e, "Path"), &maj, &min, err) < 0)
      return -1;
    json_t *d = json_pack("{sIsI}", "major", (json_int_t)maj, "minor", (json_int_t)min);
    json_object_set_new(d, strcmp(field, "Weight") == 0 ? "weight" : "rate",
                        json_integer(int_at(e, field)));
    json_array_append_new(out, d);
  }
  return 0;
}

static int blkio_resources(json_t *hc, json_t *res, struct xerr *err) {
  json_t *b = json_object();
  json_object_set_new(res, "blockIO", b);
  put_positive(b, "weight", int_at(hc, "BlkioWeight"));
  if (block_list(hc, "BlkioWeightDevice", "Weight", b, "weightDevice", err) < 0 ||
      block_list(hc, "BlkioDeviceReadBps", "Rate", b, "throttleReadBpsDevice", err) < 0 ||
      block_list(hc, "BlkioDeviceWriteBps", "Rate", b, "throttleWriteBpsDevice", err) < 0 ||
      block_list(hc, "BlkioDeviceReadIOps", "Rate", b, "throttleReadIOPSDevice", err) < 0 ||
      block_list(hc, "BlkioDeviceWriteIOps", "Rate", b, "throttleWriteIOPSDevice", err) < 0)
    return -1;
  if (json_object_size(b) == 0)
    json_object_del(res, "blockIO");
  return 0;
}

/* Everything but devices; empty sections are left out. */
static int fill_resources(json_t *hc, json_t *res, struct xerr *err) {
  json_t *parts[2] = {memory_resources(hc), cpu_resources(hc)};
  const char *names[2] = {"memory", "cpu"};
  for (int i = 0; i < 2; i++) {
    if (json_object_size(parts[i]))
      json_object_set_new(res, names[i], parts[i]);
    else
      json_decref(parts[i]);
  }
  if (int_at(hc, "PidsLimit") > 0)
    json_object_set_new(res, "pids", json_pack("{sI}", "limit", (json_int_t)int_at(hc, "PidsLimit")));
  return blkio_resources(hc, res, err);
}

json_t *hostconfig_resources(json_t *hc, struct xerr *err) {
  json_t *res = json_object();
  if (fill_resources(hc, res, err) < 0) {
    json_decref(res);
    return NULL;
  }
  return res;
}

/* ---- devices ---- */

static int set_devices(json_t *hc, json_t *linux_obj, json_t *res, bool privileged, struct xerr *err) {
  json_t *rules = hc_default_device_rules(privileged);
  json_object_set_new(res, "devices", rules);
  json_t *devices = json_object_get(linux_obj, "devices");
  if (!json_is_array(devices)) {
    devices = json_array();
    json_object_set_new(linux_obj, "devices", devices);
  }
  if (privileged && hc_add_host_devices(devices, err) < 0)
    return -1;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(hc, "Devices"), i, v) if (hc_add_device(v, devices, rules, err) < 0) return -1;
  json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, v)
    json_array_append_new(rules, hc_rule_from_string(json_string_value(v)));
  if (json_array_size(devices) == 0)
    json_object_del(linux_obj, "devices");
  return 0;
}

/* ---- namespaces ---- */

static json_t *find_ns(json_t *namespaces, const char *type, size_t *index) {
  size_t i;
  json_t *n;
  json_array_foreach(namespaces, i, n) if (strcmp(str_at(n, "type"), type) == 0) {
    if (index)
      *index = i;
    return n;
  }
  return NULL;
}

static void ns_remove(json_t *namespaces, const char *type) {
  size_t i;
  if (find_ns(namespaces, type, &i))
    json_array_remove(namespaces, i);
}

static json_t *ns_ensure(json_t *namespaces, const char *type) {
  json_t *n = find_ns(namespaces, type, NULL);
  if (!n) {
    n = json_pack("{ss}", "type", type);
    json_array_append_new(namespaces, n);
  }
  return n;
}

/* mode: "" or a private word keeps a new namespace; "host" removes it;
 * container:NAME joins that container's. */
static int apply_ns_mode(json_t *namespaces, const char *type, const char *mode,
                         const struct ns_resolver *ns, struct xerr *err) {
  if (strcmp(mode, "host") == 0) {
    ns_remove(namespaces, type);
    return 0;
  }
  json_t *n = ns_ensure(namespaces, type);
  if (strncmp(mode, "container:", 10) != 0)
    return 0;
  char path[4096];
  if (!ns || !ns->resolve)
    return xerr_set(err, EINVAL, "cannot join the %s namespace of container %s", type, mode + 10);
  if (ns->resolve(ns->ctx, mode + 10, type, path, sizeof path, err) < 0)
    return -1;
  json_object_set_new(n, "path", json_string(path));
  return 0;
}

static json_t *find_mount(json_t *spec, const char *dest, size_t *index) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(spec, "mounts"), i, m) if (strcmp(str_at(m, "destination"), dest) == 0) {
    *index = i;
    return m;
  }
  return NULL;
}

static json_t *bind_mount(const char *dest, const char *source, bool ro) {
  json_t *m = json_pack("{ssssss}", "destination", dest, "type", "bind", "source", source);
  json_object_set_new(m, "options", ro ? json_pack("[ss]", "rbind", "ro") : json_pack("[ss]", "rbind", "rprivate"));
  return m;
}

/* /dev/shm: a tmpfs of ShmSize for an IPC namespace of the container's
 * own, none for "none", the host's for "host". Joining another container's
 * IPC namespace shares its System V objects; its /dev/shm lives in that
 * container's mount namespace, which a bind mount cannot reach, so the
 * joiner gets a tmpfs of its own (Docker shares a host directory). */
static void set_shm(json_t *hc, json_t *spec, const char *ipc_mode) {
  size_t i;
  json_t *m = find_mount(spec, "/dev/shm", &i);
  json_t *mounts = json_object_get(spec, "mounts");
  if (strcmp(ipc_mode, "none") == 0) {
    if (m)
      json_array_remove(mounts, i);
    return;
  }
  json_t *replacement = NULL;
  if (strcmp(ipc_mode, "host") == 0) {
    replacement = bind_mount("/dev/shm", "/dev/shm", false);
  } else {
    char size[64];
    snprintf(size, sizeof size, "size=%lld", (long long)int_at(hc, "ShmSize"));
    replacement = json_pack("{ssssss}", "destination", "/dev/shm", "type", "tmpfs", "source", "shm");
    json_object_set_new(replacement, "options",
                        json_pack("[sssss]", "nosuid", "noexec", "nodev", "mode=1777", size));
  }
  if (m)
    json_array_set_new(mounts, i, replacement);
  else
    json_array_append_new(mounts, replacement);
}

static int set_namespaces(json_t *hc, json_t *spec, json_t *linux_obj, const struct ns_resolver *ns,
                          struct xerr *err) {
  json_t *namespaces = json_object_get(linux_obj, "namespaces");
  if (!json_is_array(namespaces)) {
    namespaces = json_array();
    json_object_set_new(linux_obj, "namespaces", namespaces);
  }
  const char *ipc = str_at(hc, "IpcMode");
  /* NetworkMode's other words (default, bridge, none, a network's name) all
   * keep a namespace of the container's own; netsetup fills it. */
  if (apply_ns_mode(namespaces, "network", str_at(hc, "NetworkMode"), ns, err) < 0 ||
      apply_ns_mode(namespaces, "ipc", ipc, ns, err) < 0 ||
      apply_ns_mode(namespaces, "pid", str_at(hc, "PidMode"), ns, err) < 0 ||
      apply_ns_mode(namespaces, "cgroup", str_at(hc, "CgroupnsMode"), ns, err) < 0)
    return -1;
  if (strcmp(str_at(hc, "UTSMode"), "host") == 0) {
    ns_remove(namespaces, "uts");
    json_object_del(spec, "hostname");
  }
  if (strcmp(str_at(hc, "UsernsMode"), "host") == 0)
    ns_remove(namespaces, "user");
  set_shm(hc, spec, ipc);
  return 0;
}

/* ---- process ---- */

static int set_rlimits(json_t *hc, json_t *process) {
  json_t *ulimits = json_object_get(hc, "Ulimits");
  if (json_array_size(ulimits) == 0) {
    /* Docker sets none: the container keeps the engine's own limits. */
    json_object_del(process, "rlimits");
    return 0;
  }
  json_t *rlimits = json_array();
  size_t i;
  json_t *u;
  json_array_foreach(ulimits, i, u) {
    char type[64] = "RLIMIT_";
    const char *name = str_at(u, "Name");
    for (size_t k = 0; name[k] && k < 40; k++)
      type[7 + k] = (char)toupper((unsigned char)name[k]), type[8 + k] = '\0';
    json_array_append_new(rlimits, json_pack("{sssIsI}", "type", type, "hard", (json_int_t)int_at(u, "Hard"),
                                             "soft", (json_int_t)int_at(u, "Soft")));
  }
  json_object_set_new(process, "rlimits", rlimits);
  return 0;
}

/* --group-add: numbers as they are, names from the rootfs's /etc/group. */
static int set_group_add(json_t *hc, json_t *spec, json_t *process, struct xerr *err) {
  json_t *groups = json_object_get(hc, "GroupAdd");
  if (json_array_size(groups) == 0)
    return 0;
  json_t *user = object_at(process, "user");
  json_t *gids = json_object_get(user, "additionalGids");
  if (!json_is_array(gids)) {
    gids = json_array();
    json_object_set_new(user, "additionalGids", gids);
  }
  const char *rootfs = str_at(object_at(spec, "root"), "path");
  size_t i;
  json_t *g;
  json_array_foreach(groups, i, g) {
    const char *name = json_string_value(g);
    char *end;
    unsigned long gid = strtoul(name, &end, 10);
    if (!*name || *end) {
      char spec_str[300];
      struct container_user u;
      struct xerr ignored = {0};
      snprintf(spec_str, sizeof spec_str, "0:%s", name);
      if (user_resolve(rootfs, spec_str, &u, &ignored) < 0)
        return xerr_set(err, ENOENT, "Unable to find group %s: no matching entries in group file", name);
      gid = u.gid;
    }
    bool present = false;
    size_t k;
    json_t *v;
    json_array_foreach(gids, k, v) present |= (unsigned long)json_integer_value(v) == gid;
    if (!present)
      json_array_append_new(gids, json_integer((json_int_t)gid));
  }
  return 0;
}

/* tini as Docker's docker-init: bound read-only, run first. */
static int set_init(json_t *spec, json_t *process, struct xerr *err) {
  const char *candidates[] = {getenv("XOCKER_INIT_PATH"), "/usr/bin/tini-static", "/usr/bin/tini"};
  const char *init = NULL;
  for (size_t i = 0; i < 3 && !init; i++)
    if (candidates[i] && *candidates[i] && access(candidates[i], X_OK) == 0)
      init = candidates[i];
  if (!init)
    return xerr_set(err, ENOENT, "exec: \"docker-init\": executable file not found in $PATH "
                                 "(install tini: /usr/bin/tini-static)");
  json_t *mounts = json_object_get(spec, "mounts");
  if (!json_is_array(mounts)) {
    mounts = json_array();
    json_object_set_new(spec, "mounts", mounts);
  }
  json_array_append_new(mounts, bind_mount(INIT_PATH_IN_CONTAINER, init, true));
  json_t *args = json_object_get(process, "args");
  json_array_insert_new(args, 0, json_string("--"));
  json_array_insert_new(args, 0, json_string(INIT_PATH_IN_CONTAINER));
  return 0;
}

/* ---- security options ---- */

struct security {
  bool no_new_privileges;
  bool unconfined;
  const char *profile; /* Docker-format JSON, borrowed from hc */
};

static void read_security_opts(json_t *hc, struct security *s) {
  *s = (struct security){false, false, NULL};
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(hc, "SecurityOpt"), i, v) {
    const char *opt = json_string_value(v);
    size_t klen = strcspn(opt, "=:");
    const char *value = opt[klen] ? opt + klen + 1 : "true";
    if (strncmp(opt, "no-new-privileges", klen) == 0 && klen == 17) {
      char msg[64];
      hc_parse_bool(value, &s->no_new_privileges, msg, sizeof msg);
    } else if (klen == 7 && strncmp(opt, "seccomp", 7) == 0) {
      s->unconfined = strcmp(value, "unconfined") == 0;
      s->profile = (s->unconfined || strcmp(value, "builtin") == 0) ? NULL : value;
    }
  }
}

static int set_security(json_t *hc, json_t *process, json_t *linux_obj, bool privileged, struct xerr *err) {
  struct security s;
  read_security_opts(hc, &s);
  json_object_set_new(process, "noNewPrivileges", json_boolean(s.no_new_privileges));
  json_object_del(linux_obj, "seccomp");
  if (privileged || s.unconfined)
    return 0;
  json_t *caps = json_object_get(object_at(process, "capabilities"), "bounding");
  json_t *seccomp;
  if (hc_seccomp(s.profile, caps, &seccomp, err) < 0)
    return -1;
  json_object_set_new(linux_obj, "seccomp", seccomp);
  return 0;
}

/* --privileged grants every capability the engine itself may hold: one
 * missing from our bounding set (xocker run inside a confined container)
 * could not be granted, and capset would fail the start. */
static void caps_within_bounding_set(json_t *process) {
  json_t *capset = json_object_get(process, "capabilities");
  const char *key;
  json_t *list;
  json_object_foreach(capset, key, list) {
    for (size_t i = json_array_size(list); i-- > 0;) {
      int cap;
      struct xerr ignored = {0};
      if (capability_parse(json_string_value(json_array_get(list, i)), &cap, &ignored) == 0 &&
          prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
        json_array_remove(list, i);
    }
  }
}

/* Privileged containers get /sys and the cgroup tree writable. */
static void writable_sys(json_t *spec) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(spec, "mounts"), i, m) {
    const char *dest = str_at(m, "destination");
    if (strcmp(dest, "/sys") != 0 && strcmp(dest, "/sys/fs/cgroup") != 0)
      continue;
    json_t *opts = json_object_get(m, "options");
    for (size_t k = json_array_size(opts); k-- > 0;)
      if (strcmp(json_string_value(json_array_get(opts, k)), "ro") == 0)
        json_array_set_new(opts, k, json_string("rw"));
  }
}

static void set_cgroups_path(json_t *hc, json_t *linux_obj, const char *cgroups_path) {
  const char *parent = str_at(hc, "CgroupParent");
  if (!*parent || !cgroups_path) {
    if (cgroups_path)
      json_object_set_new(linux_obj, "cgroupsPath", json_string(cgroups_path));
    return;
  }
  const char *slash = strrchr(cgroups_path, '/');
  const char *last = slash ? slash + 1 : cgroups_path;
  char path[4096];
  snprintf(path, sizeof path, "%s%s%s", parent[0] == '/' ? "" : "/", parent, "");
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    path[--n] = '\0';
  snprintf(path + n, sizeof path - n, "/%s", last);
  json_object_set_new(linux_obj, "cgroupsPath", json_string(path));
}

/* A sysctl is written in the container's namespace: one of a namespace
 * shared with the host would change the host (runc refuses them too). */
static int check_sysctls(json_t *hc, struct xerr *err) {
  bool host_net = strcmp(str_at(hc, "NetworkMode"), "host") == 0;
  bool host_ipc = strcmp(str_at(hc, "IpcMode"), "host") == 0;
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(hc, "Sysctls"), key, v) {
    if (host_net && strncmp(key, "net.", 4) == 0)
      return xerr_set(err, EINVAL, "sysctl \"%s\" not allowed in host network namespace", key);
    if (host_ipc && (strncmp(key, "kernel.", 7) == 0 || strncmp(key, "fs.mqueue.", 10) == 0))
      return xerr_set(err, EINVAL, "sysctl \"%s\" is not allowed in the hosts ipc namespace", key);
  }
  return 0;
}

int hostconfig_to_oci(json_t *hc, json_t *spec, const char *cgroups_path, const struct ns_resolver *ns,
                      struct xerr *err) {
  if (hostconfig_finish(hc, err) < 0 || check_sysctls(hc, err) < 0)
    return -1;
  json_t *linux_obj = object_at(spec, "linux");
  json_t *process = object_at(spec, "process");
  bool privileged = json_is_true(json_object_get(hc, "Privileged"));
  json_t *res = json_object();
  json_object_set_new(linux_obj, "resources", res);
  if (fill_resources(hc, res, err) < 0 || set_devices(hc, linux_obj, res, privileged, err) < 0 ||
      set_namespaces(hc, spec, linux_obj, ns, err) < 0 || set_rlimits(hc, process) < 0 ||
      set_group_add(hc, spec, process, err) < 0 || set_security(hc, process, linux_obj, privileged, err) < 0)
    return -1;
  if (json_is_true(json_object_get(hc, "Init")) && set_init(spec, process, err) < 0)
    return -1;
  json_object_set_new(process, "oomScoreAdj", json_integer(int_at(hc, "OomScoreAdj")));
  json_t *sysctls = json_object_get(hc, "Sysctls");
  if (json_object_size(sysctls))
    json_object_set_new(linux_obj, "sysctl", json_deep_copy(sysctls));
  if (json_is_array(json_object_get(hc, "MaskedPaths")))
    json_object_set_new(linux_obj, "maskedPaths", json_deep_copy(json_object_get(hc, "MaskedPaths")));
  if (json_is_array(json_object_get(hc, "ReadonlyPaths")))
    json_object_set_new(linux_obj, "readonlyPaths", json_deep_copy(json_object_get(hc, "ReadonlyPaths")));
  if (privileged) {
    writable_sys(spec);
    caps_within_bounding_set(process);
  }
  set_cgroups_path(hc, linux_obj, cgroups_path);
  return 0;
}
