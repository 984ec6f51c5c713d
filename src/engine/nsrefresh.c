/* A container made with --network/--ipc/--pid container:NAME (and every
 * member of a pod) joins that container's namespaces by the path
 * /proc/<pid>/ns/<type>, which is only true while that process lives: the
 * other container may have been restarted since.  So each start points the
 * bundle's paths at the other container's current init (or refuses, as
 * Docker does, when it is not running). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"

static const struct {
  const char *mode_key, *type, *proc_name;
} JOINABLE[] = {
    {"NetworkMode", "network", "net"},
    {"IpcMode", "ipc", "ipc"},
    {"PidMode", "pid", "pid"},
};

int engine_joinable_pid(struct xstore *s, const char *ref, const char *what, pid_t *pid,
                        char id[65], struct xerr *err) {
  struct container_record other = {0};
  if (container_lookup(s, ref, &other, err) < 0)
    return -1;
  struct cstate st = {0};
  int r = cstate_load(s, other.id, &st, err);
  if (r == 0 && (!cstate_running(&st) || st.pid <= 0))
    r = xerr_set(err, EINVAL, "cannot join %s of a non running container: %s", what, other.id);
  *pid = st.pid;
  if (id)
    snprintf(id, 65, "%s", other.id);
  container_record_clear(&other);
  return r;
}

/* Set the path of the namespace of that type in spec; true when changed. */
static bool set_path(json_t *spec, const char *type, const char *path) {
  json_t *ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
  size_t i;
  json_t *e;
  json_array_foreach(ns, i, e) {
    const char *t = json_string_value(json_object_get(e, "type"));
    const char *old = json_string_value(json_object_get(e, "path"));
    if (t && strcmp(t, type) == 0 && old && strcmp(old, path) != 0) {
      json_object_set_new(e, "path", json_string(path));
      return true;
    }
  }
  return false;
}

int engine_refresh_joined_namespaces(struct xstore *s, const struct container_record *c,
                                     struct xerr *err) {
  json_t *rec = engine_record_config(c);
  json_t *hc = json_object_get(rec, "HostConfig");
  char dir[4096], path[4200];
  engine_container_dir(s, c->id, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/config.json", dir);
  json_t *spec = NULL;
  bool changed = false;
  int r = 0;
  for (size_t i = 0; r == 0 && i < sizeof JOINABLE / sizeof JOINABLE[0]; i++) {
    const char *mode = json_string_value(json_object_get(hc, JOINABLE[i].mode_key));
    if (!mode || strncmp(mode, "container:", 10) != 0)
      continue;
    pid_t pid = 0;
    if (engine_joinable_pid(s, mode + 10, JOINABLE[i].type, &pid, NULL, err) < 0) {
      r = -1;
      break;
    }
    if (!spec && !(spec = json_load_file(path, 0, NULL))) {
      r = xerr_set(err, EIO, "container %s: read %s", c->id, path);
      break;
    }
    char ns_path[64];
    snprintf(ns_path, sizeof ns_path, "/proc/%d/ns/%s", (int)pid, JOINABLE[i].proc_name);
    changed |= set_path(spec, JOINABLE[i].type, ns_path);
  }
  if (r == 0 && changed) {
    char *text = json_dumps(spec, JSON_COMPACT);
    r = text ? write_file_atomic(path, text, strlen(text), 0644, err)
             : xerr_make(err, ENOMEM, "container %s: config", c->id);
    free(text);
  }
  json_decref(spec);
  json_decref(rec);
  return r;
}
