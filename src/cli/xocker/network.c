/* xocker network create/ls/inspect/rm/prune/connect/disconnect: Docker's
 * network commands on the store's networks (engine/network.h), and the
 * hidden `container net-up|net-down` that the OCI hooks run. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/network.h"
#include "engine/netsetup.h"
#include "image/store.h"
#include "storage/container.h"
#include "template.h"

/* ---- create ---- */

int cmd_network_create(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"driver", required_argument, NULL, 'd'}, {"subnet", required_argument, NULL, 's'},
      {"gateway", required_argument, NULL, 'g'}, {"ip-range", required_argument, NULL, 'r'},
      {"internal", no_argument, NULL, 'i'},      {"label", required_argument, NULL, 'l'},
      {"opt", required_argument, NULL, 'o'},     {"attachable", no_argument, NULL, 'a'},
      {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
  struct network_create_opts o = {0};
  json_t *labels = json_object(), *options = json_object();
  o.labels = labels;
  o.options = options;
  int c, ret = 0;
  while ((c = cli_getopt(argc, argv, "d:o:h", longopts)) != -1) {
    switch (c) {
    case 'd': o.driver = optarg; break;
    case 's': o.subnet = optarg; break;
    case 'g': o.gateway = optarg; break;
    case 'r': o.ip_range = optarg; break;
    case 'i': o.internal = true; break;
    case 'l': cli_put_key_value(labels, optarg); break;
    case 'o': cli_put_key_value(options, optarg); break;
    case 'a': break;
    case 'h':
      printf("\nUsage:  xocker network create [OPTIONS] NETWORK\n\nCreate a network\n\nOptions:\n"
             "  -d, --driver string    Driver to manage the Network (default \"bridge\")\n"
             "      --gateway string   IPv4 Gateway for the master subnet\n"
             "      --internal         Restrict external access to the network\n"
             "      --ip-range string  Allocate container ip from a sub-range\n"
             "      --label list       Set metadata on a network\n"
             "  -o, --opt map          Set driver specific options\n"
             "      --subnet string    Subnet in CIDR format that represents a network segment\n");
      goto out;
    default: ret = 125; goto out;
    }
  }
  if (argc - optind != 1) {
    ret = cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", "create");
    goto out;
  }
  o.name = argv[optind];
  struct xstore *s = cli_open_store(g);
  if (!s) {
    ret = 1;
    goto out;
  }
  struct network n = {0};
  struct xerr err = {0};
  if (network_create(s, &o, &n, &err) < 0)
    ret = cli_daemon_error(&err);
  else
    printf("%s\n", n.id);
  network_clear(&n);
  store_close(s);
out:
  json_decref(labels);
  json_decref(options);
  return ret;
}

/* ---- ls ---- */

/* host and none are modes, not rows: stable ids made from the store's
 * root so they look like Docker's. */
static void pseudo_id(struct xstore *s, const char *name, char out[65]) {
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = s->root; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  for (const char *p = name; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  for (int i = 0; i < 4; i++) {
    h = (h ^ (uint64_t)i) * 1099511628211ULL;
    snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)h);
  }
}

struct net_filters {
  const char *names[8], *ids[8], *drivers[8], *labels[8];
  int n_names, n_ids, n_drivers, n_labels;
};

static bool any_match(const char *const *list, int n, const char *value, bool prefix) {
  if (n == 0)
    return true;
  for (int i = 0; i < n; i++)
    if (prefix ? strncmp(value, list[i], strlen(list[i])) == 0 : strstr(value, list[i]) != NULL)
      return true;
  return false;
}

static bool labels_match(const struct net_filters *f, json_t *labels) {
  for (int i = 0; i < f->n_labels; i++) {
    const char *eq = strchr(f->labels[i], '=');
    cleanup_free char *key = eq ? strndup(f->labels[i], (size_t)(eq - f->labels[i]))
                                : strdup(f->labels[i]);
    json_t *v = json_object_get(labels, key);
    if (!v || (eq && strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1) != 0))
      return false;
  }
  return true;
}

static bool network_matches(const struct net_filters *f, const char *id, const char *name,
                            const char *driver, json_t *labels) {
  return any_match(f->names, f->n_names, name, false) && any_match(f->ids, f->n_ids, id, true) &&
         any_match(f->drivers, f->n_drivers, driver, false) && labels_match(f, labels);
}

static int add_filter(struct net_filters *f, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq)
    return cli_errorf("bad format of filter (expected name=value)");
  size_t klen = (size_t)(eq - arg);
  const char **list = NULL;
  int *n = NULL;
  if (klen == 4 && strncmp(arg, "name", 4) == 0) list = f->names, n = &f->n_names;
  else if (klen == 2 && strncmp(arg, "id", 2) == 0) list = f->ids, n = &f->n_ids;
  else if (klen == 6 && strncmp(arg, "driver", 6) == 0) list = f->drivers, n = &f->n_drivers;
  else if (klen == 5 && strncmp(arg, "label", 5) == 0) list = f->labels, n = &f->n_labels;
  else
    return cli_daemon_errorf("invalid filter '%.*s'", (int)klen, arg);
  if (*n < 8)
    list[(*n)++] = eq + 1;
  return 0;
}

struct net_row {
  char id[65];
  const char *name, *driver;
  json_t *labels;
};

static void print_rows(const struct net_row *rows, size_t n, bool quiet, bool no_trunc,
                       const char *format, int *ret) {
  struct table *t = NULL;
  if (!quiet && !format) {
    t = table_new(4);
    table_add(t, (const char *const[]){"NETWORK ID", "NAME", "DRIVER", "SCOPE"});
  }
  for (size_t i = 0; i < n; i++) {
    char id[65];
    snprintf(id, sizeof id, no_trunc ? "%s" : "%.12s", rows[i].id);
    if (quiet) {
      puts(id);
    } else if (format) {
      json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "Name",
                              rows[i].name, "Driver", rows[i].driver, "Scope", "local", "IPv6",
                              "false", "Internal", "false", "CreatedAt", "");
      char *line = NULL;
      struct xerr err = {0};
      if (template_render(format, doc, &line, &err) < 0)
        *ret = cli_error(&err);
      else
        puts(line);
      free(line);
      json_decref(doc);
    } else {
      table_add(t, (const char *const[]){id, rows[i].name, rows[i].driver, "local"});
    }
  }
  if (t) {
    table_print(t);
    table_free(t);
  }
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const struct net_row *)a)->name, ((const struct net_row *)b)->name);
}

int cmd_network_ls(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"quiet", no_argument, NULL, 'q'}, {"filter", required_argument, NULL, 'f'},
      {"format", required_argument, NULL, 'F'}, {"no-trunc", no_argument, NULL, 'T'},
      {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  struct net_filters f = {0};
  bool quiet = false, no_trunc = false;
  const char *format = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "qf:h", longopts)) != -1) {
    switch (c) {
    case 'q': quiet = true; break;
    case 'f':
      if (add_filter(&f, optarg) != 0)
        return 1;
      break;
    case 'F': format = optarg; break;
    case 'T': no_trunc = true; break;
    case 'h':
      printf("\nUsage:  xocker network ls [OPTIONS]\n\nList networks\n\nOptions:\n"
             "  -f, --filter filter   Provide filter values (e.g. 'driver=bridge')\n"
             "      --format string   Pretty-print networks using a Go template\n"
             "      --no-trunc        Do not truncate the output\n"
             "  -q, --quiet           Only display network IDs\n");
      return 0;
    default: return 125;
    }
  }
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct network *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  int ret = 0;
  if (network_list(s, &list, &n, &err) < 0) {
    ret = cli_error(&err);
    store_close(s);
    return ret;
  }
  struct net_row *rows = calloc(n + 2, sizeof *rows);
  size_t k = 0;
  json_t *empty = json_object();
  for (size_t i = 0; rows && i < n + 2; i++) {
    struct net_row r = {0};
    if (i < n) {
      snprintf(r.id, sizeof r.id, "%s", list[i].id);
      r.name = list[i].name;
      r.driver = list[i].driver;
      r.labels = list[i].labels;
    } else {
      r.name = i == n ? "host" : "none";
      r.driver = i == n ? "host" : "null";
      r.labels = empty;
      pseudo_id(s, r.name, r.id);
    }
    if (network_matches(&f, r.id, r.name, r.driver, r.labels))
      rows[k++] = r;
  }
  if (rows) {
    qsort(rows, k, sizeof *rows, by_name); /* Docker's CLI lists them by name */
    print_rows(rows, k, quiet, no_trunc, format, &ret);
  }
  free(rows);
  json_decref(empty);
  network_list_free(list, n);
  store_close(s);
  return ret;
}

/* ---- inspect ---- */

static void *network_doc(struct xstore *s, const char *name, void *ctx, struct xerr *err) {
  (void)ctx;
  struct network n = {0};
  if (network_lookup(s, name, &n, err) < 0) {
    xerr_set(err, ENOENT, "No such network: %s", name);
    return NULL;
  }
  json_t *doc = network_inspect_json(s, &n);
  network_clear(&n);
  return doc;
}

int cmd_network_inspect(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                           {"verbose", no_argument, NULL, 'v'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *format = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "f:vh", longopts)) != -1) {
    switch (c) {
    case 'f': format = optarg; break;
    case 'v': break;
    case 'h':
      printf("\nUsage:  xocker network inspect [OPTIONS] NETWORK [NETWORK...]\n\n"
             "Display detailed information on one or more networks\n\nOptions:\n"
             "  -f, --format string   Format the output using the given Go template\n");
      return 0;
    default: return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", "inspect");
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = cli_inspect_each(s, argc, argv, format, network_doc, NULL);
  store_close(s);
  return ret;
}

/* ---- rm, prune ---- */

int cmd_network_rm(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    switch (c) {
    case 'f': force = true; break;
    case 'h':
      printf("\nUsage:  xocker network rm NETWORK [NETWORK...]\n\nRemove one or more networks\n");
      return 0;
    default: return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", "rm");
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct network n = {0};
    struct xerr err = {0};
    if (network_lookup(s, argv[i], &n, &err) < 0) {
      if (!force) {
        fprintf(stderr, "Error: No such network: %s\n", argv[i]);
        ret = 1;
      }
      continue;
    }
    if (network_remove(s, &n, &err) < 0)
      ret = cli_daemon_error(&err);
    else
      printf("%s\n", argv[i]);
    network_clear(&n);
  }
  store_close(s);
  return ret;
}

int cmd_network_prune(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"filter", required_argument, NULL, 'F'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    switch (c) {
    case 'f': force = true; break;
    case 'F': break;
    case 'h':
      printf("\nUsage:  xocker network prune [OPTIONS]\n\nRemove all unused networks\n");
      return 0;
    default: return 125;
    }
  }
  if (!force &&
      !cli_confirm("This will remove all custom networks not used by at least one container."))
    return 0;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct network *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (network_list(s, &list, &n, &err) < 0) {
    store_close(s);
    return cli_error(&err);
  }
  bool header = false;
  for (size_t i = 0; i < n; i++) {
    if (network_is_default(&list[i]) || network_remove(s, &list[i], &err) < 0)
      continue;
    if (!header)
      printf("Deleted Networks:\n");
    header = true;
    printf("%s\n", list[i].name);
  }
  network_list_free(list, n);
  store_close(s);
  return 0;
}

/* ---- connect, disconnect ---- */

static int connect_or_disconnect(const struct xocker_globals *g, int argc, char **argv,
                                 bool connect) {
  static const struct option longopts[] = {
      {"ip", required_argument, NULL, 'i'}, {"alias", required_argument, NULL, 'a'},
      {"force", no_argument, NULL, 'f'},    {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *ip = NULL;
  json_t *aliases = json_array();
  int c, ret = 0;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    switch (c) {
    case 'i': ip = optarg; break;
    case 'a': json_array_append_new(aliases, json_string(optarg)); break;
    case 'f': break;
    case 'h':
      printf("\nUsage:  xocker network %s [OPTIONS] NETWORK CONTAINER\n",
             connect ? "connect" : "disconnect");
      json_decref(aliases);
      return 0;
    default: json_decref(aliases); return 125;
    }
  }
  if (argc - optind != 2) {
    json_decref(aliases);
    return cli_usage(argv[0], "\"%s\" requires exactly 2 arguments.",
                     connect ? "connect" : "disconnect");
  }
  struct xstore *s = cli_open_store(g);
  struct network n = {0};
  struct container_record rec = {0};
  struct xerr err = {0};
  if (!s) {
    ret = 1;
  } else if (network_lookup(s, argv[optind], &n, &err) < 0 ||
             container_lookup(s, argv[optind + 1], &rec, &err) < 0) {
    ret = cli_daemon_error(&err);
  } else if (connect ? netsetup_connect(s, rec.id, &n, ip, aliases, &err)
                     : netsetup_disconnect(s, rec.id, &n, &err)) {
    ret = cli_daemon_error(&err);
  }
  network_clear(&n);
  container_record_clear(&rec);
  json_decref(aliases);
  if (s)
    store_close(s);
  return ret;
}

int cmd_network_connect(const struct xocker_globals *g, int argc, char **argv) {
  return connect_or_disconnect(g, argc, argv, true);
}

int cmd_network_disconnect(const struct xocker_globals *g, int argc, char **argv) {
  return connect_or_disconnect(g, argc, argv, false);
}

/* ---- the hooks: container net-up / net-down, state JSON on stdin ---- */

static int hook(const struct xocker_globals *g, bool up) {
  json_error_t jerr;
  json_t *state = json_loadf(stdin, 0, &jerr);
  const char *id = json_string_value(json_object_get(state, "id"));
  json_int_t pid = json_integer_value(json_object_get(state, "pid"));
  if (!id || (up && pid <= 0)) {
    json_decref(state);
    return cli_errorf("container net-%s: no container state on stdin (%s)", up ? "up" : "down",
                      jerr.text);
  }
  struct xstore *s = NULL;
  struct xerr err = {0};
  int ret = 0;
  if (store_open(g->root, g->runroot, &s, &err) < 0)
    ret = cli_error(&err);
  else if ((up ? netsetup_up(s, id, (pid_t)pid, &err) : netsetup_down(s, id, &err)) < 0)
    ret = cli_error(&err);
  if (s)
    store_close(s);
  json_decref(state);
  return ret;
}

int cmd_container_net_up(const struct xocker_globals *g, int argc, char **argv) {
  (void)argc, (void)argv;
  return hook(g, true);
}

int cmd_container_net_down(const struct xocker_globals *g, int argc, char **argv) {
  (void)argc, (void)argv;
  return hook(g, false);
}
