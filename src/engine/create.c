/* engine_create: a new container from an image and Docker's Config and
 * HostConfig — its storage, its OCI config (the bundle is its directory),
 * its volumes, its /etc files and its record. Nothing is left when a step
 * fails. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/events.h"
#include "engine/etcfiles.h"
#include "engine/netsetup.h"
#include "engine/hostconfig.h"
#include "engine/mounts.h"
#include "engine/ocispec.h"
#include "image/image.h"
#include "image/store.h"
#include "runtime/state.h"
#include "storage/container.h"

#define DEFAULT_CGROUP_PARENT "/xocker"

static char **strv_from_json(json_t *arr) {
  if (!json_is_array(arr))
    return NULL;
  char **v = calloc(json_array_size(arr) + 1, sizeof *v);
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) v[i] = strdup(json_string_value(e) ? json_string_value(e) : "");
  return v;
}

static const char *str_or_null(json_t *obj, const char *key) {
  const char *v = json_string_value(json_object_get(obj, key));
  return v && *v ? v : NULL;
}

/* The container's process from its Config and HostConfig (ocispec.h). */
static int build_spec(json_t *image_config, json_t *cfg, json_t *hc, const char *rootfs,
                      json_t **spec, struct xerr *err) {
  json_t *ep = json_object_get(cfg, "Entrypoint");
  cleanup_strv char **cmd = strv_from_json(json_object_get(cfg, "Cmd"));
  cleanup_strv char **env = strv_from_json(json_object_get(cfg, "Env"));
  cleanup_strv char **cap_add = strv_from_json(json_object_get(hc, "CapAdd"));
  cleanup_strv char **cap_drop = strv_from_json(json_object_get(hc, "CapDrop"));
  struct run_options o = {
      .rootfs = rootfs,
      .hostname = str_or_null(cfg, "Hostname"),
      .entrypoint_set = json_is_array(ep),
      .entrypoint = json_is_array(ep) && json_array_size(ep) > 0
                        ? json_string_value(json_array_get(ep, 0))
                        : "",
      .cmd = cmd,
      .env = env,
      .workdir = str_or_null(cfg, "WorkingDir"),
      .user = str_or_null(cfg, "User"),
      .tty = json_is_true(json_object_get(cfg, "Tty")),
      .read_only = json_is_true(json_object_get(hc, "ReadonlyRootfs")),
      .privileged = json_is_true(json_object_get(hc, "Privileged")),
      .cap_add = cap_add,
      .cap_drop = cap_drop,
  };
  return engine_oci_spec(image_config, &o, spec, err);
}

static bool env_listed(json_t *env, const char *entry) {
  size_t klen = strcspn(entry, "=");
  size_t i;
  json_t *e;
  json_array_foreach(env, i, e) {
    const char *v = json_string_value(e);
    if (v && strncmp(v, entry, klen) == 0 && (v[klen] == '=' || v[klen] == '\0'))
      return true;
  }
  return false;
}

/* Config.Env is the image's and the user's; HOSTNAME, HOME and TERM are
 * added to the process only, as Docker does. */
static json_t *config_env(json_t *process_env, json_t *cfg, json_t *image) {
  static const char *const RUNTIME_ONLY[] = {"HOSTNAME=", "HOME=", "TERM="};
  json_t *out = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(process_env, i, e) {
    const char *v = json_string_value(e);
    bool runtime_only = false;
    for (size_t k = 0; k < 3 && v; k++)
      if (strncmp(v, RUNTIME_ONLY[k], strlen(RUNTIME_ONLY[k])) == 0 &&
          !env_listed(json_object_get(cfg, "Env"), v) &&
          !env_listed(json_object_get(image, "Env"), v))
        runtime_only = true;
    if (!runtime_only)
      json_array_append(out, e);
  }
  return out;
}

/* Config as `inspect` shows it: what the container really runs with. */
static void effective_config(json_t *cfg, json_t *image_config, json_t *spec, json_t *rec) {
  json_t *image = json_object_get(image_config, "config");
  json_t *process = json_object_get(spec, "process");
  json_t *args = json_object_get(process, "args");
  json_object_set_new(cfg, "Env", config_env(json_object_get(process, "env"), cfg, image));
  json_object_set_new(rec, "Path", json_incref(json_array_get(args, 0)));
  json_t *rest = json_array();
  for (size_t i = 1; i < json_array_size(args); i++)
    json_array_append(rest, json_array_get(args, i));
  json_object_set_new(rec, "Args", rest);
  if (!json_object_get(cfg, "Entrypoint"))
    json_object_set_new(cfg, "Entrypoint", json_or(json_object_get(image, "Entrypoint"), json_null()));
  if (!json_object_get(cfg, "Cmd"))
    json_object_set_new(cfg, "Cmd", json_or(json_object_get(image, "Cmd"), json_null()));
  if (!json_object_get(cfg, "WorkingDir"))
    json_object_set_new(cfg, "WorkingDir", json_or(json_object_get(image, "WorkingDir"), json_string("")));
  if (!json_object_get(cfg, "User"))
    json_object_set_new(cfg, "User", json_or(json_object_get(image, "User"), json_string("")));
  if (!json_object_get(cfg, "StopSignal") && json_object_get(image, "StopSignal"))
    json_object_set(cfg, "StopSignal", json_object_get(image, "StopSignal"));
  json_t *labels = json_object();
  json_object_update(labels, json_object_get(image, "Labels"));
  json_object_update(labels, json_object_get(cfg, "Labels"));
  json_object_set_new(cfg, "Labels", labels);
  if (json_object_get(image, "Volumes"))
    json_object_set(cfg, "Volumes", json_object_get(image, "Volumes"));
  if (json_object_get(image, "ExposedPorts") && !json_object_get(cfg, "ExposedPorts"))
    json_object_set(cfg, "ExposedPorts", json_object_get(image, "ExposedPorts"));
}

static int write_bundle(const char *dir, json_t *spec, struct xerr *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/config.json", dir);
  if (json_dump_file(spec, path, JSON_INDENT(2)) < 0)
    return xerr_make(err, errno, "write %s", path);
  return 0;
}

static void cgroups_path(json_t *hc, const char *id, char *buf, size_t len) {
  const char *parent = str_or_null(hc, "CgroupParent");
  if (!parent)
    parent = getenv("XOCKER_CGROUP_PARENT");
  if (!parent || !*parent)
    parent = DEFAULT_CGROUP_PARENT;
  snprintf(buf, len, "%s%s/%s", parent[0] == '/' ? "" : "/", parent, id);
}

/* --network/--ipc/--pid container:NAME: that container's namespace, if it
 * runs (the OCI type "network" is /proc/PID/ns/net). */
static int resolve_ns(void *ctx, const char *name, const char *ns, char *path, size_t len,
                      struct xerr *err) {
  bool net = strcmp(ns, "network") == 0;
  pid_t pid = 0;
  if (engine_joinable_pid(ctx, name, net ? "network" : "namespace", &pid, NULL, err) < 0)
    return -1;
  snprintf(path, len, "/proc/%d/ns/%s", (int)pid, net ? "net" : ns);
  return 0;
}

/* Everything after the storage exists: on failure the caller removes it. */
static int configure(struct xstore *s, struct container_record *c, const struct create_request *req,
                     json_t *cfg, json_t *hc, struct xerr *err) {
  char rootfs[4096], dir[4096], cg[4200];
  if (container_mount(s, c, rootfs, sizeof rootfs, err) < 0)
    return -1;
  struct image_record img;
  if (image_lookup(s, c->image_id, &img, err) < 0)
    return -1;
  json_t *imgcfg = NULL;
  int r = image_config(s, &img, (void **)&imgcfg, err);
  image_record_clear(&img);
  if (r < 0)
    return -1;
  if (!str_or_null(cfg, "Hostname")) {
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%.12s", c->id);
    json_object_set_new(cfg, "Hostname", json_string(shortid));
  }
  json_t *spec = NULL, *mounts = NULL, *rec = json_object();
  engine_container_dir(s, c->id, dir, sizeof dir);
  cgroups_path(hc, c->id, cg, sizeof cg);
  struct ns_resolver resolver = {.resolve = resolve_ns, .ctx = s};
  r = build_spec(imgcfg, cfg, hc, rootfs, &spec, err);
  if (r == 0)
    effective_config(cfg, imgcfg, spec, rec);
  if (r == 0)
    r = hostconfig_to_oci(hc, spec, cg, &resolver, err);
  struct net_etc net = {0};
  if (r == 0 && req->networking)
    json_object_set(rec, "NetworkingConfig", req->networking);
  if (r == 0)
    r = netsetup_create(s, c->id, cfg, hc, spec, rec, &net, err);
  if (r == 0)
    r = etcfiles_setup(dir, cfg, hc, &net, spec, err);
  if (r == 0)
    r = mounts_setup(s, c->id, imgcfg, hc, rootfs, spec, &mounts, err);
  if (r == 0)
    r = write_bundle(dir, spec, err);
  if (r == 0) {
    json_object_set_new(cfg, "Image", json_string(req->image));
    json_object_set_new(rec, "Config", json_incref(cfg));
    json_object_set_new(rec, "HostConfig", json_incref(hc));
    json_object_set_new(rec, "Mounts", mounts);
    mounts = NULL;
    char *text = json_dumps(rec, JSON_COMPACT);
    r = text ? container_set_config(s, c->id, text, err) : xerr_make(err, ENOMEM, "record");
    free(c->config);
    c->config = text;
  }
  if (r < 0 && mounts) {
    struct xerr ignored = {0};
    mounts_release(s, mounts, true, &ignored);
  }
  if (r < 0)
    netsetup_release(s, c->id, &(struct xerr){0});
  json_decref(mounts);
  json_decref(rec);
  json_decref(spec);
  json_decref(imgcfg);
  return r;
}

int engine_create(struct xstore *s, const struct create_request *req,
                  struct container_record *out, struct xerr *err) {
  char name[CONTAINER_NAME_MAX];
  struct container_record c;
  if (req->name) {
    if (container_create(s, req->image, req->name, NULL, &c, err) < 0)
      return -1;
  } else {
    /* A random name may be taken: draw again, as Docker does. */
    int r = -1;
    for (int attempt = 0; attempt < 10 && r < 0; attempt++) {
      engine_random_name(name, sizeof name);
      if (attempt > 0) {
        size_t len = strlen(name);
        snprintf(name + len, sizeof name - len, "%d", attempt);
      }
      xerr_clear(err);
      r = container_create(s, req->image, name, NULL, &c, err);
      if (r < 0 && err->errnum != EEXIST)
        return -1;
    }
    if (r < 0)
      return -1;
  }
  struct cstate st = {.status = "created", .started_at = ZERO_TIME, .finished_at = ZERO_TIME};
  if (configure(s, &c, req, req->config, req->host_config, err) < 0 ||
      cstate_save(s, c.id, &st, err) < 0) {
    struct xerr ignored = {0};
    container_remove(s, &c, &ignored);
    container_record_clear(&c);
    return -1;
  }
  if (!req->keep_mounted) {
    struct xerr ignored = {0};
    container_unmount(s, &c, &ignored);
  }
  engine_event(s, "create", &c, NULL);
  *out = c;
  return 0;
}
