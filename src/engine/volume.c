/* The local volume store.  A row of `volumes` always has its directory:
 * the directory is made inside the transaction that inserts the row, and
 * a removed volume's directory is renamed aside inside the transaction
 * that deletes the row (then deleted), so a new volume of the same name
 * never meets the old one's files. */
#include "engine/volume.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/container.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

void volume_clear(struct volume *v) {
  json_decref(v->labels);
  json_decref(v->options);
  v->labels = v->options = NULL;
}

int volume_check_name(const char *name, struct xerr *err) {
  size_t n = strlen(name);
  if (n < 2)
    return xerr_set(err, EINVAL,
                    "volume name is too short, names should be at least two alphanumeric "
                    "characters");
  bool ok = n < VOLUME_NAME_MAX && isalnum((unsigned char)name[0]);
  for (size_t i = 1; ok && i < n; i++)
    ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
  if (!ok)
    return xerr_set(err, EINVAL,
                    "\"%s\" includes invalid characters for a local volume name, only "
                    "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                    "directory, use absolute path",
                    name);
  return 0;
}

/* The local driver mounts a volume with options at use time, like
 * mount -t TYPE -o O DEVICE; we can do that for tmpfs and for binds. */
int volume_check_options(json_t *options, struct xerr *err) {
  const char *key;
  json_t *value;
  if (!options || json_object_size(options) == 0)
    return 0;
  json_object_foreach(options, key, value) {
    if (strcmp(key, "type") != 0 && strcmp(key, "device") != 0 && strcmp(key, "o") != 0)
      return xerr_set(err, EINVAL, "invalid option key: \"%s\"", key);
  }
  const char *type = json_string_value(json_object_get(options, "type"));
  const char *device = json_string_value(json_object_get(options, "device"));
  const char *o = json_string_value(json_object_get(options, "o"));
  if (type && strcmp(type, "tmpfs") == 0)
    return 0;
  bool bind = false;
  if (o) {
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", o);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
      bind |= strcmp(t, "bind") == 0 || strcmp(t, "rbind") == 0;
  }
  if (bind) {
    if (!device || device[0] != '/')
      return xerr_set(err, EINVAL, "local volume with o=bind needs an absolute device path");
    return 0;
  }
  return xerr_set(err, ENOTSUP,
                  "local volume driver: mount type \"%s\" is not supported (tmpfs, or o=bind)",
                  type ? type : "");
}

static int check_driver(const char *driver, struct xerr *err) {
  if (driver && *driver && strcmp(driver, VOLUME_DRIVER_LOCAL) != 0)
    return xerr_set(err, ENOENT, "error looking up volume plugin %s: plugin \"%s\" not found",
                    driver, driver);
  return 0;
}

void volume_data_path(struct xstore *s, const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/volumes/%s/_data", s->root, name);
}

static void volume_dir(struct xstore *s, const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/volumes/%s", s->root, name);
}

static int random_name(char out[65], struct xerr *err) {
  unsigned char raw[32];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
    return xerr_make(err, errno, "volume name");
  for (size_t i = 0; i < sizeof raw; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
  return 0;
}

static json_t *parse_json_column(sqlite3_stmt *st, int col) {
  const unsigned char *t = sqlite3_column_text(st, col);
  if (!t)
    return NULL;
  json_t *j = json_loads((const char *)t, 0, NULL);
  if (j && json_object_size(j) == 0) {
    json_decref(j);
    return NULL;
  }
  return j;
}

#define COLUMNS "name, driver, created, labels, options, anonymous"

static void load_row(sqlite3_stmt *st, struct volume *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->name, sizeof v->name, "%s", (const char *)sqlite3_column_text(st, 0));
  snprintf(v->driver, sizeof v->driver, "%s", (const char *)sqlite3_column_text(st, 1));
  v->created = sqlite3_column_int64(st, 2);
  v->labels = parse_json_column(st, 3);
  v->options = parse_json_column(st, 4);
  v->anonymous = sqlite3_column_int(st, 5) != 0;
}

/* 1 found, 0 not found, -1 error. */
static int find_row(struct xstore *s, const char *name, struct volume *out, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM volumes WHERE name = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return store_db_error(s, err, "find volume");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return store_db_error(s, err, "find volume");
  load_row(st, out);
  return 1;
}

int volume_lookup(struct xstore *s, const char *name, struct volume *out, struct xerr *err) {
  int rc = find_row(s, name, out, err);
  if (rc == 0)
    return xerr_set(err, ENOENT, "get %s: no such volume", name);
  return rc < 0 ? -1 : 0;
}

/* Move ROOT/volumes/<name> out of the way (to .trash-<name>-<random>) so
 * the name is free at once; *trash receives where it went ("" when there
 * was nothing). */
static int move_aside(struct xstore *s, const char *name, char *trash, size_t len,
                      struct xerr *err) {
  char dir[4096], rnd[65];
  trash[0] = '\0';
  volume_dir(s, name, dir, sizeof dir);
  if (random_name(rnd, err) < 0)
    return -1;
  snprintf(trash, len, "%s/volumes/.trash-%.16s", s->root, rnd);
  if (rename(dir, trash) < 0) {
    trash[0] = '\0';
    if (errno != ENOENT)
      return xerr_make(err, errno, "remove %s", dir);
  }
  return 0;
}

static int make_data_dir(struct xstore *s, const char *name, struct xerr *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/volumes", s->root);
  if (mkdir(path, 0701) < 0 && errno != EEXIST)
    return xerr_make(err, errno, "mkdir %s", path);
  volume_dir(s, name, path, sizeof path);
  if (mkdir(path, 0701) < 0)
    return xerr_make(err, errno, "mkdir %s", path);
  volume_data_path(s, name, path, sizeof path);
  if (mkdir(path, 0755) < 0)
    return xerr_make(err, errno, "mkdir %s", path);
  return 0;
}

static char *dump_or_null(json_t *obj) {
  return obj && json_object_size(obj) ? json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
}

/* Inside the caller's transaction: insert the row and make the directory. */
static int insert_volume(struct xstore *s, const char *name, json_t *labels, json_t *options,
                         bool anonymous, char *trash, size_t trash_len, struct xerr *err) {
  /* A directory without a row is what a crash left; it is nobody's. */
  if (move_aside(s, name, trash, trash_len, err) < 0 || make_data_dir(s, name, err) < 0)
    return -1;
  cleanup_free char *l = dump_or_null(labels);
  cleanup_free char *o = dump_or_null(options);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO volumes(" COLUMNS ") VALUES(?, ?, ?, ?, ?, ?)", -1, &st,
                         NULL) != SQLITE_OK)
    return store_db_error(s, err, "create volume");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, VOLUME_DRIVER_LOCAL, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
  sqlite3_bind_text(st, 4, l, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, o, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 6, anonymous);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, "create volume");
  return 0;
}

static void drop_trash(const char *trash) {
  struct xerr ignored = {0};
  if (trash[0])
    remove_tree(trash, &ignored);
}

int volume_create(struct xstore *s, const char *name, const char *driver, json_t *labels,
                  json_t *options, bool anonymous, struct volume *out, bool *created,
                  struct xerr *err) {
  char rnd[65];
  *created = false;
  if (!name) {
    if (random_name(rnd, err) < 0)
      return -1;
    name = rnd;
  }
  if (check_driver(driver, err) < 0 || volume_check_name(name, err) < 0 ||
      volume_check_options(options, err) < 0)
    return xerr_wrap(err, "create %s", name);
  if (store_begin(s, err) < 0)
    return -1;
  int found = find_row(s, name, out, err);
  if (found != 0) {
    store_rollback(s);
    return found < 0 ? -1 : 0;
  }
  char trash[4096];
  if (insert_volume(s, name, labels, options, anonymous, trash, sizeof trash, err) < 0 ||
      store_commit(s, err) < 0) {
    store_rollback(s);
    char dir[4096];
    volume_dir(s, name, dir, sizeof dir);
    struct xerr ignored = {0};
    remove_tree(dir, &ignored);
    drop_trash(trash);
    return xerr_wrap(err, "create %s", name);
  }
  drop_trash(trash);
  *created = true;
  if (find_row(s, name, out, err) != 1)
    return -1;
  return 0;
}

void volume_list_free(struct volume *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    volume_clear(&list[i]);
  free(list);
}

int volume_list(struct xstore *s, struct volume **out, size_t *n, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *out = NULL;
  *n = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM volumes ORDER BY name", -1, &st,
                         NULL) != SQLITE_OK)
    return store_db_error(s, err, "list volumes");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct volume *grown = realloc(*out, (*n + 1) * sizeof **out);
    if (!grown) {
      volume_list_free(*out, *n);
      *out = NULL;
      *n = 0;
      return xerr_make(err, ENOMEM, "list volumes");
    }
    *out = grown;
    load_row(st, &(*out)[(*n)++]);
  }
  if (rc != SQLITE_DONE) {
    volume_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return store_db_error(s, err, "list volumes");
  }
  return 0;
}

/* Docker prints times as RFC 3339 in the local zone, to the second. */
static void format_created(int64_t t, char *buf, size_t len) {
  time_t tt = (time_t)t;
  struct tm tm;
  localtime_r(&tt, &tm);
  long off = tm.tm_gmtoff;
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  if (off == 0)
    snprintf(buf + n, len - n, "Z");
  else
    snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
             labs(off) % 3600 / 60);
}

json_t *volume_inspect_json(struct xstore *s, const struct volume *v) {
  char created[64], mountpoint[4096];
  format_created(v->created, created, sizeof created);
  volume_data_path(s, v->name, mountpoint, sizeof mountpoint);
  json_t *j = json_object();
  json_object_set_new(j, "CreatedAt", json_string(created));
  json_object_set_new(j, "Driver", json_string(v->driver));
  json_object_set_new(j, "Labels", v->labels ? json_deep_copy(v->labels) : json_null());
  json_object_set_new(j, "Mountpoint", json_string(mountpoint));
  json_object_set_new(j, "Name", json_string(v->name));
  json_object_set_new(j, "Options", v->options ? json_deep_copy(v->options) : json_null());
  json_object_set_new(j, "Scope", json_string("local"));
  return j;
}

/* ---- size ---- */

struct seen_inode {
  dev_t dev;
  ino_t ino;
};

struct size_walk {
  int64_t total;
  struct seen_inode *seen; /* files with more than one link, counted once */
  size_t n_seen;
};

static bool seen_before(struct size_walk *w, const struct stat *st) {
  for (size_t i = 0; i < w->n_seen; i++)
    if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
      return true;
  struct seen_inode *grown = realloc(w->seen, (w->n_seen + 1) * sizeof *grown);
  if (grown) {
    w->seen = grown;
    w->seen[w->n_seen++] = (struct seen_inode){st->st_dev, st->st_ino};
  }
  return false;
}

static void size_dir(int dirfd, struct size_walk *w) {
  int fd = dup(dirfd);
  if (fd < 0)
    return;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  cleanup_dir DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    struct stat st;
    if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      cleanup_close int sub =
          openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        size_dir(sub, w);
    } else if (st.st_nlink < 2 || !seen_before(w, &st)) {
      w->total += st.st_size;
    }
  }
}

int64_t volume_size(struct xstore *s, const char *name) {
  char path[4096];
  volume_data_path(s, name, path, sizeof path);
  cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return 0;
  struct size_walk w = {0};
  size_dir(fd, &w);
  free(w.seen);
  return w.total;
}

/* ---- use and removal ---- */

static bool mounts_name(const char *config, const char *name) {
  json_t *doc = config ? json_loads(config, 0, NULL) : NULL;
  json_t *mounts = json_object_get(doc, "Mounts");
  bool found = false;
  for (size_t i = 0; !found && i < json_array_size(mounts); i++) {
    json_t *m = json_array_get(mounts, i);
    const char *type = json_string_value(json_object_get(m, "Type"));
    const char *n = json_string_value(json_object_get(m, "Name"));
    found = type && n && strcmp(type, "volume") == 0 && strcmp(n, name) == 0;
  }
  json_decref(doc);
  return found;
}

int volume_users(struct xstore *s, const char *name, char ***ids, struct xerr *err) {
  struct container_record *list = NULL;
  size_t n = 0;
  *ids = NULL;
  if (container_list(s, &list, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    if (mounts_name(list[i].config, name) && strv_append(ids, list[i].id) < 0)
      ret = xerr_make(err, ENOMEM, "volume %s", name);
  container_list_free(list, n);
  return ret;
}

static int in_use_error(const char *name, char **ids, struct xerr *err) {
  char list[XERR_MSG_MAX] = "";
  size_t used = 0;
  for (char **id = ids; *id && used < sizeof list; id++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", id == ids ? "" : ", ", *id);
  return xerr_set(err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
}

static int delete_row(struct xstore *s, const char *name, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM volumes WHERE name = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, "remove volume");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, "remove volume");
  return 0;
}

static int remove_volume(struct xstore *s, const char *name, bool check_use, struct xerr *err) {
  if (store_begin(s, err) < 0)
    return -1;
  struct volume v = {0};
  int found = find_row(s, name, &v, err);
  volume_clear(&v);
  if (found <= 0) {
    store_rollback(s);
    return found < 0 ? -1 : xerr_set(err, ENOENT, "get %s: no such volume", name);
  }
  if (check_use) {
    cleanup_strv char **ids = NULL;
    if (volume_users(s, name, &ids, err) < 0) {
      store_rollback(s);
      return -1;
    }
    if (ids) {
      store_rollback(s);
      return in_use_error(name, ids, err);
    }
  }
  char trash[4096];
  if (delete_row(s, name, err) < 0 || move_aside(s, name, trash, sizeof trash, err) < 0) {
    store_rollback(s);
    return xerr_wrap(err, "remove %s", name);
  }
  if (store_commit(s, err) < 0) {
    store_rollback(s);
    char dir[4096];
    volume_dir(s, name, dir, sizeof dir);
    if (trash[0])
      rename(trash, dir); /* the row is still there: give its files back */
    return xerr_wrap(err, "remove %s", name);
  }
  drop_trash(trash);
  return 0;
}

int volume_remove(struct xstore *s, const char *name, struct xerr *err) {
  return remove_volume(s, name, true, err);
}

int volume_remove_unchecked(struct xstore *s, const char *name, struct xerr *err) {
  return remove_volume(s, name, false, err);
}
