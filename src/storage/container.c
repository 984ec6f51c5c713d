/* Container storage records and their root filesystems.  The directory
 * ROOT/containers/<id> is made before the row is written and removed after
 * the row is gone, so a row always has its files; a crash can only leave
 * a directory without a row. */
#include "storage/container.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/randid.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/store.h"
#include "storage/layers.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

void container_record_clear(struct container_record *c) {
  free(c->config);
  c->config = NULL;
}

static void copy_text(sqlite3_stmt *st, int col, char *buf, size_t len) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(buf, len, "%s", t ? (const char *)t : "");
}

#define COLUMNS "id, name, image_id, image_name, created, driver, config"

static int load_row(sqlite3_stmt *st, struct container_record *c, struct xerr *err) {
  memset(c, 0, sizeof *c);
  copy_text(st, 0, c->id, sizeof c->id);
  copy_text(st, 1, c->name, sizeof c->name);
  copy_text(st, 2, c->image_id, sizeof c->image_id);
  copy_text(st, 3, c->image_name, sizeof c->image_name);
  c->created = sqlite3_column_int64(st, 4);
  copy_text(st, 5, c->driver, sizeof c->driver);
  const unsigned char *cfg = sqlite3_column_text(st, 6);
  if (cfg && !(c->config = strdup((const char *)cfg)))
    return xerr_make(err, ENOMEM, "container %s", c->id);
  return 0;
}

/* Docker's rule for names. */
static int check_name(const char *name, struct xerr *err) {
  size_t n = strlen(name);
  bool ok = n >= 2 && n < CONTAINER_NAME_MAX && isalnum((unsigned char)name[0]);
  for (size_t i = 1; ok && i < n; i++)
    ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
  if (!ok)
    return xerr_set(err, EINVAL,
                     "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                     name);
  return 0;
}

static int query_one(struct xstore *s, const char *sql, const char *param,
                     struct container_record *out, bool *found, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *found = false;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "find container");
  sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return store_db_error(s, err, "find container");
  if (sqlite3_step(st) == SQLITE_ROW)
    return xerr_set(err, EINVAL, "multiple IDs found with provided prefix: %.*s",
                    (int)strcspn(param, "*"), param); /* only a GLOB prefix matches twice */
  sqlite3_reset(st);
  sqlite3_step(st);
  *found = true;
  return load_row(st, out, err);
}

int container_lookup(struct xstore *s, const char *name_or_id, struct container_record *out,
                     struct xerr *err) {
  const char *key = name_or_id[0] == '/' ? name_or_id + 1 : name_or_id;
  bool found = false;
  if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE id = ?", key, out, &found, err) <
          0 ||
      found)
    return found ? 0 : -1;
  if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE name = ?", key, out, &found, err) <
          0 ||
      found)
    return found ? 0 : -1;
  bool hex = *key != '\0';
  for (const char *p = key; *p; p++)
    hex = hex && isxdigit((unsigned char)*p) && !isupper((unsigned char)*p);
  if (hex) {
    char pattern[CONTAINER_ID_LEN + 2];
    snprintf(pattern, sizeof pattern, "%.64s*", key);
    if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE id GLOB ?", pattern, out, &found,
                  err) < 0)
      return -1;
    if (found)
      return 0;
  }
  return xerr_set(err, ENOENT, "No such container: %s", name_or_id);
}

int container_list(struct xstore *s, struct container_record **out, size_t *n,
                   struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *out = NULL;
  *n = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM containers ORDER BY created DESC, rowid DESC",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "list containers");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct container_record *grown = realloc(*out, (*n + 1) * sizeof **out);
    if (!grown) {
      container_list_free(*out, *n);
      return xerr_make(err, ENOMEM, "list containers");
    }
    *out = grown;
    if (load_row(st, &(*out)[*n], err) < 0) {
      container_list_free(*out, *n);
      return -1;
    }
    (*n)++;
  }
  if (rc != SQLITE_DONE) {
    container_list_free(*out, *n);
    return store_db_error(s, err, "list containers");
  }
  return 0;
}

void container_list_free(struct container_record *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    container_record_clear(&list[i]);
  free(list);
}

int container_driver(const struct container_record *c, const struct storage_driver **out,
                     struct xerr *err) {
  *out = storage_driver_by_name(c->driver);
  if (!*out)
    return xerr_set(err, EINVAL, "container %s: unknown storage driver \"%s\"", c->name,
                     c->driver);
  return 0;
}

/* The diff dirs from the top layer down through the parents, reversed. */
static int stack_of(struct xstore *s, const char *top, struct layer_stack *out,
                    struct xerr *err) {
  memset(out, 0, sizeof *out);
  char chain[DIGEST_BUF_LEN];
  snprintf(chain, sizeof chain, "%s", top);
  while (chain[0]) {
    if (!layer_exists(s, chain)) {
      layer_stack_free(out);
      return xerr_set(err, ENOENT, "layer %s is missing from the store", chain);
    }
    char path[4096];
    layer_diff_path(s, chain, path, sizeof path);
    char **grown = realloc(out->diffs, (out->n + 1) * sizeof *grown);
    if (!grown || !(grown[out->n] = strdup(path))) {
      out->diffs = grown ? grown : out->diffs;
      layer_stack_free(out);
      return xerr_make(err, ENOMEM, "layers of %s", top);
    }
    out->diffs = grown;
    out->n++;
    cleanup_stmt sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT parent FROM layers WHERE chain_id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
      layer_stack_free(out);
      return store_db_error(s, err, "layers");
    }
    sqlite3_bind_text(st, 1, chain, -1, SQLITE_TRANSIENT);
    chain[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW)
      copy_text(st, 0, chain, sizeof chain);
  }
  for (size_t i = 0; i < out->n / 2; i++) {
    char *t = out->diffs[i];
    out->diffs[i] = out->diffs[out->n - 1 - i];
    out->diffs[out->n - 1 - i] = t;
  }
  return 0;
}

int container_layers(struct xstore *s, const struct container_record *c, struct layer_stack *out,
                     struct xerr *err) {
  struct image_record img;
  if (image_lookup(s, c->image_id, &img, err) < 0)
    return xerr_wrap(err, "container %s", c->name);
  int r = stack_of(s, img.top_layer, out, err);
  image_record_clear(&img);
  return r;
}

static int insert_row(struct xstore *s, const struct container_record *c, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO containers(" COLUMNS ") VALUES(?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "record container");
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->image_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, c->image_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, c->created);
  sqlite3_bind_text(st, 6, c->driver, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, c->config, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT) {
    struct container_record other;
    bool found = false;
    if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE name = ?", c->name, &other,
                  &found, err) == 0 &&
        found) {
      xerr_set(err, EEXIST,
                "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
                "You have to remove (or rename) that container to be able to reuse that name.",
                c->name, other.id);
      container_record_clear(&other);
      return -1;
    }
  }
  if (rc != SQLITE_DONE)
    return store_db_error(s, err, "record container");
  return 0;
}

static int name_taken(struct xstore *s, const char *name, struct xerr *err) {
  struct container_record other;
  bool found = false;
  if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE name = ?", name, &other, &found,
                err) < 0)
    return -1;
  if (!found)
    return 0;
  xerr_set(err, EEXIST,
            "Conflict. The container name \"/%s\" is already in use by container \"%s\". You "
            "have to remove (or rename) that container to be able to reuse that name.",
            name, other.id);
  container_record_clear(&other);
  return -1;
}

int container_create(struct xstore *s, const char *image, const char *name, const char *config,
                     struct container_record *out, struct xerr *err) {
  struct container_record c = {0};
  if (name && *name) {
    const char *n = name[0] == '/' ? name + 1 : name;
    if (check_name(n, err) < 0 || name_taken(s, n, err) < 0)
      return -1;
    snprintf(c.name, sizeof c.name, "%s", n);
  }
  struct image_record img;
  if (image_lookup(s, image, &img, err) < 0)
    return -1;
  snprintf(c.image_id, sizeof c.image_id, "%s", img.id);
  struct layer_stack ls;
  int r = stack_of(s, img.top_layer, &ls, err);
  image_record_clear(&img);
  if (r < 0)
    return -1;
  const struct storage_driver *drv;
  if (storage_driver_default(s, &drv, err) < 0 || random_id(c.id, err) < 0) {
    layer_stack_free(&ls);
    return -1;
  }
  if (!c.name[0])
    snprintf(c.name, sizeof c.name, "%.12s", c.id);
  snprintf(c.image_name, sizeof c.image_name, "%s", image);
  snprintf(c.driver, sizeof c.driver, "%s", drv->name);
  c.created = (int64_t)time(NULL);
  char dir[4096];
  storage_container_dir(s, c.id, dir, sizeof dir);
  if (mkdir(dir, 0700) < 0) {
    layer_stack_free(&ls);
    return xerr_make(err, errno, "create %s", dir);
  }
  r = drv->create_rw(s, c.id, &ls, err);
  layer_stack_free(&ls);
  c.config = config ? strdup(config) : NULL;
  if (r == 0)
    r = insert_row(s, &c, err);
  if (r < 0) {
    struct xerr ignored = {0};
    remove_tree_at(AT_FDCWD, dir, &ignored);
    container_record_clear(&c);
    return xerr_wrap(err, "create container");
  }
  *out = c;
  return 0;
}

/* Mount, unmount and remove of one container are serialised by a lock on
 * its directory, so two `xocker mount`s do not both mount it. */
static int lock_container(struct xstore *s, const char *id, struct xerr *err) {
  char dir[4096];
  storage_container_dir(s, id, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", dir);
  if (flock(fd, LOCK_EX) < 0) {
    xerr_make(err, errno, "lock %s", dir);
    close(fd);
    return -1;
  }
  return fd;
}

int container_mount(struct xstore *s, const struct container_record *c, char *path, size_t len,
                    struct xerr *err) {
  const struct storage_driver *drv;
  if (container_driver(c, &drv, err) < 0)
    return -1;
  cleanup_close int lock = lock_container(s, c->id, err);
  if (lock < 0)
    return -1;
  struct layer_stack ls;
  if (container_layers(s, c, &ls, err) < 0)
    return -1;
  int r = drv->mount(s, c->id, &ls, path, len, err);
  layer_stack_free(&ls);
  return r < 0 ? xerr_wrap(err, "mount container %s", c->name) : 0;
}

int container_unmount(struct xstore *s, const struct container_record *c, struct xerr *err) {
  const struct storage_driver *drv;
  if (container_driver(c, &drv, err) < 0)
    return -1;
  cleanup_close int lock = lock_container(s, c->id, err);
  if (lock < 0)
    return -1;
  return drv->unmount(s, c->id, err);
}

bool container_mounted(struct xstore *s, const struct container_record *c) {
  const struct storage_driver *drv = storage_driver_by_name(c->driver);
  return drv && drv->mounted(s, c->id);
}

int container_remove(struct xstore *s, const struct container_record *c, struct xerr *err) {
  const struct storage_driver *drv;
  if (container_driver(c, &drv, err) < 0)
    return xerr_wrap(err, "remove container %s", c->name);
  cleanup_close int lock = lock_container(s, c->id, err);
  if (lock < 0 || drv->unmount(s, c->id, err) < 0)
    return xerr_wrap(err, "remove container %s", c->name);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM containers WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, "remove container");
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, "remove container");
  char dir[4096];
  storage_container_dir(s, c->id, dir, sizeof dir);
  if (drv->remove_rw(s, c->id, err) < 0 || remove_tree_at(AT_FDCWD, dir, err) < 0)
    return xerr_wrap(err, "remove container %s", c->name);
  return 0;
}

int container_set_config(struct xstore *s, const char *id, const char *config, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE containers SET config = ? WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, "update container");
  sqlite3_bind_text(st, 1, config, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, "update container");
  if (sqlite3_changes(s->db) == 0)
    return xerr_set(err, ENOENT, "No such container: %s", id);
  return 0;
}

int container_rename(struct xstore *s, const char *id, const char *name, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "UPDATE containers SET name = ? WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, "rename container");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT) {
    struct container_record holder;
    bool found = false;
    struct xerr ignored = {0};
    if (query_one(s, "SELECT " COLUMNS " FROM containers WHERE name = ?", name, &holder, &found,
                  &ignored) < 0)
      found = false;
    xerr_set(err, EEXIST,
             "Error when allocating new name: Conflict. The container name \"/%s\" is already in "
             "use by container \"%s\". You have to remove (or rename) that container to be able "
             "to reuse that name.", name, found ? holder.id : id);
    if (found)
      container_record_clear(&holder);
    return -1;
  }
  if (rc != SQLITE_DONE)
    return store_db_error(s, err, "rename container");
  return 0;
}
