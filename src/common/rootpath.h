/* Paths resolved inside a root directory, never through a symlink or ".."
 * out of it: openat2(RESOLVE_IN_ROOT) where the kernel has it, otherwise a
 * component walk that re-roots every symlink.  Setting the environment
 * variable XOCKER_FORCE_ROOTPATH_WALK=1 forces the walk, so tests cover
 * both. */
#ifndef XOCKER_COMMON_ROOTPATH_H
#define XOCKER_COMMON_ROOTPATH_H

#include <sys/types.h>

struct xerr;

/* open(path) with path taken relative to rootfd, as if rootfd were "/". */
int root_open(int rootfd, const char *path, int flags, mode_t mode, struct xerr *err);
/* mkdir -p inside the root; returns an O_PATH fd of the final directory. */
int root_mkdir_p(int rootfd, const char *path, mode_t mode, struct xerr *err);
/* Make sure path exists inside the root as a directory (is_dir) or a
 * regular file, creating parents; returns an O_PATH fd of it. */
int root_ensure(int rootfd, const char *path, int is_dir, mode_t mode, struct xerr *err);
/* Split "a/b/c" into the O_PATH fd of "a/b" (created if missing) and the
 * last component copied into base (NUL-terminated, at most base_len). */
int root_open_parent(int rootfd, const char *path, char *base, size_t base_len,
                     struct xerr *err);

#endif
