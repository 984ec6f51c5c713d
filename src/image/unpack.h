/* Layer extraction: read a layer stream (tar, tar+gzip, tar+zstd, ...;
 * the compression is sniffed) and unpack it into a directory, safely: no
 * entry, parent, symlink or hard link can make it create or change
 * anything outside that directory.  Whiteouts are turned into overlayfs
 * form (character device 0:0, trusted.overlay.opaque="y"), and the
 * uncompressed stream is hashed on the way (the layer's diff id). */
#ifndef XOCKER_IMAGE_UNPACK_H
#define XOCKER_IMAGE_UNPACK_H

#include <stdint.h>

#include "image/digest.h"

struct xerr;

struct unpack_result {
  char diff_id[DIGEST_BUF_LEN]; /* sha256 of the uncompressed stream */
  int64_t size;                 /* sum of the regular files' sizes */
};

/* Unpack the stream read from fd into the directory dirfd (which should be
 * empty and private to the caller).  name (a blob digest or a file name)
 * prefixes error messages ("layer NAME: ..."); "" or NULL when the caller
 * names the layer itself. */
int unpack_layer(int fd, int dirfd, const char *name, struct unpack_result *out,
                 struct xerr *err);

#endif
