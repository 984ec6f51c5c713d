/* OCI hooks: each runs with the container state JSON on stdin, its own
 * args and env, and an optional timeout after which it is killed. */
#ifndef XOCKER_RUNTIME_HOOKS_H
#define XOCKER_RUNTIME_HOOKS_H

#include "config.h"

struct xerr;

const char *hook_kind_name(enum hook_kind kind);
/* Run every hook of the list in order; the first failure stops the list
 * and is returned ("createRuntime hook /bin/x: exited with status 1"). */
int hooks_run(const struct oci_hook_list *list, enum hook_kind kind, const char *state_json,
              struct xerr *err);

#endif
