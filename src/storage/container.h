/* A container's storage: its row in the `containers` table (id, name,
 * image, driver) and its root filesystem, made by the driver from the
 * image's layers plus a writable part of its own (storage/driver.h). */
#ifndef XOCKER_STORAGE_CONTAINER_H
#define XOCKER_STORAGE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "storage/driver.h"

struct xstore;
struct xerr;

#define CONTAINER_ID_LEN 64
#define CONTAINER_NAME_MAX 256

struct container_record {
  char id[CONTAINER_ID_LEN + 1];
  char name[CONTAINER_NAME_MAX];
  char image_id[DIGEST_BUF_LEN];
  char image_name[512];  /* as the user gave it */
  int64_t created;       /* unix time */
  char driver[16];
  char *config;          /* JSON the engine keeps about it, may be NULL */
};
void container_record_clear(struct container_record *c);

/* Create the storage of a new container from image (a name or id for
 * image_lookup).  name may be NULL (then the first 12 hex of the id);
 * config (JSON, may be NULL) is stored as is.  A taken name is Docker's
 * "Conflict. The container name ..." error. */
int container_create(struct xstore *s, const char *image, const char *name, const char *config,
                     struct container_record *out, struct xerr *err);
/* Find by name, full id or unique id prefix; ENOENT "No such container: X". */
int container_lookup(struct xstore *s, const char *name_or_id, struct container_record *out,
                     struct xerr *err);
/* Every container, newest first. */
int container_list(struct xstore *s, struct container_record **out, size_t *n,
                   struct xerr *err);
void container_list_free(struct container_record *list, size_t n);

/* The container's driver and its image's layers (bottom first). */
int container_driver(const struct container_record *c, const struct storage_driver **out,
                     struct xerr *err);
int container_layers(struct xstore *s, const struct container_record *c, struct layer_stack *out,
                     struct xerr *err);

/* Mount the rootfs (if not mounted yet); path receives where it is. */
int container_mount(struct xstore *s, const struct container_record *c, char *path, size_t len,
                    struct xerr *err);
int container_unmount(struct xstore *s, const struct container_record *c, struct xerr *err);
bool container_mounted(struct xstore *s, const struct container_record *c);
/* Replace the JSON the engine keeps about it. */
int container_set_config(struct xstore *s, const char *id, const char *config, struct xerr *err);
/* New name (checked by the caller); a taken one is Docker's conflict error. */
int container_rename(struct xstore *s, const char *id, const char *name, struct xerr *err);
/* Unmount, delete its directory and its row. */
int container_remove(struct xstore *s, const struct container_record *c, struct xerr *err);

#endif
