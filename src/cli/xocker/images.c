/* xocker images / image ls: Docker's table of images, -q, -a, --digests,
 * --no-trunc, --filter dangling= reference= label= before= since=, --format. */
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"
#include "template.h"

#define MAX_FILTERS 16

struct images_opts {
  bool all, quiet, digests, no_trunc;
  const char *format;
  int dangling; /* -1 any, 0 tagged only, 1 untagged only */
  const char *reference[MAX_FILTERS];
  size_t n_reference;
  const char *label[MAX_FILTERS];
  size_t n_label;
  int64_t before, since; /* added-time bounds from before=/since= images, -1 unset */
};

/* One line of output: a repository and tag of an image (or <none>). */
struct image_row {
  const struct image_record *image;
  char repository[1024];
  char tag[160];
  char digest[DIGEST_BUF_LEN];
};

static void split_tag(const char *normalised, struct image_row *row) {
  char familiar[1024];
  ref_familiarize(normalised, familiar, sizeof familiar);
  char *colon = strrchr(familiar, ':');
  char *slash = strrchr(familiar, '/');
  if (colon && (!slash || colon > slash)) {
    *colon = '\0';
    snprintf(row->tag, sizeof row->tag, "%s", colon + 1);
  } else {
    snprintf(row->tag, sizeof row->tag, "<none>");
  }
  snprintf(row->repository, sizeof row->repository, "%s", familiar);
}

/* The repo digest of the row's repository, if the image has one. */
static void find_digest(struct image_row *row) {
  snprintf(row->digest, sizeof row->digest, "<none>");
  for (char **d = row->image->digests; d && *d; d++) {
    char familiar[1024];
    ref_familiarize(*d, familiar, sizeof familiar);
    char *at = strchr(familiar, '@');
    if (at && (size_t)(at - familiar) == strlen(row->repository) &&
        strncmp(familiar, row->repository, (size_t)(at - familiar)) == 0) {
      snprintf(row->digest, sizeof row->digest, "%s", at + 1);
      return;
    }
  }
}

static bool reference_matches(const struct images_opts *o, const struct image_row *row) {
  if (o->n_reference == 0)
    return true;
  char full[1200];
  snprintf(full, sizeof full, "%s:%s", row->repository, row->tag);
  for (size_t i = 0; i < o->n_reference; i++)
    if (fnmatch(o->reference[i], row->repository, 0) == 0 ||
        fnmatch(o->reference[i], full, 0) == 0)
      return true;
  return false;
}

static bool labels_match(struct xstore *s, const struct images_opts *o,
                         const struct image_record *r) {
  if (o->n_label == 0)
    return true;
  json_t *config = NULL;
  struct xerr err = {0};
  if (image_config(s, r, (void **)&config, &err) < 0)
    return false;
  json_t *labels = json_object_get(json_object_get(config, "config"), "Labels");
  bool ok = true;
  for (size_t i = 0; i < o->n_label && ok; i++) {
    char key[256];
    const char *eq = strchr(o->label[i], '=');
    snprintf(key, sizeof key, "%.*s", (int)(eq ? (size_t)(eq - o->label[i]) : strlen(o->label[i])),
             o->label[i]);
    const char *v = json_string_value(json_object_get(labels, key));
    ok = v && (!eq || strcmp(v, eq + 1) == 0);
  }
  json_decref(config);
  return ok;
}

/* Is r the parent of another image (an intermediate image, hidden without -a)? */
static bool is_parent(const struct image_record *list, size_t n, const struct image_record *r) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].parent, r->id) == 0)
      return true;
  return false;
}

static json_t *row_json(const struct image_row *row, const struct images_opts *o) {
  char id[DIGEST_BUF_LEN], created[64], size[32];
  if (o->no_trunc)
    snprintf(id, sizeof id, "%s", row->image->id);
  else
    short_id(row->image->id, id);
  int64_t t = parse_rfc3339(row->image->created);
  if (t >= 0)
    human_since(t, created, sizeof created);
  else
    snprintf(created, sizeof created, "N/A");
  human_size(row->image->size, size, sizeof size);
  json_t *j = json_object();
  json_object_set_new(j, "ID", json_string(id));
  json_object_set_new(j, "Repository", json_string(row->repository));
  json_object_set_new(j, "Tag", json_string(row->tag));
  json_object_set_new(j, "Digest", json_string(row->digest));
  json_object_set_new(j, "CreatedSince", json_string(created));
  json_object_set_new(j, "CreatedAt", json_string(row->image->created));
  json_object_set_new(j, "Size", json_string(size));
  return j;
}

static int print_rows(struct image_row *rows, size_t n, const struct images_opts *o) {
  if (o->quiet) {
    for (size_t i = 0; i < n; i++) {
      char id[DIGEST_BUF_LEN];
      if (o->no_trunc)
        snprintf(id, sizeof id, "%s", rows[i].image->id);
      else
        short_id(rows[i].image->id, id);
      puts(id);
    }
    return 0;
  }
  if (o->format && !template_is_table(o->format)) {
    for (size_t i = 0; i < n; i++) {
      json_t *j = row_json(&rows[i], o);
      char *line = NULL;
      struct xerr err = {0};
      int rc = template_render(o->format, j, &line, &err);
      json_decref(j);
      if (rc < 0)
        return cli_error(&err);
      puts(line);
      free(line);
    }
    return 0;
  }
  size_t cols = o->digests ? 6 : 5;
  struct table *t = table_new(cols);
  if (o->digests)
    table_add(t, (const char *const[]){"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
  else
    table_add(t, (const char *const[]){"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  for (size_t i = 0; i < n; i++) {
    json_t *j = row_json(&rows[i], o);
    const char *id = json_string_value(json_object_get(j, "ID"));
    const char *created = json_string_value(json_object_get(j, "CreatedSince"));
    const char *size = json_string_value(json_object_get(j, "Size"));
    if (o->digests)
      table_add(t, (const char *const[]){rows[i].repository, rows[i].tag, rows[i].digest, id,
                                         created, size});
    else
      table_add(t, (const char *const[]){rows[i].repository, rows[i].tag, id, created, size});
    json_decref(j);
  }
  table_print(t);
  table_free(t);
  return 0;
}

static int add_row(struct image_row **rows, size_t *n, size_t *cap, const struct image_record *r,
                   const char *normalised) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    struct image_row *bigger = realloc(*rows, c * sizeof **rows);
    if (!bigger)
      return -1;
    *rows = bigger;
    *cap = c;
  }
  struct image_row *row = &(*rows)[(*n)++];
  memset(row, 0, sizeof *row);
  row->image = r;
  if (normalised) {
    split_tag(normalised, row);
  } else {
    snprintf(row->repository, sizeof row->repository, "<none>");
    snprintf(row->tag, sizeof row->tag, "<none>");
  }
  find_digest(row);
  return 0;
}

static int list_images(struct xstore *s, const struct images_opts *o, const char *repo_arg) {
  struct image_record *list = NULL;
  size_t n = 0, nrows = 0, cap = 0;
  struct xerr err = {0};
  if (image_list(s, &list, &n, &err) < 0)
    return cli_error(&err);
  struct image_row *rows = NULL;
  int ret = 0;
  for (size_t i = 0; i < n; i++) {
    const struct image_record *r = &list[i];
    bool dangling = !r->tags || !r->tags[0];
    if ((o->dangling == 1 && !dangling) || (o->dangling == 0 && dangling))
      continue;
    if (dangling && !o->all && o->dangling != 1 && is_parent(list, n, r))
      continue;
    if ((o->before >= 0 && r->added >= o->before) || (o->since >= 0 && r->added <= o->since))
      continue;
    if (!labels_match(s, o, r))
      continue;
    size_t first = nrows;
    if (dangling) {
      /* An untagged image with a repo digest shows its repository, as Docker does. */
      if (r->digests && r->digests[0]) {
        char repo[1024];
        snprintf(repo, sizeof repo, "%s", r->digests[0]);
        *strchr(repo, '@') = '\0';
        ret = add_row(&rows, &nrows, &cap, r, repo);
      } else {
        ret = add_row(&rows, &nrows, &cap, r, NULL);
      }
    } else {
      for (char **tag = r->tags; *tag && ret == 0; tag++)
        ret = add_row(&rows, &nrows, &cap, r, *tag);
    }
    /* Keep only the rows the reference filters (and the REPOSITORY argument) allow. */
    size_t keep = first;
    for (size_t k = first; k < nrows; k++) {
      bool ok = reference_matches(o, &rows[k]);
      if (ok && repo_arg) {
        char want[1024];
        struct image_ref ref;
        ok = ref_parse(repo_arg, false, &ref, &err) == 0;
        if (ok) {
          ref_familiar(&ref, want, sizeof want);
          char full[1200];
          snprintf(full, sizeof full, "%s:%s", rows[k].repository, rows[k].tag);
          ok = strcmp(want, rows[k].repository) == 0 || strcmp(want, full) == 0;
        }
      }
      if (ok)
        rows[keep++] = rows[k];
    }
    nrows = keep;
  }
  if (ret == 0)
    ret = print_rows(rows, nrows, o);
  free(rows);
  image_list_free(list, n);
  return ret;
}

/* before=/since= name an image: keep images added before/after it. */
static int resolve_time_filter(struct xstore *s, const char *name, int64_t *out) {
  struct image_record r;
  struct xerr err = {0};
  if (image_lookup(s, name, &r, &err) < 0)
    return cli_error(&err);
  *out = r.added;
  image_record_clear(&r);
  return 0;
}

static int parse_filter(struct images_opts *o, const char *f, const char **before,
                        const char **since) {
  const char *eq = strchr(f, '=');
  if (!eq)
    return cli_errorf("bad format of filter (expected name=value)");
  size_t kn = (size_t)(eq - f);
  const char *v = eq + 1;
  if (kn == 8 && strncmp(f, "dangling", 8) == 0) {
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
      o->dangling = 1;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
      o->dangling = 0;
    else
      return cli_errorf("invalid filter 'dangling=%s'", v);
  } else if (kn == 9 && strncmp(f, "reference", 9) == 0 && o->n_reference < MAX_FILTERS) {
    o->reference[o->n_reference++] = v;
  } else if (kn == 5 && strncmp(f, "label", 5) == 0 && o->n_label < MAX_FILTERS) {
    o->label[o->n_label++] = v;
  } else if (kn == 6 && strncmp(f, "before", 6) == 0) {
    *before = v;
  } else if (kn == 5 && strncmp(f, "since", 5) == 0) {
    *since = v;
  } else {
    return cli_errorf("invalid filter '%.*s'", (int)kn, f);
  }
  return 0;
}

int cmd_images(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'},      {"quiet", no_argument, NULL, 'q'},
      {"digests", no_argument, NULL, 'D'},  {"no-trunc", no_argument, NULL, 'T'},
      {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
  };
  struct images_opts o = {.dangling = -1, .before = -1, .since = -1};
  const char *filters[MAX_FILTERS];
  size_t n_filters = 0;
  int c;
  while ((c = cli_getopt(argc, argv, "aqf:h", longopts)) != -1) {
    switch (c) {
    case 'a': o.all = true; break;
    case 'q': o.quiet = true; break;
    case 'D': o.digests = true; break;
    case 'T': o.no_trunc = true; break;
    case 'F': o.format = optarg; break;
    case 'f':
      if (n_filters == MAX_FILTERS)
        return cli_errorf("too many filters");
      filters[n_filters++] = optarg;
      break;
    case 'h':
      printf("\nUsage:  xocker images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n");
      return 0;
    default: return 125;
    }
  }
  if (argc - optind > 1)
    return cli_usage(argv[0], "\"%s\" requires at most 1 argument.", argv[0]);
  const char *before = NULL, *since = NULL;
  for (size_t i = 0; i < n_filters; i++)
    if (parse_filter(&o, filters[i], &before, &since) != 0)
      return 1;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  if (before)
    ret = resolve_time_filter(s, before, &o.before);
  if (ret == 0 && since)
    ret = resolve_time_filter(s, since, &o.since);
  if (ret == 0)
    ret = list_images(s, &o, optind < argc ? argv[optind] : NULL);
  store_close(s);
  return ret;
}
