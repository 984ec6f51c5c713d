/* `import`: tarball -> one uncompressed layer blob (its digest is the diff
 * id), a config with the changes applied, an OCI manifest, the image. */
#include "image/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "runtime/state.h"
#include "image/decompress.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/store.h"

/* ---- Dockerfile instructions ---- */

/* Split s into shell-like words: whitespace separates, quotes group and are
 * removed, a backslash escapes the next character (not inside '...'). */
static int split_words(const char *s, char ***out, struct xerr *err) {
  size_t n = 0;
  char **v = calloc(1, sizeof *v);
  char *word = malloc(strlen(s) + 1);
  if (!v || !word)
    goto nomem;
  while (*s) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    size_t len = 0;
    char quote = 0;
    for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
      if (quote && *s == quote)
        quote = 0;
      else if (!quote && (*s == '"' || *s == '\''))
        quote = *s;
      else if (*s == '\\' && quote != '\'' && s[1])
        word[len++] = *++s;
      else
        word[len++] = *s;
    }
    if (quote) {
      free(word);
      cleanup_strv_fn(&v);
      return xerr_make(err, 0, "unterminated quote in \"%s\"", s);
    }
    word[len] = '\0';
    char **grown = realloc(v, (n + 2) * sizeof *grown);
    if (!grown)
      goto nomem;
    v = grown;
    v[n + 1] = NULL;
    if (!(v[n++] = strdup(word)))
      goto nomem;
  }
  free(word);
  *out = v;
  return 0;
nomem:
  free(word);
  cleanup_strv_fn(&v);
  return xerr_make(err, ENOMEM, "parse change");
}

/* The exec form (a JSON array of strings), or NULL when args is not one. */
static json_t *exec_form(const char *args) {
  if (args[0] != '[')
    return NULL;
  json_t *arr = json_loads(args, 0, NULL);
  if (!json_is_array(arr))
    goto no;
  for (size_t i = 0; i < json_array_size(arr); i++)
    if (!json_is_string(json_array_get(arr, i)))
      goto no;
  return arr;
no:
  json_decref(arr);
  return NULL;
}

/* CMD/ENTRYPOINT: exec form as is, shell form wrapped in /bin/sh -c. */
static json_t *command_form(const char *args) {
  json_t *arr = exec_form(args);
  if (arr)
    return arr;
  const char *sh[] = {"/bin/sh", "-c", args, NULL};
  return json_string_array(sh);
}

/* The object config[key], created when missing. */
static json_t *config_object(json_t *config, const char *key) {
  json_t *o = json_member(config, key);
  if (json_is_object(o))
    return o;
  o = json_object();
  return json_put(config, key, o) == 0 ? o : NULL;
}

/* key=value pairs (or the legacy "key value") as (key, value) calls of set. */
static int key_values(const char *name, const char *args,
                      int (*set)(json_t *, const char *, const char *), json_t *config,
                      struct xerr *err) {
  cleanup_strv char **words = NULL;
  const char *sp = args + strcspn(args, " \t");
  if (!memchr(args, '=', (size_t)(sp - args))) {
    /* Legacy form: the first word is the key, the rest of the line the value. */
    cleanup_free char *key = strndup(args, (size_t)(sp - args));
    while (isspace((unsigned char)*sp))
      sp++;
    if (!key || !*sp)
      return xerr_make(err, 0, "%s must have two arguments", name);
    return set(config, key, sp) < 0 ? xerr_make(err, ENOMEM, "%s", name) : 0;
  }
  if (split_words(args, &words, err) < 0)
    return -1;
  for (char **w = words; *w; w++) {
    char *eq = strchr(*w, '=');
    if (!eq || eq == *w)
      return xerr_make(err, 0, "%s names \"%s\": expected KEY=VALUE", name, *w);
    *eq = '\0';
    if (set(config, *w, eq + 1) < 0)
      return xerr_make(err, ENOMEM, "%s", name);
  }
  return 0;
}

static int set_env(json_t *config, const char *key, const char *value) {
  json_t *env = json_member(config, "Env");
  if (!json_is_array(env)) {
    env = json_array();
    if (json_put(config, "Env", env) < 0)
      return -1;
  }
  char *entry = NULL;
  if (asprintf(&entry, "%s=%s", key, value) < 0)
    return -1;
  size_t klen = strlen(key);
  for (size_t i = 0; i < json_array_size(env); i++) {
    const char *e = json_string_value(json_array_get(env, i));
    if (e && strncmp(e, key, klen) == 0 && e[klen] == '=') {
      int r = json_array_set_new(env, i, json_string(entry));
      free(entry);
      return r;
    }
  }
  int r = json_append(env, json_string(entry));
  free(entry);
  return r;
}

static int set_label(json_t *config, const char *key, const char *value) {
  json_t *labels = config_object(config, "Labels");
  return labels ? json_put(labels, key, json_string(value)) : -1;
}

/* EXPOSE 80 8080/tcp 53/udp 7000-7002 */
static int expose(json_t *config, const char *args, struct xerr *err) {
  cleanup_strv char **words = NULL;
  if (split_words(args, &words, err) < 0)
    return -1;
  json_t *ports = config_object(config, "ExposedPorts");
  if (!ports)
    return xerr_make(err, ENOMEM, "EXPOSE");
  for (char **w = words; *w; w++) {
    char proto[16] = "tcp";
    unsigned lo = 0, hi = 0;
    char *slash = strchr(*w, '/');
    if (slash) {
      snprintf(proto, sizeof proto, "%s", slash + 1);
      *slash = '\0';
      for (char *p = proto; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    }
    int used = 0;
    bool ok = sscanf(*w, "%u%n", &lo, &used) == 1 && (size_t)used == strlen(*w);
    hi = lo;
    if (!ok)
      ok = sscanf(*w, "%u-%u%n", &lo, &hi, &used) == 2 && (size_t)used == strlen(*w);
    if (!ok || lo == 0 || hi > 65535 || hi < lo ||
        (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
      return xerr_make(err, 0, "EXPOSE: invalid port \"%s%s%s\"", *w, slash ? "/" : "",
                       slash ? proto : "");
    for (unsigned p = lo; p <= hi; p++) {
      char key[32];
      snprintf(key, sizeof key, "%u/%s", p, proto);
      if (json_put(ports, key, json_object()) < 0)
        return xerr_make(err, ENOMEM, "EXPOSE");
    }
  }
  return 0;
}

static int volume(json_t *config, const char *args, struct xerr *err) {
  cleanup_strv char **words = NULL;
  json_t *arr = exec_form(args);
  if (arr) {
    int r = json_to_strv(arr, "VOLUME", &words, err);
    json_decref(arr);
    if (r < 0)
      return -1;
  } else if (split_words(args, &words, err) < 0) {
    return -1;
  }
  json_t *vols = config_object(config, "Volumes");
  if (!vols)
    return xerr_make(err, ENOMEM, "VOLUME");
  for (char **w = words; w && *w; w++) {
    if (!**w)
      return xerr_make(err, 0, "VOLUME specified can not be an empty string");
    if (json_put(vols, *w, json_object()) < 0)
      return xerr_make(err, ENOMEM, "VOLUME");
  }
  return 0;
}

/* WORKDIR: a relative path continues from the current one. */
static int workdir(json_t *config, const char *args) {
  const char *cur = json_string_value(json_member(config, "WorkingDir"));
  char *path = NULL;
  if (args[0] == '/')
    path = strdup(args);
  else if (asprintf(&path, "%s/%s", cur && *cur ? cur : "", args) < 0)
    path = NULL;
  if (!path)
    return -1;
  int r = json_put(config, "WorkingDir", json_string(path));
  free(path);
  return r;
}

static int onbuild(json_t *config, const char *args) {
  json_t *list = json_member(config, "OnBuild");
  if (!json_is_array(list)) {
    list = json_array();
    if (json_put(config, "OnBuild", list) < 0)
      return -1;
  }
  return json_append(list, json_string(args));
}

int import_apply_change(json_t *config, const char *change, struct xerr *err) {
  while (isspace((unsigned char)*change))
    change++;
  size_t klen = strcspn(change, " \t");
  char name[16];
  if (klen == 0)
    return xerr_make(err, 0, "empty change");
  if (klen >= sizeof name)
    return xerr_make(err, 0, "\"%.*s\" is not a valid change command", (int)klen, change);
  for (size_t i = 0; i < klen; i++)
    name[i] = (char)toupper((unsigned char)change[i]);
  name[klen] = '\0';
  cleanup_free char *args = strdup(change + klen + strspn(change + klen, " \t"));
  if (!args)
    return xerr_make(err, ENOMEM, "change");
  for (size_t n = strlen(args); n > 0 && isspace((unsigned char)args[n - 1]); n--)
    args[n - 1] = '\0';
  static const char *const known[] = {"CMD",  "ENTRYPOINT", "ENV",     "EXPOSE",    "LABEL",
                                      "USER", "VOLUME",     "WORKDIR", "STOPSIGNAL", "ONBUILD"};
  bool valid = false;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    valid = valid || strcmp(name, known[i]) == 0;
  if (!valid)
    return xerr_make(err, 0, "\"%s\" is not a valid change command", name);
  if (!args[0])
    return xerr_make(err, 0, "%s requires at least one argument", name);
  int r;
  if (strcmp(name, "CMD") == 0 || strcmp(name, "ENTRYPOINT") == 0)
    r = json_put(config, strcmp(name, "CMD") == 0 ? "Cmd" : "Entrypoint", command_form(args));
  else if (strcmp(name, "ENV") == 0)
    return key_values(name, args, set_env, config, err);
  else if (strcmp(name, "LABEL") == 0)
    return key_values(name, args, set_label, config, err);
  else if (strcmp(name, "EXPOSE") == 0)
    return expose(config, args, err);
  else if (strcmp(name, "VOLUME") == 0)
    return volume(config, args, err);
  else if (strcmp(name, "WORKDIR") == 0)
    r = workdir(config, args);
  else if (strcmp(name, "ONBUILD") == 0)
    r = onbuild(config, args);
  else
    r = json_put(config, strcmp(name, "USER") == 0 ? "User" : "StopSignal", json_string(args));
  return r < 0 ? xerr_make(err, ENOMEM, "%s", name) : 0;
}

/* ---- the layer ---- */

/* Decompress fd (whatever the compression) into a blob: the uncompressed
 * tar, so its digest is the layer's diff id. */
static int store_layer(struct xstore *s, int fd, char digest[DIGEST_BUF_LEN], struct xerr *err) {
  struct archive *a = archive_read_new();
  struct blob_writer *w = NULL;
  struct archive_entry *e;
  int ret = -1;
  if (!a)
    return xerr_make(err, ENOMEM, "import");
  decompress_support(a);
  archive_read_support_format_raw(a);
  if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
      archive_read_next_header(a, &e) != ARCHIVE_OK) {
    xerr_make(err, 0, "read the tarball: %s",
              archive_error_string(a) ? archive_error_string(a) : "empty input");
    goto out;
  }
  if (blob_writer_open(s, &w, err) < 0)
    goto out;
  char buf[65536];
  la_ssize_t got;
  while ((got = archive_read_data(a, buf, sizeof buf)) > 0)
    if (blob_writer_write(w, buf, (size_t)got, err) < 0)
      goto out;
  if (got < 0) {
    xerr_make(err, 0, "read the tarball: %s", archive_error_string(a));
    goto out;
  }
  if (blob_writer_size(w) == 0) {
    xerr_make(err, 0, "the tarball is empty");
    goto out;
  }
  ret = blob_writer_commit(w, NULL, digest, err);
  w = NULL;
out:
  blob_writer_abort(w);
  archive_read_free(a);
  return ret;
}

/* ---- config and manifest ---- */

static int platform_fields(json_t *image, const char *platform, struct xerr *err) {
  char norm[64];
  if (platform_normalise(platform ? platform : platform_default(), norm, sizeof norm, err) < 0)
    return -1;
  char *os = norm, *arch = strchr(norm, '/'), *variant = NULL;
  if (arch) {
    *arch++ = '\0';
    variant = strchr(arch, '/');
    if (variant)
      *variant++ = '\0';
  }
  if (json_put(image, "architecture", json_string(arch ? arch : "amd64")) < 0 ||
      (variant && json_put(image, "variant", json_string(variant)) < 0) ||
      json_put(image, "os", json_string(os)) < 0)
    return xerr_make(err, ENOMEM, "config");
  return 0;
}

static json_t *image_config_json(json_t *container_config, const char *diff_id,
                                 const char *comment, struct xerr *err) {
  char created[64];
  rfc3339_now(created, sizeof created);
  json_t *image = json_object(), *rootfs = json_object(), *history = json_object();
  const char *diffs[] = {diff_id, NULL};
  /* The comment also at the top, where `docker inspect` shows it. */
  if (!image || !rootfs || !history || json_put(image, "created", json_string(created)) < 0 ||
      json_put(image, "comment", json_string(comment)) < 0 ||
      json_put(image, "config", json_incref(container_config)) < 0 ||
      json_put(rootfs, "type", json_string("layers")) < 0 ||
      json_put(rootfs, "diff_ids", json_string_array(diffs)) < 0 ||
      json_put(image, "rootfs", json_incref(rootfs)) < 0 ||
      json_put(history, "created", json_string(created)) < 0 ||
      json_put(history, "comment", json_string(comment)) < 0 ||
      json_put(image, "history", json_pack("[O]", history)) < 0) {
    json_decref(image);
    image = NULL;
    xerr_make(err, ENOMEM, "config");
  }
  json_decref(rootfs);
  json_decref(history);
  return image;
}

static json_t *descriptor_json(const char *mt, const char *digest, int64_t size) {
  return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size", (json_int_t)size);
}

static int put_json(struct xstore *s, json_t *doc, char out[DIGEST_BUF_LEN], struct xerr *err) {
  char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!text)
    return xerr_make(err, ENOMEM, "import");
  int r = blob_put(s, text, strlen(text), NULL, out, err);
  free(text);
  return r;
}

int image_import(struct xstore *s, int fd, const struct import_options *o,
                 char id_out[DIGEST_BUF_LEN], struct xerr *err) {
  json_t *cc = json_object(), *image = NULL, *manifest = NULL;
  char layer[DIGEST_BUF_LEN], config[DIGEST_BUF_LEN], md[DIGEST_BUF_LEN];
  cleanup_free char *comment = NULL;
  int ret = -1;
  if (!cc) {
    xerr_make(err, ENOMEM, "import");
    goto out;
  }
  /* Changes first: a typo fails before the tarball is read. */
  for (size_t i = 0; i < o->n_changes; i++)
    if (import_apply_change(cc, o->changes[i], err) < 0) {
      xerr_wrap(err, "invalid change \"%s\"", o->changes[i]);
      goto out;
    }
  if (o->message && *o->message)
    comment = strdup(o->message);
  else if (asprintf(&comment, "Imported from %s", o->source ? o->source : "-") < 0)
    comment = NULL;
  if (!comment) {
    xerr_make(err, ENOMEM, "import");
    goto out;
  }
  if (store_layer(s, fd, layer, err) < 0)
    goto out;
  image = image_config_json(cc, layer, comment, err);
  if (!image || platform_fields(image, o->platform, err) < 0 || put_json(s, image, config, err) < 0)
    goto out;
  manifest = json_pack("{s:i, s:s, s:o, s:[o]}", "schemaVersion", 2, "mediaType",
                       MT_OCI_MANIFEST, "config",
                       descriptor_json(MT_OCI_CONFIG, config, blob_size(s, config)), "layers",
                       descriptor_json(MT_OCI_LAYER, layer, blob_size(s, layer)));
  if (!manifest) {
    xerr_make(err, ENOMEM, "manifest");
    goto out;
  }
  if (put_json(s, manifest, md, err) < 0 ||
      image_register(s, md, o->tag, NULL, NULL, id_out, err) < 0)
    goto out;
  ret = 0;
out:
  json_decref(cc);
  json_decref(image);
  json_decref(manifest);
  return ret;
}
