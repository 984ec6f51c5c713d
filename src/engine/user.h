/* A container's user as Docker resolves it: "", "name", "uid", "name:group",
 * "uid:gid", names looked up in the container's own /etc/passwd and
 * /etc/group (resolved inside the rootfs, never through a symlink out). */
#ifndef XOCKER_ENGINE_USER_H
#define XOCKER_ENGINE_USER_H

#include <stddef.h>
#include <sys/types.h>

struct xerr;

struct container_user {
  uid_t uid;
  gid_t gid;
  gid_t additional[32]; /* groups of /etc/group that list the user */
  size_t n_additional;
  char home[256];       /* from passwd, "/" when the user has no entry */
};

/* An unknown name is an error in Docker's words ("unable to find user
 * NAME: no matching entries in passwd file"). */
int user_resolve(const char *rootfs, const char *spec, struct container_user *out,
                 struct xerr *err);

#endif
