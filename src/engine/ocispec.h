/* The OCI config of a container made from an image, merged as Docker does:
 * the image config (Env, Entrypoint, Cmd, WorkingDir, User) under the
 * user's run options, with Docker's default confinement (its capability
 * set, masked and read-only paths, a 64 MiB /dev/shm, a cgroup namespace).
 * The engine's `create` writes the result as the container's config.json. */
#ifndef XOCKER_ENGINE_OCISPEC_H
#define XOCKER_ENGINE_OCISPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct xerr;

struct run_options {
  const char *rootfs;       /* absolute path of the mounted rootfs */
  const char *hostname;     /* NULL: the caller's default (Docker: the short id) */
  bool entrypoint_set;      /* --entrypoint given; "" resets the image's */
  const char *entrypoint;
  char **cmd;               /* arguments after the image, NULL-terminated; NULL: the image's Cmd */
  char **env;               /* -e KEY=VALUE in order, NULL-terminated; may be NULL */
  const char *workdir;      /* -w, NULL: the image's WorkingDir or "/" */
  const char *user;         /* -u, NULL: the image's User or root */
  bool tty, read_only, privileged;
  char **cap_add, **cap_drop; /* names with or without CAP_, "ALL"; may be NULL */
};

/* A new config.json document; errors name the option or image field
 * ("No command specified", "unknown capability: CAP_FOO"). */
int engine_oci_spec(json_t *image_config, const struct run_options *o, json_t **out,
                    struct xerr *err);

/* Docker's default capability set, NULL-terminated. */
extern const char *const DOCKER_DEFAULT_CAPS[];

#endif
