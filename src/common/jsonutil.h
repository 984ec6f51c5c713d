/* Typed access to jansson objects with errors that name the JSON path
 * ("process.rlimits[2].hard: expected an unsigned integer"). A missing
 * optional member leaves *out untouched and returns 0; `null` counts as
 * missing, as Go's encoding/json (runc) treats it. */
#ifndef XOCKER_COMMON_JSONUTIL_H
#define XOCKER_COMMON_JSONUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct xerr;

/* Member `key` of obj, or NULL when absent or null. */
json_t *json_member(json_t *obj, const char *key);
/* v (borrowed) with a reference of its own, or dflt (a new value) when v is
 * NULL; dflt is released when not used. For json_object_set_new. */
json_t *json_or(json_t *v, json_t *dflt);

int json_get_string(json_t *obj, const char *key, const char *where, bool required, char **out,
                    struct xerr *err);
int json_get_bool(json_t *obj, const char *key, const char *where, bool *out, struct xerr *err);
int json_get_int64(json_t *obj, const char *key, const char *where, bool required,
                   int64_t *out, bool *present, struct xerr *err);
int json_get_uint64(json_t *obj, const char *key, const char *where, bool required,
                    uint64_t *out, bool *present, struct xerr *err);
int json_get_uint32(json_t *obj, const char *key, const char *where, bool required,
                    uint32_t *out, bool *present, struct xerr *err);
/* An object member; *out borrowed, NULL when absent. */
int json_get_object(json_t *obj, const char *key, const char *where, json_t **out,
                    struct xerr *err);
/* An array member; *out borrowed, NULL when absent. */
int json_get_array(json_t *obj, const char *key, const char *where, json_t **out,
                   struct xerr *err);
/* An array of strings as a NULL-terminated strv (NULL when absent). */
int json_get_strv(json_t *obj, const char *key, const char *where, bool required, char ***out,
                  struct xerr *err);
/* Same for a value that is already an array. */
int json_to_strv(json_t *arr, const char *where, char ***out, struct xerr *err);
/* Building documents: set obj[key] = value / append value, taking the
 * reference; 0, or -1 when value is NULL or memory ran out, so a build
 * reads as a chain of `||`. */
int json_put(json_t *obj, const char *key, json_t *value);
int json_append(json_t *arr, json_t *value);
/* A JSON array of strings from a NULL-terminated list; NULL on no memory. */
json_t *json_string_array(const char *const *list);
/* Make "where.key" or "key" when where is empty. */
void json_path_join(char *buf, size_t len, const char *where, const char *key);

#endif
