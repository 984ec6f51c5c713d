/* A container's mounts at create and rm.  mounts_setup gathers the mount
 * points from the HostConfig (Binds, Mounts, Tmpfs; VolumesFrom and the
 * image's Volumes where no flag mounts the same place), makes what they
 * need (volumes, missing -v host directories), fills new volumes from the
 * image, and writes both the OCI mounts and Docker's inspect "Mounts".
 * Whatever it made is undone when a later step fails. */
#include "engine/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/mounts_internal.h"
#include "engine/volume.h"
#include "image/store.h"
#include "storage/container.h"

struct plan {
  struct mount_point *points;
  json_t **vol_options; /* per point: a volume's driver options (owned), or NULL */
  size_t n;
  char **made_volumes; /* undone on failure */
  char **made_dirs;    /* -v host directories we created, outermost first */
};

static void plan_free(struct plan *p) {
  for (size_t i = 0; i < p->n; i++) {
    mount_point_clear(&p->points[i]);
    json_decref(p->vol_options[i]);
  }
  free(p->points);
  free(p->vol_options);
  cleanup_strv_fn(&p->made_volumes);
  cleanup_strv_fn(&p->made_dirs);
}

/* Undo what the plan made: its new volumes, then its new directories,
 * innermost first (rmdir only: never anything someone put there). */
static void plan_undo(struct xstore *s, struct plan *p) {
  struct xerr ignored = {0};
  for (char **v = p->made_volumes; v && *v; v++)
    volume_remove_unchecked(s, *v, &ignored);
  for (size_t i = strv_length(p->made_dirs); i-- > 0;)
    rmdir(p->made_dirs[i]);
}

static struct mount_point *plan_find(struct plan *p, const char *dest) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->points[i].destination, dest) == 0)
      return &p->points[i];
  return NULL;
}

/* Takes mp (cleared on every outcome). */
static int plan_add(struct plan *p, struct mount_point *mp, struct xerr *err) {
  struct mount_point *grown = realloc(p->points, (p->n + 1) * sizeof *grown);
  if (grown)
    p->points = grown;
  json_t **grown_opts = realloc(p->vol_options, (p->n + 1) * sizeof *grown_opts);
  if (grown_opts)
    p->vol_options = grown_opts;
  if (!grown || !grown_opts) {
    mount_point_clear(mp);
    return xerr_make(err, ENOMEM, "mounts");
  }
  p->points[p->n] = *mp;
  p->vol_options[p->n] = NULL;
  p->n++;
  memset(mp, 0, sizeof *mp);
  return 0;
}

/* A flag's mount point: two flags for one destination are an error. */
static int plan_add_flag(struct plan *p, struct mount_point *mp, struct xerr *err) {
  if (plan_find(p, mp->destination)) {
    xerr_set(err, EINVAL, "Duplicate mount point: %s", mp->destination);
    mount_point_clear(mp);
    return -1;
  }
  return plan_add(p, mp, err);
}

/* ---- gathering ---- */

static int gather_flags(struct plan *p, json_t *hc, struct xerr *err) {
  json_t *binds = json_object_get(hc, "Binds"), *mounts = json_object_get(hc, "Mounts");
  struct mount_point mp;
  for (size_t i = 0; i < json_array_size(binds); i++) {
    const char *spec = json_string_value(json_array_get(binds, i));
    if (!spec)
      return xerr_set(err, EINVAL, "HostConfig.Binds[%zu]: expected a string", i);
    if (mount_parse_bind(spec, &mp, err) < 0) {
      mount_point_clear(&mp);
      return -1;
    }
    if (plan_add_flag(p, &mp, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < json_array_size(mounts); i++) {
    if (mount_from_api(json_array_get(mounts, i), &mp, err) < 0) {
      mount_point_clear(&mp);
      return -1;
    }
    if (plan_add_flag(p, &mp, err) < 0)
      return -1;
  }
  const char *dest;
  json_t *data;
  json_object_foreach(json_object_get(hc, "Tmpfs"), dest, data) {
    if (mount_parse_tmpfs(dest, json_string_value(data), &mp, err) < 0) {
      mount_point_clear(&mp);
      return -1;
    }
    mp.unlisted = true;
    if (plan_add_flag(p, &mp, err) < 0)
      return -1;
  }
  return 0;
}

/* One entry of another container's inspect Mounts as a mount point of
 * ours: same source and propagation, read-only if it was or if asked. */
static int point_from_inspect(json_t *m, bool ro, struct mount_point *mp, struct xerr *err) {
  memset(mp, 0, sizeof *mp);
  const char *type = json_string_value(json_object_get(m, "Type"));
  const char *dest = json_string_value(json_object_get(m, "Destination"));
  const char *src = json_string_value(json_object_get(
      m, type && strcmp(type, "volume") == 0 ? "Name" : "Source"));
  const char *prop = json_string_value(json_object_get(m, "Propagation"));
  if (!type || !dest || !src || !*src)
    return 1; /* tmpfs or something we cannot share */
  if (strcmp(type, "volume") == 0)
    mp->kind = MOUNT_VOLUME;
  else if (strcmp(type, "bind") == 0)
    mp->kind = MOUNT_BIND;
  else
    return 1;
  mp->source = strdup(src);
  mp->destination = strdup(dest);
  mp->mode = strdup("");
  mp->propagation = strdup(prop ? prop : "");
  mp->rw = json_is_true(json_object_get(m, "RW")) && !ro;
  mp->must_exist = mp->kind == MOUNT_VOLUME;
  mp->propagation_given = true;
  if (!mp->source || !mp->destination || !mp->mode || !mp->propagation)
    return xerr_make(err, ENOMEM, "volumes-from");
  return 0;
}

static int gather_volumes_from(struct xstore *s, struct plan *p, json_t *hc, struct xerr *err) {
  json_t *from = json_object_get(hc, "VolumesFrom");
  for (size_t i = 0; i < json_array_size(from); i++) {
    const char *spec = json_string_value(json_array_get(from, i));
    cleanup_free char *name = NULL;
    bool ro = false;
    if (!spec || mount_parse_volumes_from(spec, &name, &ro, err) < 0)
      return spec ? -1 : xerr_set(err, EINVAL, "HostConfig.VolumesFrom[%zu]: expected a string", i);
    struct container_record rec = {0};
    if (container_lookup(s, name, &rec, err) < 0)
      return -1;
    json_t *doc = rec.config ? json_loads(rec.config, 0, NULL) : NULL;
    container_record_clear(&rec);
    json_t *mounts = json_object_get(doc, "Mounts");
    int rc = 0;
    for (size_t j = 0; rc == 0 && j < json_array_size(mounts); j++) {
      struct mount_point mp;
      int got = point_from_inspect(json_array_get(mounts, j), ro, &mp, err);
      /* A flag for the same destination wins over the other container's mount. */
      if (got == 0 && !plan_find(p, mp.destination))
        rc = plan_add(p, &mp, err);
      else
        rc = got < 0 ? -1 : 0;
      mount_point_clear(&mp);
    }
    json_decref(doc);
    if (rc < 0)
      return -1;
  }
  return 0;
}

/* The image's VOLUMEs no flag mounts become anonymous volumes. */
static int gather_image_volumes(struct plan *p, json_t *image_config, struct xerr *err) {
  const char *dest;
  json_t *unused;
  /* Either the image's whole config document or its "config" object. */
  json_t *volumes = json_object_get(image_config, "Volumes");
  if (!volumes)
    volumes = json_object_get(json_object_get(image_config, "config"), "Volumes");
  json_object_foreach(volumes, dest, unused) {
    cleanup_free char *clean = mount_clean_path(dest);
    if (!clean)
      return xerr_make(err, ENOMEM, "image volume %s", dest);
    if (clean[0] != '/' || strcmp(clean, "/") == 0 || plan_find(p, clean))
      continue;
    struct mount_point mp = {.kind = MOUNT_VOLUME, .rw = true, .copy_data = true};
    mp.destination = steal_pointer(&clean);
    mp.mode = strdup("");
    mp.propagation = strdup("");
    if (!mp.mode || !mp.propagation) {
      mount_point_clear(&mp);
      return xerr_make(err, ENOMEM, "image volume %s", dest);
    }
    if (plan_add(p, &mp, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- making what the points need ---- */

/* mkdir -p, recording each directory it made. */
static int mkdir_tracked(struct plan *p, const char *path, struct xerr *err) {
  char buf[4096];
  if (strlen(path) >= sizeof buf)
    return xerr_set(err, ENAMETOOLONG, "mkdir %s: path too long", path);
  snprintf(buf, sizeof buf, "%s", path);
  for (char *slash = buf + 1;; slash++) {
    char *next = strchr(slash, '/');
    if (next)
      *next = '\0';
    if (mkdir(buf, 0755) == 0) {
      if (strv_append(&p->made_dirs, buf) < 0)
        return xerr_make(err, ENOMEM, "mkdir %s", buf);
    } else if (errno != EEXIST) {
      return xerr_make(err, errno, "mkdir %s", buf);
    }
    if (!next)
      return 0;
    *next = '/';
    slash = next;
  }
}

static bool path_within(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0)
    return true;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int prepare_bind(struct xstore *s, struct plan *p, struct mount_point *mp,
                        struct xerr *err) {
  struct stat st;
  if (stat(mp->source, &st) < 0) {
    if (errno != ENOENT)
      return xerr_make(err, errno, "bind source %s", mp->source);
    if (mp->must_exist)
      return xerr_set(err, ENOENT,
                      "invalid mount config for type \"bind\": bind source path does not "
                      "exist: %s",
                      mp->source);
    /* Docker makes a missing -v host path as a directory. */
    if (mkdir_tracked(p, mp->source, err) < 0)
      return -1;
  }
  /* Docker: a bind of a directory holding the store becomes rslave, so the
   * engine's own later mounts under it do not show up in the container. */
  if (!mp->propagation_given && path_within(s->root, mp->source)) {
    free(mp->propagation);
    if (!(mp->propagation = strdup("rslave")))
      return xerr_make(err, ENOMEM, "bind %s", mp->source);
  }
  return 0;
}

/* Fill the volume under a lock on its directory, so two containers made
 * at once with a new volume do not both copy into it. */
static int copy_up_locked(struct xstore *s, const struct mount_point *mp, const char *rootfs,
                          struct xerr *err) {
  char data[4096], dir[4096];
  volume_data_path(s, mp->source, data, sizeof data);
  snprintf(dir, sizeof dir, "%s", data);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  cleanup_close int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0 || flock(lock, LOCK_EX) < 0)
    return xerr_make(err, errno, "lock volume %s", mp->source);
  return mount_copy_up(rootfs, mp->destination, data, err);
}

static int prepare_volume(struct xstore *s, struct plan *p, size_t i, const char *rootfs,
                          struct xerr *err) {
  struct mount_point *mp = &p->points[i];
  struct volume v = {0};
  if (mp->must_exist) {
    if (volume_lookup(s, mp->source, &v, err) < 0)
      return -1;
  } else {
    bool created = false;
    if (volume_create(s, mp->source, mp->volume_driver, mp->volume_labels, mp->volume_options,
                      mp->source == NULL, &v, &created, err) < 0)
      return -1;
    if (created && strv_append(&p->made_volumes, v.name) < 0) {
      volume_clear(&v);
      return xerr_make(err, ENOMEM, "volume %s", v.name);
    }
    if (!mp->source && !(mp->source = strdup(v.name))) {
      volume_clear(&v);
      return xerr_make(err, ENOMEM, "volume %s", v.name);
    }
  }
  p->vol_options[i] = v.options;
  v.options = NULL;
  volume_clear(&v);
  /* A volume mounted from options (tmpfs) is filled by nobody: it is new
   * at each use.  Other volumes get the image's content while empty. */
  if (mp->copy_data && !p->vol_options[i] && rootfs)
    return copy_up_locked(s, mp, rootfs, err);
  return 0;
}

static int prepare(struct xstore *s, struct plan *p, const char *rootfs, struct xerr *err) {
  for (size_t i = 0; i < p->n; i++) {
    struct mount_point *mp = &p->points[i];
    int rc = 0;
    if (mp->kind == MOUNT_BIND)
      rc = prepare_bind(s, p, mp, err);
    else if (mp->kind == MOUNT_VOLUME)
      rc = prepare_volume(s, p, i, rootfs, err);
    if (rc < 0)
      return -1;
  }
  return 0;
}

/* ---- results ---- */

static json_t *inspect_entry(struct xstore *s, const struct mount_point *mp) {
  static const char *const types[] = {"bind", "volume", "tmpfs"};
  char data[4096] = "";
  if (mp->kind == MOUNT_VOLUME)
    volume_data_path(s, mp->source, data, sizeof data);
  else if (mp->kind == MOUNT_BIND)
    snprintf(data, sizeof data, "%s", mp->source);
  json_t *m = json_object();
  json_object_set_new(m, "Type", json_string(types[mp->kind]));
  if (mp->kind == MOUNT_VOLUME)
    json_object_set_new(m, "Name", json_string(mp->source));
  json_object_set_new(m, "Source", json_string(data));
  json_object_set_new(m, "Destination", json_string(mp->destination));
  if (mp->kind == MOUNT_VOLUME)
    json_object_set_new(m, "Driver", json_string(VOLUME_DRIVER_LOCAL));
  json_object_set_new(m, "Mode", json_string(mp->mode));
  json_object_set_new(m, "RW", json_boolean(mp->rw));
  json_object_set_new(m, "Propagation", json_string(mp->propagation));
  return m;
}

static void append_split(json_t *arr, const char *list) {
  cleanup_free char *copy = strdup(list ? list : "");
  char *save = NULL;
  for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
    json_array_append_new(arr, json_string(o));
}

/* Docker's OCI bind: rbind, ro when read-only, then the propagation. */
static json_t *oci_bind(const char *source, const char *dest, bool rw, const char *prop) {
  json_t *opts = json_array();
  json_array_append_new(opts, json_string("rbind"));
  if (!rw)
    json_array_append_new(opts, json_string("ro"));
  if (prop && *prop)
    json_array_append_new(opts, json_string(prop));
  return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", "bind", "source",
                   source, "options", opts);
}

/* A volume with driver options is mounted as the local driver would:
 * its type, device and o (tmpfs, or a bind of the device). */
static json_t *oci_volume_with_options(const struct mount_point *mp, json_t *o) {
  const char *type = json_string_value(json_object_get(o, "type"));
  const char *device = json_string_value(json_object_get(o, "device"));
  const char *data = json_string_value(json_object_get(o, "o"));
  if (!type || strcmp(type, "tmpfs") != 0)
    return oci_bind(device, mp->destination, mp->rw, "");
  json_t *opts = json_array();
  append_split(opts, data);
  if (!mp->rw)
    json_array_append_new(opts, json_string("ro"));
  return json_pack("{s:s, s:s, s:s, s:o}", "destination", mp->destination, "type", "tmpfs",
                   "source", device && *device ? device : "tmpfs", "options", opts);
}

static int oci_entry(struct xstore *s, const struct mount_point *mp, json_t *vol_options,
                     json_t **out, struct xerr *err) {
  if (mp->kind == MOUNT_TMPFS) {
    cleanup_strv char **opts = NULL;
    if (mount_tmpfs_options(mp->tmpfs_data, &opts, err) < 0)
      return -1;
    *out = json_pack("{s:s, s:s, s:s, s:o}", "destination", mp->destination, "type", "tmpfs",
                     "source", "tmpfs", "options", json_string_array((const char *const *)opts));
  } else if (mp->kind == MOUNT_BIND) {
    *out = oci_bind(mp->source, mp->destination, mp->rw, mp->propagation);
  } else if (vol_options) {
    *out = oci_volume_with_options(mp, vol_options);
  } else {
    char data[4096];
    volume_data_path(s, mp->source, data, sizeof data);
    *out = oci_bind(data, mp->destination, mp->rw, "");
  }
  return *out ? 0 : xerr_make(err, ENOMEM, "mount %s", mp->destination);
}

static size_t depth(const char *path) {
  size_t n = 0;
  for (const char *c = path; *c; c++)
    n += *c == '/';
  return n;
}

/* Parents before children (Docker sorts by the number of components);
 * stable, so points at one depth keep their order. */
static void sort_by_depth(struct mount_point **order, size_t n) {
  for (size_t i = 1; i < n; i++) {
    struct mount_point *cur = order[i];
    size_t j = i;
    while (j > 0 && depth(order[j - 1]->destination) > depth(cur->destination)) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = cur;
  }
}

/* All of the config's mounts, parents before children, as Docker orders
 * a container's mounts: a volume at /etc must come before the /etc/hosts
 * bind that goes on top of it.  Stable, so the defaults keep their order. */
static void sort_spec_mounts(json_t *mounts) {
  size_t n = json_array_size(mounts);
  for (size_t i = 1; i < n; i++) {
    json_t *cur = json_incref(json_array_get(mounts, i));
    size_t d = depth(json_string_value(json_object_get(cur, "destination")) ?: "");
    size_t j = i;
    while (j > 0 &&
           depth(json_string_value(json_object_get(json_array_get(mounts, j - 1),
                                                   "destination")) ?: "") > d) {
      json_array_set(mounts, j, json_array_get(mounts, j - 1));
      j--;
    }
    json_array_set_new(mounts, j, cur);
  }
}

/* Our mounts replace the defaults (/dev/shm, ...) at the same place. */
static void drop_defaults_at(json_t *spec_mounts, const char *dest) {
  for (size_t i = json_array_size(spec_mounts); i-- > 0;) {
    const char *d = json_string_value(json_object_get(json_array_get(spec_mounts, i),
                                                      "destination"));
    if (d && strcmp(d, dest) == 0)
      json_array_remove(spec_mounts, i);
  }
}

/* Docker: a shared bind needs the rootfs rshared, a slave one rslave. */
static void set_root_propagation(json_t *spec, const char *prop) {
  json_t *linux_obj = json_object_get(spec, "linux");
  if (!json_is_object(linux_obj)) {
    linux_obj = json_object();
    json_object_set_new(spec, "linux", linux_obj);
  }
  const char *cur = json_string_value(json_object_get(linux_obj, "rootfsPropagation"));
  if (strstr(prop, "shared"))
    json_object_set_new(linux_obj, "rootfsPropagation", json_string("rshared"));
  else if (strstr(prop, "slave") && !(cur && strstr(cur, "shared")))
    json_object_set_new(linux_obj, "rootfsPropagation", json_string("rslave"));
}

static int write_results(struct xstore *s, struct plan *p, json_t *spec, json_t **mounts,
                         struct xerr *err) {
  json_t *spec_mounts = json_object_get(spec, "mounts");
  if (!json_is_array(spec_mounts)) {
    spec_mounts = json_array();
    json_object_set_new(spec, "mounts", spec_mounts);
  }
  cleanup_free struct mount_point **order = calloc(p->n + 1, sizeof *order);
  json_t *list = json_array();
  json_t *oci = json_array();
  if (!order || !list || !oci) {
    json_decref(list);
    json_decref(oci);
    return xerr_make(err, ENOMEM, "mounts");
  }
  for (size_t i = 0; i < p->n; i++) {
    order[i] = &p->points[i];
    if (!p->points[i].unlisted)
      json_array_append_new(list, inspect_entry(s, &p->points[i]));
  }
  sort_by_depth(order, p->n);
  for (size_t i = 0; i < p->n; i++) {
    json_t *m = NULL;
    if (oci_entry(s, order[i], p->vol_options[order[i] - p->points], &m, err) < 0) {
      json_decref(list);
      json_decref(oci);
      return -1;
    }
    json_array_append_new(oci, m);
  }
  /* Only now that nothing can fail: change the spec. */
  for (size_t i = 0; i < p->n; i++) {
    drop_defaults_at(spec_mounts, order[i]->destination);
    if (order[i]->kind == MOUNT_BIND)
      set_root_propagation(spec, order[i]->propagation);
  }
  json_array_extend(spec_mounts, oci);
  json_decref(oci);
  sort_spec_mounts(spec_mounts);
  *mounts = list;
  return 0;
}

int mounts_setup(struct xstore *s, const char *container_id, json_t *image_config, json_t *hc,
                 const char *rootfs, json_t *spec, json_t **mounts, struct xerr *err) {
  (void)container_id;
  struct plan p = {0};
  *mounts = NULL;
  int rc = -1;
  if (gather_flags(&p, hc, err) < 0 || gather_volumes_from(s, &p, hc, err) < 0 ||
      gather_image_volumes(&p, image_config, err) < 0)
    goto out;
  if (prepare(s, &p, rootfs, err) < 0 || write_results(s, &p, spec, mounts, err) < 0) {
    plan_undo(s, &p);
    goto out;
  }
  rc = 0;
out:
  plan_free(&p);
  return rc;
}

/* ---- rm ---- */

static bool only_user_is(char **users, const char *container_id) {
  if (!users)
    return true;
  if (!container_id)
    return false;
  for (char **u = users; *u; u++)
    if (strcmp(*u, container_id) != 0)
      return false;
  return true;
}

int mounts_release_container(struct xstore *s, const char *container_id, json_t *mounts,
                             bool remove_anonymous, struct xerr *err) {
  int ret = 0;
  for (size_t i = 0; remove_anonymous && i < json_array_size(mounts); i++) {
    json_t *m = json_array_get(mounts, i);
    const char *type = json_string_value(json_object_get(m, "Type"));
    const char *name = json_string_value(json_object_get(m, "Name"));
    if (!type || strcmp(type, "volume") != 0 || !name)
      continue;
    struct volume v = {0};
    struct xerr e = {0};
    if (volume_lookup(s, name, &v, &e) < 0)
      continue; /* already gone */
    bool anonymous = v.anonymous;
    volume_clear(&v);
    if (!anonymous)
      continue; /* named volumes outlive their containers, as with Docker's rm -v */
    cleanup_strv char **users = NULL;
    /* Another container still using it (--volumes-from) keeps it. */
    if (volume_users(s, name, &users, &e) < 0 || !only_user_is(users, container_id) ||
        volume_remove_unchecked(s, name, &e) < 0) {
      if (e.errnum && e.errnum != EBUSY && e.errnum != ENOENT && ret == 0) {
        *err = e;
        ret = -1;
      }
    }
  }
  return ret;
}

int mounts_release(struct xstore *s, json_t *mounts, bool remove_anonymous, struct xerr *err) {
  return mounts_release_container(s, NULL, mounts, remove_anonymous, err);
}
