/* Writing image archives.  Both formats are an OCI image layout (oci-layout,
 * index.json, blobs/sha256/) holding each image's manifest, config and
 * layers exactly as stored; a docker-archive adds manifest.json and
 * repositories naming the same blob files, as Docker 25+ writes it, so one
 * file is read by `docker load` of every version, by Podman and skopeo
 * (docker-archive: and oci-archive:) and by umoci. */
#include "image/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/oci_layout.h"
#include "image/reference.h"
#include "image/store.h"

/* One image to save and the names it is saved under. */
struct saved_image {
  struct image_record rec;
  struct image_manifest manifest;
  char **tags; /* normalised, NULL-terminated */
};

struct save_ctx {
  struct xstore *store;
  struct archive *ar;
  struct saved_image *images;
  size_t n_images;
  char (*written)[DIGEST_BUF_LEN]; /* blobs already in the archive */
  size_t n_written;
};

static void save_ctx_clear(struct save_ctx *c) {
  for (size_t i = 0; i < c->n_images; i++) {
    image_record_clear(&c->images[i].rec);
    manifest_free(&c->images[i].manifest);
    cleanup_strv_fn(&c->images[i].tags);
  }
  free(c->images);
  free(c->written);
  if (c->ar)
    archive_write_free(c->ar);
}

static int archive_failure(struct archive *a, struct xerr *err, const char *what) {
  const char *msg = archive_error_string(a);
  return xerr_make(err, errno ? errno : EIO, "write the archive: %s: %s", what,
                   msg ? msg : "write error");
}

/* The tag a name selects ("busybox" -> docker.io/library/busybox:latest)
 * when the image has it; an id or digest selects no tag, as with Docker. */
static void selected_tag(const char *name, const struct image_record *rec, char *out,
                         size_t len) {
  struct image_ref r;
  struct xerr ignored = {0};
  out[0] = '\0';
  if (ref_parse(name, true, &r, &ignored) < 0 || r.digest[0] || !r.tag[0])
    return;
  char normalised[REF_NAME_MAX * 2];
  ref_string(&r, normalised, sizeof normalised);
  for (char **t = rec->tags; t && *t; t++)
    if (strcmp(*t, normalised) == 0)
      snprintf(out, len, "%s", normalised);
}

/* Add the image of rec (taken over) under tag (normalised, or "" for none). */
static int add_record(struct save_ctx *c, struct image_record *rec, const char *tag,
                      const char *name, struct xerr *err) {
  for (size_t i = 0; i < c->n_images; i++)
    if (strcmp(c->images[i].rec.id, rec->id) == 0) { /* the same image again: one more name */
      image_record_clear(rec);
      if (tag[0] && !strv_contains(c->images[i].tags, tag) &&
          strv_append(&c->images[i].tags, tag) < 0)
        return xerr_make(err, ENOMEM, "save");
      return 0;
    }
  struct saved_image *grown = realloc(c->images, (c->n_images + 1) * sizeof *grown);
  if (!grown) {
    image_record_clear(rec);
    return xerr_make(err, ENOMEM, "save");
  }
  c->images = grown;
  struct saved_image *img = &grown[c->n_images++];
  memset(img, 0, sizeof *img);
  img->rec = *rec;
  memset(rec, 0, sizeof *rec);
  img->tags = calloc(1, sizeof *img->tags);
  if (!img->tags || (tag[0] && strv_append(&img->tags, tag) < 0))
    return xerr_make(err, ENOMEM, "save");
  if (image_manifest(c->store, &img->rec, &img->manifest, err) < 0)
    return xerr_wrap(err, "image %s", name);
  return 0;
}

/* A repository named without tag or digest ("busybox") stands for every
 * tag of it, as with Docker.  1 when some were added, 0 when the name is
 * no such repository (it may still be an id prefix). */
static int add_repository(struct save_ctx *c, const char *name, struct xerr *err) {
  struct image_ref r;
  struct xerr ignored = {0};
  if (ref_parse(name, false, &r, &ignored) < 0 || r.tag[0] || r.digest[0])
    return 0;
  char repo[REF_NAME_MAX * 2];
  ref_repository(&r, repo, sizeof repo);
  size_t rlen = strlen(repo);
  struct image_record *list = NULL;
  size_t n = 0;
  if (image_list(c->store, &list, &n, err) < 0)
    return -1;
  int added = 0;
  for (size_t i = 0; i < n && added >= 0; i++)
    for (char **t = list[i].tags; t && *t && added >= 0; t++) {
      if (strncmp(*t, repo, rlen) != 0 || (*t)[rlen] != ':')
        continue;
      struct image_record rec = {0};
      if (image_lookup(c->store, list[i].id, &rec, err) < 0 ||
          add_record(c, &rec, *t, name, err) < 0)
        added = -1;
      else
        added = 1;
    }
  image_list_free(list, n);
  return added;
}

static int add_image(struct save_ctx *c, const char *name, struct xerr *err) {
  int found = add_repository(c, name, err);
  if (found != 0)
    return found < 0 ? -1 : 0;
  struct image_record rec = {0};
  if (image_lookup(c->store, name, &rec, err) < 0)
    return -1;
  char tag[REF_NAME_MAX * 2];
  selected_tag(name, &rec, tag, sizeof tag);
  return add_record(c, &rec, tag, name, err);
}

/* ---- tar entries ---- */

static int write_header(struct save_ctx *c, const char *path, mode_t type, mode_t mode,
                        int64_t size, struct xerr *err) {
  struct archive_entry *e = archive_entry_new();
  if (!e)
    return xerr_make(err, ENOMEM, "archive entry %s", path);
  archive_entry_set_pathname(e, path);
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, mode);
  archive_entry_set_size(e, size);
  /* Fixed owner and time: the same images give the same archive. */
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, 0, 0);
  int r = archive_write_header(c->ar, e);
  archive_entry_free(e);
  return r == ARCHIVE_OK ? 0 : archive_failure(c->ar, err, path);
}

static int write_file(struct save_ctx *c, const char *path, const char *data, size_t len,
                      struct xerr *err) {
  if (write_header(c, path, AE_IFREG, 0644, (int64_t)len, err) < 0)
    return -1;
  if (len && archive_write_data(c->ar, data, len) != (la_ssize_t)len)
    return archive_failure(c->ar, err, path);
  return 0;
}

static int write_json(struct save_ctx *c, const char *path, json_t *doc, struct xerr *err) {
  char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!text)
    return xerr_make(err, ENOMEM, "%s", path);
  int ret = write_file(c, path, text, strlen(text), err);
  free(text);
  return ret;
}

/* Copy a blob into blobs/sha256/, once per archive, checking it on the way
 * so a corrupt store never yields an archive that looks sound. */
static int write_blob(struct save_ctx *c, const char *digest, struct xerr *err) {
  for (size_t i = 0; i < c->n_written; i++)
    if (strcmp(c->written[i], digest) == 0)
      return 0;
  char path[128];
  snprintf(path, sizeof path, "blobs/sha256/%s", digest_hex(digest));
  cleanup_close int fd = blob_open(c->store, digest, err);
  struct stat st;
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0)
    return xerr_make(err, errno, "blob %s", digest);
  if (write_header(c, path, AE_IFREG, 0644, st.st_size, err) < 0)
    return -1;
  struct digester h;
  if (digester_init(&h, err) < 0)
    return -1;
  char buf[65536];
  int64_t total = 0;
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      digester_free(&h);
      return xerr_make(err, errno, "read blob %s", digest);
    }
    if (got == 0)
      break;
    digester_update(&h, buf, (size_t)got);
    total += got;
    if (archive_write_data(c->ar, buf, (size_t)got) != got) {
      digester_free(&h);
      return archive_failure(c->ar, err, path);
    }
  }
  char got_digest[DIGEST_BUF_LEN];
  digester_final(&h, got_digest);
  if (total != st.st_size || strcmp(got_digest, digest) != 0)
    return xerr_make(err, 0, "blob %s is corrupt: its content hashes to %s", digest, got_digest);
  char(*grown)[DIGEST_BUF_LEN] = realloc(c->written, (c->n_written + 1) * sizeof *grown);
  if (!grown)
    return xerr_make(err, ENOMEM, "save");
  c->written = grown;
  memcpy(grown[c->n_written++], digest, DIGEST_BUF_LEN);
  return 0;
}

static int write_image_blobs(struct save_ctx *c, const struct saved_image *img,
                             struct xerr *err) {
  for (size_t i = 0; i < img->manifest.n_layers; i++)
    if (write_blob(c, img->manifest.layers[i].digest, err) < 0)
      return -1;
  if (write_blob(c, img->manifest.config.digest, err) < 0 ||
      write_blob(c, img->rec.manifest_digest, err) < 0)
    return -1;
  return 0;
}

/* ---- the documents ---- */

static int add_index_entries(struct save_ctx *c, json_t *index, const struct saved_image *img,
                             bool full_ref_name, struct xerr *err) {
  struct descriptor d = {0};
  snprintf(d.media_type, sizeof d.media_type, "%s", img->rec.manifest_media_type);
  snprintf(d.digest, sizeof d.digest, "%s", img->rec.manifest_digest);
  d.size = blob_size(c->store, d.digest);
  if (!img->tags[0])
    return oci_index_add(index, &d, NULL, false, err);
  for (char **t = img->tags; *t; t++)
    if (oci_index_add(index, &d, *t, full_ref_name, err) < 0)
      return -1;
  return 0;
}

static json_t *blob_path_json(const char *digest) {
  char path[128];
  snprintf(path, sizeof path, "blobs/sha256/%s", digest_hex(digest));
  return json_string(path);
}

/* Docker's manifest.json entry: {Config, RepoTags, Layers}. */
static json_t *docker_manifest_entry(const struct saved_image *img) {
  json_t *entry = json_object(), *tags = json_array(), *layers = json_array();
  if (!entry || !tags || !layers)
    goto fail;
  for (char **t = img->tags; *t; t++) {
    char familiar[REF_NAME_MAX * 2];
    ref_familiarize(*t, familiar, sizeof familiar);
    if (json_append(tags, json_string(familiar)) < 0)
      goto fail;
  }
  for (size_t i = 0; i < img->manifest.n_layers; i++)
    if (json_append(layers, blob_path_json(img->manifest.layers[i].digest)) < 0)
      goto fail;
  if (json_put(entry, "Config", blob_path_json(img->manifest.config.digest)) < 0 ||
      json_put(entry, "RepoTags", json_array_size(tags) ? json_incref(tags) : json_null()) < 0 ||
      json_put(entry, "Layers", json_incref(layers)) < 0)
    goto fail;
  json_decref(tags);
  json_decref(layers);
  return entry;
fail:
  json_decref(entry);
  json_decref(tags);
  json_decref(layers);
  return NULL;
}

/* repositories: {"busybox": {"latest": "<top layer>"}}, the legacy loader's
 * way to name images. */
static int add_repositories(json_t *repos, const struct saved_image *img) {
  if (img->manifest.n_layers == 0)
    return 0;
  const char *top = digest_hex(img->manifest.layers[img->manifest.n_layers - 1].digest);
  for (char **t = img->tags; *t; t++) {
    char familiar[REF_NAME_MAX * 2];
    ref_familiarize(*t, familiar, sizeof familiar);
    char *colon = strrchr(familiar, ':');
    if (!colon || strchr(colon, '/'))
      continue;
    *colon = '\0';
    json_t *repo = json_object_get(repos, familiar);
    if (!repo && json_put(repos, familiar, repo = json_object()) < 0)
      return -1;
    if (json_put(repo, colon + 1, json_string(top)) < 0)
      return -1;
  }
  return 0;
}

static int write_docker_files(struct save_ctx *c, struct xerr *err) {
  json_t *manifest = json_array(), *repos = json_object();
  int ret = 0;
  if (!manifest || !repos)
    ret = xerr_make(err, ENOMEM, "manifest.json");
  for (size_t i = 0; ret == 0 && i < c->n_images; i++)
    if (json_append(manifest, docker_manifest_entry(&c->images[i])) < 0 ||
        add_repositories(repos, &c->images[i]) < 0)
      ret = xerr_make(err, ENOMEM, "manifest.json");
  if (ret == 0)
    ret = write_json(c, "manifest.json", manifest, err);
  if (ret == 0 && json_object_size(repos))
    ret = write_json(c, "repositories", repos, err);
  json_decref(manifest);
  json_decref(repos);
  return ret;
}

/* An oci-archive names images the way Podman and skopeo do (the whole
 * reference in ref.name); a docker-archive the way Docker 25+ does. */
static int write_layout_files(struct save_ctx *c, enum archive_format format, struct xerr *err) {
  json_t *index = oci_index_new();
  if (!index)
    return xerr_make(err, ENOMEM, "index.json");
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < c->n_images; i++)
    ret = add_index_entries(c, index, &c->images[i], format == ARCHIVE_OCI, err);
  if (ret == 0)
    ret = write_json(c, OCI_INDEX_FILE, index, err);
  json_decref(index);
  if (ret == 0)
    ret = write_file(c, OCI_LAYOUT_FILE, OCI_LAYOUT_CONTENT, strlen(OCI_LAYOUT_CONTENT), err);
  return ret;
}

int archive_save(struct xstore *s, const char *const *names, size_t n_names,
                 enum archive_format format, int fd, struct xerr *err) {
  struct save_ctx c = {.store = s};
  int ret = -1;
  for (size_t i = 0; i < n_names; i++)
    if (add_image(&c, names[i], err) < 0)
      goto out;
  c.ar = archive_write_new();
  if (!c.ar) {
    xerr_make(err, ENOMEM, "archive writer");
    goto out;
  }
  /* ustar with pax extensions only where needed: what Docker writes. */
  if (archive_write_set_format_pax_restricted(c.ar) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(c.ar, 1) != ARCHIVE_OK ||
      archive_write_open_fd(c.ar, fd) != ARCHIVE_OK) {
    archive_failure(c.ar, err, "open");
    goto out;
  }
  if (write_header(&c, "blobs", AE_IFDIR, 0755, 0, err) < 0 ||
      write_header(&c, "blobs/sha256", AE_IFDIR, 0755, 0, err) < 0)
    goto out;
  for (size_t i = 0; i < c.n_images; i++)
    if (write_image_blobs(&c, &c.images[i], err) < 0)
      goto out;
  if (write_layout_files(&c, format, err) < 0)
    goto out;
  if (format == ARCHIVE_DOCKER && write_docker_files(&c, err) < 0)
    goto out;
  if (archive_write_close(c.ar) != ARCHIVE_OK) {
    archive_failure(c.ar, err, "close");
    goto out;
  }
  ret = 0;
out:
  save_ctx_clear(&c);
  return ret;
}
