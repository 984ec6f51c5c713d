/* The last steps of a container process before execve, run in the child:
 * limits, identity, capabilities, working directory, and the exec itself.
 * Used for the init process and for `exec`. */
#ifndef XOCKER_RUNTIME_PROCESS_H
#define XOCKER_RUNTIME_PROCESS_H

#include <stdbool.h>

#include "config.h"

struct xerr;

/* rlimits and oomScoreAdj; for init also personality.  Before identity. */
int process_apply_limits(const struct oci_process *p, struct xerr *err);
/* A new session keyring named after the container ("_ses.<id>"). */
int process_join_keyring(const char *id, struct xerr *err);
/* Bounding set, groups, gid, uid, then the capability sets and ambient,
 * then umask, cwd and no_new_privs. */
int process_apply_identity(const struct oci_process *p, struct xerr *err);
/* Resolve args[0] through PATH of the process env, as runc does, so a
 * missing binary fails `create`, not `start`.  path gets the full path. */
int process_find_executable(const struct oci_process *p, char *path, size_t len,
                            struct xerr *err);
/* Close every fd from 3 + preserve_fds up and execve.  Returns only on
 * failure. */
int process_exec(const struct oci_process *p, const char *path, int preserve_fds,
                 struct xerr *err);

#endif
