/* config.json -> struct oci_config.  Each section has its own parse
 * function; every error names the JSON path of the offending field. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "mountopts.h"
#include "names.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *spec_name, *proc_name;
  int flag;
} ns_table[NS_COUNT] = {
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *ns_type_name(enum ns_type t) { return ns_table[t].spec_name; }
const char *ns_proc_name(enum ns_type t) { return ns_table[t].proc_name; }
int ns_clone_flag(enum ns_type t) { return ns_table[t].flag; }

static void strv_free(char **v) {
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

static int parse_idmaps(json_t *obj, const char *key, const char *where, struct oci_idmap **out,
                        size_t *n, struct xerr *err) {
  json_t *arr;
  char path[256];
  json_path_join(path, sizeof path, where, key);
  if (json_get_array(obj, key, where, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  size_t count = json_array_size(arr);
  struct oci_idmap *maps = calloc(count ? count : 1, sizeof *maps);
  if (maps == NULL)
    return xerr_make(err, ENOMEM, "%s", path);
  for (size_t i = 0; i < count; i++) {
    json_t *m = json_array_get(arr, i);
    char item[300];
    snprintf(item, sizeof item, "%s[%zu]", path, i);
    if (!json_is_object(m)) {
      free(maps);
      return xerr_make(err, EINVAL, "%s: expected an object", item);
    }
    if (json_get_uint32(m, "containerID", item, true, &maps[i].container_id, NULL, err) < 0 ||
        json_get_uint32(m, "hostID", item, true, &maps[i].host_id, NULL, err) < 0 ||
        json_get_uint32(m, "size", item, true, &maps[i].size, NULL, err) < 0) {
      free(maps);
      return -1;
    }
  }
  *out = maps;
  *n = count;
  return 0;
}

static int parse_root(struct oci_config *c, const char *bundle, struct xerr *err) {
  json_t *root;
  if (json_get_object(c->json, "root", "", &root, err) < 0)
    return -1;
  if (root == NULL)
    return xerr_make(err, EINVAL, "root: required field is missing");
  cleanup_free char *path = NULL;
  if (json_get_string(root, "path", "root", true, &path, err) < 0 ||
      json_get_bool(root, "readonly", "root", &c->root_readonly, err) < 0)
    return -1;
  if (path[0] == '/') {
    c->root_path = steal_pointer(&path);
  } else if (asprintf(&c->root_path, "%s/%s", bundle, path) < 0) {
    c->root_path = NULL;
    return xerr_make(err, ENOMEM, "root.path");
  }
  return 0;
}

static int parse_mount(json_t *j, const char *where, struct oci_mount *m, struct xerr *err) {
  if (!json_is_object(j))
    return xerr_make(err, EINVAL, "%s: expected an object", where);
  if (json_get_string(j, "destination", where, true, &m->destination, err) < 0 ||
      json_get_string(j, "type", where, false, &m->type, err) < 0 ||
      json_get_string(j, "source", where, false, &m->source, err) < 0 ||
      json_get_strv(j, "options", where, false, &m->options, err) < 0 ||
      parse_idmaps(j, "uidMappings", where, &m->uid_mappings, &m->n_uid_mappings, err) < 0 ||
      parse_idmaps(j, "gidMappings", where, &m->gid_mappings, &m->n_gid_mappings, err) < 0)
    return -1;
  if (m->destination[0] != '/')
    return xerr_make(err, EINVAL, "%s.destination: \"%s\" is not an absolute path", where,
                     m->destination);
  if (mount_options_parse(m, err) < 0)
    return xerr_wrap(err, "%s.options", where);
  return 0;
}

static int parse_mounts(struct oci_config *c, struct xerr *err) {
  json_t *arr;
  if (json_get_array(c->json, "mounts", "", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  c->n_mounts = json_array_size(arr);
  c->mounts = calloc(c->n_mounts ? c->n_mounts : 1, sizeof *c->mounts);
  if (c->mounts == NULL)
    return xerr_make(err, ENOMEM, "mounts");
  for (size_t i = 0; i < c->n_mounts; i++) {
    char where[64];
    snprintf(where, sizeof where, "mounts[%zu]", i);
    if (parse_mount(json_array_get(arr, i), where, &c->mounts[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_rlimits(json_t *proc, const char *where, struct oci_process *p,
                         struct xerr *err) {
  json_t *arr;
  if (json_get_array(proc, "rlimits", where, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  p->n_rlimits = json_array_size(arr);
  p->rlimits = calloc(p->n_rlimits ? p->n_rlimits : 1, sizeof *p->rlimits);
  if (p->rlimits == NULL)
    return xerr_make(err, ENOMEM, "%s.rlimits", where);
  for (size_t i = 0; i < p->n_rlimits; i++) {
    json_t *r = json_array_get(arr, i);
    struct oci_rlimit *rl = &p->rlimits[i];
    char item[128];
    snprintf(item, sizeof item, "%s.rlimits[%zu]", where, i);
    if (!json_is_object(r))
      return xerr_make(err, EINVAL, "%s: expected an object", item);
    if (json_get_string(r, "type", item, true, &rl->name, err) < 0 ||
        json_get_uint64(r, "soft", item, true, &rl->soft, NULL, err) < 0 ||
        json_get_uint64(r, "hard", item, true, &rl->hard, NULL, err) < 0)
      return -1;
    if (rlimit_parse(rl->name, &rl->resource, err) < 0)
      return xerr_wrap(err, "%s.type", item);
    if (rl->soft > rl->hard)
      return xerr_make(err, EINVAL, "%s: soft limit %llu is above the hard limit %llu", item,
                       (unsigned long long)rl->soft, (unsigned long long)rl->hard);
  }
  return 0;
}

static int parse_capabilities(json_t *proc, const char *where, struct oci_capabilities *caps,
                              struct xerr *err) {
  json_t *obj;
  char path[128];
  json_path_join(path, sizeof path, where, "capabilities");
  if (json_get_object(proc, "capabilities", where, &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  caps->present = true;
  if (json_get_strv(obj, "bounding", path, false, &caps->bounding, err) < 0 ||
      json_get_strv(obj, "effective", path, false, &caps->effective, err) < 0 ||
      json_get_strv(obj, "inheritable", path, false, &caps->inheritable, err) < 0 ||
      json_get_strv(obj, "permitted", path, false, &caps->permitted, err) < 0 ||
      json_get_strv(obj, "ambient", path, false, &caps->ambient, err) < 0)
    return -1;
  return 0;
}

static int parse_user(json_t *proc, const char *where, struct oci_process *p, struct xerr *err) {
  json_t *user;
  char path[128];
  json_path_join(path, sizeof path, where, "user");
  if (json_get_object(proc, "user", where, &user, err) < 0)
    return -1;
  if (user == NULL)
    return 0;
  uint32_t uid = 0, gid = 0, umask_value = 0;
  json_t *gids;
  if (json_get_uint32(user, "uid", path, false, &uid, NULL, err) < 0 ||
      json_get_uint32(user, "gid", path, false, &gid, NULL, err) < 0 ||
      json_get_uint32(user, "umask", path, false, &umask_value, &p->has_umask, err) < 0 ||
      json_get_array(user, "additionalGids", path, &gids, err) < 0)
    return -1;
  p->uid = uid;
  p->gid = gid;
  p->umask = umask_value & 07777;
  if (gids == NULL)
    return 0;
  p->n_additional_gids = json_array_size(gids);
  p->additional_gids = calloc(p->n_additional_gids ? p->n_additional_gids : 1, sizeof(gid_t));
  if (p->additional_gids == NULL)
    return xerr_make(err, ENOMEM, "%s.additionalGids", path);
  for (size_t i = 0; i < p->n_additional_gids; i++) {
    json_t *g = json_array_get(gids, i);
    if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > UINT32_MAX)
      return xerr_make(err, EINVAL, "%s.additionalGids[%zu]: expected an unsigned integer", path,
                       i);
    p->additional_gids[i] = (gid_t)json_integer_value(g);
  }
  return 0;
}

int oci_process_parse(json_t *j, const char *where, struct oci_process **out, struct xerr *err) {
  if (!json_is_object(j))
    return xerr_make(err, EINVAL, "%s: expected an object", where);
  struct oci_process *p = calloc(1, sizeof *p);
  if (p == NULL)
    return xerr_make(err, ENOMEM, "%s", where);
  json_t *console;
  char path[128];
  int64_t oom = 0;
  int ret = -1;
  if (json_get_bool(j, "terminal", where, &p->terminal, err) < 0 ||
      json_get_object(j, "consoleSize", where, &console, err) < 0 ||
      parse_user(j, where, p, err) < 0 ||
      json_get_strv(j, "args", where, true, &p->args, err) < 0 ||
      json_get_strv(j, "env", where, false, &p->env, err) < 0 ||
      json_get_string(j, "cwd", where, false, &p->cwd, err) < 0 ||
      parse_rlimits(j, where, p, err) < 0 ||
      json_get_bool(j, "noNewPrivileges", where, &p->no_new_privileges, err) < 0 ||
      json_get_int64(j, "oomScoreAdj", where, false, &oom, &p->has_oom_score_adj, err) < 0 ||
      parse_capabilities(j, where, &p->caps, err) < 0 ||
      json_get_string(j, "apparmorProfile", where, false, &p->apparmor_profile, err) < 0 ||
      json_get_string(j, "selinuxLabel", where, false, &p->selinux_label, err) < 0)
    goto out;
  if (console) {
    uint32_t h = 0, w = 0;
    json_path_join(path, sizeof path, where, "consoleSize");
    if (json_get_uint32(console, "height", path, false, &h, NULL, err) < 0 ||
        json_get_uint32(console, "width", path, false, &w, NULL, err) < 0)
      goto out;
    p->console_height = h;
    p->console_width = w;
    p->has_console_size = true;
  }
  if (p->args[0] == NULL) {
    xerr_make(err, EINVAL, "%s.args: must not be empty", where);
    goto out;
  }
  if (p->cwd == NULL && (p->cwd = strdup("/")) == NULL) {
    xerr_make(err, ENOMEM, "%s.cwd", where);
    goto out;
  }
  if (p->cwd[0] != '/') {
    xerr_make(err, EINVAL, "%s.cwd: \"%s\" is not an absolute path", where, p->cwd);
    goto out;
  }
  if (p->has_oom_score_adj && (oom < -1000 || oom > 1000)) {
    xerr_make(err, EINVAL, "%s.oomScoreAdj: %lld is outside -1000..1000", where, (long long)oom);
    goto out;
  }
  p->oom_score_adj = (int)oom;
  if (p->env == NULL && (p->env = calloc(1, sizeof(char *))) == NULL) {
    xerr_make(err, ENOMEM, "%s.env", where);
    goto out;
  }
  *out = p;
  p = NULL;
  ret = 0;
out:
  oci_process_free(p);
  return ret;
}

static int parse_hook_list(json_t *hooks, const char *key, struct oci_hook_list *list,
                           struct xerr *err) {
  json_t *arr;
  char where[64];
  snprintf(where, sizeof where, "hooks.%s", key);
  if (json_get_array(hooks, key, "hooks", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  list->n = json_array_size(arr);
  list->hooks = calloc(list->n ? list->n : 1, sizeof *list->hooks);
  if (list->hooks == NULL)
    return xerr_make(err, ENOMEM, "%s", where);
  for (size_t i = 0; i < list->n; i++) {
    json_t *h = json_array_get(arr, i);
    struct oci_hook *hook = &list->hooks[i];
    char item[96];
    int64_t timeout = 0;
    bool has_timeout = false;
    snprintf(item, sizeof item, "%s[%zu]", where, i);
    if (!json_is_object(h))
      return xerr_make(err, EINVAL, "%s: expected an object", item);
    if (json_get_string(h, "path", item, true, &hook->path, err) < 0 ||
        json_get_strv(h, "args", item, false, &hook->args, err) < 0 ||
        json_get_strv(h, "env", item, false, &hook->env, err) < 0 ||
        json_get_int64(h, "timeout", item, false, &timeout, &has_timeout, err) < 0)
      return -1;
    if (has_timeout && timeout <= 0)
      return xerr_make(err, EINVAL, "%s.timeout: must be greater than zero", item);
    if (hook->path[0] != '/')
      return xerr_make(err, EINVAL, "%s.path: \"%s\" is not an absolute path", item, hook->path);
    hook->timeout = timeout > INT_MAX ? INT_MAX : (int)timeout;
  }
  return 0;
}

static int parse_hooks(struct oci_config *c, struct xerr *err) {
  static const char *const names[HOOK_KIND_COUNT] = {
      [HOOK_PRESTART] = "prestart",           [HOOK_CREATE_RUNTIME] = "createRuntime",
      [HOOK_CREATE_CONTAINER] = "createContainer", [HOOK_START_CONTAINER] = "startContainer",
      [HOOK_POSTSTART] = "poststart",         [HOOK_POSTSTOP] = "poststop",
  };
  json_t *hooks;
  if (json_get_object(c->json, "hooks", "", &hooks, err) < 0)
    return -1;
  if (hooks == NULL)
    return 0;
  for (int k = 0; k < HOOK_KIND_COUNT; k++)
    if (parse_hook_list(hooks, names[k], &c->hooks[k], err) < 0)
      return -1;
  return 0;
}

static int parse_namespaces(json_t *linux_obj, struct oci_config *c, struct xerr *err) {
  json_t *arr;
  if (json_get_array(linux_obj, "namespaces", "linux", &arr, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_t *ns = json_array_get(arr, i);
    char item[64];
    cleanup_free char *type = NULL;
    snprintf(item, sizeof item, "linux.namespaces[%zu]", i);
    if (!json_is_object(ns))
      return xerr_make(err, EINVAL, "%s: expected an object", item);
    if (json_get_string(ns, "type", item, true, &type, err) < 0)
      return -1;
    int t;
    for (t = 0; t < NS_COUNT; t++)
      if (strcmp(type, ns_table[t].spec_name) == 0)
        break;
    if (t == NS_COUNT)
      return xerr_make(err, EINVAL, "%s.type: unknown namespace type \"%s\"", item, type);
    if (c->namespaces[t].present)
      return xerr_make(err, EINVAL, "%s.type: namespace \"%s\" listed twice", item, type);
    c->namespaces[t].present = true;
    if (json_get_string(ns, "path", item, false, &c->namespaces[t].path, err) < 0)
      return -1;
    if (c->namespaces[t].path && c->namespaces[t].path[0] == '\0') {
      free(c->namespaces[t].path);
      c->namespaces[t].path = NULL;
    }
  }
  return 0;
}

static int parse_device(json_t *d, const char *item, struct oci_device *dev, struct xerr *err) {
  cleanup_free char *type = NULL;
  uint32_t mode = 0, uid = 0, gid = 0;
  if (!json_is_object(d))
    return xerr_make(err, EINVAL, "%s: expected an object", item);
  if (json_get_string(d, "path", item, true, &dev->path, err) < 0 ||
      json_get_string(d, "type", item, true, &type, err) < 0 ||
      json_get_int64(d, "major", item, false, &dev->major, NULL, err) < 0 ||
      json_get_int64(d, "minor", item, false, &dev->minor, NULL, err) < 0 ||
      json_get_uint32(d, "fileMode", item, false, &mode, &dev->has_file_mode, err) < 0 ||
      json_get_uint32(d, "uid", item, false, &uid, &dev->has_uid, err) < 0 ||
      json_get_uint32(d, "gid", item, false, &gid, &dev->has_gid, err) < 0)
    return -1;
  if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
    return xerr_make(err, EINVAL, "%s.type: unknown device type \"%s\"", item, type);
  if (dev->path[0] != '/')
    return xerr_make(err, EINVAL, "%s.path: \"%s\" is not an absolute path", item, dev->path);
  if (type[0] != 'p' && (dev->major < 0 || dev->minor < 0))
    return xerr_make(err, EINVAL, "%s: major and minor must not be negative", item);
  dev->type = type[0];
  dev->file_mode = mode;
  dev->uid = uid;
  dev->gid = gid;
  return 0;
}

static int parse_devices(json_t *linux_obj, struct oci_config *c, struct xerr *err) {
  json_t *arr;
  if (json_get_array(linux_obj, "devices", "linux", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  c->n_devices = json_array_size(arr);
  c->devices = calloc(c->n_devices ? c->n_devices : 1, sizeof *c->devices);
  if (c->devices == NULL)
    return xerr_make(err, ENOMEM, "linux.devices");
  for (size_t i = 0; i < c->n_devices; i++) {
    char item[64];
    snprintf(item, sizeof item, "linux.devices[%zu]", i);
    if (parse_device(json_array_get(arr, i), item, &c->devices[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_sysctls(json_t *linux_obj, struct oci_config *c, struct xerr *err) {
  json_t *obj;
  if (json_get_object(linux_obj, "sysctl", "linux", &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  c->sysctls = calloc(json_object_size(obj) + 1, sizeof *c->sysctls);
  if (c->sysctls == NULL)
    return xerr_make(err, ENOMEM, "linux.sysctl");
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    if (!json_is_string(value))
      return xerr_make(err, EINVAL, "linux.sysctl.%s: expected a string", key);
    struct oci_sysctl *s = &c->sysctls[c->n_sysctls++];
    s->key = strdup(key);
    s->value = strdup(json_string_value(value));
    if (s->key == NULL || s->value == NULL)
      return xerr_make(err, ENOMEM, "linux.sysctl");
  }
  return 0;
}

static int parse_personality(json_t *linux_obj, struct oci_config *c, struct xerr *err) {
  json_t *obj;
  if (json_get_object(linux_obj, "personality", "linux", &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  cleanup_free char *domain = NULL;
  cleanup_strv char **flags = NULL;
  if (json_get_string(obj, "domain", "linux.personality", true, &domain, err) < 0 ||
      json_get_strv(obj, "flags", "linux.personality", false, &flags, err) < 0)
    return -1;
  if (strcmp(domain, "LINUX") == 0)
    c->personality = PER_LINUX;
  else if (strcmp(domain, "LINUX32") == 0)
    c->personality = PER_LINUX32;
  else
    return xerr_make(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"", domain);
  /* The spec defines no flag names yet; runc rejects none, so neither do we. */
  c->has_personality = true;
  return 0;
}

static int parse_time_offset(json_t *offsets, const char *key, struct oci_time_offset *out,
                             struct xerr *err) {
  json_t *obj;
  char where[64];
  snprintf(where, sizeof where, "linux.timeOffsets.%s", key);
  if (json_get_object(offsets, key, "linux.timeOffsets", &obj, err) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  out->present = true;
  if (json_get_int64(obj, "secs", where, false, &out->secs, NULL, err) < 0 ||
      json_get_uint32(obj, "nanosecs", where, false, &out->nanosecs, NULL, err) < 0)
    return -1;
  if (out->nanosecs >= 1000000000u)
    return xerr_make(err, EINVAL, "%s.nanosecs: must be below 1000000000", where);
  return 0;
}

static int parse_linux(struct oci_config *c, struct xerr *err) {
  json_t *l, *offsets;
  if (json_get_object(c->json, "linux", "", &l, err) < 0)
    return -1;
  if (l == NULL)
    return 0;
  if (parse_namespaces(l, c, err) < 0 ||
      parse_idmaps(l, "uidMappings", "linux", &c->uid_mappings, &c->n_uid_mappings, err) < 0 ||
      parse_idmaps(l, "gidMappings", "linux", &c->gid_mappings, &c->n_gid_mappings, err) < 0 ||
      parse_devices(l, c, err) < 0 ||
      json_get_string(l, "cgroupsPath", "linux", false, &c->cgroups_path, err) < 0 ||
      json_get_object(l, "resources", "linux", &c->resources, err) < 0 ||
      json_get_object(l, "seccomp", "linux", &c->seccomp, err) < 0 ||
      parse_sysctls(l, c, err) < 0 ||
      json_get_string(l, "rootfsPropagation", "linux", false, &c->rootfs_propagation, err) < 0 ||
      json_get_strv(l, "maskedPaths", "linux", false, &c->masked_paths, err) < 0 ||
      json_get_strv(l, "readonlyPaths", "linux", false, &c->readonly_paths, err) < 0 ||
      json_get_string(l, "mountLabel", "linux", false, &c->mount_label, err) < 0 ||
      parse_personality(l, c, err) < 0 ||
      json_get_object(l, "timeOffsets", "linux", &offsets, err) < 0)
    return -1;
  if (offsets && (parse_time_offset(offsets, "monotonic", &c->time_monotonic, err) < 0 ||
                  parse_time_offset(offsets, "boottime", &c->time_boottime, err) < 0))
    return -1;
  if (c->rootfs_propagation) {
    unsigned long flags;
    if (propagation_parse(c->rootfs_propagation, &flags, err) < 0)
      return xerr_wrap(err, "linux.rootfsPropagation");
  }
  if ((c->n_uid_mappings || c->n_gid_mappings) && !c->namespaces[NS_USER].present)
    return xerr_make(err, EINVAL, "linux.uidMappings: given without a user namespace");
  return 0;
}

/* Only sysctls of a namespace the container has its own of may be set:
 * anything else would change the host. */
static int check_sysctl(const struct oci_config *c, const char *key, struct xerr *err) {
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                    "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                    "kernel.shmmni", "kernel.shm_rmid_forced"};
  bool new_ipc = c->namespaces[NS_IPC].present;
  bool new_net = c->namespaces[NS_NET].present;
  bool new_uts = c->namespaces[NS_UTS].present;
  for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++)
    if (strcmp(key, ipc[i]) == 0)
      return new_ipc ? 0
                     : xerr_make(err, EINVAL, "linux.sysctl.%s: needs a new ipc namespace", key);
  if (strncmp(key, "fs.mqueue.", 10) == 0)
    return new_ipc ? 0
                   : xerr_make(err, EINVAL, "linux.sysctl.%s: needs a new ipc namespace", key);
  if (strncmp(key, "net.", 4) == 0)
    return new_net ? 0
                   : xerr_make(err, EINVAL, "linux.sysctl.%s: needs a new network namespace", key);
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
    return new_uts ? 0
                   : xerr_make(err, EINVAL, "linux.sysctl.%s: needs a new uts namespace", key);
  return xerr_make(err, EINVAL,
                   "linux.sysctl.%s: not in a namespace of the container; setting it would "
                   "change the host",
                   key);
}

static int check_consistency(struct oci_config *c, struct xerr *err) {
  for (size_t i = 0; i < c->n_sysctls; i++)
    if (check_sysctl(c, c->sysctls[i].key, err) < 0)
      return -1;
  if ((c->hostname && *c->hostname) && !c->namespaces[NS_UTS].present)
    return xerr_make(err, EINVAL, "hostname: setting it requires a new uts namespace");
  if ((c->domainname && *c->domainname) && !c->namespaces[NS_UTS].present)
    return xerr_make(err, EINVAL, "domainname: setting it requires a new uts namespace");
  if ((c->time_monotonic.present || c->time_boottime.present) &&
      (!c->namespaces[NS_TIME].present || c->namespaces[NS_TIME].path))
    return xerr_make(err, EINVAL, "linux.timeOffsets: requires a new time namespace");
  return 0;
}

int oci_config_parse(const char *text, const char *bundle, struct oci_config **out,
                     struct xerr *err) {
  json_error_t jerr;
  struct oci_config *c = calloc(1, sizeof *c);
  if (c == NULL)
    return xerr_make(err, ENOMEM, "config.json");
  c->json = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (c->json == NULL) {
    free(c);
    return xerr_make(err, EINVAL, "config.json: invalid JSON at line %d column %d: %s",
                     jerr.line, jerr.column, jerr.text);
  }
  json_t *proc;
  int ret = -1;
  if (!json_is_object(c->json)) {
    xerr_make(err, EINVAL, "config.json: expected a JSON object");
    goto out;
  }
  if (json_get_string(c->json, "ociVersion", "", true, &c->oci_version, err) < 0 ||
      parse_root(c, bundle, err) < 0 || parse_mounts(c, err) < 0 ||
      json_get_object(c->json, "process", "", &proc, err) < 0 ||
      (proc && oci_process_parse(proc, "process", &c->process, err) < 0) ||
      json_get_string(c->json, "hostname", "", false, &c->hostname, err) < 0 ||
      json_get_string(c->json, "domainname", "", false, &c->domainname, err) < 0 ||
      parse_hooks(c, err) < 0 ||
      json_get_object(c->json, "annotations", "", &c->annotations, err) < 0 ||
      parse_linux(c, err) < 0 || check_consistency(c, err) < 0)
    goto out;
  *out = c;
  c = NULL;
  ret = 0;
out:
  oci_config_free(c);
  return ret;
}

int oci_config_load(const char *bundle, struct oci_config **out, struct xerr *err) {
  char path[PATH_MAX];
  cleanup_free char *text = NULL;
  snprintf(path, sizeof path, "%s/config.json", bundle);
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
    return -1;
  return oci_config_parse(text, bundle, out, err);
}

static void caps_free(struct oci_capabilities *caps) {
  strv_free(caps->bounding);
  strv_free(caps->effective);
  strv_free(caps->inheritable);
  strv_free(caps->permitted);
  strv_free(caps->ambient);
}

void oci_process_free(struct oci_process *p) {
  if (p == NULL)
    return;
  free(p->additional_gids);
  strv_free(p->args);
  strv_free(p->env);
  free(p->cwd);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free(p->rlimits[i].name);
  free(p->rlimits);
  caps_free(&p->caps);
  free(p->apparmor_profile);
  free(p->selinux_label);
  free(p);
}

static void hook_list_free(struct oci_hook_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->hooks[i].path);
    strv_free(l->hooks[i].args);
    strv_free(l->hooks[i].env);
  }
  free(l->hooks);
}

void oci_config_free(struct oci_config *c) {
  if (c == NULL)
    return;
  free(c->oci_version);
  free(c->root_path);
  free(c->hostname);
  free(c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++) {
    struct oci_mount *m = &c->mounts[i];
    free(m->destination);
    free(m->type);
    free(m->source);
    strv_free(m->options);
    free(m->data);
    free(m->uid_mappings);
    free(m->gid_mappings);
  }
  free(c->mounts);
  oci_process_free(c->process);
  for (int k = 0; k < HOOK_KIND_COUNT; k++)
    hook_list_free(&c->hooks[k]);
  for (int t = 0; t < NS_COUNT; t++)
    free(c->namespaces[t].path);
  free(c->uid_mappings);
  free(c->gid_mappings);
  for (size_t i = 0; i < c->n_devices; i++)
    free(c->devices[i].path);
  free(c->devices);
  free(c->cgroups_path);
  for (size_t i = 0; i < c->n_sysctls; i++) {
    free(c->sysctls[i].key);
    free(c->sysctls[i].value);
  }
  free(c->sysctls);
  free(c->rootfs_propagation);
  strv_free(c->masked_paths);
  strv_free(c->readonly_paths);
  free(c->mount_label);
  json_decref(c->json);
  free(c);
}
