/* OCI image layouts (image-spec image-layout.md): a directory or tar with
 *   oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   index.json          an image index naming the manifests, their names in
 *                       annotations
 *   blobs/sha256/<hex>  manifests, configs, layers
 * Reading turns index.json into the list of images to register once their
 * blobs are in the store; writing builds index.json for save. */
#ifndef XOCKER_IMAGE_OCI_LAYOUT_H
#define XOCKER_IMAGE_OCI_LAYOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "image/digest.h"
#include "image/manifest.h"

struct xstore;
struct xerr;

#define OCI_LAYOUT_FILE "oci-layout"
#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\":\"1.0.0\"}"
#define OCI_INDEX_FILE "index.json"
/* The annotations naming an image in an index: the full name (containerd,
 * Docker 25+) and the OCI one (a tag, or a whole reference from skopeo). */
#define ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"
#define ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

/* An image found in an archive or layout, ready for image_register. */
struct loaded_image {
  char manifest_digest[DIGEST_BUF_LEN];
  char **names; /* normalised references ("docker.io/library/busybox:latest"), NULL-terminated */
};
void loaded_images_free(struct loaded_image *v, size_t n);
/* Add name (normalised) to the image with manifest_digest, adding the image
 * when it is new; name may be NULL (an untagged image). */
int loaded_images_add(struct loaded_image **v, size_t *n, const char *manifest_digest,
                      const char *name, struct xerr *err);

/* Interpret index.json of a layout whose blobs are already in the store:
 * each entry that is an image manifest is an image; a nested index gives
 * the manifest for platform (NULL = the machine's).  Names come from the
 * annotations.  Unknown media types are errors naming them. */
int oci_index_images(struct xstore *s, const char *index, size_t len, const char *platform,
                     struct loaded_image **out, size_t *n, struct xerr *err);

/* Copy every blob of the layout directory dir into the store, each
 * verified against its name, and read its index.json. */
int oci_layout_import_dir(struct xstore *s, const char *dir, char **index, size_t *len,
                          struct xerr *err);

/* index.json for a layout being written: an empty index, then one entry per
 * (manifest, name); name is a normalised "repo:tag" or NULL.  The name goes
 * into io.containerd.image.name, and into ref.name whole (full_ref_name:
 * what Podman and skopeo write and read) or as the tag alone (what Docker
 * writes). */
json_t *oci_index_new(void);
int oci_index_add(json_t *index, const struct descriptor *manifest, const char *name,
                  bool full_ref_name, struct xerr *err);

#endif
