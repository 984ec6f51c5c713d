/* Loading image archives (docker-archive, oci-archive, OCI layout
 * directories) into the store.  The tar is read once, front to back, so it
 * can come from a pipe: every file under blobs/sha256/ streams into the blob
 * store verified against its name, other large files (old-style layer.tar)
 * stream into the blob store under the digest they hash to, and the small
 * ones (manifest.json, index.json, configs) stay in memory until the whole
 * archive has been read and can be interpreted. */
#include "image/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "image/decompress.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/oci_layout.h"
#include "image/reference.h"
#include "image/store.h"

/* Files up to this size are kept in memory while the archive is read. */
#define SMALL_FILE_MAX (1 << 20)
/* Links followed when resolving a path inside the archive. */
#define LINK_DEPTH_MAX 16
#define APATH_MAX 1024

/* A file of the archive: in memory, in the blob store, or a link. */
struct afile {
  char *path;                  /* normalised: "blobs/sha256/ab..", "abc/layer.tar" */
  char *link;                  /* target path of a symlink or hard link, else NULL */
  char *data;                  /* small files */
  size_t len;
  char digest[DIGEST_BUF_LEN]; /* large files and blobs/sha256/: its blob */
};

struct afiles {
  struct afile *v;
  size_t n;
};

static void afiles_clear(struct afiles *f) {
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].path);
    free(f->v[i].link);
    free(f->v[i].data);
  }
  free(f->v);
  f->v = NULL;
  f->n = 0;
}

void load_results_free(struct load_result *v, size_t n) {
  if (!v)
    return;
  for (size_t i = 0; i < n; i++) {
    cleanup_strv_fn(&v[i].names);
    free(v[i].previous);
  }
  free(v);
}

/* Normalise a path inside the archive: no leading "/" or "./", no empty or
 * "." components, ".." resolved lexically and never above the top (the
 * archive is a namespace of its own: nothing here touches the disk).  A
 * path too long for out gives "" (no file of an image archive has one). */
static void normalise_path(const char *in, char out[APATH_MAX]) {
  char tmp[APATH_MAX];
  size_t len = 0;
  out[0] = '\0';
  if (strlen(in) >= sizeof tmp)
    return;
  snprintf(tmp, sizeof tmp, "%s", in);
  char *save = NULL;
  for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, ".") == 0)
      continue;
    if (strcmp(c, "..") == 0) {
      char *slash = strrchr(out, '/');
      len = slash ? (size_t)(slash - out) : 0;
      out[len] = '\0';
      continue;
    }
    /* Never longer than the input, so it fits. */
    len += (size_t)snprintf(out + len, APATH_MAX - len, "%s%s", len ? "/" : "", c);
  }
}

/* A symlink's target as a path from the archive's top. */
static void link_target(const char *entry_path, const char *target, char out[APATH_MAX]) {
  char joined[2 * APATH_MAX];
  if (target[0] == '/') {
    normalise_path(target, out);
    return;
  }
  const char *slash = strrchr(entry_path, '/');
  int dirlen = slash ? (int)(slash - entry_path) : 0;
  snprintf(joined, sizeof joined, "%.*s/%s", dirlen, entry_path, target);
  normalise_path(joined, out);
}

static struct afile *afile_find_exact(struct afiles *f, const char *path) {
  for (size_t i = f->n; i-- > 0;) /* the last entry of a name wins, as in tar -x */
    if (strcmp(f->v[i].path, path) == 0)
      return &f->v[i];
  return NULL;
}

/* The file at path (a name from manifest.json), links followed. */
static struct afile *afile_find(struct afiles *f, const char *path) {
  char cur[APATH_MAX];
  normalise_path(path, cur);
  for (int depth = 0; depth < LINK_DEPTH_MAX; depth++) {
    struct afile *a = afile_find_exact(f, cur);
    if (!a || !a->link)
      return a;
    snprintf(cur, sizeof cur, "%s", a->link);
  }
  return NULL;
}

static struct afile *afile_add(struct afiles *f, const char *path, struct xerr *err) {
  struct afile *grown = realloc(f->v, (f->n + 1) * sizeof *grown);
  if (!grown) {
    xerr_make(err, ENOMEM, "archive %s", path);
    return NULL;
  }
  f->v = grown;
  struct afile *a = &grown[f->n];
  memset(a, 0, sizeof *a);
  a->path = strdup(path);
  if (!a->path) {
    xerr_make(err, ENOMEM, "archive %s", path);
    return NULL;
  }
  f->n++;
  return a;
}

/* The content of a file, from memory or its blob. */
static int afile_bytes(struct xstore *s, struct afile *a, char **data, size_t *len,
                       struct xerr *err) {
  if (a->digest[0])
    return blob_read(s, a->digest, data, len, err);
  *data = malloc(a->len + 1);
  if (!*data)
    return xerr_make(err, ENOMEM, "archive %s", a->path);
  memcpy(*data, a->data, a->len);
  (*data)[a->len] = '\0';
  *len = a->len;
  return 0;
}

/* The file as a blob in the store (stored now if it was in memory). */
static int afile_blob(struct xstore *s, struct afile *a, struct xerr *err) {
  if (a->digest[0])
    return 0;
  if (blob_put(s, a->data, a->len, NULL, a->digest, err) < 0)
    return xerr_wrap(err, "archive %s", a->path);
  return 0;
}

/* ---- reading the tar ---- */

static int archive_failure(struct archive *a, struct xerr *err, const char *what) {
  const char *msg = archive_error_string(a);
  return xerr_make(err, 0, "%s: %s", what, msg ? msg : "read error");
}

/* Stream the entry's data into the blob store; expected may be NULL. */
static int entry_to_blob(struct xstore *s, struct archive *a, const char *path,
                         const char *expected, char out[DIGEST_BUF_LEN], struct xerr *err) {
  struct blob_writer *w = NULL;
  if (blob_writer_open(s, &w, err) < 0)
    return -1;
  char buf[65536];
  for (;;) {
    la_ssize_t got = archive_read_data(a, buf, sizeof buf);
    if (got == 0)
      break;
    if (got < 0) {
      blob_writer_abort(w);
      archive_failure(a, err, path);
      return xerr_wrap(err, "the archive is damaged or truncated");
    }
    if (blob_writer_write(w, buf, (size_t)got, err) < 0) {
      blob_writer_abort(w);
      return -1;
    }
  }
  if (blob_writer_commit(w, expected, out, err) < 0)
    return xerr_wrap(err, "%s in the archive", path);
  return 0;
}

static int entry_to_memory(struct archive *a, struct afile *f, int64_t size, struct xerr *err) {
  f->data = malloc((size_t)size + 1);
  if (!f->data)
    return xerr_make(err, ENOMEM, "archive %s", f->path);
  size_t have = 0;
  for (;;) {
    la_ssize_t got = archive_read_data(a, f->data + have, (size_t)size - have + 1);
    if (got == 0)
      break;
    if (got < 0) {
      archive_failure(a, err, f->path);
      return xerr_wrap(err, "the archive is damaged or truncated");
    }
    have += (size_t)got;
    if (have > (size_t)size)
      return xerr_make(err, 0, "%s: longer than its tar header says", f->path);
  }
  f->data[have] = '\0';
  f->len = have;
  return 0;
}

/* "blobs/sha256/<hex>" names its digest. */
static bool blob_path_digest(const char *path, char out[DIGEST_BUF_LEN]) {
  static const char prefix[] = "blobs/sha256/";
  if (strncmp(path, prefix, sizeof prefix - 1) != 0 ||
      strlen(path + sizeof prefix - 1) != DIGEST_HEX_LEN)
    return false;
  snprintf(out, DIGEST_BUF_LEN, DIGEST_PREFIX "%.64s", path + sizeof prefix - 1);
  return digest_valid(out);
}

static int read_entry(struct xstore *s, struct archive *a, struct archive_entry *e,
                      struct afiles *files, struct xerr *err) {
  char path[APATH_MAX], target[APATH_MAX], named[DIGEST_BUF_LEN];
  const char *raw = archive_entry_pathname(e);
  if (!raw)
    return 0;
  normalise_path(raw, path);
  const char *hardlink = archive_entry_hardlink(e);
  mode_t type = archive_entry_filetype(e);
  if (!path[0] || (!hardlink && type != AE_IFREG && type != AE_IFLNK))
    return 0; /* directories and the like say nothing about images */
  struct afile *f = afile_add(files, path, err);
  if (!f)
    return -1;
  if (hardlink || type == AE_IFLNK) {
    if (hardlink)
      normalise_path(hardlink, target);
    else
      link_target(path, archive_entry_symlink(e) ? archive_entry_symlink(e) : "", target);
    f->link = strdup(target);
    return f->link ? 0 : xerr_make(err, ENOMEM, "archive %s", path);
  }
  if (blob_path_digest(path, named)) {
    snprintf(f->digest, sizeof f->digest, "%s", named);
    if (blob_exists(s, named)) {
      if (archive_read_data_skip(a) == ARCHIVE_OK)
        return 0;
      archive_failure(a, err, path);
      return xerr_wrap(err, "the archive is damaged or truncated");
    }
    return entry_to_blob(s, a, path, named, f->digest, err);
  }
  int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
  if (size >= 0 && size <= SMALL_FILE_MAX)
    return entry_to_memory(a, f, size, err);
  return entry_to_blob(s, a, path, NULL, f->digest, err);
}

static int read_archive(struct xstore *s, int fd, struct afiles *files, struct xerr *err) {
  struct archive *a = archive_read_new();
  if (!a)
    return xerr_make(err, ENOMEM, "archive reader");
  decompress_support(a);
  archive_read_support_format_tar(a);
  int ret = 0;
  if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
    ret = archive_failure(a, err, "the input is not a tar archive");
    goto out;
  }
  struct archive_entry *e;
  size_t entries = 0;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      ret = archive_failure(a, err, entries ? "the archive is damaged or truncated"
                                            : "the input is not a tar archive");
      goto out;
    }
    entries++;
    if (read_entry(s, a, e, files, err) < 0) {
      ret = -1;
      goto out;
    }
  }
  if (entries == 0)
    ret = xerr_make(err, 0, "the input is empty: not a tar archive");
out:
  archive_read_free(a);
  return ret;
}

/* ---- docker-archive: manifest.json ---- */

/* The layer media type matching a blob's compression (sniffed). */
static int sniff_layer_type(struct xstore *s, const char *digest, char out[MT_MAX],
                            struct xerr *err) {
  cleanup_close int fd = blob_open(s, digest, err);
  if (fd < 0)
    return -1;
  unsigned char head[4] = {0};
  ssize_t got = read(fd, head, sizeof head);
  if (got < 0)
    return xerr_make(err, errno, "read blob %s", digest);
  if (got >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    snprintf(out, MT_MAX, "%s", MT_OCI_LAYER_GZIP);
  else if (got == 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
    snprintf(out, MT_MAX, "%s", MT_OCI_LAYER_ZSTD);
  else
    snprintf(out, MT_MAX, "%s", MT_OCI_LAYER);
  return 0;
}

static json_t *descriptor_json(const char *mt, const char *digest, int64_t size) {
  json_t *d = json_object();
  if (!d || json_put(d, "mediaType", json_string(mt)) < 0 ||
      json_put(d, "digest", json_string(digest)) < 0 ||
      json_put(d, "size", json_integer(size)) < 0) {
    json_decref(d);
    return NULL;
  }
  return d;
}

/* The config of an entry, stored, and checked against the digest its file
 * name gives ("<hex>.json" in old archives; blobs/ are checked on read). */
static int docker_config(struct xstore *s, struct afiles *files, const char *path,
                         char digest[DIGEST_BUF_LEN], json_t **config, struct xerr *err) {
  struct afile *f = afile_find(files, path);
  if (!f)
    return xerr_make(err, 0, "manifest.json names config %s, which is not in the archive",
                     path);
  if (afile_blob(s, f, err) < 0)
    return -1;
  const char *base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
  char named[DIGEST_BUF_LEN];
  if (snprintf(named, sizeof named, DIGEST_PREFIX "%.64s", base) > 0 && digest_valid(named) &&
      strcmp(base + DIGEST_HEX_LEN, ".json") == 0 && strcmp(named, f->digest) != 0)
    return xerr_make(err, 0, "config %s in the archive is corrupt: its content hashes to %s",
                     path, f->digest);
  cleanup_free char *data = NULL;
  size_t len = 0;
  if (afile_bytes(s, f, &data, &len, err) < 0)
    return -1;
  json_error_t jerr;
  *config = json_loadb(data, len, 0, &jerr);
  if (!json_is_object(*config)) {
    json_decref(*config);
    *config = NULL;
    return xerr_make(err, 0, "config %s: not a JSON object (%s)", path, jerr.text);
  }
  memcpy(digest, f->digest, DIGEST_BUF_LEN);
  return 0;
}

/* Layers of an entry as manifest descriptors, each stored as a blob. */
static int docker_layers(struct xstore *s, struct afiles *files, json_t *layers, json_t *out,
                         struct xerr *err) {
  for (size_t i = 0; i < json_array_size(layers); i++) {
    const char *path = json_string_value(json_array_get(layers, i));
    if (!path)
      return xerr_make(err, 0, "manifest.json: Layers[%zu]: expected a string", i);
    struct afile *f = afile_find(files, path);
    if (!f)
      return xerr_make(err, 0, "manifest.json names layer %s, which is not in the archive",
                       path);
    char mt[MT_MAX];
    if (afile_blob(s, f, err) < 0 || sniff_layer_type(s, f->digest, mt, err) < 0)
      return -1;
    if (json_append(out, descriptor_json(mt, f->digest, blob_size(s, f->digest))) < 0)
      return xerr_make(err, ENOMEM, "manifest");
  }
  return 0;
}

/* An OCI manifest for config + layers, stored; its digest in out. */
static int store_manifest(struct xstore *s, const char *config_digest, json_t *layers,
                          char out[DIGEST_BUF_LEN], struct xerr *err) {
  json_t *m = json_object();
  if (!m || json_put(m, "schemaVersion", json_integer(2)) < 0 ||
      json_put(m, "mediaType", json_string(MT_OCI_MANIFEST)) < 0 ||
      json_put(m, "config",
               descriptor_json(MT_OCI_CONFIG, config_digest, blob_size(s, config_digest))) < 0 ||
      json_put(m, "layers", json_incref(layers)) < 0) {
    json_decref(m);
    return xerr_make(err, ENOMEM, "manifest");
  }
  char *text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(m);
  if (!text)
    return xerr_make(err, ENOMEM, "manifest");
  int ret = blob_put(s, text, strlen(text), NULL, out, err);
  free(text);
  return ret;
}

static int docker_entry(struct xstore *s, struct afiles *files, json_t *entry, size_t i,
                        struct loaded_image **imgs, size_t *n, struct xerr *err) {
  const char *config_path = json_string_value(json_member(entry, "Config"));
  json_t *layers = json_member(entry, "Layers");
  json_t *tags = json_member(entry, "RepoTags");
  if (!config_path || !json_is_array(layers) || (tags && !json_is_array(tags)))
    return xerr_make(err, 0, "manifest.json: entry %zu: expected Config, Layers, RepoTags",
                     i);
  char config_digest[DIGEST_BUF_LEN], manifest[DIGEST_BUF_LEN];
  json_t *config = NULL;
  cleanup_strv char **diff_ids = NULL;
  if (docker_config(s, files, config_path, config_digest, &config, err) < 0)
    return -1;
  int ret = config_diff_ids(config, &diff_ids, err);
  json_decref(config);
  if (ret < 0)
    return xerr_wrap(err, "config %s", config_path);
  size_t n_diff = 0;
  while (diff_ids && diff_ids[n_diff])
    n_diff++;
  if (n_diff != json_array_size(layers))
    return xerr_make(err, 0,
                     "manifest.json: image %s has %zu layers but its config lists %zu diff ids",
                     config_path, json_array_size(layers), n_diff);
  json_t *descs = json_array();
  if (!descs)
    return xerr_make(err, ENOMEM, "manifest");
  ret = docker_layers(s, files, layers, descs, err);
  if (ret == 0)
    ret = store_manifest(s, config_digest, descs, manifest, err);
  json_decref(descs);
  if (ret < 0)
    return -1;
  if (loaded_images_add(imgs, n, manifest, NULL, err) < 0)
    return -1;
  for (size_t t = 0; t < json_array_size(tags); t++) {
    const char *tag = json_string_value(json_array_get(tags, t));
    struct image_ref r;
    char name[REF_NAME_MAX * 2];
    if (!tag || ref_parse(tag, true, &r, err) < 0)
      return xerr_wrap(err, "manifest.json: RepoTags of %s", config_path);
    ref_string(&r, name, sizeof name);
    if (loaded_images_add(imgs, n, manifest, name, err) < 0)
      return -1;
  }
  return 0;
}

static int docker_images(struct xstore *s, struct afiles *files, struct afile *mf,
                         struct loaded_image **imgs, size_t *n, struct xerr *err) {
  cleanup_free char *data = NULL;
  size_t len = 0;
  if (afile_bytes(s, mf, &data, &len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *doc = json_loadb(data, len, 0, &jerr);
  if (!json_is_array(doc)) {
    json_decref(doc);
    return xerr_make(err, 0, "manifest.json: expected a JSON array%s%s",
                     doc ? "" : ": ", doc ? "" : jerr.text);
  }
  int ret = json_array_size(doc) ? 0 : xerr_make(err, 0, "manifest.json names no image");
  for (size_t i = 0; ret == 0 && i < json_array_size(doc); i++)
    ret = docker_entry(s, files, json_array_get(doc, i), i, imgs, n, err);
  json_decref(doc);
  return ret;
}

/* ---- registering what was found ---- */

/* Every blob an image needs is in the store; its config digest in id. */
static int check_image_blobs(struct xstore *s, const char *manifest_digest,
                             char id[DIGEST_BUF_LEN], struct xerr *err) {
  cleanup_free char *data = NULL;
  size_t len = 0;
  struct image_manifest m;
  if (!blob_exists(s, manifest_digest))
    return xerr_make(err, 0, "manifest %s is not in the archive", manifest_digest);
  if (blob_read(s, manifest_digest, &data, &len, err) < 0 ||
      manifest_parse(data, len, &m, err) < 0)
    return xerr_wrap(err, "manifest %s", manifest_digest);
  int ret = 0;
  if (!blob_exists(s, m.config.digest))
    ret = xerr_make(err, 0, "config %s of manifest %s is not in the archive",
                    m.config.digest, manifest_digest);
  for (size_t i = 0; ret == 0 && i < m.n_layers; i++)
    if (!blob_exists(s, m.layers[i].digest))
      ret = xerr_make(err, 0, "layer %s of manifest %s is not in the archive",
                      m.layers[i].digest, manifest_digest);
  memcpy(id, m.config.digest, DIGEST_BUF_LEN);
  manifest_free(&m);
  return ret;
}

static bool image_known(struct xstore *s, const char *id) {
  struct image_record r = {0};
  struct xerr ignored = {0};
  bool known = image_lookup(s, id, &r, &ignored) == 0;
  image_record_clear(&r);
  return known;
}

/* Which image each name of res points at now, when another than res->id. */
static int note_previous(struct xstore *s, struct load_result *res, struct xerr *err) {
  size_t n = 0;
  while (res->names && res->names[n])
    n++;
  res->previous = calloc(n + 1, sizeof *res->previous);
  if (!res->previous)
    return xerr_make(err, ENOMEM, "load");
  for (size_t t = 0; t < n; t++) {
    struct image_record r = {0};
    struct xerr ignored = {0};
    if (image_lookup(s, res->names[t], &r, &ignored) == 0 && strcmp(r.id, res->id) != 0)
      memcpy(res->previous[t], r.id, DIGEST_BUF_LEN);
    image_record_clear(&r);
  }
  return 0;
}

static int register_one(struct xstore *s, const char *manifest_digest, struct load_result *res,
                        struct xerr *err) {
  const char *first = res->names[0];
  if (image_register(s, manifest_digest, first, NULL, NULL, res->id, err) < 0)
    return -1;
  for (size_t t = 1; first && res->names[t]; t++)
    if (image_tag(s, res->id, res->names[t], err) < 0)
      return -1;
  return 0;
}

/* Undo a failed load: remove the images it added, give moved tags back. */
static void roll_back(struct xstore *s, struct load_result *res, const bool *added, size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct xerr ignored = {0};
    if (added[i] && image_known(s, res[i].id))
      image_delete(s, res[i].id, false, NULL, NULL, &ignored);
    for (size_t t = 0; res[i].previous && res[i].names[t]; t++)
      if (res[i].previous[t][0] && image_known(s, res[i].previous[t]))
        image_tag(s, res[i].previous[t], res[i].names[t], &ignored);
  }
}

/* Register every image, all or none: images this load added are removed
 * again when a later one fails, and tags it moved go back. */
static int register_all(struct xstore *s, struct loaded_image *imgs, size_t n,
                        struct load_result **out, size_t *n_out, struct xerr *err) {
  struct load_result *res = calloc(n ? n : 1, sizeof *res);
  bool *added = calloc(n ? n : 1, sizeof *added);
  int ret = 0;
  if (!res || !added) {
    ret = xerr_make(err, ENOMEM, "load");
    goto out;
  }
  for (size_t i = 0; ret == 0 && i < n; i++) {
    ret = check_image_blobs(s, imgs[i].manifest_digest, res[i].id, err);
    res[i].names = steal_pointer(&imgs[i].names);
  }
  for (size_t i = 0; ret == 0 && i < n; i++) {
    added[i] = !image_known(s, res[i].id);
    ret = note_previous(s, &res[i], err);
    if (ret == 0)
      ret = register_one(s, imgs[i].manifest_digest, &res[i], err);
  }
  if (ret < 0) {
    roll_back(s, res, added, n);
    load_results_free(res, n);
    res = NULL;
    goto out;
  }
  *out = steal_pointer(&res);
  *n_out = n;
out:
  free(res);
  free(added);
  return ret;
}

int archive_load(struct xstore *s, int fd, const char *dir, const char *platform,
                 struct load_result **out, size_t *n, struct xerr *err) {
  struct afiles files = {0};
  struct loaded_image *imgs = NULL;
  size_t n_imgs = 0;
  cleanup_free char *index = NULL;
  size_t index_len = 0;
  int ret = -1;
  *out = NULL;
  *n = 0;
  if (dir) {
    if (oci_layout_import_dir(s, dir, &index, &index_len, err) < 0)
      goto out;
  } else {
    if (read_archive(s, fd, &files, err) < 0)
      goto out;
    /* Docker 25+ writes both; the OCI index keeps the original manifests. */
    struct afile *idx = afile_find(&files, OCI_INDEX_FILE);
    struct afile *mf = afile_find(&files, "manifest.json");
    if (idx) {
      if (afile_bytes(s, idx, &index, &index_len, err) < 0)
        goto out;
    } else if (mf) {
      if (docker_images(s, &files, mf, &imgs, &n_imgs, err) < 0)
        goto out;
    } else {
      xerr_make(err, 0, "the archive has neither manifest.json nor index.json: "
                             "not a docker-archive or an OCI image archive");
      goto out;
    }
  }
  if (index && oci_index_images(s, index, index_len, platform, &imgs, &n_imgs, err) < 0)
    goto out;
  ret = register_all(s, imgs, n_imgs, out, n, err);
out:
  afiles_clear(&files);
  loaded_images_free(imgs, n_imgs);
  return ret;
}
