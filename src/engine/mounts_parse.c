/* The mount flags of run/create as Docker reads them: -v (its daemon's
 * parser of HostConfig.Binds), --mount (its CLI's csv syntax, then the
 * daemon's checks of HostConfig.Mounts), --tmpfs and --volumes-from.  Each
 * is checked when given and kept in the HostConfig as Docker keeps it. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/mounts.h"
#include "engine/mounts_internal.h"

void mount_point_clear(struct mount_point *mp) {
  free(mp->source);
  free(mp->destination);
  free(mp->mode);
  free(mp->propagation);
  free(mp->tmpfs_data);
  mp->source = mp->destination = mp->mode = mp->propagation = mp->tmpfs_data = NULL;
}

/* Go's path.Clean: no empty or "." components, ".." resolved lexically. */
char *mount_clean_path(const char *path) {
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  if (!out)
    return NULL;
  bool abs = path[0] == '/';
  size_t len = 0;
  if (abs)
    out[len++] = '/';
  size_t floor = len; /* ".." of a relative path cannot go below this */
  for (const char *p = path; *p;) {
    while (*p == '/')
      p++;
    const char *end = p + strcspn(p, "/");
    size_t clen = (size_t)(end - p);
    if (clen == 0 || (clen == 1 && p[0] == '.')) {
      /* skip */
    } else if (clen == 2 && p[0] == '.' && p[1] == '.') {
      if (len > floor) {
        while (len > floor && out[len - 1] != '/')
          len--;
        if (len > floor)
          len--; /* the separator */
        if (len == 0 && abs)
          len = 1;
      } else if (!abs) {
        if (len > 0)
          out[len++] = '/';
        memcpy(out + len, "..", 2);
        len += 2;
        floor = len;
      }
    } else {
      if (len > 0 && out[len - 1] != '/')
        out[len++] = '/';
      memcpy(out + len, p, clen);
      len += clen;
    }
    p = end;
  }
  if (len == 0)
    out[len++] = '.';
  out[len] = '\0';
  return out;
}

/* ---- -v modes ---- */

static bool is_propagation(const char *o) {
  static const char *const modes[] = {"private", "rprivate", "slave",
                                      "rslave",  "shared",   "rshared"};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(o, modes[i]) == 0)
      return true;
  return false;
}

struct mode_info {
  bool valid, ro, nocopy, copy_given;
  char propagation[16];
};

/* Docker's linuxValidMountMode: a comma list with at most one of each
 * kind (rw/ro, z/Z, propagation, copy mode, consistency). */
static struct mode_info parse_mode(const char *mode) {
  struct mode_info mi = {.valid = true};
  int rw = 0, label = 0, prop = 0, copy = 0, consistency = 0;
  if (!*mode)
    return mi;
  char buf[256];
  if (strlen(mode) >= sizeof buf) {
    mi.valid = false;
    return mi;
  }
  snprintf(buf, sizeof buf, "%s", mode);
  char *save = NULL;
  for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0) {
      rw++;
      mi.ro = strcmp(o, "ro") == 0;
    } else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0) {
      label++;
    } else if (is_propagation(o)) {
      prop++;
      snprintf(mi.propagation, sizeof mi.propagation, "%s", o);
    } else if (strcmp(o, "nocopy") == 0) {
      copy++;
      mi.nocopy = mi.copy_given = true;
    } else if (strcmp(o, "consistent") == 0 || strcmp(o, "cached") == 0 ||
               strcmp(o, "delegated") == 0) {
      consistency++;
    } else {
      mi.valid = false;
    }
  }
  /* Empty items (",ro") count as unknown, as strings.Split gives "". */
  if (mode[0] == ',' || mode[strlen(mode) - 1] == ',' || strstr(mode, ",,"))
    mi.valid = false;
  if (rw > 1 || label > 1 || prop > 1 || copy > 1 || consistency > 1)
    mi.valid = false;
  return mi;
}

/* ---- destinations ---- */

static int check_destination(const char *dest, struct xerr *err) {
  if (!*dest)
    return xerr_set(err, EINVAL, "field Target must not be empty");
  cleanup_free char *clean = mount_clean_path(dest);
  if (!clean)
    return xerr_make(err, ENOMEM, "mount %s", dest);
  if (strcmp(clean, "/") == 0)
    return xerr_set(err, EINVAL, "invalid specification: destination can't be '/'");
  if (dest[0] != '/')
    return xerr_set(err, EINVAL, "invalid mount path: '%s' mount path must be absolute", dest);
  return 0;
}

int mount_check_tmpfs_destination(const char *dest, struct xerr *err) {
  cleanup_free char *clean = mount_clean_path(dest);
  if (!clean)
    return xerr_make(err, ENOMEM, "tmpfs %s", dest);
  if (strcmp(clean, "/") == 0)
    return xerr_set(err, EINVAL, "invalid specification: destination can't be '/'");
  if (dest[0] != '/')
    return xerr_set(err, EINVAL, "invalid mount path: '%s' mount path must be absolute", dest);
  return 0;
}

/* ---- -v ---- */

static int fill_common(struct mount_point *mp, const char *source, const char *target,
                       struct xerr *err) {
  mp->destination = mount_clean_path(target);
  mp->source = source && *source ? (source[0] == '/' ? mount_clean_path(source) : strdup(source))
                                 : NULL;
  if (!mp->destination || (source && *source && !mp->source))
    return xerr_make(err, ENOMEM, "mount %s", target);
  return 0;
}

int mount_parse_bind(const char *spec, struct mount_point *mp, struct xerr *err) {
  memset(mp, 0, sizeof *mp);
  /* Docker's CLI refuses empty sections before the daemon sees the spec. */
  if (!*spec)
    return xerr_set(err, EINVAL, "invalid empty volume spec");
  if (spec[0] == ':' || strstr(spec, "::") || spec[strlen(spec) - 1] == ':')
    return xerr_set(err, EINVAL, "invalid spec: %s: empty section between colons", spec);
  char buf[4096];
  if (strlen(spec) >= sizeof buf)
    return xerr_set(err, EINVAL, "invalid volume specification: '%s'", spec);
  snprintf(buf, sizeof buf, "%s", spec);
  char *parts[4] = {0};
  size_t n = 0;
  char *p = buf;
  while (n < 4) {
    parts[n++] = p;
    char *colon = strchr(p, ':');
    if (!colon)
      break;
    *colon = '\0';
    p = colon + 1;
  }
  if (n == 4 || (n == 2 && parse_mode(parts[1]).valid))
    return xerr_set(err, EINVAL, "invalid volume specification: '%s'", spec);
  const char *source = n >= 2 ? parts[0] : NULL;
  const char *target = n >= 2 ? parts[1] : parts[0];
  const char *mode = n == 3 ? parts[2] : "";
  struct mode_info mi = parse_mode(mode);
  if (!mi.valid)
    return xerr_set(err, EINVAL, "invalid mode: %s", mode);
  mp->kind = source && source[0] == '/' ? MOUNT_BIND : MOUNT_VOLUME;
  if (check_destination(target, err) < 0)
    return xerr_wrap(err, "invalid volume specification: '%s': invalid mount config for type \"%s\"",
                     spec, mp->kind == MOUNT_BIND ? "bind" : "volume");
  if (fill_common(mp, source, target, err) < 0)
    return -1;
  mp->rw = !mi.ro;
  mp->copy_data = !mi.nocopy;
  mp->propagation_given = mi.propagation[0] != '\0';
  /* Docker shows a named volume's empty mode as "z" (its SELinux default). */
  const char *shown = mode;
  if (!*mode && mp->kind == MOUNT_VOLUME && mp->source)
    shown = "z";
  mp->mode = strdup(shown);
  mp->propagation = strdup(mp->kind == MOUNT_BIND ? (mi.propagation[0] ? mi.propagation : "rprivate")
                                                  : "");
  if (!mp->mode || !mp->propagation)
    return xerr_make(err, ENOMEM, "mount %s", spec);
  return 0;
}

/* ---- --mount ---- */

/* One csv record (Go's encoding/csv, one line): fields split at commas,
 * "quoted" fields may hold commas and "" for a quote. */
static int csv_fields(const char *value, char ***out, struct xerr *err) {
  cleanup_strv char **fields = NULL;
  size_t cap = strlen(value) + 1;
  cleanup_free char *cur = malloc(cap);
  if (!cur)
    return xerr_make(err, ENOMEM, "--mount");
  const char *p = value;
  for (;;) {
    size_t len = 0;
    if (*p == '"') {
      p++;
      for (;;) {
        if (!*p)
          return xerr_set(err, EINVAL, "parse error on line 1, column %zu: extraneous or "
                          "missing \" in quoted-field", strlen(value));
        if (*p == '"' && p[1] == '"') {
          cur[len++] = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          cur[len++] = *p++;
        }
      }
      if (*p && *p != ',')
        return xerr_set(err, EINVAL, "parse error on line 1, column %zu: extraneous or "
                        "missing \" in quoted-field", (size_t)(p - value) + 1);
    } else {
      while (*p && *p != ',')
        cur[len++] = *p++;
    }
    cur[len] = '\0';
    if (strv_append(&fields, cur) < 0)
      return xerr_make(err, ENOMEM, "--mount");
    if (!*p)
      break;
    p++; /* the comma */
  }
  *out = steal_pointer(&fields);
  return 0;
}

static int parse_go_bool(const char *s, bool *out) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < 6; i++) {
    if (strcmp(s, yes[i]) == 0)
      return *out = true, 0;
    if (strcmp(s, no[i]) == 0)
      return *out = false, 0;
  }
  return -1;
}

int mount_parse_ram_size(const char *s, int64_t *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno || v < 0 || isnan(v) || isinf(v) || isspace((unsigned char)*s))
    return -1;
  double mult = 1;
  if (*end) {
    switch (tolower((unsigned char)*end)) {
    case 'b': mult = 1; break;
    case 'k': mult = 1024.0; break;
    case 'm': mult = 1024.0 * 1024; break;
    case 'g': mult = 1024.0 * 1024 * 1024; break;
    case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
    case 'p': mult = 1024.0 * 1024 * 1024 * 1024 * 1024; break;
    default: return -1;
    }
    const char *rest = end + 1;
    if (tolower((unsigned char)*end) != 'b') {
      if (tolower((unsigned char)*rest) == 'i')
        rest++;
      if (tolower((unsigned char)*rest) == 'b')
        rest++;
    }
    if (*rest)
      return -1;
  }
  *out = (int64_t)(v * mult);
  return 0;
}

static json_t *sub_object(json_t *parent, const char *key) {
  json_t *o = json_object_get(parent, key);
  if (!o) {
    o = json_object();
    json_object_set_new(parent, key, o);
  }
  return o;
}

/* volume-label=k=v and volume-opt=k=v: "k=v" into a map, "k" as "k": "". */
static void set_on_map(json_t *map, const char *kv) {
  const char *eq = strchr(kv, '=');
  if (eq) {
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    json_object_set_new(map, key, json_string(eq + 1));
  } else {
    json_object_set_new(map, kv, json_string(""));
  }
}

static int mount_field(json_t *m, const char *field, struct xerr *err) {
  const char *eq = strchr(field, '=');
  char key[64];
  snprintf(key, sizeof key, "%.*s", (int)(eq ? (size_t)(eq - field) : strlen(field)), field);
  for (char *k = key; *k; k++)
    *k = (char)tolower((unsigned char)*k);
  if (!eq) {
    if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
      return json_object_set_new(m, "ReadOnly", json_true());
    if (strcmp(key, "volume-nocopy") == 0)
      return json_object_set_new(sub_object(m, "VolumeOptions"), "NoCopy", json_true());
    return xerr_set(err, EINVAL, "invalid field '%s' must be a key=value pair", field);
  }
  const char *value = eq + 1;
  bool b;
  int64_t size;
  if (strcmp(key, "type") == 0) {
    char t[64];
    snprintf(t, sizeof t, "%s", value);
    for (char *c = t; *c; c++)
      *c = (char)tolower((unsigned char)*c);
    json_object_set_new(m, "Type", json_string(t));
  } else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
    json_object_set_new(m, "Source", json_string(value));
  } else if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 ||
             strcmp(key, "destination") == 0) {
    json_object_set_new(m, "Target", json_string(value));
  } else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
    if (parse_go_bool(value, &b) < 0)
      return xerr_set(err, EINVAL, "invalid value for %s: %s", key, value);
    json_object_set_new(m, "ReadOnly", json_boolean(b));
  } else if (strcmp(key, "consistency") == 0) {
    json_object_set_new(m, "Consistency", json_string(value));
  } else if (strcmp(key, "bind-propagation") == 0) {
    json_object_set_new(sub_object(m, "BindOptions"), "Propagation", json_string(value));
  } else if (strcmp(key, "bind-nonrecursive") == 0) {
    if (parse_go_bool(value, &b) < 0)
      return xerr_set(err, EINVAL, "invalid value for %s: %s", key, value);
    json_object_set_new(sub_object(m, "BindOptions"), "NonRecursive", json_boolean(b));
  } else if (strcmp(key, "volume-nocopy") == 0) {
    if (parse_go_bool(value, &b) < 0)
      return xerr_set(err, EINVAL, "invalid value for volume-nocopy: %s", value);
    json_object_set_new(sub_object(m, "VolumeOptions"), "NoCopy", json_boolean(b));
  } else if (strcmp(key, "volume-label") == 0) {
    set_on_map(sub_object(sub_object(m, "VolumeOptions"), "Labels"), value);
  } else if (strcmp(key, "volume-driver") == 0) {
    json_object_set_new(sub_object(sub_object(m, "VolumeOptions"), "DriverConfig"), "Name",
                        json_string(value));
  } else if (strcmp(key, "volume-opt") == 0) {
    set_on_map(sub_object(sub_object(sub_object(m, "VolumeOptions"), "DriverConfig"),
                          "Options"),
               value);
  } else if (strcmp(key, "tmpfs-size") == 0) {
    if (mount_parse_ram_size(value, &size) < 0)
      return xerr_set(err, EINVAL, "invalid value for %s: %s", key, value);
    json_object_set_new(sub_object(m, "TmpfsOptions"), "SizeBytes", json_integer(size));
  } else if (strcmp(key, "tmpfs-mode") == 0) {
    char *end = NULL;
    errno = 0;
    unsigned long mode = strtoul(value, &end, 8);
    if (!*value || *end || errno || mode > UINT32_MAX || value[0] == '-' || value[0] == '+')
      return xerr_set(err, EINVAL, "invalid value for %s: %s", key, value);
    json_object_set_new(sub_object(m, "TmpfsOptions"), "Mode", json_integer((json_int_t)mode));
  } else {
    return xerr_set(err, EINVAL, "unexpected key '%s' in '%s'", key, field);
  }
  return 0;
}

int mount_parse_mount_flag(const char *value, json_t **out, struct xerr *err) {
  cleanup_strv char **fields = NULL;
  if (csv_fields(value, &fields, err) < 0)
    return -1;
  json_t *m = json_object();
  json_object_set_new(m, "Type", json_string("volume"));
  for (char **f = fields; *f; f++)
    if (mount_field(m, *f, err) < 0)
      goto fail;
  /* The CLI's VolumeOptions always carry a DriverConfig, as Docker's shows. */
  json_t *vo = json_object_get(m, "VolumeOptions");
  if (vo)
    sub_object(vo, "DriverConfig");
  const char *type = json_string_value(json_object_get(m, "Type"));
  if (!*type) {
    xerr_set(err, EINVAL, "type is required");
    goto fail;
  }
  if (!json_string_length(json_object_get(m, "Target"))) {
    xerr_set(err, EINVAL, "target is required");
    goto fail;
  }
  static const struct {
    const char *key, *prefix, *type;
  } kinds[] = {{"VolumeOptions", "volume", "volume"},
               {"BindOptions", "bind", "bind"},
               {"TmpfsOptions", "tmpfs", "tmpfs"}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (json_object_get(m, kinds[i].key) && strcmp(type, kinds[i].type) != 0) {
      xerr_set(err, EINVAL, "cannot mix '%s-*' options with mount type '%s'", kinds[i].prefix,
               type);
      goto fail;
    }
  *out = m;
  return 0;
fail:
  json_decref(m);
  return -1;
}

/* ---- HostConfig.Mounts entries, checked as the daemon does ---- */

static int mount_config_error(struct xerr *err, const char *type) {
  return xerr_wrap(err, "invalid mount config for type \"%s\"", type);
}

/* Docker's ConvertTmpfsOptions: ro, mode=%o, size with the largest unit
 * that divides it. */
static char *tmpfs_data_of(json_t *m, bool ro) {
  json_t *to = json_object_get(m, "TmpfsOptions");
  char buf[256] = "";
  size_t len = 0;
  if (ro)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "ro");
  json_int_t mode = json_integer_value(json_object_get(to, "Mode"));
  if (mode)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%smode=%llo", len ? "," : "",
                            (unsigned long long)mode);
  json_int_t size = json_integer_value(json_object_get(to, "SizeBytes"));
  if (size) {
    const char *suffix = "";
    static const struct {
      const char *s;
      json_int_t d;
    } units[] = {{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}};
    for (size_t i = 0; i < 3; i++)
      if (size % units[i].d == 0) {
        size /= units[i].d;
        suffix = units[i].s;
        break;
      }
    snprintf(buf + len, sizeof buf - len, "%ssize=%lld%s", len ? "," : "", (long long)size,
             suffix);
  }
  return strdup(buf);
}

static int check_by_type(json_t *m, const char *type, const char *source, bool ro,
                         struct xerr *err) {
  json_t *bo = json_object_get(m, "BindOptions"), *vo = json_object_get(m, "VolumeOptions");
  if (strcmp(type, "bind") == 0) {
    if (!*source)
      return xerr_set(err, EINVAL, "field Source must not be empty");
    const char *prop = json_string_value(json_object_get(bo, "Propagation"));
    if (prop && *prop && !is_propagation(prop))
      return xerr_set(err, EINVAL, "invalid propagation mode: %s", prop);
    if (vo)
      return xerr_set(err, EINVAL, "field VolumeOptions must not be specified");
    if (source[0] != '/')
      return xerr_set(err, EINVAL, "invalid mount path: '%s' mount path must be absolute",
                      source);
  } else if (strcmp(type, "volume") == 0) {
    if (bo)
      return xerr_set(err, EINVAL, "field BindOptions must not be specified");
    if (ro && !*source)
      return xerr_set(err, EINVAL, "must not set ReadOnly mode when using anonymous volumes");
  } else if (strcmp(type, "tmpfs") == 0) {
    if (bo)
      return xerr_set(err, EINVAL, "field BindOptions must not be specified");
    if (*source)
      return xerr_set(err, EINVAL, "field Source must not be specified");
  } else {
    return xerr_set(err, EINVAL, "mount type unknown");
  }
  return 0;
}

int mount_from_api(json_t *m, struct mount_point *mp, struct xerr *err) {
  memset(mp, 0, sizeof *mp);
  const char *type = json_string_value(json_object_get(m, "Type"));
  const char *source = json_string_value(json_object_get(m, "Source"));
  const char *target = json_string_value(json_object_get(m, "Target"));
  bool ro = json_is_true(json_object_get(m, "ReadOnly"));
  type = type ? type : "";
  source = source ? source : "";
  target = target ? target : "";
  if (check_destination(target, err) < 0 || check_by_type(m, type, source, ro, err) < 0)
    return mount_config_error(err, type);
  if (fill_common(mp, source, target, err) < 0)
    return -1;
  mp->rw = !ro;
  json_t *vo = json_object_get(m, "VolumeOptions");
  const char *prop = json_string_value(json_object_get(json_object_get(m, "BindOptions"),
                                                       "Propagation"));
  if (strcmp(type, "bind") == 0) {
    mp->kind = MOUNT_BIND;
    mp->must_exist = true;
    mp->propagation_given = prop && *prop;
    mp->propagation = strdup(prop && *prop ? prop : "rprivate");
    mp->mode = strdup("");
  } else if (strcmp(type, "volume") == 0) {
    mp->kind = MOUNT_VOLUME;
    mp->copy_data = !json_is_true(json_object_get(vo, "NoCopy"));
    mp->volume_labels = json_object_get(vo, "Labels");
    json_t *dc = json_object_get(vo, "DriverConfig");
    mp->volume_options = json_object_get(dc, "Options");
    mp->volume_driver = json_string_value(json_object_get(dc, "Name"));
    mp->propagation = strdup("");
    mp->mode = strdup("z");
  } else {
    mp->kind = MOUNT_TMPFS;
    mp->propagation = strdup("");
    mp->mode = strdup("");
    mp->tmpfs_data = tmpfs_data_of(m, ro);
    if (!mp->tmpfs_data)
      return xerr_make(err, ENOMEM, "tmpfs %s", target);
  }
  if (!mp->propagation || !mp->mode)
    return xerr_make(err, ENOMEM, "mount %s", target);
  return 0;
}

/* ---- --tmpfs ---- */

int mount_parse_tmpfs(const char *dest, const char *data, struct mount_point *mp,
                      struct xerr *err) {
  memset(mp, 0, sizeof *mp);
  if (mount_check_tmpfs_destination(dest, err) < 0)
    return -1;
  mp->kind = MOUNT_TMPFS;
  mp->destination = mount_clean_path(dest);
  mp->tmpfs_data = strdup(data ? data : "");
  mp->mode = strdup("");
  mp->propagation = strdup("");
  mp->rw = true;
  if (!mp->destination || !mp->tmpfs_data || !mp->mode || !mp->propagation)
    return xerr_make(err, ENOMEM, "tmpfs %s", dest);
  return 0;
}

/* Docker's MergeTmpfsOptions: read from the end, keep the first (so the
 * last given) of each flag pair (exec/noexec, ...) and of each key=value
 * key; data keys tmpfs does not know are an error. */
static bool is_mount_flag(const char *o) {
  static const char *const flags[] = {
      "defaults", "ro",         "rw",      "suid",       "nosuid",        "dev",
      "nodev",    "exec",       "noexec",  "sync",       "async",         "dirsync",
      "remount",  "mand",       "nomand",  "atime",      "noatime",       "diratime",
      "nodiratime", "bind",     "rbind",   "unbindable", "runbindable",   "private",
      "rprivate", "shared",     "rshared", "slave",      "rslave",        "relatime",
      "norelatime", "strictatime", "nostrictatime"};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (strcmp(o, flags[i]) == 0)
      return true;
  return false;
}

static bool is_tmpfs_data_key(const char *k, size_t n) {
  static const char *const keys[] = {"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks",
                                     "mpol"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strlen(keys[i]) == n && strncmp(k, keys[i], n) == 0)
      return true;
  return false;
}

/* The key that two options compete for: "exec" for exec and noexec,
 * "rw" for ro and rw, the name of a key=value. */
static void option_key(const char *o, char *key, size_t len) {
  if (is_propagation(o))
    snprintf(key, len, "propagation");
  else if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
    snprintf(key, len, "rw");
  else if (is_mount_flag(o))
    snprintf(key, len, "%s", strncmp(o, "no", 2) == 0 ? o + 2 : o);
  else
    snprintf(key, len, "%.*s=", (int)strcspn(o, "="), o);
}

int mount_tmpfs_options(const char *data, char ***out, struct xerr *err) {
  cleanup_strv char **all = NULL;
  static const char *const defaults[] = {"noexec", "nosuid", "nodev", "rprivate"};
  for (size_t i = 0; i < 4; i++)
    if (strv_append(&all, defaults[i]) < 0)
      return xerr_make(err, ENOMEM, "tmpfs options");
  cleanup_free char *copy = strdup(data ? data : "");
  if (!copy)
    return xerr_make(err, ENOMEM, "tmpfs options");
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
    if (strv_append(&all, o) < 0)
      return xerr_make(err, ENOMEM, "tmpfs options");
  size_t n = strv_length(all);
  cleanup_strv char **keys = NULL;
  char **kept = calloc(n + 1, sizeof *kept);
  if (!kept)
    return xerr_make(err, ENOMEM, "tmpfs options");
  size_t first = n; /* kept[first..n) in order */
  for (size_t i = n; i-- > 0;) {
    const char *o = all[i];
    if (strcmp(o, "defaults") == 0)
      continue;
    if (!is_mount_flag(o)) {
      const char *eq = strchr(o, '=');
      if (!eq || !is_tmpfs_data_key(o, (size_t)(eq - o))) {
        for (size_t k = first; k < n; k++)
          free(kept[k]);
        free(kept);
        return xerr_set(err, EINVAL, "Invalid tmpfs option [\"%s\"]", o);
      }
    }
    char key[64];
    option_key(o, key, sizeof key);
    if (strv_contains(keys, key))
      continue;
    if (strv_append(&keys, key) < 0 || !(kept[--first] = strdup(o))) {
      for (size_t k = first; k < n; k++)
        free(kept[k]);
      free(kept);
      return xerr_make(err, ENOMEM, "tmpfs options");
    }
  }
  memmove(kept, kept + first, (n - first) * sizeof *kept);
  kept[n - first] = NULL;
  *out = kept;
  return 0;
}

/* ---- --volumes-from ---- */

int mount_parse_volumes_from(const char *spec, char **container, bool *ro, struct xerr *err) {
  if (!*spec)
    return xerr_set(err, EINVAL, "volumes-from specification cannot be an empty string");
  const char *colon = strchr(spec, ':');
  const char *mode = colon ? colon + 1 : "";
  if (*mode) {
    struct mode_info mi = parse_mode(mode);
    if (!mi.valid || mi.propagation[0] || mi.copy_given)
      return xerr_set(err, EINVAL, "invalid mode: %s", mode);
    *ro = mi.ro;
  } else {
    *ro = false;
  }
  *container = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
  if (!*container)
    return xerr_make(err, ENOMEM, "volumes-from %s", spec);
  return 0;
}

/* ---- the flags ---- */

bool mounts_has_flag(const char *flag) {
  return strcmp(flag, "volume") == 0 || strcmp(flag, "mount") == 0 ||
         strcmp(flag, "tmpfs") == 0 || strcmp(flag, "volumes-from") == 0;
}

static json_t *array_member(json_t *hc, const char *key) {
  json_t *a = json_object_get(hc, key);
  if (!json_is_array(a)) {
    a = json_array();
    json_object_set_new(hc, key, a);
  }
  return a;
}

static bool array_has_string(json_t *a, const char *s) {
  for (size_t i = 0; i < json_array_size(a); i++)
    if (strcmp(json_string_value(json_array_get(a, i)) ?: "", s) == 0)
      return true;
  return false;
}

static int set_volume(json_t *hc, const char *value, struct xerr *err) {
  struct mount_point mp;
  int rc = mount_parse_bind(value, &mp, err);
  mount_point_clear(&mp);
  if (rc < 0)
    return -1;
  json_t *binds = array_member(hc, "Binds");
  /* Docker's CLI keeps -v in a set: the same spec twice is one mount. */
  if (!array_has_string(binds, value))
    json_array_append_new(binds, json_string(value));
  return 0;
}

static int set_mount(json_t *hc, const char *value, struct xerr *err) {
  json_t *m = NULL;
  struct mount_point mp;
  if (mount_parse_mount_flag(value, &m, err) < 0)
    return xerr_wrap(err, "invalid argument \"%s\" for \"--mount\" flag", value);
  int rc = mount_from_api(m, &mp, err);
  mount_point_clear(&mp);
  if (rc < 0) {
    json_decref(m);
    return -1;
  }
  json_array_append_new(array_member(hc, "Mounts"), m);
  return 0;
}

static int set_tmpfs(json_t *hc, const char *value, struct xerr *err) {
  const char *colon = strchr(value, ':');
  cleanup_free char *dest = colon ? strndup(value, (size_t)(colon - value)) : strdup(value);
  if (!dest)
    return xerr_make(err, ENOMEM, "--tmpfs %s", value);
  if (mount_check_tmpfs_destination(dest, err) < 0)
    return -1;
  json_t *tmpfs = json_object_get(hc, "Tmpfs");
  if (!json_is_object(tmpfs)) {
    tmpfs = json_object();
    json_object_set_new(hc, "Tmpfs", tmpfs);
  }
  json_object_set_new(tmpfs, dest, json_string(colon ? colon + 1 : ""));
  return 0;
}

static int set_volumes_from(json_t *hc, const char *value, struct xerr *err) {
  cleanup_free char *container = NULL;
  bool ro;
  if (mount_parse_volumes_from(value, &container, &ro, err) < 0)
    return -1;
  json_array_append_new(array_member(hc, "VolumesFrom"), json_string(value));
  return 0;
}

int mounts_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err) {
  if (strcmp(flag, "volume") == 0)
    return set_volume(hc, value, err);
  if (strcmp(flag, "mount") == 0)
    return set_mount(hc, value, err);
  if (strcmp(flag, "tmpfs") == 0)
    return set_tmpfs(hc, value, err);
  if (strcmp(flag, "volumes-from") == 0)
    return set_volumes_from(hc, value, err);
  return xerr_set(err, EINVAL, "unknown flag: --%s", flag);
}
