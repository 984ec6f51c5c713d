/* `import`: a root filesystem tarball (any compression) becomes a one-layer
 * image, its config shaped by Dockerfile instructions (`-c 'CMD ["sh"]'`). */
#ifndef XOCKER_IMAGE_IMPORT_H
#define XOCKER_IMAGE_IMPORT_H

#include <jansson.h>
#include <stddef.h>

#include "image/digest.h"

struct xstore;
struct xerr;

struct import_options {
  const char *const *changes; /* Dockerfile instructions, n_changes of them */
  size_t n_changes;
  const char *message;  /* the history comment; NULL for "Imported from SOURCE" */
  const char *source;   /* "-", a path or a URL, for that comment */
  const char *platform; /* NULL = the machine's */
  const char *tag;      /* normalised "repo:tag", or NULL for an untagged image */
};

/* Read the tarball from fd, store it as the layer, build config and manifest,
 * register the image (unpacking the layer safely).  id_out gets its id. */
int image_import(struct xstore *s, int fd, const struct import_options *o,
                 char id_out[DIGEST_BUF_LEN], struct xerr *err);

/* Apply one Dockerfile instruction to a container config object (the
 * "config" of an image config): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
 * ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL, in JSON or shell form.  Any
 * other instruction is an error naming it. */
int import_apply_change(json_t *config, const char *change, struct xerr *err);

#endif
