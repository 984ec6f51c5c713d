/* image_push: blobs first (exists / mount / upload), then the manifest. */
#include "image/push.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/pull.h"
#include "image/registry.h"
#include "image/store.h"

struct pusher {
  struct xstore *store;
  struct registry *reg;
  const struct image_ref *ref;
  const struct push_options *opts;
  const char *digest; /* the blob being uploaded, for progress */
};

static void emit(struct pusher *p, const char *digest, enum push_event ev, int64_t cur,
                 int64_t total, const char *from) {
  if (p->opts && p->opts->event)
    p->opts->event(p->opts->ctx, digest, ev, cur, total, from);
}

static void on_progress(void *ctx, int64_t done, int64_t total) {
  struct pusher *p = ctx;
  emit(p, p->digest, PUSH_PUSHING, done, total, NULL);
}

/* One blob: already there, mounted, or uploaded. */
static int push_blob(struct pusher *p, const struct descriptor *d, bool is_layer,
                     struct xerr *err) {
  const char *repo = p->ref->path;
  bool exists = false;
  if (registry_blob_exists(p->reg, repo, d->digest, &exists, err) < 0)
    return xerr_wrap(err, "blob %s", d->digest);
  if (exists) {
    if (is_layer)
      emit(p, d->digest, PUSH_EXISTS, 0, 0, NULL);
    return 0;
  }
  char from[REF_NAME_MAX];
  if (blob_source_find(p->store, d->digest, p->ref->domain, repo, from, sizeof from, err) < 0)
    return -1;
  if (from[0]) {
    bool mounted = false;
    if (registry_mount_blob(p->reg, repo, d->digest, from, &mounted, err) < 0)
      return xerr_wrap(err, "mount blob %s from %s", d->digest, from);
    if (mounted) {
      if (is_layer)
        emit(p, d->digest, PUSH_MOUNTED, 0, 0, from);
      return 0;
    }
  }
  cleanup_close int fd = blob_open(p->store, d->digest, err);
  if (fd < 0)
    return xerr_wrap(err, "the image's blob is not in the store");
  int64_t size = blob_size(p->store, d->digest);
  p->digest = d->digest;
  if (registry_push_blob(p->reg, repo, d->digest, fd, size, is_layer ? on_progress : NULL, p,
                         err) < 0)
    return -1;
  if (is_layer)
    emit(p, d->digest, PUSH_PUSHED, 0, 0, NULL);
  return 0;
}

static int record_push(struct xstore *s, const struct image_ref *ref,
                       const struct image_manifest *m, const char *image_id,
                       const struct push_result *res, struct xerr *err) {
  if (blob_source_add(s, m->config.digest, ref->domain, ref->path, err) < 0)
    return -1;
  for (size_t i = 0; i < m->n_layers; i++)
    if (blob_source_add(s, m->layers[i].digest, ref->domain, ref->path, err) < 0)
      return -1;
  char name[sizeof res->repository + DIGEST_BUF_LEN + 2];
  snprintf(name, sizeof name, "%s@%s", res->repository, res->digest);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT OR IGNORE INTO repo_digests(name, image_id) VALUES(?1, ?2)", -1,
                         &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "record repo digest");
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "record repo digest");
}

int push_target(const char *name, struct push_result *res, struct xerr *err) {
  memset(res, 0, sizeof *res);
  struct image_ref ref;
  if (ref_parse(name, true, &ref, err) < 0)
    return -1;
  if (ref.digest[0])
    return xerr_make(err, EINVAL, "push %s: cannot push a digest reference", name);
  ref_repository(&ref, res->repository, sizeof res->repository);
  snprintf(res->tag, sizeof res->tag, "%s", ref.tag);
  snprintf(res->name, sizeof res->name, "%s:%s", res->repository, ref.tag);
  return 0;
}

int image_push(struct xstore *s, const char *name, const struct push_options *o,
               struct push_result *res, struct xerr *err) {
  if (push_target(name, res, err) < 0)
    return -1;
  struct image_ref ref;
  if (ref_parse(name, true, &ref, err) < 0)
    return -1;
  struct image_record rec = {0};
  if (image_lookup(s, res->name, &rec, err) < 0) {
    char familiar[sizeof res->name];
    ref_familiarize(res->name, familiar, sizeof familiar);
    xerr_make(err, 0, "An image does not exist locally with the tag: %s", familiar);
    err->errnum = ENOENT;
    return -1;
  }
  int ret = -1;
  struct registry *reg = NULL;
  struct image_manifest m = {0};
  cleanup_free char *data = NULL;
  size_t len = 0;
  if (blob_read(s, rec.manifest_digest, &data, &len, err) < 0 ||
      manifest_parse(data, len, &m, err) < 0)
    goto out;
  if (registry_open(ref.domain, s->root, &reg, err) < 0)
    goto out;
  struct pusher p = {.store = s, .reg = reg, .ref = &ref, .opts = o};
  /* Docker lists the layers top-down. */
  for (size_t i = m.n_layers; i-- > 0;)
    emit(&p, m.layers[i].digest, PUSH_PREPARING, 0, 0, NULL);
  for (size_t i = m.n_layers; i-- > 0;)
    if (push_blob(&p, &m.layers[i], true, err) < 0) {
      xerr_wrap(err, "push %s", res->name);
      goto out;
    }
  if (push_blob(&p, &m.config, false, err) < 0) {
    xerr_wrap(err, "push %s: config", res->name);
    goto out;
  }
  if (registry_put_manifest(reg, ref.path, ref.tag, data, len, rec.manifest_media_type, err) <
      0) {
    xerr_wrap(err, "push %s: manifest", res->name);
    goto out;
  }
  memcpy(res->digest, rec.manifest_digest, DIGEST_BUF_LEN);
  res->size = (int64_t)len;
  ret = record_push(s, &ref, &m, rec.id, res, err);
out:
  manifest_free(&m);
  registry_close(reg);
  image_record_clear(&rec);
  return ret;
}
