/* OCI / Docker image documents. */
#include "image/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"

bool media_type_is_index(const char *mt) {
  return strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0;
}

bool media_type_is_manifest(const char *mt) {
  return strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0;
}

bool media_type_is_layer(const char *mt) {
  static const char *const known[] = {MT_OCI_LAYER,         MT_OCI_LAYER_GZIP,
                                      MT_OCI_LAYER_ZSTD,    MT_OCI_LAYER_ND_GZIP,
                                      MT_DOCKER_LAYER_GZIP, MT_DOCKER_LAYER_FOREIGN,
                                      "application/vnd.oci.image.layer.nondistributable.v1.tar",
                                      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(mt, known[i]) == 0)
      return true;
  return false;
}

static json_t *parse_json(const char *data, size_t len, const char *what, struct xerr *err) {
  json_error_t jerr;
  json_t *doc = json_loadb(data, len, 0, &jerr);
  if (!doc) {
    xerr_set(err, EINVAL, "%s: malformed JSON at line %d: %s", what, jerr.line, jerr.text);
    return NULL;
  }
  if (!json_is_object(doc)) {
    json_decref(doc);
    xerr_set(err, EINVAL, "%s: expected a JSON object", what);
    return NULL;
  }
  return doc;
}

int manifest_media_type(const char *data, size_t len, const char *hint, char out[MT_MAX],
                        struct xerr *err) {
  json_t *doc = parse_json(data, len, "manifest", err);
  if (!doc)
    return -1;
  const char *mt = json_string_value(json_object_get(doc, "mediaType"));
  if (!mt || !*mt) {
    if (hint && (media_type_is_index(hint) || media_type_is_manifest(hint)))
      mt = hint;
    else if (json_is_array(json_object_get(doc, "manifests")))
      mt = MT_OCI_INDEX;
    else if (json_is_object(json_object_get(doc, "config")))
      mt = MT_OCI_MANIFEST;
    else if (json_integer_value(json_object_get(doc, "schemaVersion")) == 1) {
      json_decref(doc);
      return xerr_set(err, ENOTSUP, "manifest: Docker schema 1 manifests are not supported");
    } else {
      json_decref(doc);
      return xerr_set(err, EINVAL, "manifest: unknown document (no mediaType, config or manifests)");
    }
  }
  snprintf(out, MT_MAX, "%s", mt);
  json_decref(doc);
  if (!media_type_is_index(out) && !media_type_is_manifest(out))
    return xerr_set(err, ENOTSUP, "manifest: unsupported media type \"%s\"", out);
  return 0;
}

static int parse_descriptor(json_t *obj, const char *where, struct descriptor *d,
                            struct xerr *err) {
  cleanup_free char *mt = NULL, *digest = NULL;
  bool present;
  if (!json_is_object(obj))
    return xerr_set(err, EINVAL, "%s: expected an object", where);
  if (json_get_string(obj, "mediaType", where, true, &mt, err) < 0 ||
      json_get_string(obj, "digest", where, true, &digest, err) < 0 ||
      json_get_int64(obj, "size", where, true, &d->size, &present, err) < 0)
    return -1;
  if (!digest_valid(digest))
    return xerr_set(err, EINVAL, "%s.digest: unsupported or invalid digest \"%s\"", where, digest);
  if (d->size < 0)
    return xerr_set(err, EINVAL, "%s.size: negative", where);
  snprintf(d->media_type, sizeof d->media_type, "%s", mt);
  snprintf(d->digest, sizeof d->digest, "%s", digest);
  return 0;
}

void manifest_free(struct image_manifest *m) {
  free(m->layers);
  m->layers = NULL;
  m->n_layers = 0;
}

int manifest_parse(const char *data, size_t len, struct image_manifest *m, struct xerr *err) {
  memset(m, 0, sizeof *m);
  if (manifest_media_type(data, len, NULL, m->media_type, err) < 0)
    return -1;
  if (!media_type_is_manifest(m->media_type))
    return xerr_set(err, EINVAL, "manifest: expected an image manifest, got \"%s\"",
                     m->media_type);
  json_t *doc = parse_json(data, len, "manifest", err);
  if (!doc)
    return -1;
  int ret = -1;
  json_t *layers = json_object_get(doc, "layers");
  if (parse_descriptor(json_object_get(doc, "config"), "manifest.config", &m->config, err) < 0)
    goto out;
  if (!json_is_array(layers)) {
    xerr_set(err, EINVAL, "manifest.layers: expected an array");
    goto out;
  }
  m->n_layers = json_array_size(layers);
  m->layers = calloc(m->n_layers ? m->n_layers : 1, sizeof *m->layers);
  if (!m->layers) {
    xerr_make(err, ENOMEM, "manifest");
    goto out;
  }
  for (size_t i = 0; i < m->n_layers; i++) {
    char where[64];
    snprintf(where, sizeof where, "manifest.layers[%zu]", i);
    if (parse_descriptor(json_array_get(layers, i), where, &m->layers[i], err) < 0)
      goto out;
    if (!media_type_is_layer(m->layers[i].media_type)) {
      xerr_set(err, ENOTSUP, "%s: unknown layer media type \"%s\"", where,
                m->layers[i].media_type);
      goto out;
    }
  }
  ret = 0;
out:
  json_decref(doc);
  if (ret < 0)
    manifest_free(m);
  return ret;
}

const char *platform_default(void) {
  static char buf[96];
  if (!buf[0]) {
    struct utsname u;
    const char *arch = "amd64";
    if (uname(&u) == 0) {
      if (strcmp(u.machine, "aarch64") == 0)
        arch = "arm64/v8";
      else if (strcmp(u.machine, "x86_64") != 0)
        arch = u.machine;
    }
    snprintf(buf, sizeof buf, "linux/%s", arch);
  }
  return buf;
}

int platform_normalise(const char *in, char *buf, size_t len, struct xerr *err) {
  char os[64] = "linux", arch[64] = "", variant[64] = "";
  const char *slash = strchr(in, '/');
  if (!*in)
    return xerr_set(err, EINVAL, "invalid platform \"\": expected os/arch[/variant]");
  if (slash) {
    if (sscanf(in, "%63[^/]/%63[^/]/%63s", os, arch, variant) < 2)
      return xerr_set(err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", in);
  } else {
    snprintf(arch, sizeof arch, "%s", in);
  }
  if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "x86-64") == 0)
    snprintf(arch, sizeof arch, "amd64");
  if (strcmp(arch, "aarch64") == 0)
    snprintf(arch, sizeof arch, "arm64");
  if (strcmp(arch, "arm64") == 0 && !variant[0])
    snprintf(variant, sizeof variant, "v8");
  if (strpbrk(os, " \t") || strpbrk(arch, " \t") || !arch[0])
    return xerr_set(err, EINVAL, "invalid platform \"%s\"", in);
  snprintf(buf, len, "%s/%s%s%s", os, arch, variant[0] ? "/" : "", variant);
  return 0;
}

/* "os/arch[/variant]" of an index entry's platform object. */
static void entry_platform(json_t *p, char *buf, size_t len) {
  const char *os = json_string_value(json_object_get(p, "os"));
  const char *arch = json_string_value(json_object_get(p, "architecture"));
  const char *variant = json_string_value(json_object_get(p, "variant"));
  if (arch && strcmp(arch, "arm64") == 0 && !variant)
    variant = "v8";
  snprintf(buf, len, "%s/%s%s%s", os ? os : "unknown", arch ? arch : "unknown",
           variant ? "/" : "", variant ? variant : "");
}

/* A wanted platform without a variant matches any variant. */
static bool platform_matches(const char *want, const char *have) {
  size_t n = strlen(want);
  if (strncmp(want, have, n) != 0)
    return false;
  return have[n] == '\0' || (have[n] == '/' && strchr(want, '/') == strrchr(want, '/'));
}

int index_select(const char *data, size_t len, const char *platform, struct descriptor *out,
                 struct xerr *err) {
  json_t *doc = parse_json(data, len, "image index", err);
  if (!doc)
    return -1;
  const char *want = platform ? platform : platform_default();
  json_t *list = json_object_get(doc, "manifests");
  char seen[512] = "";
  int ret = -1;
  if (!json_is_array(list)) {
    xerr_set(err, EINVAL, "image index.manifests: expected an array");
    goto out;
  }
  size_t i;
  json_t *entry;
  json_array_foreach(list, i, entry) {
    char where[64], have[128];
    snprintf(where, sizeof where, "image index.manifests[%zu]", i);
    json_t *p = json_object_get(entry, "platform");
    if (!json_is_object(p))
      continue; /* attestations and other non-image entries */
    entry_platform(p, have, sizeof have);
    if (strcmp(have, "unknown/unknown") == 0)
      continue;
    if (platform_matches(want, have)) {
      ret = parse_descriptor(entry, where, out, err);
      goto out;
    }
    size_t used = strlen(seen);
    snprintf(seen + used, sizeof seen - used, "%s%s", used ? ", " : "", have);
  }
  xerr_set(err, ENOENT, "no image for platform %s in the index (it has: %s)", want,
            seen[0] ? seen : "none");
out:
  json_decref(doc);
  return ret;
}

int config_diff_ids(json_t *config, char ***out, struct xerr *err) {
  json_t *rootfs = json_object_get(config, "rootfs");
  json_t *ids = json_is_object(rootfs) ? json_object_get(rootfs, "diff_ids") : NULL;
  if (!json_is_array(ids))
    return xerr_set(err, EINVAL, "image config: rootfs.diff_ids: expected an array");
  if (json_to_strv(ids, "image config: rootfs.diff_ids", out, err) < 0)
    return -1;
  for (char **p = *out; *p; p++)
    if (!digest_valid(*p)) {
      xerr_set(err, EINVAL, "image config: rootfs.diff_ids: invalid digest \"%s\"", *p);
      cleanup_strv_fn(out);
      *out = NULL;
      return -1;
    }
  return 0;
}

void config_platform(json_t *config, char *buf, size_t len) { entry_platform(config, buf, len); }
