/* OCI image layouts: index.json to images, a layout directory into the
 * store, and index.json for layouts we write. */
#include "image/oci_layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "image/reference.h"
#include "image/store.h"

void loaded_images_free(struct loaded_image *v, size_t n) {
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    cleanup_strv_fn(&v[i].names);
  free(v);
}

int loaded_images_add(struct loaded_image **v, size_t *n, const char *manifest_digest,
                      const char *name, struct xerr *err) {
  struct loaded_image *img = NULL;
  for (size_t i = 0; i < *n && !img; i++)
    if (strcmp((*v)[i].manifest_digest, manifest_digest) == 0)
      img = &(*v)[i];
  if (!img) {
    struct loaded_image *grown = realloc(*v, (*n + 1) * sizeof *grown);
    if (!grown)
      return xerr_make(err, ENOMEM, "image list");
    *v = grown;
    img = &grown[(*n)++];
    memset(img, 0, sizeof *img);
    snprintf(img->manifest_digest, sizeof img->manifest_digest, "%s", manifest_digest);
    img->names = calloc(1, sizeof *img->names);
    if (!img->names)
      return xerr_make(err, ENOMEM, "image list");
  }
  if (name && !strv_contains(img->names, name) && strv_append(&img->names, name) < 0)
    return xerr_make(err, ENOMEM, "image list");
  return 0;
}

/* The image name an index entry carries: containerd's full name, else the
 * OCI ref.name when it is a whole reference (skopeo, Podman) rather than a
 * bare tag (umoci, Docker).  0 with an empty out when there is none. */
static void entry_name(json_t *entry, char *out, size_t len) {
  json_t *ann = json_member(entry, "annotations");
  const char *full = json_string_value(json_member(ann, ANNOTATION_CONTAINERD_NAME));
  const char *ref = json_string_value(json_member(ann, ANNOTATION_REF_NAME));
  out[0] = '\0';
  if (!full && ref && (strchr(ref, '/') || strchr(ref, ':')))
    full = ref;
  if (!full)
    return;
  struct image_ref r;
  struct xerr ignored = {0};
  if (ref_parse(full, true, &r, &ignored) < 0 || !r.tag[0]) {
    xlog_debug("index.json: ignoring image name \"%s\": %s", full, ignored.msg);
    return;
  }
  r.digest[0] = '\0';
  ref_string(&r, out, len);
}

/* The media type of entry i of an index: its descriptor's, else the blob's. */
static int entry_media_type(struct xstore *s, json_t *entry, const char *digest,
                            char out[MT_MAX], struct xerr *err) {
  const char *mt = json_string_value(json_member(entry, "mediaType"));
  if (mt && *mt) {
    snprintf(out, MT_MAX, "%s", mt);
    return 0;
  }
  cleanup_free char *data = NULL;
  size_t len = 0;
  if (blob_read(s, digest, &data, &len, err) < 0)
    return -1;
  return manifest_media_type(data, len, NULL, out, err);
}

/* The image manifest a nested index holds for platform. */
static int nested_manifest(struct xstore *s, const char *index_digest, const char *platform,
                           char out[DIGEST_BUF_LEN], struct xerr *err) {
  cleanup_free char *data = NULL;
  size_t len = 0;
  struct descriptor d;
  if (blob_read(s, index_digest, &data, &len, err) < 0 ||
      index_select(data, len, platform, &d, err) < 0)
    return xerr_wrap(err, "index %s", index_digest);
  if (!media_type_is_manifest(d.media_type))
    return xerr_make(err, 0, "index %s: entry %s has unsupported media type \"%s\"",
                     index_digest, d.digest, d.media_type);
  memcpy(out, d.digest, DIGEST_BUF_LEN);
  return 0;
}

static int index_entry(struct xstore *s, json_t *entry, size_t i, const char *platform,
                       struct loaded_image **out, size_t *n, struct xerr *err) {
  const char *digest = json_string_value(json_member(entry, "digest"));
  if (!json_is_object(entry) || !digest)
    return xerr_make(err, 0, "index.json: manifests[%zu]: expected a descriptor", i);
  if (!digest_valid(digest))
    return xerr_make(err, 0, "index.json: manifests[%zu]: invalid digest \"%s\"", i,
                     digest);
  if (!blob_exists(s, digest))
    return xerr_make(err, 0, "index.json names %s, which is not in the archive", digest);
  char mt[MT_MAX], manifest[DIGEST_BUF_LEN], name[REF_NAME_MAX * 2];
  if (entry_media_type(s, entry, digest, mt, err) < 0)
    return -1;
  if (media_type_is_index(mt)) {
    if (nested_manifest(s, digest, platform, manifest, err) < 0)
      return -1;
  } else if (media_type_is_manifest(mt)) {
    snprintf(manifest, sizeof manifest, "%s", digest);
  } else {
    return xerr_make(err, 0, "index.json: manifests[%zu]: unknown media type \"%s\"", i,
                     mt);
  }
  entry_name(entry, name, sizeof name);
  return loaded_images_add(out, n, manifest, name[0] ? name : NULL, err);
}

int oci_index_images(struct xstore *s, const char *index, size_t len, const char *platform,
                     struct loaded_image **out, size_t *n, struct xerr *err) {
  json_error_t jerr;
  json_t *doc = json_loadb(index, len, 0, &jerr);
  if (!doc)
    return xerr_make(err, 0, "index.json: malformed JSON at line %d: %s", jerr.line,
                     jerr.text);
  int ret = -1;
  const char *mt = json_string_value(json_member(doc, "mediaType"));
  json_t *manifests = json_member(doc, "manifests");
  *out = NULL;
  *n = 0;
  if (mt && !media_type_is_index(mt)) {
    xerr_make(err, 0, "index.json: unsupported media type \"%s\"", mt);
    goto done;
  }
  if (!json_is_array(manifests)) {
    xerr_make(err, 0, "index.json: manifests: expected an array");
    goto done;
  }
  for (size_t i = 0; i < json_array_size(manifests); i++)
    if (index_entry(s, json_array_get(manifests, i), i, platform, out, n, err) < 0)
      goto done;
  if (*n == 0) {
    xerr_make(err, 0, "index.json names no image");
    goto done;
  }
  ret = 0;
done:
  json_decref(doc);
  if (ret < 0) {
    loaded_images_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return ret;
}

/* ---- a layout directory into the store ---- */

static int import_blob_file(struct xstore *s, int blobsfd, const char *hex, struct xerr *err) {
  char digest[DIGEST_BUF_LEN];
  snprintf(digest, sizeof digest, DIGEST_PREFIX "%.64s", hex);
  if (strlen(hex) != DIGEST_HEX_LEN || !digest_valid(digest))
    return 0; /* not a blob of ours: other algorithms, stray files */
  if (blob_exists(s, digest))
    return 0; /* already stored, and verified when it was */
  cleanup_close int fd = openat(blobsfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "blob %s", digest);
  struct blob_writer *w = NULL;
  if (blob_writer_open(s, &w, err) < 0)
    return -1;
  char buf[65536];
  for (;;) {
    ssize_t got = read_all(fd, buf, sizeof buf);
    if (got < 0) {
      blob_writer_abort(w);
      return xerr_make(err, errno, "read blob %s", digest);
    }
    if (got > 0 && blob_writer_write(w, buf, (size_t)got, err) < 0) {
      blob_writer_abort(w);
      return -1;
    }
    if ((size_t)got < sizeof buf)
      break;
  }
  if (blob_writer_commit(w, digest, NULL, err) < 0)
    return xerr_wrap(err, "blob %s", digest);
  return 0;
}

int oci_layout_import_dir(struct xstore *s, const char *dir, char **index, size_t *len,
                          struct xerr *err) {
  cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return xerr_make(err, errno, "open %s", dir);
  if (faccessat(dirfd, OCI_LAYOUT_FILE, F_OK, 0) < 0)
    return xerr_make(err, errno, "%s is not an OCI image layout: %s", dir, OCI_LAYOUT_FILE);
  cleanup_free char *idx = NULL;
  size_t idx_len = 0;
  if (read_file_at(dirfd, OCI_INDEX_FILE, &idx, &idx_len, err) < 0)
    return xerr_wrap(err, "OCI image layout %s", dir);
  int blobsfd = openat(dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (blobsfd < 0)
    return xerr_make(err, errno, "OCI image layout %s: blobs/sha256", dir);
  cleanup_dir DIR *d = fdopendir(blobsfd);
  if (!d) {
    close(blobsfd);
    return xerr_make(err, errno, "OCI image layout %s: blobs/sha256", dir);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    if (import_blob_file(s, blobsfd, de->d_name, err) < 0)
      return xerr_wrap(err, "OCI image layout %s", dir);
  }
  *index = steal_pointer(&idx);
  *len = idx_len;
  return 0;
}

/* ---- index.json for layouts we write ---- */

json_t *oci_index_new(void) {
  json_t *index = json_object();
  if (!index || json_put(index, "schemaVersion", json_integer(2)) < 0 ||
      json_put(index, "mediaType", json_string(MT_OCI_INDEX)) < 0 ||
      json_put(index, "manifests", json_array()) < 0) {
    json_decref(index);
    return NULL;
  }
  return index;
}

int oci_index_add(json_t *index, const struct descriptor *manifest, const char *name,
                  bool full_ref_name, struct xerr *err) {
  json_t *entry = json_object();
  if (!entry || json_put(entry, "mediaType", json_string(manifest->media_type)) < 0 ||
      json_put(entry, "digest", json_string(manifest->digest)) < 0 ||
      json_put(entry, "size", json_integer(manifest->size)) < 0)
    goto nomem;
  if (name) {
    const char *colon = strrchr(name, ':');
    const char *slash = strrchr(name, '/');
    const char *tag = full_ref_name                    ? name
                      : colon && (!slash || colon > slash) ? colon + 1
                                                           : "latest";
    json_t *ann = json_object();
    if (!ann || json_put(ann, ANNOTATION_CONTAINERD_NAME, json_string(name)) < 0 ||
        json_put(ann, ANNOTATION_REF_NAME, json_string(tag)) < 0 ||
        json_put(entry, "annotations", ann) < 0)
      goto nomem;
  }
  if (json_append(json_object_get(index, "manifests"), entry) < 0)
    return xerr_make(err, ENOMEM, "index.json");
  return 0;
nomem:
  json_decref(entry);
  return xerr_make(err, ENOMEM, "index.json");
}
