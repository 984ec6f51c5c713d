/* Pods (engine/pod.h). */
#include "engine/pod.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/proc.h"
#include "common/strv.h"
#include "common/randid.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/hostconfig.h"
#include "image/store.h"
#include "storage/container.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

#define INFRA_IMAGE "busybox"
#define PAUSE_IN_CONTAINER "/.xocker-pause"

void pod_clear(struct pod *p) {
  json_decref(p->labels);
  p->labels = NULL;
}

static void text_column(sqlite3_stmt *st, int col, char *buf, size_t len) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static void load_row(sqlite3_stmt *st, struct pod *p) {
  memset(p, 0, sizeof *p);
  text_column(st, 0, p->id, sizeof p->id);
  text_column(st, 1, p->name, sizeof p->name);
  text_column(st, 2, p->infra_id, sizeof p->infra_id);
  text_column(st, 3, p->created, sizeof p->created);
  const unsigned char *l = sqlite3_column_text(st, 4);
  p->labels = l ? json_loads((const char *)l, 0, NULL) : NULL;
  if (!json_is_object(p->labels)) {
    json_decref(p->labels);
    p->labels = json_object();
  }
}

static int find_where(struct xstore *s, const char *where, const char *arg, struct pod *out,
                      struct xerr *err) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT id, name, infra_id, created, labels FROM pods WHERE %s", where);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "find pod");
  sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return store_db_error(s, err, "find pod");
  load_row(st, out);
  if (sqlite3_step(st) == SQLITE_ROW) {
    pod_clear(out);
    return xerr_set(err, EINVAL, "more than one result for pod ID %s", arg);
  }
  return 1;
}

int pod_lookup(struct xstore *s, const char *ref, struct pod *out, struct xerr *err) {
  memset(out, 0, sizeof *out);
  int r = find_where(s, "id = ?", ref, out, err);
  if (r == 0)
    r = find_where(s, "name = ?", ref, out, err);
  if (r == 0 && *ref && strspn(ref, "0123456789abcdef") == strlen(ref)) {
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s*", ref);
    r = find_where(s, "id GLOB ?", prefix, out, err);
  }
  if (r == 0)
    return xerr_set(err, ENOENT, "no pod with name or ID %s found: no such pod", ref);
  return r < 0 ? -1 : 0;
}

int pod_list(struct xstore *s, struct pod **out, size_t *n, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *out = NULL;
  *n = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT id, name, infra_id, created, labels FROM pods ORDER BY created",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "list pods");
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 4;
      struct pod *bigger = realloc(*out, cap * sizeof *bigger);
      if (!bigger)
        break;
      *out = bigger;
    }
    load_row(st, &(*out)[(*n)++]);
  }
  if (rc != SQLITE_DONE) {
    pod_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return store_db_error(s, err, "list pods");
  }
  return 0;
}

void pod_list_free(struct pod *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    pod_clear(&list[i]);
  free(list);
}

static bool is_member(const struct container_record *c, const struct pod *p) {
  if (strcmp(c->id, p->infra_id) == 0)
    return false;
  json_t *rec = engine_record_config(c);
  const char *pod = json_string_value(
      json_object_get(json_object_get(json_object_get(rec, "Config"), "Labels"), POD_LABEL));
  bool yes = pod && strcmp(pod, p->id) == 0;
  json_decref(rec);
  return yes;
}

int pod_members(struct xstore *s, const struct pod *p, char ***ids, struct xerr *err) {
  struct container_record *list = NULL;
  size_t n = 0;
  *ids = NULL;
  if (container_list(s, &list, &n, err) < 0)
    return -1;
  int r = 0;
  for (size_t i = 0; r == 0 && i < n; i++)
    if (is_member(&list[i], p) && strv_append(ids, list[i].id) < 0)
      r = xerr_make(err, ENOMEM, "pod %s: members", p->name);
  container_list_free(list, n);
  return r;
}

/* ---- create ---- */

static int insert_row(struct xstore *s, const struct pod *p, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO pods(id, name, infra_id, created, labels) VALUES(?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "create pod");
  cleanup_free char *labels = json_dumps(p->labels, JSON_COMPACT | JSON_SORT_KEYS);
  sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, p->infra_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, p->created, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, labels, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT)
    return xerr_set(err, EEXIST, "adding pod to state: name \"%s\" is in use: pod already exists",
                    p->name);
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "create pod");
}

/* The infra: busybox's rootfs with our pause program bound read-only. */
static int create_infra(struct xstore *s, struct pod *p, json_t *cfg, json_t *hc,
                        struct xerr *err) {
  char pause[4096], bind[4200], name[80];
  if (engine_bin_path("xocker-pause", pause, sizeof pause, err) < 0)
    return -1;
  snprintf(bind, sizeof bind, "%s:" PAUSE_IN_CONTAINER ":ro", pause);
  json_t *binds = json_object_get(hc, "Binds");
  if (!json_is_array(binds)) {
    binds = json_array();
    json_object_set_new(hc, "Binds", binds);
  }
  json_array_append_new(binds, json_string(bind));
  json_object_set_new(cfg, "Entrypoint", json_pack("[s]", PAUSE_IN_CONTAINER));
  json_object_set_new(cfg, "Cmd", json_array());
  json_t *labels = json_object_get(cfg, "Labels");
  if (!json_is_object(labels)) {
    labels = json_object();
    json_object_set_new(cfg, "Labels", labels);
  }
  json_object_set_new(labels, POD_LABEL, json_string(p->id));
  json_object_set_new(labels, POD_LABEL ".infra", json_string("true"));
  if (!json_object_get(cfg, "Hostname"))
    json_object_set_new(cfg, "Hostname", json_string(p->name));
  snprintf(name, sizeof name, "%.12s-infra", p->id);
  struct create_request req = {.image = INFRA_IMAGE, .name = name, .config = cfg,
                               .host_config = hc};
  struct container_record c = {0};
  if (engine_create(s, &req, &c, err) < 0)
    return xerr_wrap(err, "pod %s: infra container", p->name);
  snprintf(p->infra_id, sizeof p->infra_id, "%s", c.id);
  container_record_clear(&c);
  return 0;
}

int pod_create(struct xstore *s, const char *name, json_t *labels, json_t *infra_cfg,
               json_t *infra_hc, struct pod *out, struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (random_id(out->id, err) < 0)
    return -1;
  if (name)
    snprintf(out->name, sizeof out->name, "%s", name);
  else
    engine_random_name(out->name, sizeof out->name);
  rfc3339_now(out->created, sizeof out->created);
  out->labels = labels ? json_deep_copy(labels) : json_object();
  struct pod existing = {0};
  struct xerr ignored = {0};
  if (find_where(s, "name = ?", out->name, &existing, &ignored) > 0) {
    pod_clear(&existing);
    pod_clear(out);
    return xerr_set(err, EEXIST, "adding pod to state: name \"%s\" is in use: pod already exists",
                    name);
  }
  json_t *cfg = infra_cfg ? json_deep_copy(infra_cfg) : json_object();
  json_t *hc = infra_hc ? json_deep_copy(infra_hc) : hostconfig_new();
  int r = create_infra(s, out, cfg, hc, err);
  json_decref(cfg);
  json_decref(hc);
  if (r == 0 && insert_row(s, out, err) < 0) {
    struct container_record c = {0};
    if (container_lookup(s, out->infra_id, &c, &ignored) == 0)
      engine_remove(s, &c, true, true, &ignored);
    container_record_clear(&c);
    r = -1;
  }
  if (r < 0)
    pod_clear(out);
  return r;
}

/* ---- life ---- */

static bool running(struct xstore *s, const char *id) {
  struct cstate st = {0};
  struct xerr ignored = {0};
  return cstate_load(s, id, &st, &ignored) == 0 && cstate_running(&st);
}

/* action on the container id, looked up again (it may be gone). */
typedef int (*pod_action)(struct xstore *s, const struct container_record *c, void *arg,
                          struct xerr *err);

static int on_container(struct xstore *s, const char *id, pod_action action, void *arg,
                        struct xerr *err) {
  struct container_record c = {0};
  if (container_lookup(s, id, &c, err) < 0)
    return -1;
  int r = action(s, &c, arg, err);
  container_record_clear(&c);
  return r;
}

static int start_one(struct xstore *s, const struct container_record *c, void *arg,
                     struct xerr *err) {
  (void)arg;
  return running(s, c->id) ? 0 : engine_start(s, c, err);
}

static int stop_one(struct xstore *s, const struct container_record *c, void *arg,
                    struct xerr *err) {
  return engine_stop(s, c, *(int *)arg, err);
}

static int remove_one(struct xstore *s, const struct container_record *c, void *arg,
                      struct xerr *err) {
  return engine_remove(s, c, *(bool *)arg, true, err);
}

int pod_start_infra(struct xstore *s, const struct pod *p, struct xerr *err) {
  return on_container(s, p->infra_id, start_one, NULL, err);
}

int pod_start(struct xstore *s, const struct pod *p, struct xerr *err) {
  if (pod_start_infra(s, p, err) < 0)
    return -1;
  cleanup_strv char **ids = NULL;
  if (pod_members(s, p, &ids, err) < 0)
    return -1;
  for (size_t i = 0; ids && ids[i]; i++)
    if (on_container(s, ids[i], start_one, NULL, err) < 0)
      return -1;
  return 0;
}

int pod_stop(struct xstore *s, const struct pod *p, int timeout, struct xerr *err) {
  cleanup_strv char **ids = NULL;
  if (pod_members(s, p, &ids, err) < 0)
    return -1;
  for (size_t i = 0; ids && ids[i]; i++)
    if (on_container(s, ids[i], stop_one, &timeout, err) < 0)
      return -1;
  return on_container(s, p->infra_id, stop_one, &timeout, err);
}

static int delete_row(struct xstore *s, const struct pod *p, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM pods WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "remove pod");
  sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : store_db_error(s, err, "remove pod");
}

int pod_remove(struct xstore *s, const struct pod *p, bool force, struct xerr *err) {
  cleanup_strv char **ids = NULL;
  if (pod_members(s, p, &ids, err) < 0)
    return -1;
  for (size_t i = 0; !force && ids && ids[i]; i++)
    if (running(s, ids[i]))
      return xerr_set(err, EBUSY,
                      "pod %s has containers that are not ready to be removed: cannot remove "
                      "container %s as it is running - running or paused containers cannot be "
                      "removed without force: container state improper",
                      p->id, ids[i]);
  for (size_t i = 0; ids && ids[i]; i++)
    if (on_container(s, ids[i], remove_one, &force, err) < 0)
      return -1;
  bool always = true;
  struct xerr missing = {0};
  if (on_container(s, p->infra_id, remove_one, &always, &missing) < 0 && missing.errnum != ENOENT) {
    *err = missing;
    return -1;
  }
  return delete_row(s, p, err);
}

void pod_status(struct xstore *s, const struct pod *p, char **members, char *buf, size_t len) {
  size_t total = 0, up = 0;
  for (size_t i = 0; members && members[i]; i++, total++)
    up += running(s, members[i]);
  struct cstate infra = {0};
  struct xerr ignored = {0};
  bool known = cstate_load(s, p->infra_id, &infra, &ignored) == 0;
  if (up > 0 && up < total)
    snprintf(buf, len, "Degraded");
  else if (up > 0 || (known && cstate_running(&infra) && total == 0))
    snprintf(buf, len, "Running");
  else if (known && strcmp(infra.status, "created") == 0 && total == 0)
    snprintf(buf, len, "Created");
  else
    snprintf(buf, len, "Exited");
}

json_t *pod_inspect_json(struct xstore *s, const struct pod *p) {
  json_t *containers = json_array();
  cleanup_strv char **ids = NULL;
  struct xerr ignored = {0};
  cleanup_strv char **all = NULL;
  strv_append(&all, p->infra_id);
  if (pod_members(s, p, &ids, &ignored) == 0)
    for (size_t i = 0; ids && ids[i]; i++)
      strv_append(&all, ids[i]);
  char status[32];
  pod_status(s, p, ids, status, sizeof status);
  for (size_t i = 0; all && all[i]; i++) {
    struct container_record c = {0};
    struct cstate st = {0};
    if (container_lookup(s, all[i], &c, &ignored) < 0)
      continue;
    cstate_load(s, c.id, &st, &ignored);
    json_array_append_new(containers, json_pack("{s:s, s:s, s:s}", "Id", c.id, "Name", c.name,
                                                "State", st.status));
    container_record_clear(&c);
  }
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:o, s:O, s:[s, s]}", "Id", p->id,
                   "Name", p->name, "Created", p->created, "State", status, "Hostname", p->name,
                   "CreateInfra", 1, "InfraContainerID", p->infra_id, "NumContainers",
                   (int)json_array_size(containers), "Containers", containers, "Labels",
                   p->labels, "SharedNamespaces", "ipc", "net");
}

int pod_join(struct xstore *s, const struct pod *p, json_t *cfg, json_t *hc, struct xerr *err) {
  json_t *bindings = json_object_get(hc, "PortBindings");
  if (json_object_size(bindings) || json_is_true(json_object_get(hc, "PublishAllPorts")))
    return xerr_set(err, EINVAL,
                    "invalid config provided: published or exposed ports must be defined when "
                    "the pod is created: network cannot be configured when it is shared with a pod");
  const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
  if (mode && strcmp(mode, "default") != 0)
    return xerr_set(err, EINVAL,
                    "invalid config provided: networks must be defined when the pod is created: "
                    "network cannot be configured when it is shared with a pod");
  if (pod_start_infra(s, p, err) < 0)
    return -1;
  char ref[80];
  snprintf(ref, sizeof ref, "container:%s", p->infra_id);
  json_object_set_new(hc, "NetworkMode", json_string(ref));
  json_object_set_new(hc, "IpcMode", json_string(ref));
  json_t *labels = json_object_get(cfg, "Labels");
  if (!json_is_object(labels)) {
    labels = json_object();
    json_object_set_new(cfg, "Labels", labels);
  }
  json_object_set_new(labels, POD_LABEL, json_string(p->id));
  return 0;
}
