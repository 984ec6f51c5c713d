/* Images as records in the store: register one whose blobs are present
 * (unpacking its layers), look up by name or id, tag, untag, list, remove,
 * and collect what no image or container uses any more. */
#ifndef XOCKER_IMAGE_IMAGE_H
#define XOCKER_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/manifest.h"

struct xstore;
struct xerr;

struct image_record {
  char id[DIGEST_BUF_LEN];              /* config digest */
  char manifest_digest[DIGEST_BUF_LEN];
  char manifest_media_type[MT_MAX];
  char top_layer[DIGEST_BUF_LEN];       /* "" when the image has no layers */
  char parent[DIGEST_BUF_LEN];          /* "" when none */
  char created[64];                     /* RFC 3339 from the config, "" if absent */
  int64_t size;                         /* unpacked bytes */
  int64_t added;                        /* unix time */
  char **tags;                          /* normalised names, NULL-terminated */
  char **digests;                       /* normalised repo@digest names */
};
void image_record_clear(struct image_record *r);

/* Register the image whose manifest blob (an image manifest, not an index)
 * and whose config and layer blobs are all in the blob store: unpack every
 * layer not yet unpacked (storage/layers.h), check the diff ids, and
 * record the image.  tag (normalised "repo:tag", may be NULL) is moved to
 * it; repo_digest ("repo@sha256:...", may be NULL) added.  parent may be
 * NULL.  id_out (may be NULL) receives the image id. */
int image_register(struct xstore *s, const char *manifest_digest, const char *tag,
                   const char *repo_digest, const char *parent, char id_out[DIGEST_BUF_LEN],
                   struct xerr *err);

/* Find an image by reference (busybox, busybox:1, repo@sha256:...), by full
 * id (with or without "sha256:"), or by a unique id prefix.  Not found is
 * ENOENT with Docker's "No such image: NAME". */
int image_lookup(struct xstore *s, const char *name, struct image_record *out,
                 struct xerr *err);
/* Every image, newest first. */
int image_list(struct xstore *s, struct image_record **out, size_t *n, struct xerr *err);
void image_list_free(struct image_record *list, size_t n);

/* Point the normalised name (from a reference the user gave) at id. */
int image_tag(struct xstore *s, const char *id, const char *ref, struct xerr *err);
/* Remove one tag; ENOENT if there is no such tag. */
int image_untag(struct xstore *s, const char *normalised_tag, struct xerr *err);
/* Remove the image record (its tags and digests go with it), then its
 * layers and blobs that no other image or container uses.  ENOENT if
 * missing; EBUSY naming the container if a container uses it (with force,
 * the image is only untagged and stays for its containers, as Docker does).
 * deleted (may be NULL) is told each image id and layer chain id removed,
 * with the unpacked bytes that freed (0 for the image id itself). */
typedef void (*image_deleted_fn)(const char *what, int64_t bytes, void *ctx);
int image_delete(struct xstore *s, const char *id, bool force, image_deleted_fn deleted,
                 void *ctx, struct xerr *err);
/* Containers using an image: count, and the first one's short id. */
int image_users(struct xstore *s, const char *id, char first[65], struct xerr *err);

/* The config / manifest JSON of an image (read from the verified blob). */
int image_config(struct xstore *s, const struct image_record *r, void **json_out,
                 struct xerr *err);
int image_manifest(struct xstore *s, const struct image_record *r, struct image_manifest *m,
                   struct xerr *err);

#endif
