/* Docker's image inspect JSON, built from the record and the stored config. */
#include "image_json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"
#include "storage/layers.h"

static json_t *familiar_array(char **names) {
  json_t *a = json_array();
  for (char **p = names; a && p && *p; p++) {
    char f[1024];
    ref_familiarize(*p, f, sizeof f);
    json_array_append_new(a, json_string(f));
  }
  return a;
}

static json_t *config_or_empty(json_t *config, const char *key) {
  json_t *v = json_object_get(config, key);
  return json_is_object(v) ? json_incref(v) : json_object();
}

/* Overlay's view of an image: the top layer as UpperDir, the layers below as
 * LowerDir, top first as overlayfs wants them. */
static json_t *graph_driver(struct xstore *s, json_t *config) {
  json_t *data = json_object();
  cleanup_strv char **diff_ids = NULL;
  struct xerr err = {0};
  if (config_diff_ids(config, &diff_ids, &err) == 0 && diff_ids[0]) {
    size_t n = 0;
    while (diff_ids[n])
      n++;
    char chain[DIGEST_BUF_LEN] = "", path[4096];
    cleanup_free char *lower = NULL;
    for (size_t i = 0; i < n; i++) {
      char next[DIGEST_BUF_LEN];
      if (layer_chain_id(i ? chain : NULL, diff_ids[i], next, &err) < 0)
        break;
      memcpy(chain, next, sizeof chain);
      layer_diff_path(s, chain, path, sizeof path);
      if (i + 1 == n) {
        json_object_set_new(data, "UpperDir", json_string(path));
        break;
      }
      char *joined = NULL;
      if (asprintf(&joined, "%s%s%s", path, lower ? ":" : "", lower ? lower : "") < 0)
        break;
      free(lower);
      lower = joined;
    }
    if (lower)
      json_object_set_new(data, "LowerDir", json_string(lower));
  }
  json_t *g = json_object();
  json_object_set_new(g, "Data", data);
  json_object_set_new(g, "Name", json_string("overlay"));
  return g;
}

static const char *str_or_empty(json_t *config, const char *key) {
  const char *v = json_string_value(json_object_get(config, key));
  return v ? v : "";
}

int image_inspect_json(struct xstore *s, const struct image_record *r, void **out,
                       struct xerr *err) {
  json_t *config = NULL;
  if (image_config(s, r, (void **)&config, err) < 0)
    return -1;
  json_t *o = json_object();
  json_t *rootfs = json_object();
  json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
  json_object_set_new(rootfs, "Type", json_string("layers"));
  json_object_set_new(rootfs, "Layers", json_is_array(diff_ids) ? json_copy(diff_ids) : json_array());
  json_t *meta = json_object();
  json_object_set_new(meta, "LastTagTime", json_string("0001-01-01T00:00:00Z"));
  const char *variant = json_string_value(json_object_get(config, "variant"));
  json_put(o, "Id", json_string(r->id));
  json_put(o, "RepoTags", familiar_array(r->tags));
  json_put(o, "RepoDigests", familiar_array(r->digests));
  json_put(o, "Parent", json_string(r->parent));
  json_put(o, "Comment", json_string(str_or_empty(config, "comment")));
  json_put(o, "Created", json_string(r->created));
  json_put(o, "DockerVersion", json_string(str_or_empty(config, "docker_version")));
  json_put(o, "Author", json_string(str_or_empty(config, "author")));
  json_put(o, "Config", config_or_empty(config, "config"));
  json_put(o, "Architecture", json_string(str_or_empty(config, "architecture")));
  if (variant)
    json_put(o, "Variant", json_string(variant));
  json_put(o, "Os", json_string(str_or_empty(config, "os")));
  json_put(o, "Size", json_integer(r->size));
  json_put(o, "VirtualSize", json_integer(r->size));
  json_put(o, "GraphDriver", graph_driver(s, config));
  json_put(o, "RootFS", rootfs);
  json_put(o, "Metadata", meta);
  json_decref(config);
  *out = o;
  return 0;
}
