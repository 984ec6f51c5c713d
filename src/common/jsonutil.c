#include "jsonutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xerr.h"

json_t *json_member(json_t *obj, const char *key) {
  json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
  return json_is_null(v) ? NULL : v;
}

void json_path_join(char *buf, size_t len, const char *where, const char *key) {
  if (where == NULL || *where == '\0')
    snprintf(buf, len, "%s", key);
  else
    snprintf(buf, len, "%s.%s", where, key);
}

static int type_error(struct xerr *err, const char *where, const char *key, const char *what) {
  char path[512];
  json_path_join(path, sizeof path, where, key);
  return xerr_make(err, EINVAL, "%s: expected %s", path, what);
}

static int missing_error(struct xerr *err, const char *where, const char *key) {
  char path[512];
  json_path_join(path, sizeof path, where, key);
  return xerr_make(err, EINVAL, "%s: required field is missing", path);
}

int json_get_string(json_t *obj, const char *key, const char *where, bool required, char **out,
                    struct xerr *err) {
  json_t *v = json_member(obj, key);
  if (v == NULL)
    return required ? missing_error(err, where, key) : 0;
  if (!json_is_string(v))
    return type_error(err, where, key, "a string");
  char *s = strdup(json_string_value(v));
  if (s == NULL)
    return xerr_make(err, ENOMEM, "%s", key);
  free(*out);
  *out = s;
  return 0;
}

int json_get_bool(json_t *obj, const char *key, const char *where, bool *out, struct xerr *err) {
  json_t *v = json_member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_boolean(v))
    return type_error(err, where, key, "a boolean");
  *out = json_is_true(v);
  return 0;
}

int json_get_int64(json_t *obj, const char *key, const char *where, bool required, int64_t *out,
                   bool *present, struct xerr *err) {
  json_t *v = json_member(obj, key);
  if (v == NULL)
    return required ? missing_error(err, where, key) : 0;
  if (!json_is_integer(v))
    return type_error(err, where, key, "an integer");
  *out = json_integer_value(v);
  if (present)
    *present = true;
  return 0;
}

int json_get_uint64(json_t *obj, const char *key, const char *where, bool required,
                    uint64_t *out, bool *present, struct xerr *err) {
  json_t *v = json_member(obj, key);
  if (v == NULL)
    return required ? missing_error(err, where, key) : 0;
  /* jansson stores integers as signed 64-bit; values above INT64_MAX
   * (e.g. RLIM_INFINITY written as 18446744073709551615) arrive as reals. */
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
  } else if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 18446744073709551615.0) {
    double d = json_real_value(v);
    *out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
  } else {
    return type_error(err, where, key, "an unsigned integer");
  }
  if (present)
    *present = true;
  return 0;
}

int json_get_uint32(json_t *obj, const char *key, const char *where, bool required,
                    uint32_t *out, bool *present, struct xerr *err) {
  json_t *v = json_member(obj, key);
  if (v == NULL)
    return required ? missing_error(err, where, key) : 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
    return type_error(err, where, key, "an unsigned 32-bit integer");
  *out = (uint32_t)json_integer_value(v);
  if (present)
    *present = true;
  return 0;
}

int json_get_object(json_t *obj, const char *key, const char *where, json_t **out,
                    struct xerr *err) {
  json_t *v = json_member(obj, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_object(v))
    return type_error(err, where, key, "an object");
  *out = v;
  return 0;
}

int json_get_array(json_t *obj, const char *key, const char *where, json_t **out,
                   struct xerr *err) {
  json_t *v = json_member(obj, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_array(v))
    return type_error(err, where, key, "an array");
  *out = v;
  return 0;
}

int json_to_strv(json_t *arr, const char *where, char ***out, struct xerr *err) {
  if (!json_is_array(arr))
    return xerr_make(err, EINVAL, "%s: expected an array of strings", where);
  size_t n = json_array_size(arr);
  char **v = calloc(n + 1, sizeof *v);
  if (v == NULL)
    return xerr_make(err, ENOMEM, "%s", where);
  for (size_t i = 0; i < n; i++) {
    json_t *s = json_array_get(arr, i);
    if (!json_is_string(s) || (v[i] = strdup(json_string_value(s))) == NULL) {
      for (size_t j = 0; j < i; j++)
        free(v[j]);
      free(v);
      return xerr_make(err, EINVAL, "%s[%zu]: expected a string", where, i);
    }
  }
  *out = v;
  return 0;
}

int json_get_strv(json_t *obj, const char *key, const char *where, bool required, char ***out,
                  struct xerr *err) {
  json_t *v = json_member(obj, key);
  char path[512];
  json_path_join(path, sizeof path, where, key);
  if (v == NULL)
    return required ? missing_error(err, where, key) : 0;
  if (!json_is_array(v))
    return xerr_make(err, EINVAL, "%s: expected an array of strings", path);
  return json_to_strv(v, path, out, err);
}

int json_put(json_t *obj, const char *key, json_t *value) {
  return json_object_set_new(obj, key, value);
}

int json_append(json_t *arr, json_t *value) { return json_array_append_new(arr, value); }

json_t *json_string_array(const char *const *list) {
  json_t *arr = json_array();
  for (const char *const *p = list; arr && p && *p; p++) {
    if (json_append(arr, json_string(*p)) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

json_t *json_or(json_t *v, json_t *dflt) {
  if (!v)
    return dflt;
  json_decref(dflt);
  return json_incref(v);
}
