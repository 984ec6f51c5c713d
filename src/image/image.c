/* Image records in the store's database: register, look up, tag, list,
 * delete, and removal of the layers and blobs a deleted image leaves unused. */
#include "image/image.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/reference.h"
#include "image/store.h"
#include "storage/layers.h"

static void stmt_finalize(sqlite3_stmt **st) {
  if (*st)
    sqlite3_finalize(*st);
}
#define cleanup_stmt __attribute__((cleanup(stmt_finalize)))

static int prepare(struct xstore *s, const char *sql, sqlite3_stmt **st, struct xerr *err) {
  if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
    return store_db_error(s, err, sql);
  return 0;
}

/* Run a statement binding text parameters (NULL binds SQL NULL). */
static int exec_text(struct xstore *s, const char *sql, struct xerr *err, int n, ...) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (prepare(s, sql, &st, err) < 0)
    return -1;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *v = va_arg(ap, const char *);
    if (v)
      sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(st, i + 1);
  }
  va_end(ap);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, sql);
  return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t len) {
  const unsigned char *v = sqlite3_column_text(st, col);
  snprintf(buf, len, "%s", v ? (const char *)v : "");
}

void image_record_clear(struct image_record *r) {
  cleanup_strv_fn(&r->tags);
  cleanup_strv_fn(&r->digests);
  memset(r, 0, sizeof *r);
}

/* Every value of a one-column query with one text parameter, as a strv. */
static int query_strv(struct xstore *s, const char *sql, const char *param, char ***out,
                      struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (prepare(s, sql, &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
  size_t n = 0, cap = 4;
  char **v = calloc(cap + 1, sizeof *v);
  int rc;
  while (v && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      char **bigger = realloc(v, (cap * 2 + 1) * sizeof *v);
      if (!bigger)
        break;
      v = bigger;
      cap *= 2;
    }
    v[n++] = strdup((const char *)sqlite3_column_text(st, 0));
    v[n] = NULL;
  }
  if (!v)
    return xerr_make(err, ENOMEM, "store database");
  *out = v;
  return 0;
}

#define IMAGE_COLUMNS "id, manifest_digest, manifest_media_type, top_layer, parent, created, size, added"

static int load_row(struct xstore *s, sqlite3_stmt *st, struct image_record *r, struct xerr *err) {
  memset(r, 0, sizeof *r);
  copy_col(st, 0, r->id, sizeof r->id);
  copy_col(st, 1, r->manifest_digest, sizeof r->manifest_digest);
  copy_col(st, 2, r->manifest_media_type, sizeof r->manifest_media_type);
  copy_col(st, 3, r->top_layer, sizeof r->top_layer);
  copy_col(st, 4, r->parent, sizeof r->parent);
  copy_col(st, 5, r->created, sizeof r->created);
  r->size = sqlite3_column_int64(st, 6);
  r->added = sqlite3_column_int64(st, 7);
  if (query_strv(s, "SELECT name FROM tags WHERE image_id = ? ORDER BY name", r->id, &r->tags,
                 err) < 0 ||
      query_strv(s, "SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name", r->id,
                 &r->digests, err) < 0) {
    image_record_clear(r);
    return -1;
  }
  return 0;
}

static int load_by_id(struct xstore *s, const char *id, struct image_record *r, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (prepare(s, "SELECT " IMAGE_COLUMNS " FROM images WHERE id = ?", &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_ROW)
    return xerr_set(err, ENOENT, "No such image: %s", id);
  return load_row(s, st, r, err);
}

/* ---- register ---- */

/* Unpack every layer of the manifest in order; top_out gets the last chain id. */
static int unpack_layers(struct xstore *s, const struct image_manifest *m, json_t *config,
                         char top_out[DIGEST_BUF_LEN], struct xerr *err) {
  cleanup_strv char **diff_ids = NULL;
  if (config_diff_ids(config, &diff_ids, err) < 0)
    return -1;
  size_t n = 0;
  while (diff_ids[n])
    n++;
  if (n != m->n_layers)
    return xerr_set(err, EINVAL, "image config lists %zu layers (rootfs.diff_ids) but the "
                     "manifest has %zu", n, m->n_layers);
  char parent[DIGEST_BUF_LEN] = "";
  for (size_t i = 0; i < n; i++) {
    const struct descriptor *l = &m->layers[i];
    if (!blob_exists(s, l->digest))
      return xerr_set(err, ENOENT, "layer %zu: blob %s is not in the store", i, l->digest);
    char chain[DIGEST_BUF_LEN];
    if (layer_ensure(s, i ? parent : NULL, l->digest, l->media_type, diff_ids[i], chain, err) <
        0) {
      /* Name the blob once: the unpacker may have named it already. */
      if (strstr(err->msg, l->digest))
        return xerr_wrap(err, "layer %zu of %zu", i + 1, n);
      return xerr_wrap(err, "layer %zu of %zu (%s)", i + 1, n, l->digest);
    }
    memcpy(parent, chain, sizeof parent);
  }
  memcpy(top_out, parent, DIGEST_BUF_LEN);
  return 0;
}

static int record_image(struct xstore *s, const char *id, const char *manifest_digest,
                        const char *media_type, const char *top, int64_t size,
                        const char *created, const char *parent, const char *tag,
                        const char *repo_digest, struct xerr *err) {
  char size_s[32], added_s[32];
  snprintf(size_s, sizeof size_s, "%lld", (long long)size);
  snprintf(added_s, sizeof added_s, "%lld", (long long)time(NULL));
  if (store_begin(s, err) < 0)
    return -1;
  if (exec_text(s,
                "INSERT INTO images(id, manifest_digest, manifest_media_type, top_layer, size, "
                "created, parent, added) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "manifest_digest = excluded.manifest_digest, "
                "manifest_media_type = excluded.manifest_media_type, "
                "top_layer = excluded.top_layer, size = excluded.size",
                err, 8, id, manifest_digest, media_type, top[0] ? top : NULL, size_s,
                created && *created ? created : NULL, parent && *parent ? parent : NULL,
                added_s) < 0 ||
      (tag && exec_text(s, "INSERT OR REPLACE INTO tags(name, image_id) VALUES(?, ?)", err, 2,
                        tag, id) < 0) ||
      (repo_digest && exec_text(s, "INSERT OR IGNORE INTO repo_digests(name, image_id) "
                                   "VALUES(?, ?)", err, 2, repo_digest, id) < 0)) {
    store_rollback(s);
    return -1;
  }
  return store_commit(s, err);
}

int image_register(struct xstore *s, const char *manifest_digest, const char *tag,
                   const char *repo_digest, const char *parent, char id_out[DIGEST_BUF_LEN],
                   struct xerr *err) {
  cleanup_free char *mdata = NULL, *cdata = NULL;
  size_t mlen = 0, clen = 0;
  struct image_manifest m;
  if (blob_read(s, manifest_digest, &mdata, &mlen, err) < 0)
    return -1;
  if (manifest_parse(mdata, mlen, &m, err) < 0)
    return xerr_wrap(err, "manifest %s", manifest_digest);
  int ret = -1;
  json_t *config = NULL;
  if (blob_read(s, m.config.digest, &cdata, &clen, err) < 0) {
    xerr_wrap(err, "image config");
    goto out;
  }
  json_error_t jerr;
  config = json_loadb(cdata, clen, 0, &jerr);
  if (!json_is_object(config)) {
    xerr_set(err, EINVAL, "image config %s: malformed JSON: %s", m.config.digest, jerr.text);
    goto out;
  }
  char top[DIGEST_BUF_LEN] = "";
  if (unpack_layers(s, &m, config, top, err) < 0)
    goto out;
  int64_t size = top[0] ? layer_chain_size(s, top) : 0;
  const char *created = json_string_value(json_object_get(config, "created"));
  if (record_image(s, m.config.digest, manifest_digest, m.media_type, top, size < 0 ? 0 : size,
                   created, parent, tag, repo_digest, err) < 0)
    goto out;
  if (id_out)
    memcpy(id_out, m.config.digest, DIGEST_BUF_LEN);
  ret = 0;
out:
  json_decref(config);
  manifest_free(&m);
  return ret;
}

/* ---- lookup ---- */

static bool is_hex(const char *s) {
  size_t n = strspn(s, "0123456789abcdef");
  return n > 0 && n <= DIGEST_HEX_LEN && s[n] == '\0';
}

/* A unique image id starting with hex. */
static int lookup_prefix(struct xstore *s, const char *hex, const char *name,
                         struct image_record *r, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  char pattern[DIGEST_BUF_LEN + 2];
  snprintf(pattern, sizeof pattern, "sha256:%s*", hex);
  if (prepare(s, "SELECT id FROM images WHERE id GLOB ? LIMIT 2", &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
  char id[DIGEST_BUF_LEN] = "";
  int found = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (found++ == 0)
      copy_col(st, 0, id, sizeof id);
  }
  if (found == 0)
    return xerr_set(err, ENOENT, "No such image: %s", name);
  if (found > 1)
    return xerr_set(err, EINVAL, "%s: image id prefix is ambiguous", name);
  return load_by_id(s, id, r, err);
}

static int lookup_name(struct xstore *s, const struct image_ref *ref, struct image_record *r,
                       struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  char repo[REF_NAME_MAX * 2], key[REF_NAME_MAX * 2 + REF_DIGEST_MAX + REF_TAG_MAX];
  ref_repository(ref, repo, sizeof repo);
  const char *sql;
  if (ref->digest[0]) {
    /* repo@digest names a manifest (or index) digest; the tag does not matter. */
    snprintf(key, sizeof key, "%s@%s", repo, ref->digest);
    sql = "SELECT image_id FROM repo_digests WHERE name = ?1 UNION "
          "SELECT id FROM images WHERE manifest_digest = ?2";
  } else {
    snprintf(key, sizeof key, "%s:%s", repo, ref->tag);
    sql = "SELECT image_id FROM tags WHERE name = ?1";
  }
  if (prepare(s, sql, &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
  if (ref->digest[0])
    sqlite3_bind_text(st, 2, ref->digest, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_ROW)
    return 1;
  char id[DIGEST_BUF_LEN];
  copy_col(st, 0, id, sizeof id);
  return load_by_id(s, id, r, err);
}

int image_lookup(struct xstore *s, const char *name, struct image_record *out,
                 struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (!name || !*name)
    return xerr_set(err, EINVAL, "an image name or id is required");
  if (strncmp(name, "sha256:", 7) == 0) {
    if (!is_hex(name + 7))
      return xerr_set(err, EINVAL, "invalid image id \"%s\"", name);
    return lookup_prefix(s, name + 7, name, out, err);
  }
  struct image_ref ref;
  struct xerr perr = {0};
  if (ref_parse(name, true, &ref, &perr) == 0) {
    int rc = lookup_name(s, &ref, out, err);
    if (rc <= 0)
      return rc;
  }
  if (is_hex(name))
    return lookup_prefix(s, name, name, out, err);
  if (perr.msg[0])
    return xerr_set(err, EINVAL, "%s", perr.msg);
  char familiar[REF_NAME_MAX * 2];
  ref_familiar(&ref, familiar, sizeof familiar);
  return xerr_set(err, ENOENT, "No such image: %s", familiar);
}

int image_list(struct xstore *s, struct image_record **out, size_t *n, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (prepare(s, "SELECT " IMAGE_COLUMNS " FROM images ORDER BY created DESC, added DESC", &st,
              err) < 0)
    return -1;
  size_t count = 0, cap = 8;
  struct image_record *list = calloc(cap, sizeof *list);
  if (!list)
    return xerr_make(err, ENOMEM, "list images");
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (count == cap) {
      struct image_record *bigger = realloc(list, cap * 2 * sizeof *list);
      if (!bigger) {
        image_list_free(list, count);
        return xerr_make(err, ENOMEM, "list images");
      }
      list = bigger;
      cap *= 2;
    }
    if (load_row(s, st, &list[count], err) < 0) {
      image_list_free(list, count);
      return -1;
    }
    count++;
  }
  *out = list;
  *n = count;
  return 0;
}

void image_list_free(struct image_record *list, size_t n) {
  for (size_t i = 0; list && i < n; i++)
    image_record_clear(&list[i]);
  free(list);
}

/* ---- tags ---- */

int image_tag(struct xstore *s, const char *id, const char *ref, struct xerr *err) {
  struct image_ref r;
  if (ref_parse(ref, true, &r, err) < 0)
    return -1;
  if (r.digest[0])
    return xerr_set(err, EINVAL, "refusing to create a tag with a digest reference");
  char name[REF_NAME_MAX * 2 + REF_TAG_MAX];
  ref_string(&r, name, sizeof name);
  return exec_text(s, "INSERT OR REPLACE INTO tags(name, image_id) VALUES(?, ?)", err, 2, name,
                   id);
}

int image_untag(struct xstore *s, const char *normalised_tag, struct xerr *err) {
  if (exec_text(s, "DELETE FROM tags WHERE name = ?", err, 1, normalised_tag) < 0)
    return -1;
  if (sqlite3_changes(s->db) == 0)
    return xerr_set(err, ENOENT, "No such image: %s", normalised_tag);
  return 0;
}

int image_users(struct xstore *s, const char *id, char first[65], struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (prepare(s, "SELECT id FROM containers WHERE image_id = ? ORDER BY created", &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (n++ == 0 && first)
      copy_col(st, 0, first, 65);
  }
  return n;
}

/* ---- delete and collect ---- */

/* Is chain (or a layer above it) still the top of some image or container's image? */
static int chain_in_use(struct xstore *s, const char *chain, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  /* Walk down from every image's top layer through the parents. */
  static const char sql[] =
      "WITH RECURSIVE used(c) AS ("
      "  SELECT top_layer FROM images WHERE top_layer IS NOT NULL"
      "  UNION SELECT l.parent FROM layers l JOIN used ON l.chain_id = used.c"
      "  WHERE l.parent IS NOT NULL)"
      " SELECT 1 FROM used WHERE c = ? LIMIT 1";
  if (prepare(s, sql, &st, err) < 0)
    return -1;
  sqlite3_bind_text(st, 1, chain, -1, SQLITE_TRANSIENT);
  return sqlite3_step(st) == SQLITE_ROW;
}

/* Is the blob named by some image (its manifest, config or a layer)? */
static bool blob_in_use(struct xstore *s, const char *digest) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  struct xerr err = {0};
  if (prepare(s, "SELECT 1 FROM images WHERE manifest_digest = ?1 OR id = ?1 UNION "
                 "SELECT 1 FROM layers WHERE blob_digest = ?1 LIMIT 1",
              &st, &err) < 0)
    return true;
  sqlite3_bind_text(st, 1, digest, -1, SQLITE_TRANSIENT);
  return sqlite3_step(st) == SQLITE_ROW;
}

/* Remove the deleted image's layers (top down) and blobs that nothing uses. */
static int collect(struct xstore *s, const struct image_record *r, const struct image_manifest *m,
                   image_deleted_fn deleted, void *ctx, struct xerr *err) {
  char chain[DIGEST_BUF_LEN];
  snprintf(chain, sizeof chain, "%s", r->top_layer);
  while (chain[0]) {
    int used = chain_in_use(s, chain, err);
    if (used < 0)
      return -1;
    if (used)
      break;
    char parent[DIGEST_BUF_LEN] = "";
    cleanup_stmt sqlite3_stmt *st = NULL;
    if (prepare(s, "SELECT parent FROM layers WHERE chain_id = ?", &st, err) < 0)
      return -1;
    sqlite3_bind_text(st, 1, chain, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
      copy_col(st, 0, parent, sizeof parent);
    int64_t bytes = layer_size(s, chain);
    if (layer_remove(s, chain, err) < 0)
      return -1;
    if (deleted)
      deleted(chain, bytes < 0 ? 0 : bytes, ctx);
    memcpy(chain, parent, sizeof chain);
  }
  if (!m)
    return 0;
  if (!blob_in_use(s, r->manifest_digest) && blob_remove(s, r->manifest_digest, err) < 0)
    return -1;
  if (!blob_in_use(s, m->config.digest) && blob_remove(s, m->config.digest, err) < 0)
    return -1;
  for (size_t i = 0; i < m->n_layers; i++)
    if (!blob_in_use(s, m->layers[i].digest) && blob_remove(s, m->layers[i].digest, err) < 0)
      return -1;
  return 0;
}

int image_delete(struct xstore *s, const char *id, bool force, image_deleted_fn deleted,
                 void *ctx, struct xerr *err) {
  struct image_record r;
  if (load_by_id(s, id, &r, err) < 0)
    return -1;
  char user[65] = "";
  int users = image_users(s, id, user, err);
  int ret = -1;
  if (users < 0)
    goto out;
  if (users > 0) {
    char sid[13];
    snprintf(sid, sizeof sid, "%s", digest_hex(id));
    if (!force) {
      xerr_set(err, EBUSY, "conflict: unable to delete %s (must be forced) - image is being "
                "used by stopped container %.12s", sid, user);
      goto out;
    }
    ret = exec_text(s, "DELETE FROM tags WHERE image_id = ?", err, 1, id);
    goto out;
  }
  struct image_manifest m;
  bool have_manifest = false;
  cleanup_free char *mdata = NULL;
  size_t mlen;
  struct xerr ignored = {0};
  if (blob_read(s, r.manifest_digest, &mdata, &mlen, &ignored) == 0 &&
      manifest_parse(mdata, mlen, &m, &ignored) == 0)
    have_manifest = true;
  if (exec_text(s, "DELETE FROM images WHERE id = ?", err, 1, id) < 0)
    goto out_manifest;
  if (deleted)
    deleted(id, 0, ctx);
  ret = collect(s, &r, have_manifest ? &m : NULL, deleted, ctx, err);
out_manifest:
  if (have_manifest)
    manifest_free(&m);
out:
  image_record_clear(&r);
  return ret;
}

/* ---- documents ---- */

int image_config(struct xstore *s, const struct image_record *r, void **json_out,
                 struct xerr *err) {
  cleanup_free char *data = NULL;
  size_t len;
  if (blob_read(s, r->id, &data, &len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *doc = json_loadb(data, len, 0, &jerr);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return xerr_set(err, EINVAL, "image config %s: malformed JSON: %s", r->id, jerr.text);
  }
  *json_out = doc;
  return 0;
}

int image_manifest(struct xstore *s, const struct image_record *r, struct image_manifest *m,
                   struct xerr *err) {
  cleanup_free char *data = NULL;
  size_t len;
  if (blob_read(s, r->manifest_digest, &data, &len, err) < 0)
    return -1;
  return manifest_parse(data, len, m, err);
}
