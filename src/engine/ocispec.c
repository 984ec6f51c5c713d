/* Image config + run options -> OCI config, as Docker merges them. */
#include "engine/ocispec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "engine/user.h"
#include "runtime/names.h"
#include "runtime/spec.h"

const char *const DOCKER_DEFAULT_CAPS[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",     "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE", NULL,
};

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- environment ---- */

/* Set KEY=VALUE in env (replacing KEY's earlier value, keeping its place). */
static void env_set(json_t *env, const char *kv) {
  size_t klen = strcspn(kv, "=");
  size_t i;
  json_t *v;
  json_array_foreach(env, i, v) {
    const char *s = json_string_value(v);
    if (s && strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
      json_array_set_new(env, i, json_string(kv));
      return;
    }
  }
  json_array_append_new(env, json_string(kv));
}

static bool env_has(json_t *env, const char *key) {
  size_t n = strlen(key), i;
  json_t *v;
  json_array_foreach(env, i, v) {
    const char *s = json_string_value(v);
    if (s && strncmp(s, key, n) == 0 && s[n] == '=')
      return true;
  }
  return false;
}

static json_t *build_env(json_t *image, const struct run_options *o, const char *hostname) {
  json_t *env = json_array();
  json_t *image_env = json_object_get(image, "Env");
  size_t i;
  json_t *v;
  if (!env_has(image_env, "PATH"))
    env_set(env, DEFAULT_PATH);
  char host[300];
  snprintf(host, sizeof host, "HOSTNAME=%s", hostname);
  env_set(env, host);
  json_array_foreach(image_env, i, v)
    if (json_is_string(v))
      env_set(env, json_string_value(v));
  if (o->tty)
    env_set(env, "TERM=xterm");
  for (char **e = o->env; e && *e; e++)
    env_set(env, *e);
  return env;
}

/* ---- command ---- */

static int append_strings(json_t *args, json_t *list, const char *what, struct xerr *err) {
  size_t i;
  json_t *v;
  if (list && !json_is_array(list) && !json_is_null(list))
    return xerr_set(err, EINVAL, "image config: %s: expected an array of strings", what);
  json_array_foreach(list, i, v) {
    if (!json_is_string(v))
      return xerr_set(err, EINVAL, "image config: %s[%zu]: expected a string", what, i);
    json_array_append(args, v);
  }
  return 0;
}

/* Entrypoint + Cmd: --entrypoint replaces the image's and drops its Cmd;
 * arguments after the image replace Cmd. */
static int build_args(json_t *image, const struct run_options *o, json_t **out,
                      struct xerr *err) {
  json_t *args = json_array();
  int ret = 0;
  if (o->entrypoint_set) {
    if (o->entrypoint && *o->entrypoint)
      json_array_append_new(args, json_string(o->entrypoint));
  } else {
    ret = append_strings(args, json_object_get(image, "Entrypoint"), "Entrypoint", err);
  }
  if (ret == 0 && o->cmd) {
    for (char **a = o->cmd; *a; a++)
      json_array_append_new(args, json_string(*a));
  } else if (ret == 0 && !o->entrypoint_set) {
    ret = append_strings(args, json_object_get(image, "Cmd"), "Cmd", err);
  }
  if (ret == 0 && json_array_size(args) == 0)
    ret = xerr_set(err, EINVAL, "No command specified");
  if (ret < 0) {
    json_decref(args);
    return -1;
  }
  *out = args;
  return 0;
}

/* ---- capabilities ---- */

/* "net_admin" / "NET_ADMIN" / "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "ALL" stays. */
static int cap_canonical(const char *in, char *out, size_t len, struct xerr *err) {
  char up[64];
  size_t n = strlen(in);
  if (n >= sizeof up)
    return xerr_set(err, EINVAL, "unknown capability: \"%s\"", in);
  for (size_t i = 0; i <= n; i++)
    up[i] = (char)toupper((unsigned char)in[i]);
  if (strcmp(up, "ALL") == 0) {
    snprintf(out, len, "ALL");
    return 0;
  }
  snprintf(out, len, "%s%s", strncmp(up, "CAP_", 4) == 0 ? "" : "CAP_", up);
  int value;
  struct xerr ignored = {0};
  if (capability_parse(out, &value, &ignored) < 0)
    return xerr_set(err, EINVAL, "unknown capability: \"%s\"", in);
  return 0;
}

static bool list_has(json_t *list, const char *name) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) if (strcmp(json_string_value(v), name) == 0) return true;
  return false;
}

static void list_remove(json_t *list, const char *name) {
  for (size_t i = json_array_size(list); i-- > 0;)
    if (strcmp(json_string_value(json_array_get(list, i)), name) == 0)
      json_array_remove(list, i);
}

/* Docker's order: start from the defaults (or everything with ALL in
 * --cap-add or --privileged), drop (ALL drops everything), then add. */
static int build_caps(const struct run_options *o, json_t **out, struct xerr *err) {
  json_t *caps = json_array();
  bool add_all = o->privileged;
  char name[80];
  for (char **c = o->cap_add; c && *c; c++) {
    if (cap_canonical(*c, name, sizeof name, err) < 0)
      goto fail;
    add_all |= strcmp(name, "ALL") == 0;
  }
  if (add_all) {
    for (int c = 0; c <= capability_last(); c++)
      if (capability_name(c))
        json_array_append_new(caps, json_string(capability_name(c)));
  } else {
    for (const char *const *d = DOCKER_DEFAULT_CAPS; *d; d++)
      json_array_append_new(caps, json_string(*d));
  }
  for (char **c = o->cap_drop; c && *c && !o->privileged; c++) {
    if (cap_canonical(*c, name, sizeof name, err) < 0)
      goto fail;
    if (strcmp(name, "ALL") == 0)
      json_array_clear(caps);
    else
      list_remove(caps, name);
  }
  for (char **c = o->cap_add; c && *c; c++) {
    cap_canonical(*c, name, sizeof name, err);
    if (strcmp(name, "ALL") != 0 && !list_has(caps, name))
      json_array_append_new(caps, json_string(name));
  }
  *out = caps;
  return 0;
fail:
  json_decref(caps);
  return -1;
}

/* ---- the document ---- */

static json_t *dev_shm_mount(void) {
  json_t *m = json_object();
  const char *opts[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
  json_put(m, "destination", json_string("/dev/shm"));
  json_put(m, "type", json_string("tmpfs"));
  json_put(m, "source", json_string("shm"));
  json_put(m, "options", json_string_array(opts));
  return m;
}

/* Docker's masked paths are runc's plus powercap; --privileged has none. */
static void confine_paths(json_t *linux_obj, bool privileged) {
  if (privileged) {
    json_object_del(linux_obj, "maskedPaths");
    json_object_del(linux_obj, "readonlyPaths");
    return;
  }
  json_t *masked = json_object_get(linux_obj, "maskedPaths");
  if (json_is_array(masked) && !list_has(masked, "/sys/devices/virtual/powercap"))
    json_array_append_new(masked, json_string("/sys/devices/virtual/powercap"));
}

static void replace_shm(json_t *spec) {
  json_t *mounts = json_object_get(spec, "mounts");
  for (size_t i = 0; i < json_array_size(mounts); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(mounts, i), "destination")),
               "/dev/shm") == 0) {
      json_array_set_new(mounts, i, dev_shm_mount());
      return;
    }
  json_array_append_new(mounts, dev_shm_mount());
}

static int set_process(json_t *spec, json_t *image, const struct run_options *o,
                       const char *hostname, struct xerr *err) {
  json_t *process = json_object_get(spec, "process");
  json_t *args = NULL, *caps = NULL;
  if (build_args(image, o, &args, err) < 0)
    return -1;
  if (build_caps(o, &caps, err) < 0) {
    json_decref(args);
    return -1;
  }
  const char *user_spec = o->user ? o->user : json_string_value(json_object_get(image, "User"));
  struct container_user u;
  if (user_resolve(o->rootfs, user_spec, &u, err) < 0) {
    json_decref(args);
    json_decref(caps);
    return -1;
  }
  const char *cwd = o->workdir ? o->workdir : json_string_value(json_object_get(image, "WorkingDir"));
  json_t *user = json_object();
  json_put(user, "uid", json_integer(u.uid));
  json_put(user, "gid", json_integer(u.gid));
  if (u.n_additional) {
    json_t *extra = json_array();
    for (size_t i = 0; i < u.n_additional; i++)
      json_array_append_new(extra, json_integer(u.additional[i]));
    json_put(user, "additionalGids", extra);
  }
  json_t *capset = json_object();
  const char *sets[] = {"bounding", "effective", "permitted"};
  for (size_t i = 0; i < 3; i++)
    json_put(capset, sets[i], json_copy(caps));
  json_decref(caps);
  json_put(process, "terminal", json_boolean(o->tty));
  json_object_del(process, "consoleSize");
  json_put(process, "user", user);
  json_put(process, "args", args);
  json_t *env = build_env(image, o, hostname);
  if (!env_has(env, "HOME")) {
    char home[300];
    snprintf(home, sizeof home, "HOME=%s", u.home);
    json_array_append_new(env, json_string(home));
  }
  json_put(process, "env", env);
  json_put(process, "cwd", json_string(cwd && *cwd ? cwd : "/"));
  json_put(process, "capabilities", capset);
  return 0;
}

int engine_oci_spec(json_t *image_config, const struct run_options *o, json_t **out,
                    struct xerr *err) {
  if (!o->rootfs || o->rootfs[0] != '/')
    return xerr_set(err, EINVAL, "the container's rootfs must be an absolute path");
  json_t *image = json_object_get(image_config, "config");
  if (image && !json_is_object(image))
    return xerr_set(err, EINVAL, "image config: config: expected an object");
  json_t *spec = spec_default(false);
  if (!spec)
    return xerr_make(err, ENOMEM, "container config");
  const char *hostname = o->hostname && *o->hostname ? o->hostname : "localhost";
  if (set_process(spec, image, o, hostname, err) < 0) {
    json_decref(spec);
    return -1;
  }
  json_t *root = json_object_get(spec, "root");
  json_put(root, "path", json_string(o->rootfs));
  json_put(root, "readonly", json_boolean(o->read_only));
  json_put(spec, "hostname", json_string(hostname));
  replace_shm(spec);
  json_t *linux_obj = json_object_get(spec, "linux");
  confine_paths(linux_obj, o->privileged);
  json_t *ns = json_object_get(linux_obj, "namespaces");
  json_t *cgroup_ns = json_object();
  json_put(cgroup_ns, "type", json_string("cgroup"));
  json_array_append_new(ns, cgroup_ns);
  *out = spec;
  return 0;
}
