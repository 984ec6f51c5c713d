/* A container's mounts: -v/--volume, --mount, --tmpfs and --volumes-from
 * as Docker takes them, the image's VOLUMEs as anonymous volumes, named
 * volumes made on first use and filled from the image's content there.
 * The flags are kept in the HostConfig (Binds, Mounts, Tmpfs,
 * VolumesFrom), the result as Docker's inspect "Mounts" array. */
#ifndef XOCKER_ENGINE_MOUNTS_H
#define XOCKER_ENGINE_MOUNTS_H

#include <jansson.h>
#include <stdbool.h>

struct xerr;
struct xstore;

/* Whether flag ("volume", "mount", "tmpfs", "volumes-from") is a mount flag. */
bool mounts_has_flag(const char *flag);
/* Check one flag's value and record it in hc. Errors are Docker's
 * ("invalid mount config for type \"bind\": ..."). */
int mounts_set_flag(json_t *hc, const char *flag, const char *value, struct xerr *err);

/* At create: make the volumes hc and image_config (the image's config
 * document, or its "config" object: its "Volumes") ask
 * for, fill new ones from rootfs (the container's mounted rootfs) as
 * Docker copies up, append OCI mounts to spec, and return the inspect
 * "Mounts" array in *mounts. On error nothing it made is left behind. */
int mounts_setup(struct xstore *s, const char *container_id, json_t *image_config, json_t *hc,
                 const char *rootfs, json_t *spec, json_t **mounts, struct xerr *err);

/* At rm: forget the container's use of its volumes; with remove_anonymous
 * (rm -v) delete its anonymous volumes. */
int mounts_release(struct xstore *s, json_t *mounts, bool remove_anonymous, struct xerr *err);
/* The same, for callers that still have the container's record: a volume
 * used only by container_id counts as unused.  (mounts_release must be
 * called after the record is gone: a volume any record names is in use.) */
int mounts_release_container(struct xstore *s, const char *container_id, json_t *mounts,
                             bool remove_anonymous, struct xerr *err);

#endif
