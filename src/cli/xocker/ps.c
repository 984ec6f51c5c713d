/* xocker ps / container ls: Docker's table of containers with -a, -q, -n,
 * -l, -s, --no-trunc, -f filters and --format templates. */
#include <errno.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "container_json.h"
#include "engine/container.h"
#include "image/image.h"
#include "image/store.h"
#include "storage/container.h"
#include "template.h"

struct ps_opts {
  bool all, quiet, size, no_trunc;
  int last;  /* -n, -l: the last N created; -1: no limit */
  char **filters;
  const char *format;
};

static int64_t tree_bytes;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)path, (void)ftw;
  if (flag == FTW_F)
    tree_bytes += st->st_size;
  return 0;
}

/* "0B (virtual 4.26MB)": the writable layer, and with the image. */
static void size_text(struct xstore *s, const struct container_record *c, char *buf, size_t len) {
  char dir[4096], rw[32], virt[32];
  engine_container_dir(s, c->id, dir, sizeof dir);
  strncat(dir, "/diff", sizeof dir - strlen(dir) - 1);
  tree_bytes = 0;
  nftw(dir, add_size, 16, FTW_PHYS);
  int64_t rw_bytes = tree_bytes, image_bytes = 0;
  struct image_record img;
  struct xerr err = {0};
  if (image_lookup(s, c->image_id, &img, &err) == 0) {
    image_bytes = img.size;
    image_record_clear(&img);
  }
  human_size(rw_bytes, rw, sizeof rw);
  human_size(rw_bytes + image_bytes, virt, sizeof virt);
  snprintf(buf, len, "%s (virtual %s)", rw, virt);
}

static bool label_matches(json_t *labels, const char *want) {
  const char *eq = strchr(want, '=');
  char key[512];
  snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - want) : (int)strlen(want), want);
  json_t *v = json_object_get(labels, key);
  if (!v)
    return false;
  return !eq || strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1) == 0;
}

static bool name_matches(const char *name, const char *pattern) {
  regex_t re;
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
    return strstr(name, pattern) != NULL;
  bool m = regexec(&re, name, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

static bool ancestor_matches(struct xstore *s, const struct container_record *c, const char *want) {
  if (strcmp(c->image_name, want) == 0)
    return true;
  struct image_record img;
  struct xerr err = {0};
  if (image_lookup(s, want, &img, &err) < 0)
    return false;
  bool m = strcmp(img.id, c->image_id) == 0;
  image_record_clear(&img);
  return m;
}

/* Docker: filters of one key are ORed, different keys ANDed. */
static bool one_filter(struct xstore *s, const struct container_record *c,
                       const struct cstate *st, const char *key, const char *value) {
  if (!strcmp(key, "status"))
    return !strcmp(st->status, value);
  if (!strcmp(key, "name"))
    return name_matches(c->name, value);
  if (!strcmp(key, "id"))
    return strncmp(c->id, value, strlen(value)) == 0;
  if (!strcmp(key, "exited"))
    return !strcmp(st->status, "exited") && st->exit_code == atoi(value);
  if (!strcmp(key, "ancestor"))
    return ancestor_matches(s, c, value);
  if (!strcmp(key, "network")) {
    /* By name or by full id of a network the container is on. */
    json_t *rec = engine_record_config(c);
    json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
    const char *name;
    json_t *ep;
    bool m = false;
    json_object_foreach(nets, name, ep) {
      const char *id = json_string_value(json_object_get(ep, "NetworkID"));
      m = m || !strcmp(name, value) || (id && *id && !strcmp(id, value));
    }
    json_decref(rec);
    return m;
  }
  if (!strcmp(key, "label")) {
    json_t *rec = engine_record_config(c);
    bool m = label_matches(json_object_get(json_object_get(rec, "Config"), "Labels"), value);
    json_decref(rec);
    return m;
  }
  return false;
}

static bool filters_match(struct xstore *s, const struct container_record *c,
                          const struct cstate *st, char **filters) {
  static const char *const KEYS[] = {"status", "name",     "id",
                                     "exited", "ancestor", "label", "network"};
  for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
    bool any = false, matched = false;
    size_t klen = strlen(KEYS[k]);
    for (size_t i = 0; filters && filters[i]; i++) {
      if (strncmp(filters[i], KEYS[k], klen) || filters[i][klen] != '=')
        continue;
      any = true;
      matched = matched || one_filter(s, c, st, KEYS[k], filters[i] + klen + 1);
    }
    if (any && !matched)
      return false;
  }
  return true;
}

static int check_filters(char **filters) {
  static const char *const KEYS[] = {"status=",   "name=",  "id=",     "exited=",
                                     "ancestor=", "label=", "network="};
  static const char *const STATUSES[] = {"created", "restarting", "running", "removing",
                                         "paused", "exited", "dead"};
  for (size_t i = 0; filters && filters[i]; i++) {
    bool known = false;
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++)
      known = known || strncmp(filters[i], KEYS[k], strlen(KEYS[k])) == 0;
    if (!strchr(filters[i], '='))
      return cli_errorf("bad format of filter (expected name=value)");
    if (!known) {
      char key[128];
      snprintf(key, sizeof key, "%.*s", (int)(strchr(filters[i], '=') - filters[i]), filters[i]);
      return cli_errorf("Error response from daemon: invalid filter '%s'", key);
    }
    if (strncmp(filters[i], "status=", 7) == 0) {
      bool ok = false;
      for (size_t k = 0; k < sizeof STATUSES / sizeof STATUSES[0]; k++)
        ok = ok || strcmp(filters[i] + 7, STATUSES[k]) == 0;
      if (!ok)
        return cli_errorf("Error response from daemon: Invalid filter 'status=%s'", filters[i] + 7);
    }
  }
  return 0;
}

/* The header cell of a table column: its template with each {{.Field}}
 * replaced by Docker's name for it. */
/* Docker's header names of ps's fields. */
static const struct template_header PS_HEADERS[] = {
    {"ID", "CONTAINER ID"}, {"Image", "IMAGE"},     {"Command", "COMMAND"},
    {"CreatedAt", "CREATED AT"}, {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
    {"Status", "STATUS"},   {"Size", "SIZE"},       {"Names", "NAMES"},
    {"Labels", "LABELS"},   {"Mounts", "MOUNTS"},   {"Networks", "NETWORKS"},
    {"State", "STATE"},     {NULL, NULL}};


static int print_table(char **cells, size_t ncols, json_t *rows) {
  struct table *t = table_new(ncols);
  const char **line = calloc(ncols, sizeof *line);
  char **owned = calloc(ncols, sizeof *owned);
  char hdr[512];
  for (size_t c = 0; c < ncols; c++) {
    template_table_header(cells[c], PS_HEADERS, hdr, sizeof hdr);
    owned[c] = strdup(hdr);
    line[c] = owned[c];
  }
  table_add(t, line);
  size_t i;
  json_t *row;
  int ret = 0;
  json_array_foreach(rows, i, row) {
    for (size_t c = 0; c < ncols; c++) {
      free(owned[c]);
      struct xerr err = {0};
      owned[c] = NULL;
      if (template_render(cells[c], row, &owned[c], &err) < 0) {
        ret = cli_error(&err);
        owned[c] = strdup("");
      }
      line[c] = owned[c];
    }
    table_add(t, line);
  }
  if (ret == 0)
    table_print(t);
  for (size_t c = 0; c < ncols; c++)
    free(owned[c]);
  free(owned);
  free(line);
  table_free(t);
  return ret;
}

static int print_rows(const struct ps_opts *o, json_t *rows) {
  size_t i;
  json_t *row;
  if (o->quiet) {
    json_array_foreach(rows, i, row) puts(json_string_value(json_object_get(row, "ID")));
    return 0;
  }
  if (o->format && !template_is_table(o->format)) {
    json_array_foreach(rows, i, row) {
      char *line = NULL;
      struct xerr err = {0};
      if (template_render(o->format, row, &line, &err) < 0)
        return cli_error(&err);
      puts(line);
      free(line);
    }
    return 0;
  }
  const char *fmt = o->format ? o->format + 5 : NULL;
  char deflt[256];
  snprintf(deflt, sizeof deflt,
           "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}%s",
           o->size ? "\t{{.Size}}" : "");
  char *copy = strdup(fmt ? fmt : deflt);
  /* Docker's CLI turns the two characters \t into a tab. */
  char **cells = NULL;
  char *text = copy;
  while (*text == ' ')
    text++;
  for (char *cell = text;;) {
    char *tab = strstr(cell, "\\t");
    char *real = strchr(cell, '\t');
    char *cut = tab && (!real || tab < real) ? tab : real;
    if (cut)
      *cut = '\0';
    strv_append(&cells, cell);
    if (!cut)
      break;
    cell = cut + (cut == tab ? 2 : 1);
  }
  int ret = print_table(cells, strv_length(cells), rows);
  cleanup_strv_fn(&cells);
  free(copy);
  return ret;
}

/* Docker shows stopped ones with -a, -n, -l, or a status/exited filter. */
static bool show_all(const struct ps_opts *o) {
  if (o->all || o->last >= 0)
    return true;
  for (size_t i = 0; o->filters && o->filters[i]; i++)
    if (!strncmp(o->filters[i], "status=", 7) || !strncmp(o->filters[i], "exited=", 7))
      return true;
  return false;
}

static int list(const struct xocker_globals *g, const struct ps_opts *o) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct container_record *all = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (container_list(s, &all, &n, &err) < 0) {
    store_close(s);
    return cli_error(&err);
  }
  json_t *rows = json_array();
  int taken = 0;
  for (size_t i = 0; i < n; i++) {
    if (o->last >= 0 && taken >= o->last)
      break;
    struct cstate st;
    if (cstate_load(s, all[i].id, &st, &err) < 0)
      continue;
    taken++;
    if (!show_all(o) && !cstate_running(&st))
      continue;
    if (!filters_match(s, &all[i], &st, o->filters))
      continue;
    char size[96] = "";
    if (o->size)
      size_text(s, &all[i], size, sizeof size);
    json_array_append_new(rows, container_ps_row(s, &all[i], &st, o->no_trunc, o->size ? size : NULL));
  }
  int ret = print_rows(o, rows);
  json_decref(rows);
  container_list_free(all, n);
  store_close(s);
  return ret;
}

int cmd_ps(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'},      {"quiet", no_argument, NULL, 'q'},
      {"size", no_argument, NULL, 's'},     {"no-trunc", no_argument, NULL, 'T'},
      {"last", required_argument, NULL, 'n'}, {"latest", no_argument, NULL, 'l'},
      {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'H'},     {NULL, 0, NULL, 0}};
  struct ps_opts o = {.last = -1};
  int c, ret = 0;
  while ((c = cli_getopt(argc, argv, "aqsn:lf:", longopts)) != -1) {
    switch (c) {
    case 'a': o.all = true; break;
    case 'q': o.quiet = true; break;
    case 's': o.size = true; break;
    case 'T': o.no_trunc = true; break;
    case 'n': o.last = atoi(optarg); break;
    case 'l': o.last = 1; break;
    case 'f': strv_append(&o.filters, optarg); break;
    case 'F': o.format = optarg; break;
    case 'H':
      printf("\nUsage:  xocker ps [OPTIONS]\n\nList containers\n\nOptions:\n"
             "  -a, --all             Show all containers (default shows just running)\n"
             "  -f, --filter filter   Filter output based on conditions provided\n"
             "      --format string   Pretty-print containers using a Go template\n"
             "  -n, --last int        Show n last created containers (includes all states)\n"
             "  -l, --latest          Show the latest created container (includes all states)\n"
             "      --no-trunc        Don't truncate output\n"
             "  -q, --quiet           Only display container IDs\n"
             "  -s, --size            Display total file sizes\n");
      cleanup_strv_fn(&o.filters);
      return 0;
    default:
      cleanup_strv_fn(&o.filters);
      return 125;
    }
  }
  if (optind < argc) {
    cleanup_strv_fn(&o.filters);
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  }
  if (o.last == 0)
    o.last = -1;
  ret = check_filters(o.filters);
  if (ret == 0)
    ret = list(g, &o);
  cleanup_strv_fn(&o.filters);
  return ret;
}
