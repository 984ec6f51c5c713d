/* Inside the mount code (mounts_parse.c, mounts.c, copyup.c) and its unit
 * tests: one mount point of a container, as Docker's daemon keeps it
 * between the flags and the OCI config. */
#ifndef XOCKER_ENGINE_MOUNTS_INTERNAL_H
#define XOCKER_ENGINE_MOUNTS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct xerr;

enum mount_kind { MOUNT_BIND, MOUNT_VOLUME, MOUNT_TMPFS };

struct mount_point {
  enum mount_kind kind;
  char *source;       /* bind: host path; volume: name (NULL: anonymous); tmpfs: NULL */
  char *destination;  /* absolute, cleaned */
  bool rw;
  bool copy_data;     /* volume: fill a new, empty volume from the image (not nocopy) */
  bool propagation_given;
  char *mode;         /* inspect's "Mode": the -v options as given ("z" for named volumes) */
  char *propagation;  /* bind: "rprivate" unless given; else "" */
  char *tmpfs_data;   /* tmpfs: mount data ("size=1m,mode=1777"), may be "" */
  bool must_exist;    /* bind from --mount: a missing source is an error (-v makes it);
                       * volume from --volumes-from: it must exist, never made */
  bool unlisted;      /* --tmpfs: in the OCI config, not in inspect's Mounts */
  json_t *volume_labels;  /* --mount volume-label=, borrowed from hc */
  json_t *volume_options; /* --mount volume-opt=, borrowed from hc */
  const char *volume_driver; /* --mount volume-driver=, borrowed; NULL for local */
};
void mount_point_clear(struct mount_point *mp);

/* path.Clean of an absolute or relative path into a new string. */
char *mount_clean_path(const char *path);

/* -v/--volume SPEC as Docker's daemon parses a HostConfig.Binds entry. */
int mount_parse_bind(const char *spec, struct mount_point *mp, struct xerr *err);
/* --mount VALUE (Docker CLI's csv syntax) to a HostConfig.Mounts entry;
 * errors are the text after "invalid argument ... for --mount flag: ". */
int mount_parse_mount_flag(const char *value, json_t **out, struct xerr *err);
/* A HostConfig.Mounts entry to a mount point, checked as the daemon does
 * ("invalid mount config for type ..."); the bind source's existence is
 * checked later (mounts_setup). */
int mount_from_api(json_t *m, struct mount_point *mp, struct xerr *err);
/* --tmpfs DEST (HostConfig.Tmpfs key) and its data. */
int mount_check_tmpfs_destination(const char *dest, struct xerr *err);
int mount_parse_tmpfs(const char *dest, const char *data, struct mount_point *mp,
                      struct xerr *err);
/* --volumes-from CONTAINER[:MODE]; *ro is set for ":ro". */
int mount_parse_volumes_from(const char *spec, char **container, bool *ro, struct xerr *err);

/* Docker's tmpfs options: its defaults (noexec, nosuid, nodev, rprivate)
 * merged with data, the last of each kind winning; a NULL-terminated
 * strv, or -1 with "Invalid tmpfs option" errors. */
int mount_tmpfs_options(const char *data, char ***out, struct xerr *err);
/* Sizes as Docker's units.RAMInBytes reads them ("64m", "1.5g", "100"). */
int mount_parse_ram_size(const char *s, int64_t *out);

/* Fill the empty directory volume_path from path dest inside rootfs (its
 * tree, owners, modes, times, xattrs); nothing when dest is not a
 * directory there or the volume is not empty. */
int mount_copy_up(const char *rootfs, const char *dest, const char *volume_path,
                  struct xerr *err);

#endif
