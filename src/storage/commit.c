/* Commit (commit.h).  The layer tar streams through two libarchive
 * writers: a pax tar writer whose output is hashed (the diff id) and fed
 * to a raw gzip writer whose output goes into a blob writer, so the layer
 * is written once, compressed, and never held in memory. */
#include "storage/commit.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "runtime/state.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/store.h"
#include "storage/container.h"
#include "storage/diff.h"

/* ---- the layer tar ---- */

struct first_link {
  dev_t dev;
  ino_t ino;
  char *path;
};

static int link_cmp(const void *a, const void *b) {
  const struct first_link *x = a, *y = b;
  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void link_free(void *p) {
  struct first_link *l = p;
  free(l->path);
  free(l);
}

struct layer_writer {
  struct archive *tar;
  struct archive *gz;
  struct blob_writer *blob;
  struct digester diff;
  struct xerr *err;
  bool write_failed;
  int srcfd;
  void *links;
};

static la_ssize_t gz_out(struct archive *a, void *data, const void *buf, size_t len) {
  struct layer_writer *lw = data;
  if (blob_writer_write(lw->blob, buf, len, lw->err) < 0) {
    lw->write_failed = true;
    archive_set_error(a, EIO, "%s", lw->err->msg);
    return -1;
  }
  return (la_ssize_t)len;
}

static la_ssize_t tar_out(struct archive *a, void *data, const void *buf, size_t len) {
  struct layer_writer *lw = data;
  digester_update(&lw->diff, buf, len);
  la_ssize_t n = archive_write_data(lw->gz, buf, len);
  if (n < 0) {
    archive_set_error(a, EIO, "%s", archive_error_string(lw->gz));
    return -1;
  }
  return (la_ssize_t)len;
}

static int archive_fail(struct layer_writer *lw, struct archive *a, const char *what) {
  if (lw->write_failed)
    return -1;
  return xerr_set(lw->err, EIO, "write layer: %s: %s", what, archive_error_string(a));
}

static int writer_open(struct xstore *s, struct layer_writer *lw, struct xerr *err) {
  lw->err = err;
  if (digester_init(&lw->diff, err) < 0 || blob_writer_open(s, &lw->blob, err) < 0)
    return -1;
  lw->gz = archive_write_new();
  lw->tar = archive_write_new();
  if (!lw->gz || !lw->tar)
    return xerr_make(err, ENOMEM, "write layer");
  /* The compressed stream ends where gzip ends: no block padding. */
  archive_write_set_bytes_in_last_block(lw->gz, 1);
  if (archive_write_add_filter_gzip(lw->gz) != ARCHIVE_OK ||
      archive_write_set_format_raw(lw->gz) != ARCHIVE_OK ||
      archive_write_open(lw->gz, lw, NULL, gz_out, NULL) != ARCHIVE_OK)
    return archive_fail(lw, lw->gz, "gzip");
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "layer.tar");
  archive_entry_set_filetype(e, AE_IFREG);
  int r = archive_write_header(lw->gz, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return archive_fail(lw, lw->gz, "gzip");
  if (archive_write_set_format_pax_restricted(lw->tar) != ARCHIVE_OK ||
      archive_write_open(lw->tar, lw, NULL, tar_out, NULL) != ARCHIVE_OK)
    return archive_fail(lw, lw->tar, "tar");
  return 0;
}

static void writer_free(struct layer_writer *lw) {
  if (lw->tar)
    archive_write_free(lw->tar);
  if (lw->gz)
    archive_write_free(lw->gz);
  blob_writer_abort(lw->blob);
  digester_free(&lw->diff);
  tdestroy(lw->links, link_free);
}

/* The parent directory of rel inside the source tree, one component at a
 * time and never through a symlink (the container may have made them). */
static int open_parent(int root, const char *rel, char *base, size_t base_len) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", rel);
  char *slash = strrchr(buf, '/');
  const char *last = slash ? slash + 1 : buf;
  if (strlen(last) >= base_len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(base, last, strlen(last) + 1);
  int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
  if (!slash || cur < 0)
    return cur;
  *slash = '\0';
  char *save = NULL;
  for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(cur);
    if (next < 0)
      return -1;
    cur = next;
  }
  return cur;
}

static int add_xattrs(struct archive_entry *e, int parent, const char *base) {
  char proc[64 + NAME_MAX];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d/%s", parent, base);
  char list[8192];
  ssize_t n = llistxattr(proc, list, sizeof list);
  for (char *k = list; n > 0 && k < list + n; k += strlen(k) + 1) {
    if (strncmp(k, "trusted.", 8) == 0)
      continue; /* overlayfs' own, and not ours to carry */
    char value[65536];
    ssize_t v = lgetxattr(proc, k, value, sizeof value);
    if (v >= 0)
      archive_entry_xattr_add_entry(e, k, value, (size_t)v);
  }
  return 0;
}

static int write_empty(struct layer_writer *lw, const char *name, mode_t mode) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, mode);
  archive_entry_set_size(e, 0);
  int r = archive_write_header(lw->tar, e);
  archive_entry_free(e);
  return r == ARCHIVE_OK ? 0 : archive_fail(lw, lw->tar, name);
}

/* ".wh.NAME" next to the deleted NAME. */
static int write_whiteout(struct layer_writer *lw, const char *rel) {
  char name[PATH_MAX + 8];
  const char *slash = strrchr(rel, '/');
  if (slash)
    snprintf(name, sizeof name, "%.*s/.wh.%s", (int)(slash - rel), rel, slash + 1);
  else
    snprintf(name, sizeof name, ".wh.%s", rel);
  return write_empty(lw, name, 0600);
}

static int write_data(struct layer_writer *lw, int parent, const char *base, const char *rel) {
  cleanup_close int fd = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(lw->err, errno, "read /%s", rel);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    if (archive_write_data(lw->tar, buf, (size_t)n) < 0)
      return archive_fail(lw, lw->tar, rel);
  if (n < 0)
    return xerr_make(lw->err, errno, "read /%s", rel);
  return 0;
}

/* A second link to a file already in the tar: a hard link entry.  Returns
 * 1 when e became one. */
static int as_hardlink(struct layer_writer *lw, struct archive_entry *e, const struct stat *st,
                       const char *rel) {
  if (!S_ISREG(st->st_mode) || st->st_nlink < 2)
    return 0;
  struct first_link key = {.dev = st->st_dev, .ino = st->st_ino};
  struct first_link **found = tfind(&key, &lw->links, link_cmp);
  if (found) {
    archive_entry_set_hardlink(e, (*found)->path);
    archive_entry_set_size(e, 0);
    return 1;
  }
  struct first_link *l = calloc(1, sizeof *l);
  if (!l || !(l->path = strdup(rel)) || !tsearch(l, &lw->links, link_cmp)) {
    if (l)
      free(l->path);
    free(l);
    return xerr_make(lw->err, ENOMEM, "write layer");
  }
  l->dev = st->st_dev;
  l->ino = st->st_ino;
  return 0;
}

static int write_entry(struct layer_writer *lw, const struct change *ch) {
  const char *rel = ch->path + 1;
  char base[NAME_MAX + 1];
  cleanup_close int parent = open_parent(lw->srcfd, rel, base, sizeof base);
  struct stat st;
  if (parent < 0 || fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0; /* gone since the diff was taken */
  if (S_ISSOCK(st.st_mode))
    return 0;
  struct archive_entry *e = archive_entry_new();
  if (!e)
    return xerr_make(lw->err, ENOMEM, "write layer");
  char name[PATH_MAX + 2];
  snprintf(name, sizeof name, "%s%s", rel, S_ISDIR(st.st_mode) ? "/" : "");
  archive_entry_set_pathname(e, name);
  archive_entry_copy_stat(e, &st);
  if (!S_ISREG(st.st_mode))
    archive_entry_set_size(e, 0);
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(parent, base, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    archive_entry_set_symlink(e, target);
  }
  int linked = as_hardlink(lw, e, &st, rel);
  if (linked < 0) {
    archive_entry_free(e);
    return -1;
  }
  add_xattrs(e, parent, base);
  int r = archive_write_header(lw->tar, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return archive_fail(lw, lw->tar, rel);
  if (S_ISREG(st.st_mode) && !linked && write_data(lw, parent, base, rel) < 0)
    return -1;
  if (ch->opaque && S_ISDIR(st.st_mode)) {
    char opq[PATH_MAX + 16];
    snprintf(opq, sizeof opq, "%s/.wh..wh..opq", rel);
    return write_empty(lw, opq, 0600);
  }
  return 0;
}

int changes_to_layer(struct xstore *s, const char *source, const struct change_list *changes,
                     char blob_out[DIGEST_BUF_LEN], int64_t *size_out,
                     char diff_id_out[DIGEST_BUF_LEN], struct xerr *err) {
  struct layer_writer lw = {.srcfd = -1};
  int ret = -1;
  lw.srcfd = open(source, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (lw.srcfd < 0) {
    xerr_make(err, errno, "open %s", source);
    goto out;
  }
  if (writer_open(s, &lw, err) < 0)
    goto out;
  for (size_t i = 0; i < changes->n; i++) {
    const struct change *ch = &changes->items[i];
    if ((ch->kind == 'D' ? write_whiteout(&lw, ch->path + 1) : write_entry(&lw, ch)) < 0)
      goto out;
  }
  if (archive_write_close(lw.tar) != ARCHIVE_OK) {
    archive_fail(&lw, lw.tar, "tar");
    goto out;
  }
  if (archive_write_close(lw.gz) != ARCHIVE_OK) {
    archive_fail(&lw, lw.gz, "gzip");
    goto out;
  }
  digester_final(&lw.diff, diff_id_out);
  *size_out = (int64_t)blob_writer_size(lw.blob);
  struct blob_writer *w = lw.blob;
  lw.blob = NULL;
  if (blob_writer_commit(w, NULL, blob_out, err) < 0)
    goto out;
  ret = 0;
out:
  if (lw.srcfd >= 0)
    close(lw.srcfd);
  writer_free(&lw);
  return ret;
}

/* ---- -c changes ---- */

/* Split on blanks, honouring double quotes (which are removed). */
static char **words(const char *s) {
  size_t n = 0;
  char **out = calloc(strlen(s) + 2, sizeof *out);
  if (!out)
    return NULL;
  while (*s) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    char *w = malloc(strlen(s) + 1);
    size_t o = 0;
    bool quoted = false;
    for (; *s && (quoted || !isspace((unsigned char)*s)); s++) {
      if (*s == '"')
        quoted = !quoted;
      else if (*s == '\\' && s[1])
        w[o++] = *++s;
      else
        w[o++] = *s;
    }
    w[o] = '\0';
    out[n++] = w;
  }
  return out;
}

static json_t *config_object(json_t *config, const char *key) {
  json_t *o = json_object_get(config, key);
  if (!json_is_object(o)) {
    o = json_object();
    json_object_set_new(config, key, o);
  }
  return o;
}

/* CMD/ENTRYPOINT/VOLUME: JSON array form, else shell form. */
static json_t *exec_form(const char *rest, bool shell) {
  if (rest[0] == '[') {
    json_t *arr = json_loads(rest, 0, NULL);
    bool ok = json_is_array(arr);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) ok = ok && json_is_string(v);
    if (ok)
      return arr;
    json_decref(arr);
  }
  if (shell)
    return json_pack("[s, s, s]", "/bin/sh", "-c", rest);
  json_t *arr = json_array();
  cleanup_strv char **w = words(rest);
  for (size_t i = 0; w && w[i]; i++)
    json_array_append_new(arr, json_string(w[i]));
  return arr;
}

static void set_env(json_t *config, const char *key, const char *value) {
  json_t *env = json_object_get(config, "Env");
  if (!json_is_array(env)) {
    env = json_array();
    json_object_set_new(config, "Env", env);
  }
  char *kv = NULL;
  if (asprintf(&kv, "%s=%s", key, value) < 0)
    return;
  size_t klen = strlen(key), i;
  json_t *v;
  json_array_foreach(env, i, v) {
    const char *s = json_string_value(v);
    if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') {
      json_array_set_new(env, i, json_string(kv));
      free(kv);
      return;
    }
  }
  json_array_append_new(env, json_string(kv));
  free(kv);
}

/* KEY=VALUE pairs, or the old "KEY VALUE" form. */
static int key_values(json_t *config, const char *rest, bool env, const char *what,
                      struct xerr *err) {
  cleanup_strv char **w = words(rest);
  if (!w || !w[0])
    return xerr_set(err, EINVAL, "%s requires at least one argument", what);
  if (!strchr(w[0], '=')) {
    const char *value = rest + strlen(w[0]);
    while (isspace((unsigned char)*value))
      value++;
    if (env)
      set_env(config, w[0], value);
    else
      json_object_set_new(config_object(config, "Labels"), w[0], json_string(value));
    return 0;
  }
  for (size_t i = 0; w[i]; i++) {
    char *eq = strchr(w[i], '=');
    if (!eq || eq == w[i])
      return xerr_set(err, EINVAL, "%s names can not be blank: %s", what, w[i]);
    *eq = '\0';
    if (env)
      set_env(config, w[i], eq + 1);
    else
      json_object_set_new(config_object(config, "Labels"), w[i], json_string(eq + 1));
  }
  return 0;
}

int config_apply_change(json_t *config, const char *change, struct xerr *err) {
  while (isspace((unsigned char)*change))
    change++;
  size_t n = strcspn(change, " \t");
  char word[32];
  snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), change);
  for (char *p = word; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  const char *rest = change + n;
  while (isspace((unsigned char)*rest))
    rest++;
  if (strcmp(word, "CMD") == 0)
    return json_object_set_new(config, "Cmd", exec_form(rest, true)), 0;
  if (strcmp(word, "ENTRYPOINT") == 0)
    return json_object_set_new(config, "Entrypoint", exec_form(rest, true)), 0;
  if (strcmp(word, "ENV") == 0)
    return key_values(config, rest, true, "ENV", err);
  if (strcmp(word, "LABEL") == 0)
    return key_values(config, rest, false, "LABEL", err);
  if (strcmp(word, "USER") == 0 || strcmp(word, "WORKDIR") == 0 ||
      strcmp(word, "STOPSIGNAL") == 0) {
    if (!*rest)
      return xerr_set(err, EINVAL, "%s requires exactly one argument", word);
    const char *key = word[0] == 'U' ? "User" : word[0] == 'W' ? "WorkingDir" : "StopSignal";
    return json_object_set_new(config, key, json_string(rest)), 0;
  }
  if (strcmp(word, "EXPOSE") == 0 || strcmp(word, "VOLUME") == 0) {
    bool expose = word[0] == 'E';
    json_t *list = exec_form(rest, false);
    json_t *obj = config_object(config, expose ? "ExposedPorts" : "Volumes");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
      char key[256];
      const char *s = json_string_value(v);
      snprintf(key, sizeof key, "%s%s", s, expose && !strchr(s, '/') ? "/tcp" : "");
      json_object_set_new(obj, key, json_object());
    }
    json_decref(list);
    return 0;
  }
  if (strcmp(word, "ONBUILD") == 0) {
    json_t *ob = json_object_get(config, "OnBuild");
    if (!json_is_array(ob)) {
      ob = json_array();
      json_object_set_new(config, "OnBuild", ob);
    }
    return json_array_append_new(ob, json_string(rest)), 0;
  }
  return xerr_set(err, EINVAL, "%s is not a valid change command", word);
}

/* ---- the image ---- */

static const char *oci_layer_type(const char *mt) {
  if (strcmp(mt, MT_DOCKER_LAYER_GZIP) == 0)
    return MT_OCI_LAYER_GZIP;
  if (strcmp(mt, MT_DOCKER_LAYER_FOREIGN) == 0)
    return MT_OCI_LAYER_ND_GZIP;
  return mt;
}

static json_t *descriptor(const char *mt, const char *digest, int64_t size) {
  return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
                   (json_int_t)size);
}

/* Who made the layer: the container's command (the record's Path and
 * Args, as the engine keeps them), as Docker records it. */
static char *created_by(const struct container_record *c) {
  json_t *cfg = c->config ? json_loads(c->config, 0, NULL) : NULL;
  json_t *cmd = json_array();
  if (json_is_string(json_object_get(cfg, "Path")))
    json_array_append(cmd, json_object_get(cfg, "Path"));
  json_array_extend(cmd, json_object_get(cfg, "Args") ? json_object_get(cfg, "Args")
                                                       : json_object_get(cfg, "Cmd"));
  size_t cap = 1;
  size_t i;
  json_t *v;
  json_array_foreach(cmd, i, v) cap += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
  char *out = calloc(1, cap);
  json_array_foreach(cmd, i, v) {
    if (out && json_string_value(v)) {
      if (i)
        strcat(out, " ");
      strcat(out, json_string_value(v));
    }
  }
  json_decref(cmd);
  json_decref(cfg);
  return out;
}

static json_t *new_config(const struct container_record *c, json_t *parent,
                          const struct commit_options *opts, const char *diff_id,
                          struct xerr *err) {
  json_t *cfg = json_deep_copy(parent);
  char now[64];
  rfc3339_now(now, sizeof now);
  json_t *inner = config_object(cfg, "config");
  for (size_t i = 0; i < opts->n_changes; i++)
    if (config_apply_change(inner, opts->changes[i], err) < 0) {
      json_decref(cfg);
      return NULL;
    }
  json_t *rootfs = config_object(cfg, "rootfs");
  json_object_set_new(rootfs, "type", json_string("layers"));
  json_t *ids = json_object_get(rootfs, "diff_ids");
  if (!json_is_array(ids)) {
    ids = json_array();
    json_object_set_new(rootfs, "diff_ids", ids);
  }
  json_array_append_new(ids, json_string(diff_id));
  json_object_set_new(cfg, "created", json_string(now));
  if (opts->author && *opts->author)
    json_object_set_new(cfg, "author", json_string(opts->author));
  json_t *hist = json_object_get(cfg, "history");
  if (!json_is_array(hist)) {
    hist = json_array();
    json_object_set_new(cfg, "history", hist);
  }
  json_t *entry = json_pack("{s:s}", "created", now);
  if (opts->author && *opts->author)
    json_object_set_new(entry, "author", json_string(opts->author));
  cleanup_free char *by = created_by(c);
  if (by && *by)
    json_object_set_new(entry, "created_by", json_string(by));
  if (opts->message && *opts->message)
    json_object_set_new(entry, "comment", json_string(opts->message));
  json_array_append_new(hist, entry);
  return cfg;
}

static int put_json(struct xstore *s, json_t *doc, char out[DIGEST_BUF_LEN], int64_t *size,
                    struct xerr *err) {
  cleanup_free char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!text)
    return xerr_make(err, ENOMEM, "commit");
  *size = (int64_t)strlen(text);
  return blob_put(s, text, strlen(text), NULL, out, err);
}

static int normalise_tag(const char *reference, char *out, size_t len, struct xerr *err) {
  struct image_ref ref;
  if (ref_parse(reference, true, &ref, err) < 0)
    return -1;
  if (ref.digest[0])
    return xerr_set(err, EINVAL, "invalid reference format: a digest is not a tag: %s",
                     reference);
  ref_string(&ref, out, len);
  return 0;
}

int container_commit(struct xstore *s, const struct container_record *c,
                     const struct commit_options *opts, char id_out[DIGEST_BUF_LEN],
                     struct xerr *err) {
  char tag[1024] = "";
  if (opts->reference && *opts->reference &&
      normalise_tag(opts->reference, tag, sizeof tag, err) < 0)
    return -1;
  struct image_record img;
  if (image_lookup(s, c->image_id, &img, err) < 0)
    return xerr_wrap(err, "commit %s", c->name);
  json_t *parent_cfg = NULL, *cfg = NULL, *manifest = NULL;
  struct image_manifest pm = {0};
  struct change_list changes = {0};
  int ret = -1;
  char source[4096], layer[DIGEST_BUF_LEN], diff_id[DIGEST_BUF_LEN], cfg_digest[DIGEST_BUF_LEN],
      man_digest[DIGEST_BUF_LEN];
  int64_t layer_size = 0, cfg_size = 0, man_size = 0;
  if (image_config(s, &img, (void **)&parent_cfg, err) < 0 ||
      image_manifest(s, &img, &pm, err) < 0 ||
      container_changes(s, c, &changes, source, sizeof source, err) < 0 ||
      changes_to_layer(s, source, &changes, layer, &layer_size, diff_id, err) < 0)
    goto out;
  cfg = new_config(c, parent_cfg, opts, diff_id, err);
  if (!cfg || put_json(s, cfg, cfg_digest, &cfg_size, err) < 0)
    goto out;
  json_t *layers = json_array();
  for (size_t i = 0; i < pm.n_layers; i++)
    json_array_append_new(layers, descriptor(oci_layer_type(pm.layers[i].media_type),
                                             pm.layers[i].digest, pm.layers[i].size));
  json_array_append_new(layers, descriptor(MT_OCI_LAYER_GZIP, layer, layer_size));
  manifest = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
                       "config", descriptor(MT_OCI_CONFIG, cfg_digest, cfg_size), "layers",
                       layers);
  if (!manifest || put_json(s, manifest, man_digest, &man_size, err) < 0)
    goto out;
  if (image_register(s, man_digest, tag[0] ? tag : NULL, NULL, img.id, id_out, err) < 0)
    goto out;
  ret = 0;
out:
  if (ret < 0)
    xerr_wrap(err, "commit %s", c->name);
  change_list_free(&changes);
  manifest_free(&pm);
  json_decref(parent_cfg);
  json_decref(cfg);
  json_decref(manifest);
  image_record_clear(&img);
  return ret;
}
