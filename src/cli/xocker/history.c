/* xocker history IMAGE: the config's history, newest first, with each
 * layer's size; -H, -q, --no-trunc, --format. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/store.h"
#include "storage/layers.h"
#include "template.h"

struct history_opts {
  bool human, quiet, no_trunc;
  const char *format;
};

/* Docker shortens CREATED BY to 45 characters, ending in an ellipsis. */
static void shorten(const char *in, char *out, size_t len, bool no_trunc) {
  size_t n = strlen(in);
  if (no_trunc || n <= 45)
    snprintf(out, len, "%s", in);
  else
    snprintf(out, len, "%.44s…", in);
}

static json_t *entry_json(const char *id, json_t *h, int64_t size, const struct history_opts *o) {
  const char *created = json_string_value(json_object_get(h, "created"));
  const char *by = json_string_value(json_object_get(h, "created_by"));
  const char *comment = json_string_value(json_object_get(h, "comment"));
  char created_s[64] = "N/A", size_s[32], by_s[4096];
  int64_t t = parse_rfc3339(created);
  if (t >= 0 && o->human)
    human_since(t, created_s, sizeof created_s);
  else if (created)
    snprintf(created_s, sizeof created_s, "%s", created);
  if (o->human)
    human_size(size, size_s, sizeof size_s);
  else
    snprintf(size_s, sizeof size_s, "%lld", (long long)size);
  shorten(by ? by : "", by_s, sizeof by_s, o->no_trunc);
  json_t *j = json_object();
  json_object_set_new(j, "ID", json_string(id));
  json_object_set_new(j, "CreatedSince", json_string(created_s));
  json_object_set_new(j, "CreatedAt", json_string(created ? created : ""));
  json_object_set_new(j, "CreatedBy", json_string(by_s));
  json_object_set_new(j, "Size", json_string(size_s));
  json_object_set_new(j, "Comment", json_string(comment ? comment : ""));
  return j;
}

static int print_history(struct xstore *s, const struct image_record *r, json_t *config,
                         const struct history_opts *o) {
  json_t *history = json_object_get(config, "history");
  cleanup_strv char **diff_ids = NULL;
  struct xerr err = {0};
  if (config_diff_ids(config, &diff_ids, &err) < 0)
    return cli_error(&err);
  size_t n_layers = 0;
  while (diff_ids[n_layers])
    n_layers++;
  /* Chain ids in order, to find each non-empty history entry's layer. */
  char (*chains)[DIGEST_BUF_LEN] = calloc(n_layers + 1, sizeof *chains);
  for (size_t i = 0; chains && i < n_layers; i++)
    layer_chain_id(i ? chains[i - 1] : NULL, diff_ids[i], chains[i], &err);
  size_t n = json_array_size(history);
  /* Which layer each entry made: count non-empty entries from the bottom. */
  ssize_t *layer_of = calloc(n + 1, sizeof *layer_of);
  size_t next = 0;
  for (size_t i = 0; layer_of && i < n; i++) {
    json_t *h = json_array_get(history, i);
    layer_of[i] = json_is_true(json_object_get(h, "empty_layer")) || next >= n_layers ? -1
                                                                                      : (ssize_t)next++;
  }
  struct table *t = NULL;
  if (!o->quiet && !o->format) {
    t = table_new(5);
    table_add(t, (const char *const[]){"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
  }
  int ret = 0;
  for (size_t k = n; k-- > 0 && chains && layer_of;) {
    json_t *h = json_array_get(history, k);
    char id[DIGEST_BUF_LEN];
    if (k == n - 1)
      o->no_trunc ? snprintf(id, sizeof id, "%s", r->id) : (short_id(r->id, id), 0);
    else
      snprintf(id, sizeof id, "<missing>");
    int64_t size = layer_of[k] >= 0 ? layer_size(s, chains[layer_of[k]]) : 0;
    if (size < 0)
      size = 0; /* a layer not in the store: nothing to show */
    json_t *j = entry_json(id, h, size, o);
    if (o->quiet) {
      puts(id);
    } else if (o->format) {
      char *line = NULL;
      if (template_render(o->format, j, &line, &err) < 0) {
        json_decref(j);
        ret = cli_error(&err);
        break;
      }
      puts(line);
      free(line);
    } else {
      table_add(t, (const char *const[]){id, json_string_value(json_object_get(j, "CreatedSince")),
                                         json_string_value(json_object_get(j, "CreatedBy")),
                                         json_string_value(json_object_get(j, "Size")),
                                         json_string_value(json_object_get(j, "Comment"))});
    }
    json_decref(j);
  }
  table_print(t);
  table_free(t);
  free(chains);
  free(layer_of);
  return ret;
}

int cmd_history(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"human", required_argument, NULL, 'H'}, {"quiet", no_argument, NULL, 'q'},
      {"no-trunc", no_argument, NULL, 'T'},    {"format", required_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
  };
  struct history_opts o = {.human = true};
  int c;
  while ((c = cli_getopt(argc, argv, "H:qh", longopts)) != -1) {
    switch (c) {
    case 'H': o.human = strcmp(optarg, "false") != 0 && strcmp(optarg, "0") != 0; break;
    case 'q': o.quiet = true; break;
    case 'T': o.no_trunc = true; break;
    case 'F': o.format = optarg; break;
    case 'h': printf("\nUsage:  xocker history [OPTIONS] IMAGE\n"); return 0;
    default: return 125;
    }
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct image_record r;
  struct xerr err = {0};
  json_t *config = NULL;
  int ret;
  if (image_lookup(s, argv[optind], &r, &err) < 0) {
    ret = cli_error(&err);
  } else {
    ret = image_config(s, &r, (void **)&config, &err) < 0 ? cli_error(&err)
                                                          : print_history(s, &r, config, &o);
    json_decref(config);
    image_record_clear(&r);
  }
  store_close(s);
  return ret;
}
