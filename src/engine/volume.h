/* Named volumes of the local driver: data in ROOT/volumes/<name>/_data,
 * the record (driver, created, labels, options, anonymous) in the store's
 * `volumes` table.  A volume is in use while some container's record
 * ("Mounts" in its config JSON) names it; nothing else counts references,
 * so a crash cannot leave a count wrong. */
#ifndef XOCKER_ENGINE_VOLUME_H
#define XOCKER_ENGINE_VOLUME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xerr;
struct xstore;

#define VOLUME_NAME_MAX 256
#define VOLUME_DRIVER_LOCAL "local"

struct volume {
  char name[VOLUME_NAME_MAX];
  char driver[32];
  int64_t created;  /* unix time */
  json_t *labels;   /* object, or NULL when none */
  json_t *options;  /* object of driver options (type, device, o), or NULL */
  bool anonymous;   /* made for a container's mount that named none */
};
void volume_clear(struct volume *v);

/* Docker's rule for local volume names, with its messages (errors carry
 * no "create NAME: " prefix; volume_create adds it). */
int volume_check_name(const char *name, struct xerr *err);
/* Check local driver options (type, device, o; only what we can mount). */
int volume_check_options(json_t *options, struct xerr *err);

/* Make a volume, or find the existing one of that name (as Docker's
 * `volume create` does); *created tells which.  name NULL: a new random
 * 64-hex name.  labels and options (borrowed, may be NULL) are stored only
 * for a new volume.  Two commands creating one name race on the table's
 * primary key, so only one makes it. */
int volume_create(struct xstore *s, const char *name, const char *driver, json_t *labels,
                  json_t *options, bool anonymous, struct volume *out, bool *created,
                  struct xerr *err);
/* ENOENT "get NAME: no such volume". */
int volume_lookup(struct xstore *s, const char *name, struct volume *out, struct xerr *err);
/* Every volume, sorted by name. */
int volume_list(struct xstore *s, struct volume **out, size_t *n, struct xerr *err);
void volume_list_free(struct volume *list, size_t n);

/* ROOT/volumes/<name>/_data */
void volume_data_path(struct xstore *s, const char *name, char *buf, size_t len);
/* Docker's `volume inspect` object. */
json_t *volume_inspect_json(struct xstore *s, const struct volume *v);
/* Bytes of the files under the volume's data (hard links once). */
int64_t volume_size(struct xstore *s, const char *name);

/* Ids of the containers whose records mount the volume (NULL-terminated,
 * NULL when none). */
int volume_users(struct xstore *s, const char *name, char ***ids, struct xerr *err);
/* Delete the record and the data; a volume in use is Docker's "remove
 * NAME: volume is in use - [ID, ...]" (EBUSY). */
int volume_remove(struct xstore *s, const char *name, struct xerr *err);
/* Delete without the in-use check (undoing our own create). */
int volume_remove_unchecked(struct xstore *s, const char *name, struct xerr *err);

#endif
