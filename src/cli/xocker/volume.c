/* xocker volume create/ls/inspect/rm/prune: Docker's volume commands on
 * the local volume store (engine/volume.h). */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/volume.h"
#include "image/store.h"
#include "template.h"

#define MAX_FILTERS 16

/* ---- create ---- */

int cmd_volume_create(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"driver", required_argument, NULL, 'd'},
                                           {"label", required_argument, NULL, 'l'},
                                           {"opt", required_argument, NULL, 'o'},
                                           {"name", required_argument, NULL, 'n'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *driver = VOLUME_DRIVER_LOCAL, *name = NULL;
  json_t *labels = json_object(), *options = json_object();
  int c, ret = 0;
  while ((c = cli_getopt(argc, argv, "d:o:h", longopts)) != -1) {
    switch (c) {
    case 'd': driver = optarg; break;
    case 'l': cli_put_key_value(labels, optarg); break;
    case 'o': cli_put_key_value(options, optarg); break;
    case 'n': name = optarg; break;
    case 'h':
      printf("\nUsage:  xocker volume create [OPTIONS] [VOLUME]\n\nCreate a volume\n\n"
             "Options:\n"
             "  -d, --driver string   Specify volume driver name (default \"local\")\n"
             "      --label list      Set metadata for a volume\n"
             "  -o, --opt map         Set driver specific options (default map[])\n");
      goto out;
    default: ret = 125; goto out;
    }
  }
  if (argc - optind > 1) {
    ret = cli_usage(argv[0], "\"%s\" requires at most 1 argument.", argv[0]);
    goto out;
  }
  if (argc - optind == 1) {
    if (name && strcmp(name, argv[optind]) != 0) {
      ret = cli_errorf("conflicting options: either specify --name or provide positional arg, "
                       "not both");
      goto out;
    }
    name = argv[optind];
  }
  struct xstore *s = cli_open_store(g);
  if (!s) {
    ret = 1;
    goto out;
  }
  struct volume v = {0};
  struct xerr err = {0};
  bool created;
  if (volume_create(s, name, driver, labels, options, false, &v, &created, &err) < 0)
    ret = cli_error(&err);
  else
    printf("%s\n", v.name);
  volume_clear(&v);
  store_close(s);
out:
  json_decref(labels);
  json_decref(options);
  return ret;
}

/* ---- ls ---- */

struct ls_filters {
  const char *name[MAX_FILTERS], *driver[MAX_FILTERS], *label[MAX_FILTERS];
  size_t n_name, n_driver, n_label;
  int dangling; /* -1 any */
};

static int add_filter(struct ls_filters *f, const char *spec, bool prune) {
  const char *eq = strchr(spec, '=');
  if (!eq)
    return cli_errorf("bad format of filter (expected name=value)");
  size_t kn = (size_t)(eq - spec);
  const char *v = eq + 1;
#define IS(k) (kn == strlen(k) && strncmp(spec, k, kn) == 0)
  if (IS("label")) {
    if (f->n_label == MAX_FILTERS)
      return cli_errorf("too many filters");
    f->label[f->n_label++] = v;
  } else if (!prune && IS("name")) {
    if (f->n_name == MAX_FILTERS)
      return cli_errorf("too many filters");
    f->name[f->n_name++] = v;
  } else if (!prune && IS("driver")) {
    if (f->n_driver == MAX_FILTERS)
      return cli_errorf("too many filters");
    f->driver[f->n_driver++] = v;
  } else if (!prune && IS("dangling")) {
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
      f->dangling = 1;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
      f->dangling = 0;
    else
      return cli_errorf("Invalid filter 'dangling=%s'", v);
  } else {
    return cli_errorf("Invalid filter '%.*s'", (int)kn, spec);
  }
#undef IS
  return 0;
}

/* Docker matches name= and driver= as regular expressions. */
static bool any_matches(const char *const *patterns, size_t n, const char *value) {
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++) {
    regex_t re;
    if (regcomp(&re, patterns[i], REG_EXTENDED | REG_NOSUB) != 0) {
      if (strstr(value, patterns[i]))
        return true;
      continue;
    }
    bool ok = regexec(&re, value, 0, NULL, 0) == 0;
    regfree(&re);
    if (ok)
      return true;
  }
  return false;
}

/* label=k or label=k=v: every one must hold. */
static bool labels_match(const struct ls_filters *f, json_t *labels) {
  for (size_t i = 0; i < f->n_label; i++) {
    const char *eq = strchr(f->label[i], '=');
    cleanup_free char *key = eq ? strndup(f->label[i], (size_t)(eq - f->label[i]))
                                : strdup(f->label[i]);
    json_t *v = key ? json_object_get(labels, key) : NULL;
    if (!v || (eq && strcmp(json_string_value(v), eq + 1) != 0))
      return false;
  }
  return true;
}

static bool volume_matches(const struct ls_filters *f, const struct volume *v, bool in_use) {
  return any_matches(f->name, f->n_name, v->name) &&
         any_matches(f->driver, f->n_driver, v->driver) && labels_match(f, v->labels) &&
         (f->dangling < 0 || f->dangling == !in_use);
}

/* Labels as the CLI prints them: "a=b,c=" (keys sorted). */
static char *labels_text(json_t *labels) {
  size_t len = 1;
  const char *k;
  json_t *v;
  json_object_foreach(labels, k, v) len += strlen(k) + json_string_length(v) + 2;
  char *out = calloc(1, len);
  if (!out)
    return NULL;
  json_object_foreach(labels, k, v) {
    if (*out)
      strcat(out, ",");
    strcat(out, k);
    strcat(out, "=");
    strcat(out, json_string_value(v) ? json_string_value(v) : "");
  }
  return out;
}

static json_t *row_json(struct xstore *s, const struct volume *v) {
  char mountpoint[4096];
  volume_data_path(s, v->name, mountpoint, sizeof mountpoint);
  cleanup_free char *labels = labels_text(v->labels);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability", "N/A",
                   "Driver", v->driver, "Group", "N/A", "Labels", labels ? labels : "", "Links",
                   "N/A", "Mountpoint", mountpoint, "Name", v->name, "Scope", "local", "Size",
                   "N/A", "Status", "N/A");
}

/* The header row of a `table` format: each field's column title. */
static json_t *header_json(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability",
                   "AVAILABILITY", "Driver", "DRIVER", "Group", "GROUP", "Labels", "LABELS",
                   "Links", "LINKS", "Mountpoint", "MOUNTPOINT", "Name", "VOLUME NAME", "Scope",
                   "SCOPE", "Size", "SIZE", "Status", "STATUS");
}

/* Render one row of a table format into its tab-separated cells. */
static int table_row(struct table **t, const char *tmpl, json_t *j, struct xerr *err) {
  char *line = NULL;
  if (template_render(tmpl, j, &line, err) < 0)
    return -1;
  size_t cols = 1;
  for (const char *p = line; *p; p++)
    cols += *p == '\t';
  if (!*t)
    *t = table_new(cols);
  const char *cells[64] = {0};
  size_t n = 0;
  for (char *p = line, *tab; n < 64; p = tab + 1) {
    tab = strchr(p, '\t');
    cells[n++] = p;
    if (!tab)
      break;
    *tab = '\0';
  }
  for (size_t i = n; i < 64; i++)
    cells[i] = "";
  table_add(*t, cells);
  free(line);
  return 0;
}

static int print_formatted(struct xstore *s, struct volume *list, const bool *show, size_t n,
                           const char *format) {
  struct xerr err = {0};
  bool table = template_is_table(format);
  const char *tmpl = table ? format + strlen("table") : format;
  while (table && (*tmpl == ' ' || *tmpl == '\t'))
    tmpl++;
  struct table *t = NULL;
  int ret = 0;
  if (table) {
    json_t *h = header_json();
    ret = table_row(&t, tmpl, h, &err);
    json_decref(h);
  }
  for (size_t i = 0; ret == 0 && i < n; i++) {
    if (!show[i])
      continue;
    json_t *j = row_json(s, &list[i]);
    if (table) {
      ret = table_row(&t, tmpl, j, &err);
    } else {
      char *line = NULL;
      ret = template_render(tmpl, j, &line, &err);
      if (ret == 0)
        puts(line);
      free(line);
    }
    json_decref(j);
  }
  if (t) {
    if (ret == 0)
      table_print(t);
    table_free(t);
  }
  return ret < 0 ? cli_error(&err) : 0;
}

static int list_volumes(struct xstore *s, const struct ls_filters *f, bool quiet,
                        const char *format) {
  struct volume *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (volume_list(s, &list, &n, &err) < 0)
    return cli_error(&err);
  bool *show = calloc(n + 1, sizeof *show);
  int ret = 0;
  for (size_t i = 0; show && i < n; i++) {
    bool in_use = false;
    if (f->dangling >= 0) {
      cleanup_strv char **users = NULL;
      if (volume_users(s, list[i].name, &users, &err) < 0) {
        ret = cli_error(&err);
        break;
      }
      in_use = users != NULL;
    }
    show[i] = volume_matches(f, &list[i], in_use);
  }
  if (!show) {
    ret = cli_errorf("out of memory");
  } else if (ret == 0 && quiet) {
    for (size_t i = 0; i < n; i++)
      if (show[i])
        puts(list[i].name);
  } else if (ret == 0 && format) {
    ret = print_formatted(s, list, show, n, format);
  } else if (ret == 0) {
    struct table *t = table_new(2);
    table_add(t, (const char *const[]){"DRIVER", "VOLUME NAME"});
    for (size_t i = 0; i < n; i++)
      if (show[i])
        table_add(t, (const char *const[]){list[i].driver, list[i].name});
    table_print(t);
    table_free(t);
  }
  free(show);
  volume_list_free(list, n);
  return ret;
}

int cmd_volume_ls(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'},
                                           {"filter", required_argument, NULL, 'f'},
                                           {"format", required_argument, NULL, 'F'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct ls_filters f = {.dangling = -1};
  bool quiet = false;
  const char *format = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "qf:h", longopts)) != -1) {
    switch (c) {
    case 'q': quiet = true; break;
    case 'f':
      if (add_filter(&f, optarg, false) != 0)
        return 1;
      break;
    case 'F': format = optarg; break;
    case 'h':
      printf("\nUsage:  xocker volume ls [OPTIONS]\n\nList volumes\n\nAliases:\n  ls, list\n\n"
             "Options:\n"
             "  -f, --filter filter   Provide filter values (e.g. 'dangling=true')\n"
             "      --format string   Pretty-print volumes using a Go template\n"
             "  -q, --quiet           Only display volume names\n");
      return 0;
    default: return 125;
    }
  }
  if (optind < argc)
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = list_volumes(s, &f, quiet, format);
  store_close(s);
  return ret;
}

/* ---- inspect ---- */

static void *volume_doc(struct xstore *s, const char *name, void *ctx, struct xerr *err) {
  (void)ctx;
  struct volume v = {0};
  if (volume_lookup(s, name, &v, err) < 0)
    return NULL;
  json_t *doc = volume_inspect_json(s, &v);
  volume_clear(&v);
  return doc;
}

int cmd_volume_inspect(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *format = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "f:h", longopts)) != -1) {
    if (c == 'f') {
      format = optarg;
    } else if (c == 'h') {
      printf("\nUsage:  xocker volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
             "Display detailed information on one or more volumes\n\nOptions:\n"
             "  -f, --format string   Format the output using the given Go template\n");
      return 0;
    } else {
      return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = cli_inspect_each(s, argc, argv, format, volume_doc, NULL);
  store_close(s);
  return ret;
}

/* ---- rm ---- */

int cmd_volume_rm(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    if (c == 'f') {
      force = true;
    } else if (c == 'h') {
      printf("\nUsage:  xocker volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
             "Remove one or more volumes. You cannot remove a volume that is in use by a "
             "container.\n\nAliases:\n  rm, remove\n\nOptions:\n"
             "  -f, --force   Force the removal of one or more volumes\n");
      return 0;
    } else {
      return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    /* -f makes a missing volume no error, as Docker's; one in use still is. */
    if (volume_remove(s, argv[i], &err) < 0 && !(force && err.errnum == ENOENT)) {
      ret = cli_error(&err);
      continue;
    }
    printf("%s\n", argv[i]);
  }
  store_close(s);
  return ret;
}

/* ---- prune ---- */

/* Docker's units.HumanSize (4 significant digits, unlike the 3 of tables). */
static void reclaimed_text(int64_t bytes, char *buf, size_t len) {
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1000.0;
    u++;
  }
  snprintf(buf, len, "%.4g%s", v, units[u]);
}

/* Docker's prune: every unused local volume without mount options (their
 * data is not here to reclaim) that the label filters allow. */
static int prune(struct xstore *s, const struct ls_filters *f) {
  struct volume *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (volume_list(s, &list, &n, &err) < 0)
    return cli_error(&err);
  int64_t reclaimed = 0;
  bool any = false;
  int ret = 0;
  for (size_t i = 0; i < n; i++) {
    if (list[i].options || !labels_match(f, list[i].labels))
      continue;
    int64_t size = volume_size(s, list[i].name);
    if (volume_remove(s, list[i].name, &err) < 0) {
      if (err.errnum != EBUSY && err.errnum != ENOENT)
        ret = cli_error(&err);
      continue;
    }
    if (!any)
      printf("Deleted Volumes:\n");
    any = true;
    printf("%s\n", list[i].name);
    reclaimed += size;
  }
  char human[32];
  reclaimed_text(reclaimed, human, sizeof human);
  printf("%sTotal reclaimed space: %s\n", any ? "\n" : "", human);
  volume_list_free(list, n);
  return ret;
}

int cmd_volume_prune(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"filter", required_argument, NULL, 'F'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct ls_filters f = {.dangling = -1};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    switch (c) {
    case 'f': force = true; break;
    case 'F':
      if (add_filter(&f, optarg, true) != 0)
        return 1;
      break;
    case 'h':
      printf("\nUsage:  xocker volume prune [OPTIONS]\n\nRemove all unused local volumes\n\n"
             "Options:\n"
             "      --filter filter   Provide filter values (e.g. 'label=<label>')\n"
             "  -f, --force           Do not prompt for confirmation\n");
      return 0;
    default: return 125;
    }
  }
  if (optind < argc)
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  if (!force &&
      !cli_confirm("This will remove all local volumes not used by at least one container."))
    return 0;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = prune(s, &f);
  store_close(s);
  return ret;
}
