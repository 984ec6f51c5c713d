/* `commit`: a container's changes as a new image.  The changes (diff.h)
 * become a layer tar (overlay whiteouts turned back into ".wh." entries
 * and ".wh..wh..opq"), gzip-compressed into the blob store; a new config
 * (the image's, with the new diff id, a history entry, the created time,
 * author and the -c changes) and an OCI manifest are stored as blobs, and
 * the image is registered with the container's image as its parent. */
#ifndef XOCKER_STORAGE_COMMIT_H
#define XOCKER_STORAGE_COMMIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"

struct xstore;
struct xerr;
struct container_record;
struct change_list;

struct commit_options {
  const char *author;           /* may be NULL */
  const char *message;          /* may be NULL */
  const char *const *changes;   /* Dockerfile instructions ("ENV A=b"), n_changes of them */
  size_t n_changes;
  const char *reference;        /* REPO[:TAG] as given, may be NULL (a dangling image) */
};

int container_commit(struct xstore *s, const struct container_record *c,
                     const struct commit_options *opts, char id_out[DIGEST_BUF_LEN],
                     struct xerr *err);

/* The changes of the tree source as a gzip'd layer in the blob store. */
int changes_to_layer(struct xstore *s, const char *source, const struct change_list *changes,
                     char blob_out[DIGEST_BUF_LEN], int64_t *size_out,
                     char diff_id_out[DIGEST_BUF_LEN], struct xerr *err);

/* Apply one Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
 * USER, VOLUME, WORKDIR, STOPSIGNAL, ONBUILD) to an image config's
 * "config" object, as `docker commit -c` does. */
int config_apply_change(json_t *config, const char *change, struct xerr *err);

#endif
