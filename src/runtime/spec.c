/* `xrun spec`: the default config.json, shaped like the one runc's `spec`
 * writes, so that bundles and tutorials made for runc work unchanged. */
#include "common/jsonutil.h"
#include "spec.h"

#include <string.h>
#include <unistd.h>

#include "state.h"


/* runc's default set: what a shell in a confined container needs. */
static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};

static json_t *default_capabilities(void) {
  json_t *caps = json_object();
  /* runc lists no inheritable set: ambient caps it cannot raise without
   * one are skipped (see caps.c). */
  static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
  for (size_t i = 0; caps && i < sizeof sets / sizeof sets[0]; i++) {
    if (json_put(caps, sets[i], json_string_array(default_caps)) < 0) {
      json_decref(caps);
      return NULL;
    }
  }
  return caps;
}

static json_t *root_user(void) {
  json_t *user = json_object();
  if (user == NULL || json_put(user, "uid", json_integer(0)) < 0 ||
      json_put(user, "gid", json_integer(0)) < 0) {
    json_decref(user);
    return NULL;
  }
  return user;
}

static json_t *default_rlimits(void) {
  json_t *rlimits = json_array();
  json_t *nofile = json_object();
  if (rlimits == NULL || json_append(rlimits, nofile) < 0 ||
      json_put(nofile, "type", json_string("RLIMIT_NOFILE")) < 0 ||
      json_put(nofile, "hard", json_integer(1024)) < 0 || json_put(nofile, "soft", json_integer(1024)) < 0) {
    json_decref(rlimits);
    return NULL;
  }
  return rlimits;
}

static json_t *default_process(void) {
  static const char *const args[] = {"sh", NULL};
  static const char *const env[] = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
  json_t *p = json_object();
  if (p == NULL || json_put(p, "terminal", json_true()) < 0 || json_put(p, "user", root_user()) < 0 ||
      json_put(p, "args", json_string_array(args)) < 0 || json_put(p, "env", json_string_array(env)) < 0 ||
      json_put(p, "cwd", json_string("/")) < 0 || json_put(p, "capabilities", default_capabilities()) < 0 ||
      json_put(p, "rlimits", default_rlimits()) < 0 || json_put(p, "noNewPrivileges", json_true()) < 0) {
    json_decref(p);
    return NULL;
  }
  return p;
}

struct default_mount {
  const char *destination, *type, *source;
  const char *const options[8];
};

/* The standard mounts, in runc's order.  Rootless differences are
 * applied by default_mounts(). */
static const struct default_mount mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup",
     "cgroup",
     "cgroup",
     {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* Without privilege: sysfs cannot be mounted in a user namespace that
 * does not own the network namespace, so /sys is the host's, bound; and
 * group 5 (tty) is not mapped, so devpts cannot use it. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static json_t *mount_object(const struct default_mount *m, bool drop_gid) {
  json_t *o = json_object();
  if (o == NULL || json_put(o, "destination", json_string(m->destination)) < 0 ||
      json_put(o, "type", json_string(m->type)) < 0 || json_put(o, "source", json_string(m->source)) < 0)
    goto fail;
  if (m->options[0] == NULL)
    return o;
  json_t *opts = json_array();
  if (json_put(o, "options", opts) < 0)
    goto fail;
  for (const char *const *p = m->options; *p; p++) {
    if (drop_gid && strncmp(*p, "gid=", 4) == 0)
      continue;
    if (json_append(opts, json_string(*p)) < 0)
      goto fail;
  }
  return o;
fail:
  json_decref(o);
  return NULL;
}

static json_t *default_mounts(bool rootless) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < sizeof mounts / sizeof mounts[0]; i++) {
    const struct default_mount *m = &mounts[i];
    if (rootless && strcmp(m->type, "sysfs") == 0)
      m = &rootless_sys;
    if (json_append(arr, mount_object(m, rootless)) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

static json_t *namespaces(bool rootless) {
  static const char *const rootful[] = {"pid", "network", "ipc", "uts", "mount", NULL};
  static const char *const unprivileged[] = {"pid", "ipc", "uts", "mount", "user", NULL};
  json_t *arr = json_array();
  for (const char *const *p = rootless ? unprivileged : rootful; arr && *p; p++) {
    json_t *ns = json_object();
    if (json_append(arr, ns) < 0 || json_put(ns, "type", json_string(*p)) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* One mapping of the caller's id to root in the container. */
static json_t *id_mapping(unsigned host_id) {
  json_t *arr = json_array();
  json_t *m = json_object();
  if (arr == NULL || json_append(arr, m) < 0 || json_put(m, "containerID", json_integer(0)) < 0 ||
      json_put(m, "hostID", json_integer(host_id)) < 0 || json_put(m, "size", json_integer(1)) < 0) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

/* Deny every device by default (the cgroup's device list); rootless
 * configs have no cgroup resources at all, as runc makes them. */
static json_t *default_resources(void) {
  json_t *res = json_object();
  json_t *devices = json_array();
  json_t *deny = json_object();
  if (res == NULL || json_put(res, "devices", devices) < 0 || json_append(devices, deny) < 0 ||
      json_put(deny, "allow", json_false()) < 0 || json_put(deny, "access", json_string("rwm")) < 0) {
    json_decref(res);
    return NULL;
  }
  return res;
}

static const char *const masked_paths[] = {
    "/proc/acpi",          "/proc/asound",   "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",       "/proc/scsi",     NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *default_linux(bool rootless) {
  json_t *l = json_object();
  if (l == NULL)
    return NULL;
  int bad = rootless ? json_put(l, "uidMappings", id_mapping(geteuid())) < 0 ||
                           json_put(l, "gidMappings", id_mapping(getegid())) < 0
                     : json_put(l, "resources", default_resources()) < 0;
  if (bad || json_put(l, "namespaces", namespaces(rootless)) < 0 ||
      json_put(l, "maskedPaths", json_string_array(masked_paths)) < 0 ||
      json_put(l, "readonlyPaths", json_string_array(readonly_paths)) < 0) {
    json_decref(l);
    return NULL;
  }
  return l;
}

static json_t *default_root(void) {
  json_t *root = json_object();
  if (root == NULL || json_put(root, "path", json_string("rootfs")) < 0 ||
      json_put(root, "readonly", json_true()) < 0) {
    json_decref(root);
    return NULL;
  }
  return root;
}

json_t *spec_default(bool rootless) {
  json_t *spec = json_object();
  /* The hostname is ours where runc writes "runc". */
  if (spec == NULL || json_put(spec, "ociVersion", json_string(OCI_VERSION)) < 0 ||
      json_put(spec, "process", default_process()) < 0 || json_put(spec, "root", default_root()) < 0 ||
      json_put(spec, "hostname", json_string("xrun")) < 0 ||
      json_put(spec, "mounts", default_mounts(rootless)) < 0 ||
      json_put(spec, "linux", default_linux(rootless)) < 0) {
    json_decref(spec);
    return NULL;
  }
  return spec;
}
