/* Tar streams of directory trees for export and cp (libarchive for the
 * format only): trees are walked and written through file descriptors,
 * never following a symlink or ".." (so nothing outside the tree is read
 * or written, whatever a running container does to it meanwhile). */
#ifndef XOCKER_CLI_XOCKER_TARSTREAM_H
#define XOCKER_CLI_XOCKER_TARSTREAM_H

#include <stdbool.h>

struct archive;
struct xerr;

/* A tar writer on fd (pax restricted, as Docker writes). */
struct archive *tar_writer_fd(int fd, struct xerr *err);
/* Close and free; -1 with err if the last writes failed. */
int tar_writer_close(struct archive *a, struct xerr *err);
/* Add what fd (any open mode, O_PATH too) is as name: a file, a symlink
 * (itself) or a directory tree (its children as name/...; name "" puts
 * the children at the top, without an entry for the directory itself). */
int tar_add_fd(struct archive *a, int fd, const char *name, struct xerr *err);

/* How tar_extract sets owners: the archive's, root's, or the caller's. */
enum tar_owner { TAR_OWNER_ARCHIVE, TAR_OWNER_ROOT, TAR_OWNER_CALLER };
/* Unpack the tar (optionally compressed) read from in below the directory
 * dirfd.  Entries replace what is there; no entry can climb out with ".."
 * or write through a symlink (that is an error). */
int tar_extract(int in, int dirfd, enum tar_owner owner, struct xerr *err);

#endif
