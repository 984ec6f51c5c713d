/* What a container changed in its root filesystem, as `docker diff` shows
 * it: A (added), C (changed), D (deleted), one line per path, parents
 * before children.  Parent directories of changed entries are C.
 *   overlay: the upper dir says it all: a character device 0:0 is D, an
 *            opaque directory is C (A if new) and everything in it A,
 *            anything else C when the layers below have the path, else A.
 *   vfs:     the rootfs is compared with the merged view of the layers
 *            (type, mode, owner, device, and for non-directories size,
 *            mtime and symlink target). */
#ifndef XOCKER_STORAGE_DIFF_H
#define XOCKER_STORAGE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "storage/driver.h"

struct xstore;
struct xerr;
struct container_record;

struct change {
  char kind;   /* 'A', 'C' or 'D' */
  bool opaque; /* overlay: the directory hides everything below it */
  char *path;  /* absolute inside the container: "/etc/passwd" */
};

struct change_list {
  size_t n, cap;
  struct change *items;
};
void change_list_free(struct change_list *l);

/* The changes, sorted so that a directory comes before its contents.
 * source receives the directory holding the changed files (overlay: the
 * upper dir; vfs: the rootfs), for commit. */
int container_changes(struct xstore *s, const struct container_record *c,
                      struct change_list *out, char *source, size_t source_len,
                      struct xerr *err);

/* Changes of the tree rw against the layers (bottom first), as the named
 * driver sees them ("overlay": rw is an upper dir; "vfs": a full rootfs). */
int storage_changes(const char *driver, const char *rw, const struct layer_stack *ls,
                    struct change_list *out, struct xerr *err);

#endif
