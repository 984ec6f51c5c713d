/* The built-in images, present in every new store with no registry:
 * busybox:latest, made at build time from Debian's busybox-static as an OCI
 * layout (scripts/make-busybox-image.sh), found next to the xocker binary
 * (<dir of xocker>/busybox-oci) or at $XOCKER_BUILTIN_IMAGES. */
#ifndef XOCKER_IMAGE_BUILTIN_H
#define XOCKER_IMAGE_BUILTIN_H

struct xstore;
struct xerr;

/* Load the built-in images into a new store.  A missing built-in layout is
 * not an error (the store simply has no busybox). */
int builtin_seed(struct xstore *s, struct xerr *err);

#endif
