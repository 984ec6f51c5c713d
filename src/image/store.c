/* The image store: directory layout, SQLite database, content-addressed blobs. */
#include "image/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/builtin.h"

/* The whole schema.  Kept in one place so the shape of the database can be
 * read at a glance; each table says which module owns its rows. */
static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    /* With WAL, NORMAL keeps the database consistent across a crash and
     * syncs at checkpoints instead of at every commit. */
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    /* image/image.c: one row per image, keyed by its config digest (Docker's image id). */
    "CREATE TABLE IF NOT EXISTS images("
    "  id TEXT PRIMARY KEY,"
    "  manifest_digest TEXT NOT NULL,"
    "  manifest_media_type TEXT NOT NULL,"
    "  top_layer TEXT,"              /* chain id of the last layer; NULL for no layers */
    "  size INTEGER NOT NULL,"       /* unpacked bytes of all layers */
    "  created TEXT,"                /* the config's created, RFC 3339 */
    "  parent TEXT,"                 /* image id this one was committed from */
    "  added INTEGER NOT NULL);"     /* unix time it entered the store */
    "CREATE TABLE IF NOT EXISTS tags("
    "  name TEXT PRIMARY KEY,"       /* normalised: docker.io/library/busybox:latest */
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
    "CREATE TABLE IF NOT EXISTS repo_digests("
    "  name TEXT NOT NULL,"          /* docker.io/library/busybox@sha256:... */
    "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(name, image_id));"
    /* storage/layers.c: complete unpacked layers only. */
    "CREATE TABLE IF NOT EXISTS layers("
    "  chain_id TEXT PRIMARY KEY,"
    "  diff_id TEXT NOT NULL,"
    "  parent TEXT,"                 /* chain id below, NULL for a base layer */
    "  size INTEGER NOT NULL,"       /* unpacked bytes */
    "  blob_digest TEXT,"            /* the (compressed) blob it came from */
    "  media_type TEXT);"
    /* storage/container.c: a container's storage (its image and writable layer).
     * The engine (issue 5) adds its own columns or tables next to it. */
    "CREATE TABLE IF NOT EXISTS containers("
    "  id TEXT PRIMARY KEY,"         /* 64 hex */
    "  name TEXT UNIQUE NOT NULL,"
    "  image_id TEXT NOT NULL REFERENCES images(id),"
    "  image_name TEXT,"             /* as the user gave it */
    "  created INTEGER NOT NULL,"
    "  driver TEXT NOT NULL,"        /* overlay or vfs */
    "  config TEXT);"                /* JSON the engine keeps about it */
    /* image/pull.c, image/push.c: repositories of a registry known to hold a
     * blob, so a push can mount it from there instead of uploading it. */
    "CREATE TABLE IF NOT EXISTS blob_sources("
    "  digest TEXT NOT NULL,"
    "  registry TEXT NOT NULL,"      /* reference domain: docker.io, 127.0.0.1:5000 */
    "  repo TEXT NOT NULL,"          /* path in the registry: library/busybox */
    "  PRIMARY KEY(digest, registry, repo));"
    /* image/store.c: facts about the store itself ("seeded" once the built-in images are in). */
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    /* engine/volume.c: named volumes; data in ROOT/volumes/<name>/_data. */
    "CREATE TABLE IF NOT EXISTS volumes("
    "  name TEXT PRIMARY KEY,"
    "  driver TEXT NOT NULL,"          /* local */
    "  created INTEGER NOT NULL,"      /* unix time */
    "  labels TEXT,"                   /* JSON object, NULL when none */
    "  options TEXT,"                  /* JSON object of driver options, NULL when none */
    "  anonymous INTEGER NOT NULL DEFAULT 0);" /* made for a mount that named none (rm -v) */
    /* engine/network.c: bridge networks and the containers' addresses on them. */
    "CREATE TABLE IF NOT EXISTS networks("
    "  id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, driver TEXT NOT NULL,"
    "  bridge TEXT UNIQUE NOT NULL, subnet TEXT NOT NULL, gateway TEXT NOT NULL,"
    "  ip_range TEXT NOT NULL DEFAULT '', internal INTEGER NOT NULL DEFAULT 0,"
    "  created TEXT NOT NULL, labels TEXT, options TEXT);"
    "CREATE TABLE IF NOT EXISTS endpoints("
    "  network_id TEXT NOT NULL, container_id TEXT NOT NULL, address TEXT NOT NULL,"
    "  mac TEXT NOT NULL, aliases TEXT, up INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(network_id, container_id), UNIQUE(network_id, address));"
    /* engine/netsetup.c: ports published by running containers (one owner per port). */
    "CREATE TABLE IF NOT EXISTS published_ports("
    "  proto TEXT NOT NULL, host_port INTEGER NOT NULL, host_ip TEXT NOT NULL,"
    "  container_id TEXT NOT NULL, container_ip TEXT NOT NULL, container_port INTEGER NOT NULL,"
    "  bridge TEXT NOT NULL, PRIMARY KEY(proto, host_port));"
    /* engine/pod.c: pods; members carry the label xocker.pod=<id>. */
    "CREATE TABLE IF NOT EXISTS pods("
    "  id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, infra_id TEXT NOT NULL,"
    "  created TEXT NOT NULL, labels TEXT);";

int store_db_error(struct xstore *s, struct xerr *err, const char *what) {
  int code = s && s->db ? sqlite3_errcode(s->db) : SQLITE_ERROR;
  return xerr_make(err, code == SQLITE_BUSY ? EBUSY : EIO, "store database: %s: %s", what,
                   s && s->db ? sqlite3_errmsg(s->db) : "not open");
}

int store_exec(struct xstore *s, const char *sql, struct xerr *err) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    xerr_make(err, EIO, "store database: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

int store_begin(struct xstore *s, struct xerr *err) { return store_exec(s, "BEGIN IMMEDIATE", err); }
int store_commit(struct xstore *s, struct xerr *err) { return store_exec(s, "COMMIT", err); }
void store_rollback(struct xstore *s) { sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); }

static int make_dirs(const char *root, struct xerr *err) {
  static const char *const subdirs[] = {"", "/blobs/sha256", "/blobs/tmp", "/layers",
                                        "/containers"};
  for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, subdirs[i]);
    if (mkdir_p(path, 0700, err) < 0)
      return -1;
  }
  return 0;
}

static char *absolute(const char *path) {
  if (path[0] == '/')
    return strdup(path);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd))
    return NULL;
  char *out = NULL;
  if (asprintf(&out, "%s/%s", cwd, path) < 0)
    return NULL;
  return out;
}

static int open_db(struct xstore *s, struct xerr *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/xocker.db", s->root);
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    return store_db_error(s, err, path);
  /* Several xocker commands may run at once: wait for the writer. */
  sqlite3_busy_timeout(s->db, 30000);
  if (store_exec(s, SCHEMA, err) < 0)
    return -1;
  return 0;
}

static bool is_seeded(struct xstore *s) {
  sqlite3_stmt *st = NULL;
  bool seeded = false;
  if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM meta WHERE key = 'seeded'", -1, &st, NULL) ==
      SQLITE_OK)
    seeded = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return seeded;
}

/* A new store gets the built-in images exactly once.  Commands that open a
 * new store at the same moment serialise on ROOT/seed.lock, so none of them
 * sees a store that exists but is not yet seeded. */
static int seed_once(struct xstore *s, struct xerr *err) {
  if (is_seeded(s))
    return 0;
  char path[4096];
  snprintf(path, sizeof path, "%s/seed.lock", s->root);
  cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) < 0)
    return xerr_make(err, errno, "lock %s", path);
  if (is_seeded(s))
    return 0;
  if (builtin_seed(s, err) < 0)
    return xerr_wrap(err, "seed the built-in images");
  return store_exec(s, "INSERT OR REPLACE INTO meta(key, value) VALUES('seeded', '1')", err);
}

int store_open(const char *root, const char *runroot, struct xstore **out, struct xerr *err) {
  struct xstore *s = calloc(1, sizeof *s);
  if (!s)
    return xerr_make(err, ENOMEM, "store %s", root);
  s->rootfd = -1;
  s->root = absolute(root);
  s->runroot = absolute(runroot ? runroot : XOCKER_DEFAULT_RUNROOT);
  if (!s->root || !s->runroot) {
    xerr_make(err, ENOMEM, "store %s", root);
    goto fail;
  }
  if (make_dirs(s->root, err) < 0)
    goto fail;
  s->rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0) {
    xerr_make(err, errno, "open store %s", s->root);
    goto fail;
  }
  if (open_db(s, err) < 0 || seed_once(s, err) < 0)
    goto fail;
  *out = s;
  return 0;
fail:
  store_close(s);
  return -1;
}

void store_close(struct xstore *s) {
  if (!s)
    return;
  if (s->db)
    sqlite3_close(s->db);
  if (s->rootfd >= 0)
    close(s->rootfd);
  free(s->root);
  free(s->runroot);
  free(s);
}

/* ---- blobs ---- */

void blob_path(struct xstore *s, const char *digest, char *buf, size_t len) {
  snprintf(buf, len, "%s/blobs/sha256/%s", s->root, digest_hex(digest));
}

bool blob_exists(struct xstore *s, const char *digest) {
  if (!digest_valid(digest))
    return false;
  char path[4096];
  blob_path(s, digest, path, sizeof path);
  return access(path, F_OK) == 0;
}

int blob_open(struct xstore *s, const char *digest, struct xerr *err) {
  if (!digest_valid(digest))
    return xerr_set(err, EINVAL, "invalid digest \"%s\"", digest);
  char path[4096];
  blob_path(s, digest, path, sizeof path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "blob %s", digest);
  return fd;
}

int64_t blob_size(struct xstore *s, const char *digest) {
  char path[4096];
  struct stat st;
  if (!digest_valid(digest))
    return -1;
  blob_path(s, digest, path, sizeof path);
  return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

int blob_read(struct xstore *s, const char *digest, char **data, size_t *len, struct xerr *err) {
  if (!digest_valid(digest))
    return xerr_set(err, EINVAL, "invalid digest \"%s\"", digest);
  char path[4096];
  blob_path(s, digest, path, sizeof path);
  cleanup_free char *buf = NULL;
  size_t n = 0;
  if (read_file_at(AT_FDCWD, path, &buf, &n, err) < 0)
    return xerr_wrap(err, "blob %s", digest);
  char got[DIGEST_BUF_LEN];
  if (digest_buffer(buf, n, got, err) < 0)
    return -1;
  if (strcmp(got, digest) != 0)
    return xerr_set(err, EIO, "blob %s is corrupt: its content hashes to %s", digest, got);
  *data = steal_pointer(&buf);
  if (len)
    *len = n;
  return 0;
}

int blob_remove(struct xstore *s, const char *digest, struct xerr *err) {
  char path[4096];
  if (!digest_valid(digest))
    return 0;
  blob_path(s, digest, path, sizeof path);
  if (unlink(path) < 0 && errno != ENOENT)
    return xerr_make(err, errno, "remove blob %s", digest);
  return 0;
}

struct blob_writer {
  struct xstore *store;
  int fd;
  char tmp[4096];
  struct digester hash;
  uint64_t size;
};

int blob_writer_open(struct xstore *s, struct blob_writer **out, struct xerr *err) {
  struct blob_writer *w = calloc(1, sizeof *w);
  if (!w)
    return xerr_make(err, ENOMEM, "blob writer");
  w->store = s;
  snprintf(w->tmp, sizeof w->tmp, "%s/blobs/tmp/blob-XXXXXX", s->root);
  w->fd = mkostemp(w->tmp, O_CLOEXEC);
  if (w->fd < 0) {
    xerr_make(err, errno, "create %s", w->tmp);
    free(w);
    return -1;
  }
  /* Held while the file is being written: a file in blobs/tmp whose lock
   * can be taken belongs to a writer that died (see pull_clean_stale). */
  flock(w->fd, LOCK_EX);
  if (digester_init(&w->hash, err) < 0) {
    blob_writer_abort(w);
    return -1;
  }
  *out = w;
  return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct xerr *err) {
  if (write_all(w->fd, buf, len) < 0)
    return xerr_make(err, errno, "write %s", w->tmp);
  digester_update(&w->hash, buf, len);
  w->size += len;
  return 0;
}

uint64_t blob_writer_size(const struct blob_writer *w) { return w->size; }

void blob_writer_abort(struct blob_writer *w) {
  if (!w)
    return;
  if (w->fd >= 0)
    close(w->fd);
  unlink(w->tmp);
  digester_free(&w->hash);
  free(w);
}

int blob_writer_commit(struct blob_writer *w, const char *expected, char out[DIGEST_BUF_LEN],
                       struct xerr *err) {
  char got[DIGEST_BUF_LEN];
  digester_final(&w->hash, got);
  if (expected && strcmp(expected, got) != 0) {
    xerr_set(err, EIO, "digest mismatch: expected %s, the content hashes to %s", expected, got);
    blob_writer_abort(w);
    return -1;
  }
  if (fchmod(w->fd, 0644) < 0 || fsync(w->fd) < 0) {
    xerr_make(err, errno, "write %s", w->tmp);
    blob_writer_abort(w);
    return -1;
  }
  char path[4096];
  blob_path(w->store, got, path, sizeof path);
  if (rename(w->tmp, path) < 0) {
    xerr_make(err, errno, "store blob %s", got);
    blob_writer_abort(w);
    return -1;
  }
  close(w->fd);
  w->fd = -1;
  digester_free(&w->hash);
  free(w);
  if (out)
    memcpy(out, got, DIGEST_BUF_LEN);
  return 0;
}

int blob_put(struct xstore *s, const void *data, size_t len, const char *expected,
             char out[DIGEST_BUF_LEN], struct xerr *err) {
  struct blob_writer *w;
  if (blob_writer_open(s, &w, err) < 0)
    return -1;
  if (blob_writer_write(w, data, len, err) < 0) {
    blob_writer_abort(w);
    return -1;
  }
  return blob_writer_commit(w, expected, out, err);
}
