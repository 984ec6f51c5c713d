/* Image archives: what `docker save` / `podman save` / skopeo write and what
 * `docker load` reads.
 *   docker-archive  manifest.json ([{Config, RepoTags, Layers}]) and
 *                   repositories, naming config and layer tar files: old
 *                   style (<id>.json, <id>/layer.tar) or Docker 25+ style
 *                   (paths under blobs/sha256/, beside an OCI layout)
 *   oci-archive     an OCI image layout (image/oci_layout.h) in a tar
 * Loading streams the tar once: blobs go straight into the store, verified;
 * the images are registered only when every blob they need is present and
 * each checks out. */
#ifndef XOCKER_IMAGE_ARCHIVE_H
#define XOCKER_IMAGE_ARCHIVE_H

#include <stddef.h>

#include "image/digest.h"

struct xstore;
struct xerr;

/* One image registered by a load: its id and its names (normalised,
 * NULL-terminated, may be empty); previous[i] is the id names[i] pointed at
 * before the load when that was another image ("" otherwise). */
struct load_result {
  char id[DIGEST_BUF_LEN];
  char **names;
  char (*previous)[DIGEST_BUF_LEN];
};
void load_results_free(struct load_result *v, size_t n);

/* Load every image of the archive read from fd (a tar, possibly compressed),
 * or of the OCI layout directory dir when dir is not NULL.  platform (may be
 * NULL) picks from nested indexes.  On failure nothing from the archive is
 * registered. */
int archive_load(struct xstore *s, int fd, const char *dir, const char *platform,
                 struct load_result **out, size_t *n, struct xerr *err);

enum archive_format { ARCHIVE_DOCKER, ARCHIVE_OCI };

/* Write the images named (references or ids) to fd as one tar, blobs shared. */
int archive_save(struct xstore *s, const char *const *names, size_t n_names,
                 enum archive_format format, int fd, struct xerr *err);

#endif
