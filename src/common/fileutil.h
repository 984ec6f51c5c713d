/* Small file helpers.  All fds are O_CLOEXEC; all writes of state are
 * atomic (temp file in the same directory, fsync, rename). */
#ifndef XOCKER_COMMON_FILEUTIL_H
#define XOCKER_COMMON_FILEUTIL_H

#include <stddef.h>
#include <sys/types.h>

struct xerr;

/* Read a whole file (at dirfd, or AT_FDCWD) into a NUL-terminated buffer. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct xerr *err);
/* Write data to an existing file such as a cgroup or /proc knob. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct xerr *err);
/* Create or replace path atomically with data. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                      struct xerr *err);
/* The same without fsync: for run-time state that a reboot discards anyway
 * (the runtime's state.json), where the rename alone gives atomicity. */
int write_state_file(const char *path, const char *data, size_t len, mode_t mode,
                     struct xerr *err);
/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct xerr *err);
/* rm -rf of a directory tree that we own (state dirs); missing is fine. */
int remove_tree(const char *path, struct xerr *err);
/* The same for the entry name in dirfd (any type); never follows a
 * symlink, so it cannot reach outside dirfd. */
int remove_tree_at(int dirfd, const char *name, struct xerr *err);
/* write(2) that retries on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* read(2) that retries on EINTR and short reads; returns bytes read (less
 * than len only at EOF) or -1. */
ssize_t read_all(int fd, void *buf, size_t len);

#endif
