#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/xerr.h"

const char *status_name(enum container_status s) {
  switch (s) {
  case STATUS_CREATING: return "creating";
  case STATUS_CREATED: return "created";
  case STATUS_RUNNING: return "running";
  case STATUS_PAUSED: return "paused";
  case STATUS_STOPPED: return "stopped";
  default: return "unknown";
  }
}

int container_id_validate(const char *id, struct xerr *err) {
  if (id == NULL || *id == '\0')
    return xerr_make(err, EINVAL, "container id cannot be empty");
  if (strlen(id) > 1024)
    return xerr_make(err, EINVAL, "invalid container id \"%.32s...\": longer than 1024 bytes", id);
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return xerr_make(err, EINVAL, "invalid container id \"%s\"", id);
  for (const char *p = id; *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '+' || c == '-' || c == '.'))
      return xerr_make(err, EINVAL,
                       "invalid container id \"%s\": only [A-Za-z0-9_+.-] are allowed", id);
  }
  return 0;
}

int state_dir_path(const char *root, const char *id, char *buf, size_t len, struct xerr *err) {
  if (container_id_validate(id, err) < 0)
    return -1;
  if ((size_t)snprintf(buf, len, "%s/%s", root, id) >= len)
    return xerr_make(err, ENAMETOOLONG, "state directory of %s", id);
  return 0;
}

int pid_file_write(const char *path, pid_t pid, struct xerr *err) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  return write_state_file(path, buf, (size_t)n, 0644, err);
}


bool state_process_alive(const struct container_state *st) {
  if (st->pid <= 0)
    return false;
  uint64_t now = proc_start_time(st->pid);
  return now != 0 && now == st->start_time;
}

enum container_status state_status(const char *root, const struct container_state *st) {
  if (!state_process_alive(st))
    return STATUS_STOPPED;
  char fifo[PATH_MAX];
  snprintf(fifo, sizeof fifo, "%s/%s/exec.fifo", root, st->id);
  if (access(fifo, F_OK) == 0)
    return STATUS_CREATED;
  cleanup_cgroup struct cgroup *cg = NULL;
  bool frozen = false;
  if (st->cgroup_path && cgroup_open(st->cgroup_path, &cg, NULL) == 0 &&
      cgroup_is_frozen(cg, &frozen, NULL) == 0 && frozen)
    return STATUS_PAUSED;
  return STATUS_RUNNING;
}

json_t *state_to_json(const struct container_state *st, enum container_status status) {
  json_t *o = json_object();
  json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
  json_object_set_new(o, "id", json_string(st->id));
  json_object_set_new(o, "pid", json_integer(status == STATUS_STOPPED ? 0 : st->pid));
  json_object_set_new(o, "status", json_string(status_name(status)));
  json_object_set_new(o, "bundle", json_string(st->bundle));
  json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
  json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
  if (st->annotations && json_object_size(st->annotations) > 0)
    json_object_set(o, "annotations", st->annotations);
  /* runc reports the owner's name for rootless containers only. */
  json_object_set_new(o, "owner", json_string(""));
  return o;
}

int state_save(const char *root, const struct container_state *st, struct xerr *err) {
  char dir[PATH_MAX], path[PATH_MAX + 16];
  if (state_dir_path(root, st->id, dir, sizeof dir, err) < 0)
    return -1;
  snprintf(path, sizeof path, "%s/state.json", dir);
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:b, s:b}", "id", st->id,
                        "bundle", st->bundle, "rootfs", st->rootfs ? st->rootfs : "",
                        "cgroupPath", st->cgroup_path ? st->cgroup_path : "", "created",
                        st->created ? st->created : "", "pid", (int)st->pid, "startTime",
                        (json_int_t)st->start_time, "owner", (int)st->owner, "userNamespace",
                        st->has_user_ns, "pidNamespace", st->has_pid_ns_new);
  if (o == NULL)
    return xerr_make(err, ENOMEM, "state of %s", st->id);
  if (st->annotations)
    json_object_set(o, "annotations", st->annotations);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  if (text == NULL)
    return xerr_make(err, ENOMEM, "state of %s", st->id);
  int ret = write_state_file(path, text, strlen(text), 0600, err);
  free(text);
  return ret;
}

int state_load(const char *root, const char *id, struct container_state **out,
               struct xerr *err) {
  char dir[PATH_MAX], path[PATH_MAX + 16];
  if (state_dir_path(root, id, dir, sizeof dir, err) < 0)
    return -1;
  snprintf(path, sizeof path, "%s/state.json", dir);
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0) {
    if (err && err->errnum == ENOENT)
      xerr_make(err, 0, "container %s does not exist", id), err->errnum = ENOENT;
    return -1;
  }
  json_error_t jerr;
  json_t *o = json_loads(text, 0, &jerr);
  if (o == NULL)
    return xerr_make(err, EINVAL, "%s: corrupt state: %s", path, jerr.text);
  struct container_state *st = calloc(1, sizeof *st);
  int64_t pid = 0, start = 0, owner = 0;
  int ret = -1;
  if (st == NULL) {
    xerr_make(err, ENOMEM, "state of %s", id);
    goto out;
  }
  if (json_get_string(o, "id", path, true, &st->id, err) < 0 ||
      json_get_string(o, "bundle", path, true, &st->bundle, err) < 0 ||
      json_get_string(o, "rootfs", path, false, &st->rootfs, err) < 0 ||
      json_get_string(o, "cgroupPath", path, false, &st->cgroup_path, err) < 0 ||
      json_get_string(o, "created", path, false, &st->created, err) < 0 ||
      json_get_int64(o, "pid", path, true, &pid, NULL, err) < 0 ||
      json_get_int64(o, "startTime", path, false, &start, NULL, err) < 0 ||
      json_get_int64(o, "owner", path, false, &owner, NULL, err) < 0 ||
      json_get_bool(o, "userNamespace", path, &st->has_user_ns, err) < 0 ||
      json_get_bool(o, "pidNamespace", path, &st->has_pid_ns_new, err) < 0)
    goto out;
  st->pid = (pid_t)pid;
  st->start_time = (uint64_t)start;
  st->owner = (uid_t)owner;
  st->annotations = json_incref(json_member(o, "annotations"));
  *out = st;
  st = NULL;
  ret = 0;
out:
  state_free(st);
  json_decref(o);
  return ret;
}

void state_free(struct container_state *st) {
  if (st == NULL)
    return;
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->cgroup_path);
  free(st->created);
  json_decref(st->annotations);
  free(st);
}
