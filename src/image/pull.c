/* image_pull: resolve a reference on its registry, fetch the blobs in
 * parallel (a few threads, one transfer each), unpack the layers in order
 * while later ones are still downloading, register the image. */
#include "image/pull.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "image/store.h"
#include "storage/layers.h"

#define PULL_THREADS 3

/* ---- where blobs came from ---- */

int blob_source_add(struct xstore *s, const char *digest, const char *domain, const char *repo,
                    struct xerr *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT OR IGNORE INTO blob_sources(digest, registry, repo) "
                         "VALUES(?1, ?2, ?3)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "record blob source");
  sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, repo, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "record blob source");
}

int blob_source_find(struct xstore *s, const char *digest, const char *domain,
                     const char *except, char *repo, size_t len, struct xerr *err) {
  repo[0] = '\0';
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT repo FROM blob_sources WHERE digest = ?1 AND registry = ?2 "
                         "AND repo <> ?3 ORDER BY repo LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "find blob source");
  sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, except, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(repo, len, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(s, err, "find blob source");
}

void pull_clean_stale(struct xstore *s) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/blobs/tmp", s->root);
  cleanup_dir DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    /* A live blob writer holds an flock on its file (store.c). */
    cleanup_close int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
      unlinkat(dirfd(d), e->d_name, 0);
  }
}

/* ---- the parallel fetch ---- */

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct job {
  struct descriptor desc;
  bool is_layer;
  bool fetched; /* it was not in the store before */
  enum job_state state;
  struct xerr err;
  struct pull *pull;
};

struct pull {
  struct xstore *store;
  struct registry *reg;
  const char *repo;
  const struct pull_options *opts;
  const char *want_platform; /* check the config against it (a manifest not from an index) */
  struct job *jobs;
  size_t n_jobs, next;
  bool abort;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  pthread_mutex_t event_lock;
};

static void emit(struct pull *p, const char *digest, enum pull_event ev, int64_t cur,
                 int64_t total) {
  if (!p->opts || !p->opts->event)
    return;
  pthread_mutex_lock(&p->event_lock);
  p->opts->event(p->opts->ctx, digest, ev, cur, total);
  pthread_mutex_unlock(&p->event_lock);
}

static void on_progress(void *ctx, int64_t done, int64_t total) {
  struct job *j = ctx;
  if (j->is_layer)
    emit(j->pull, j->desc.digest, PULL_DOWNLOADING, done, j->desc.size > 0 ? j->desc.size : total);
}

static void run_job(struct pull *p, struct job *j) {
  struct xerr err = {0};
  int ret = registry_fetch_blob(p->reg, p->store, p->repo, j->desc.digest, j->desc.size,
                                on_progress, j, &err);
  if (ret == 0 && j->is_layer) {
    emit(p, j->desc.digest, PULL_VERIFYING, 0, 0);
    emit(p, j->desc.digest, PULL_DOWNLOADED, 0, 0);
  }
  pthread_mutex_lock(&p->lock);
  j->state = ret == 0 ? JOB_DONE : JOB_FAILED;
  if (ret < 0) {
    j->err = err;
    p->abort = true;
  }
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg) {
  struct pull *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    while (p->next < p->n_jobs && p->jobs[p->next].state != JOB_PENDING)
      p->next++;
    if (p->abort || p->next >= p->n_jobs) {
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
    struct job *j = &p->jobs[p->next++];
    j->state = JOB_RUNNING;
    pthread_mutex_unlock(&p->lock);
    run_job(p, j);
  }
}

/* Wait until job j is finished; 0 when its blob is present. */
static int wait_job(struct pull *p, struct job *j, struct xerr *err) {
  pthread_mutex_lock(&p->lock);
  while (j->state == JOB_PENDING || j->state == JOB_RUNNING) {
    if (p->abort && j->state == JOB_PENDING)
      break;
    pthread_cond_wait(&p->changed, &p->lock);
  }
  int ret = 0;
  if (j->state != JOB_DONE) {
    /* Report the first failure, whichever job it was. */
    for (size_t i = 0; i < p->n_jobs; i++)
      if (p->jobs[i].state == JOB_FAILED) {
        *err = p->jobs[i].err;
        break;
      }
    ret = -1;
  }
  pthread_mutex_unlock(&p->lock);
  return ret;
}

static void stop_workers(struct pull *p) {
  pthread_mutex_lock(&p->lock);
  p->abort = true;
  pthread_mutex_unlock(&p->lock);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Unpack the layers in order as their blobs arrive. */
static int unpack_layers(struct pull *p, struct job *config_job, struct job **layer_jobs,
                         size_t n, struct pull_result *res, struct xerr *err) {
  if (wait_job(p, config_job, err) < 0)
    return -1;
  cleanup_free char *config = NULL;
  size_t config_len = 0;
  if (blob_read(p->store, config_job->desc.digest, &config, &config_len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *doc = json_loadb(config, config_len, 0, &jerr);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return xerr_make(err, EINVAL, "image config %s: malformed JSON: %s", config_job->desc.digest,
                     jerr.text);
  }
  if (p->want_platform) {
    char have[128];
    config_platform(doc, have, sizeof have);
    size_t wn = strlen(p->want_platform);
    /* A wanted platform without a variant matches any variant. */
    if (strncmp(have, p->want_platform, wn) != 0 || (have[wn] && have[wn] != '/')) {
      json_decref(doc);
      return xerr_make(err, ENOENT,
                       "image was found but does not match the specified platform: wanted %s, "
                       "actual: %s",
                       p->want_platform, have);
    }
  }
  cleanup_strv char **diff_ids = NULL;
  int ret = config_diff_ids(doc, &diff_ids, err);
  json_decref(doc);
  if (ret < 0)
    return -1;
  size_t n_ids = 0;
  while (diff_ids[n_ids])
    n_ids++;
  if (n_ids != n)
    return xerr_make(err, EINVAL, "image config %s has %zu diff ids for %zu layers",
                     config_job->desc.digest, n_ids, n);
  char parent[DIGEST_BUF_LEN] = "";
  for (size_t i = 0; i < n; i++) {
    struct job *j = layer_jobs[i];
    char chain[DIGEST_BUF_LEN];
    if (layer_chain_id(i ? parent : NULL, diff_ids[i], chain, err) < 0)
      return -1;
    if (layer_exists(p->store, chain)) {
      memcpy(parent, chain, sizeof parent);
      if (j->fetched) {
        if (wait_job(p, j, err) < 0)
          return -1;
        emit(p, j->desc.digest, PULL_COMPLETE, 0, 0);
      }
      continue;
    }
    if (wait_job(p, j, err) < 0)
      return -1;
    emit(p, j->desc.digest, PULL_EXTRACTING, 0, 0);
    double t0 = now_seconds();
    if (layer_ensure(p->store, i ? parent : NULL, j->desc.digest, j->desc.media_type,
                     diff_ids[i], chain, err) < 0)
      return xerr_wrap(err, "layer %s", j->desc.digest);
    res->unpack_seconds += now_seconds() - t0;
    res->unpack_bytes += j->desc.size;
    emit(p, j->desc.digest, PULL_COMPLETE, 0, 0);
    memcpy(parent, chain, sizeof parent);
  }
  return 0;
}

/* Fetch config and layers, unpack the layers. */
static int fetch_image(struct xstore *s, struct registry *reg, const char *repo,
                       const struct image_manifest *m, const struct pull_options *o,
                       const char *want_platform, bool *fetched_any, struct pull_result *res,
                       struct xerr *err) {
  struct pull p = {.store = s, .reg = reg, .repo = repo, .opts = o,
                   .want_platform = want_platform};
  p.jobs = calloc(m->n_layers + 1, sizeof *p.jobs);
  cleanup_free struct job **layer_jobs = calloc(m->n_layers + 1, sizeof *layer_jobs);
  if (!p.jobs || !layer_jobs) {
    free(p.jobs);
    return xerr_make(err, ENOMEM, "pull %s", repo);
  }
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.changed, NULL);
  pthread_mutex_init(&p.event_lock, NULL);
  /* The config first, then the layers bottom-up; a blob listed twice is
   * fetched once. */
  p.jobs[0] = (struct job){.desc = m->config, .pull = &p};
  p.n_jobs = 1;
  for (size_t i = 0; i < m->n_layers; i++) {
    struct job *same = NULL;
    for (size_t k = 1; k < p.n_jobs; k++)
      if (strcmp(p.jobs[k].desc.digest, m->layers[i].digest) == 0)
        same = &p.jobs[k];
    if (same) {
      layer_jobs[i] = same;
      continue;
    }
    struct job *j = &p.jobs[p.n_jobs++];
    *j = (struct job){.desc = m->layers[i], .is_layer = true, .pull = &p};
    layer_jobs[i] = j;
  }
  for (size_t k = 0; k < p.n_jobs; k++) {
    struct job *j = &p.jobs[k];
    if (blob_exists(s, j->desc.digest)) {
      j->state = JOB_DONE;
      if (j->is_layer)
        emit(&p, j->desc.digest, PULL_EXISTS, 0, 0);
    } else {
      j->fetched = true;
      *fetched_any = true;
      if (j->is_layer)
        emit(&p, j->desc.digest, PULL_WAITING, 0, 0);
    }
  }
  pthread_t threads[PULL_THREADS];
  size_t started = 0;
  for (; started < PULL_THREADS; started++)
    if (pthread_create(&threads[started], NULL, worker, &p) != 0)
      break;
  int ret;
  if (started == 0)
    ret = xerr_make(err, EAGAIN, "pull %s: start a download thread", repo);
  else
    ret = unpack_layers(&p, &p.jobs[0], layer_jobs, m->n_layers, res, err);
  if (ret < 0)
    stop_workers(&p);
  for (size_t i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  if (ret == 0) /* every download was waited for, but a shared one may have failed late */
    for (size_t k = 0; k < p.n_jobs; k++)
      if (p.jobs[k].state == JOB_FAILED) {
        *err = p.jobs[k].err;
        ret = -1;
        break;
      }
  pthread_mutex_destroy(&p.lock);
  pthread_cond_destroy(&p.changed);
  pthread_mutex_destroy(&p.event_lock);
  free(p.jobs);
  return ret;
}

/* ---- the pull ---- */

/* The name an error should give: "127.0.0.1:5000/x:t" as the user wrote it. */
static void familiar_name(const struct image_ref *ref, char *buf, size_t len) {
  ref_familiar(ref, buf, len);
}

static int resolve_manifest(struct xstore *s, struct registry *reg, const struct image_ref *ref,
                            const struct pull_options *o, char **data, size_t *len,
                            char digest[DIGEST_BUF_LEN], struct pull_result *res,
                            struct xerr *err) {
  char mt[MT_MAX], name[1024];
  familiar_name(ref, name, sizeof name);
  const char *reference = ref->digest[0] ? ref->digest : ref->tag;
  if (registry_get_manifest(reg, ref->path, reference, data, len, mt, digest, err) < 0) {
    if (err->errnum == ENOENT && strstr(err->msg, "name unknown"))
      return xerr_wrap(err, "repository %s not found", name);
    if (err->errnum == ENOENT)
      return xerr_wrap(err, "manifest for %s not found", name);
    return xerr_wrap(err, "pull %s", name);
  }
  memcpy(res->digest, digest, DIGEST_BUF_LEN);
  if (!media_type_is_index(mt))
    return blob_put(s, *data, *len, digest, NULL, err);
  /* An index: keep it, and pull the manifest for the platform. */
  if (blob_put(s, *data, *len, digest, NULL, err) < 0)
    return -1;
  struct descriptor d;
  if (index_select(*data, *len, o ? o->platform : NULL, &d, err) < 0)
    return xerr_wrap(err, "%s", name);
  free(*data);
  *data = NULL;
  if (registry_get_manifest(reg, ref->path, d.digest, data, len, mt, digest, err) < 0)
    return xerr_wrap(err, "pull %s: manifest %s", name, d.digest);
  if (!media_type_is_manifest(mt))
    return xerr_make(err, ENOTSUP, "pull %s: %s is a \"%s\", not an image manifest", name,
                     d.digest, mt);
  return blob_put(s, *data, *len, digest, NULL, err);
}

int image_pull(struct xstore *s, const char *name, const struct pull_options *o,
               struct pull_result *res, struct xerr *err) {
  memset(res, 0, sizeof *res);
  struct image_ref ref;
  if (ref_parse(name, true, &ref, err) < 0)
    return -1;
  ref_string(&ref, res->name, sizeof res->name);
  pull_clean_stale(s);
  struct registry *reg = NULL;
  if (registry_open(ref.domain, s->root, &reg, err) < 0)
    return -1;
  int ret = -1;
  cleanup_free char *data = NULL;
  size_t len = 0;
  char digest[DIGEST_BUF_LEN];
  struct image_manifest m = {0};
  char repo[REF_NAME_MAX * 2], tag[REF_NAME_MAX * 2 + REF_TAG_MAX + 2],
      repo_digest[REF_NAME_MAX * 2 + DIGEST_BUF_LEN + 2];
  ref_repository(&ref, repo, sizeof repo);
  snprintf(tag, sizeof tag, "%s:%s", repo, ref.tag);
  if (resolve_manifest(s, reg, &ref, o, &data, &len, digest, res, err) < 0)
    goto out;
  if (manifest_parse(data, len, &m, err) < 0) {
    xerr_wrap(err, "%s", res->name);
    goto out;
  }
  /* Was the tag already on this very image? */
  char before[DIGEST_BUF_LEN] = "";
  bool same_manifest = false;
  struct image_record old = {0};
  struct xerr ignored = {0};
  if (image_lookup(s, res->name, &old, &ignored) == 0) {
    memcpy(before, old.id, sizeof before);
    same_manifest = strcmp(old.manifest_digest, digest) == 0;
    image_record_clear(&old);
  }
  /* An image already here under this name says nothing per layer, as Docker. */
  struct pull_options quiet = {.platform = o ? o->platform : NULL};
  bool fetched = false;
  /* A plain manifest asked for with --platform must be for that platform. */
  bool from_index = strcmp(digest, res->digest) != 0;
  const char *want = o && o->platform && !from_index ? o->platform : NULL;
  if (fetch_image(s, reg, ref.path, &m, same_manifest ? &quiet : o, want, &fetched, res, err) <
      0) {
    char familiar[sizeof res->name];
    ref_familiar(&ref, familiar, sizeof familiar);
    xerr_wrap(err, "%s", familiar);
    goto out;
  }
  snprintf(repo_digest, sizeof repo_digest, "%s@%s", repo, res->digest);
  if (image_register(s, digest, ref.digest[0] ? NULL : tag, repo_digest, NULL, res->id, err) < 0)
    goto out;
  res->up_to_date = !fetched && strcmp(before, res->id) == 0;
  /* Remember where every blob is, for cross-repository mounts on push. */
  if (blob_source_add(s, m.config.digest, ref.domain, ref.path, err) < 0)
    goto out;
  for (size_t i = 0; i < m.n_layers; i++)
    if (blob_source_add(s, m.layers[i].digest, ref.domain, ref.path, err) < 0)
      goto out;
  ret = 0;
out:
  manifest_free(&m);
  registry_close(reg);
  return ret;
}
