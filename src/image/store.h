/* The image store on disk (ARCHITECTURE.md, "On disk"):
 *   ROOT/blobs/sha256/<hex>   content-addressed blobs: manifests, configs, layer tarballs
 *   ROOT/blobs/tmp/           blobs being written (a crash leaves only files here)
 *   ROOT/layers/<hex>/        unpacked layers keyed by chain id (src/storage)
 *   ROOT/xocker.db            SQLite (WAL): images, tags, layers, containers
 * Every blob is sha256-verified on write and renamed into place only when
 * complete, so a blob that exists under its name is whole. */
#ifndef XOCKER_IMAGE_STORE_H
#define XOCKER_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"

struct xerr;
struct sqlite3;

#define XOCKER_DEFAULT_ROOT "/var/lib/xocker"
#define XOCKER_DEFAULT_RUNROOT "/run/xocker"

struct xstore {
  char *root;       /* absolute */
  char *runroot;    /* absolute; may not exist yet */
  int rootfd;       /* O_PATH of root */
  struct sqlite3 *db;
};

/* Open (creating on first use) the store at root.  A new store is seeded
 * with the built-in busybox image (image/builtin.h). */
int store_open(const char *root, const char *runroot, struct xstore **out, struct xerr *err);
void store_close(struct xstore *s);

/* SQLite helpers: exec a statement list; transactions (BEGIN IMMEDIATE, so
 * concurrent writers wait on the busy timeout instead of failing). */
int store_exec(struct xstore *s, const char *sql, struct xerr *err);
int store_begin(struct xstore *s, struct xerr *err);
int store_commit(struct xstore *s, struct xerr *err);
void store_rollback(struct xstore *s);
/* An sqlite error as an xerr naming what was being done. */
int store_db_error(struct xstore *s, struct xerr *err, const char *what);

/* ---- blobs ---- */
bool blob_exists(struct xstore *s, const char *digest);
/* ROOT/blobs/sha256/<hex> */
void blob_path(struct xstore *s, const char *digest, char *buf, size_t len);
/* The whole blob, verified against its digest (a corrupt blob is an error
 * naming it).  *data is NUL-terminated. */
int blob_read(struct xstore *s, const char *digest, char **data, size_t *len, struct xerr *err);
/* O_RDONLY|O_CLOEXEC fd of a blob. */
int blob_open(struct xstore *s, const char *digest, struct xerr *err);
int64_t blob_size(struct xstore *s, const char *digest);
/* Store data; when expected is not NULL the content must hash to it. */
int blob_put(struct xstore *s, const void *data, size_t len, const char *expected,
             char out[DIGEST_BUF_LEN], struct xerr *err);
/* Remove a blob (GC). Missing is fine. */
int blob_remove(struct xstore *s, const char *digest, struct xerr *err);

/* Streaming writer: a temp file in blobs/tmp, hashed as written. */
struct blob_writer;
int blob_writer_open(struct xstore *s, struct blob_writer **out, struct xerr *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct xerr *err);
/* Bytes written so far. */
uint64_t blob_writer_size(const struct blob_writer *w);
/* Verify (when expected is not NULL), fsync and rename into place; frees
 * w whatever the outcome.  A digest mismatch is an error naming both. */
int blob_writer_commit(struct blob_writer *w, const char *expected, char out[DIGEST_BUF_LEN],
                       struct xerr *err);
/* Drop the temp file; NULL-safe. */
void blob_writer_abort(struct blob_writer *w);

#endif
