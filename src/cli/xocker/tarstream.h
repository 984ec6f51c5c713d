/* Tar streams of a directory tree for export and cp (libarchive): the
 * tree is walked without following symlinks below its top, so nothing
 * outside it is read. */
#ifndef XOCKER_CLI_XOCKER_TARSTREAM_H
#define XOCKER_CLI_XOCKER_TARSTREAM_H

#include <stdbool.h>

struct archive;
struct xerr;

/* A tar writer on fd (pax restricted, as Docker writes). */
struct archive *tar_writer_fd(int fd, struct xerr *err);
/* Close and free; -1 with err if the last writes failed. */
int tar_writer_close(struct archive *a, struct xerr *err);
/* Add path (a file, symlink or directory tree) as name (its children as
 * name/...; name "" puts the children at the top, without an entry for
 * path itself).  follow_top: a symlink at path is followed (cp -L). */
int tar_add_tree(struct archive *a, const char *path, const char *name, bool follow_top,
                 struct xerr *err);

#endif
