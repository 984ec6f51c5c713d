/* The layer store.  A layer is unpacked into ROOT/layers/tmp-XXXXXX/diff,
 * checked, synced, and renamed to ROOT/layers/<chain hex> in one step;
 * only then is its row written.  So a crash leaves either a tmp-* dir
 * (removed by a later layer_ensure once it is an hour old) or a complete
 * layer, and two processes unpacking the same layer at once both succeed:
 * the second rename fails and that process uses the first one's copy. */
#include "storage/layers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/store.h"
#include "image/unpack.h"

#define STALE_TMP_SECONDS 3600

int layer_chain_id(const char *parent_chain, const char *diff_id, char out[DIGEST_BUF_LEN],
                   struct xerr *err) {
  if (!digest_valid(diff_id))
    return xerr_set(err, EINVAL, "invalid diff id \"%s\"", diff_id);
  if (!parent_chain) {
    memcpy(out, diff_id, strlen(diff_id) + 1);
    return 0;
  }
  if (!digest_valid(parent_chain))
    return xerr_set(err, EINVAL, "invalid chain id \"%s\"", parent_chain);
  char buf[2 * DIGEST_BUF_LEN];
  int n = snprintf(buf, sizeof buf, "%s %s", parent_chain, diff_id);
  return digest_buffer(buf, (size_t)n, out, err);
}

static void layer_dir(struct xstore *s, const char *chain_id, char *buf, size_t len) {
  snprintf(buf, len, "%s/layers/%s", s->root, digest_hex(chain_id));
}

void layer_diff_path(struct xstore *s, const char *chain_id, char *buf, size_t len) {
  snprintf(buf, len, "%s/layers/%s/diff", s->root, digest_hex(chain_id));
}

static bool layer_row_exists(struct xstore *s, const char *chain_id) {
  sqlite3_stmt *st = NULL;
  bool found = false;
  if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM layers WHERE chain_id = ?", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
  }
  sqlite3_finalize(st);
  return found;
}

bool layer_exists(struct xstore *s, const char *chain_id) {
  if (!digest_valid(chain_id) || !layer_row_exists(s, chain_id))
    return false;
  char path[4096];
  layer_diff_path(s, chain_id, path, sizeof path);
  return access(path, F_OK) == 0;
}

/* Leftovers of unpackers that crashed (or of removals that did). */
static void remove_stale_tmp(struct xstore *s) {
  char path[4096];
  snprintf(path, sizeof path, "%s/layers", s->root);
  cleanup_dir DIR *d = opendir(path);
  if (!d)
    return;
  time_t now = time(NULL);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    struct stat st;
    if (strncmp(de->d_name, "tmp-", 4) != 0 ||
        fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (now - st.st_mtime > STALE_TMP_SECONDS) {
      struct xerr ignored = {0};
      remove_tree_at(dirfd(d), de->d_name, &ignored);
    }
  }
}

static int insert_row(struct xstore *s, const char *chain_id, const char *diff_id,
                      const char *parent, int64_t size, const char *blob_digest,
                      const char *media_type, struct xerr *err) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT OR IGNORE INTO layers(chain_id, diff_id, parent, size, "
                         "blob_digest, media_type) VALUES(?, ?, ?, ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "record layer");
  sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, diff_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, parent, -1, SQLITE_STATIC); /* NULL binds NULL */
  sqlite3_bind_int64(st, 4, size);
  sqlite3_bind_text(st, 5, blob_digest, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, media_type, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return store_db_error(s, err, "record layer");
  return 0;
}

/* Unpack the blob into tmp/diff and check its diff id. */
static int unpack_into(struct xstore *s, const char *tmp, const char *blob_digest,
                       const char *diff_id, int64_t *size, struct xerr *err) {
  char diff[4096 + 8];
  snprintf(diff, sizeof diff, "%s/diff", tmp);
  if (mkdir(diff, 0755) < 0)
    return xerr_make(err, errno, "create %s", diff);
  cleanup_close int difffd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (difffd < 0)
    return xerr_make(err, errno, "open %s", diff);
  cleanup_close int blobfd = blob_open(s, blob_digest, err);
  if (blobfd < 0)
    return -1;
  struct unpack_result res;
  /* The callers name the layer in their messages. */
  if (unpack_layer(blobfd, difffd, "", &res, err) < 0)
    return -1;
  if (strcmp(res.diff_id, diff_id) != 0)
    return xerr_set(err, EIO,
                    "diff id mismatch: blob %s uncompressed hashes to %s, but the image's "
                    "config says %s",
                    blob_digest, res.diff_id, diff_id);
  /* The row must not outlive the files after a power cut. */
  if (syncfs(difffd) < 0)
    return xerr_make(err, errno, "sync %s", diff);
  *size = res.size;
  return 0;
}

static int remove_path(const char *path) {
  struct xerr ignored = {0};
  return remove_tree_at(AT_FDCWD, path, &ignored);
}

int layer_ensure(struct xstore *s, const char *parent_chain, const char *blob_digest,
                 const char *media_type, const char *diff_id, char chain_out[DIGEST_BUF_LEN],
                 struct xerr *err) {
  char chain[DIGEST_BUF_LEN];
  if (layer_chain_id(parent_chain, diff_id, chain, err) < 0)
    return -1;
  if (layer_exists(s, chain)) {
    memcpy(chain_out, chain, sizeof chain);
    return 0;
  }
  if (!digest_valid(blob_digest))
    return xerr_set(err, EINVAL, "invalid layer digest \"%s\"", blob_digest);
  remove_stale_tmp(s);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s/layers/tmp-XXXXXX", s->root);
  if (!mkdtemp(tmp))
    return xerr_make(err, errno, "create %s", tmp);
  int64_t size = 0;
  if (unpack_into(s, tmp, blob_digest, diff_id, &size, err) < 0) {
    remove_path(tmp);
    return -1;
  }
  char final[4096];
  layer_dir(s, chain, final, sizeof final);
  if (rename(tmp, final) < 0) {
    int e = errno;
    remove_path(tmp);
    /* Another process unpacked the same layer meanwhile: use theirs. */
    if (e != EEXIST && e != ENOTEMPTY)
      return xerr_make(err, e, "store layer %s", chain);
  }
  if (insert_row(s, chain, diff_id, parent_chain, size, blob_digest, media_type, err) < 0)
    return -1;
  memcpy(chain_out, chain, sizeof chain);
  return 0;
}

int64_t layer_size(struct xstore *s, const char *chain_id) {
  sqlite3_stmt *st = NULL;
  int64_t size = -1;
  if (sqlite3_prepare_v2(s->db, "SELECT size FROM layers WHERE chain_id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW)
    size = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return size;
}

int64_t layer_chain_size(struct xstore *s, const char *chain_id) {
  sqlite3_stmt *st = NULL;
  int64_t total = 0;
  if (sqlite3_prepare_v2(s->db,
                         "WITH RECURSIVE chain(id, size, parent) AS ("
                         " SELECT chain_id, size, parent FROM layers WHERE chain_id = ?"
                         " UNION ALL SELECT l.chain_id, l.size, l.parent FROM layers l"
                         " JOIN chain c ON l.chain_id = c.parent)"
                         " SELECT COALESCE(SUM(size), 0) FROM chain",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW)
    total = sqlite3_column_int64(st, 0);
  else
    total = -1;
  sqlite3_finalize(st);
  return total;
}

int layer_remove(struct xstore *s, const char *chain_id, struct xerr *err) {
  if (!digest_valid(chain_id))
    return xerr_set(err, EINVAL, "invalid chain id \"%s\"", chain_id);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM layers WHERE chain_id = ?", -1, &st, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, "remove layer");
  sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return store_db_error(s, err, "remove layer");
  /* Out of the way in one step, then deleted: a crash in between leaves
   * a tmp-* dir that the stale sweep removes. */
  char dir[4096], tmp[4096];
  layer_dir(s, chain_id, dir, sizeof dir);
  snprintf(tmp, sizeof tmp, "%s/layers/tmp-rm-%.12s-%ld", s->root, digest_hex(chain_id),
           (long)getpid());
  if (rename(dir, tmp) < 0) {
    if (errno == ENOENT)
      return 0;
    return xerr_make(err, errno, "remove layer %s", chain_id);
  }
  if (remove_tree_at(AT_FDCWD, tmp, err) < 0)
    return xerr_wrap(err, "remove layer %s", chain_id);
  return 0;
}
