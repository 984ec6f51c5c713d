/* xocker pod create/ls/inspect/start/stop/rm: Podman's pod commands
 * (engine/pod.h), and run --pod (create.c). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/hostconfig.h"
#include "engine/netsetup.h"
#include "engine/pod.h"
#include "image/store.h"
#include "template.h"

static void append_string(json_t *obj, const char *key, const char *value) {
  json_t *list = json_object_get(obj, key);
  if (!json_is_array(list)) {
    list = json_array();
    json_object_set_new(obj, key, list);
  }
  json_array_append_new(list, json_string(value));
}

static int create_usage(void) {
  printf("\nUsage:  xocker pod create [OPTIONS]\n\nCreate a new empty pod\n\nOptions:\n"
         "      --add-host strings   Add a custom host-to-IP mapping (host:ip)\n"
         "      --dns strings        Set custom DNS servers\n"
         "      --hostname string    Set a hostname to the pod\n"
         "  -l, --label strings      Set metadata on pod\n"
         "  -n, --name string        Assign a name to the pod\n"
         "      --network string     Connect the pod to a network\n"
         "  -p, --publish strings    Publish a container's port, or a range of ports, to the host\n");
  return 0;
}

int cmd_pod_create(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'},    {"publish", required_argument, NULL, 'p'},
      {"label", required_argument, NULL, 'l'},   {"network", required_argument, NULL, 'N'},
      {"hostname", required_argument, NULL, 'H'}, {"dns", required_argument, NULL, 'D'},
      {"add-host", required_argument, NULL, 'A'}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *name = NULL;
  json_t *labels = json_object(), *cfg = json_object(), *hc = hostconfig_new();
  json_object_set_new(hc, "NetworkMode", json_string("default"));
  json_t *exposed = json_object(), *bindings = json_object();
  int c, ret = 0;
  struct xerr err = {0};
  while ((c = cli_getopt(argc, argv, "n:p:l:h", longopts)) != -1) {
    switch (c) {
    case 'n': name = optarg; break;
    case 'p':
      if (netports_parse(optarg, exposed, bindings, &err) < 0) {
        ret = cli_errorf("%s", err.msg);
        goto out;
      }
      break;
    case 'l': cli_put_key_value(labels, optarg); break;
    case 'N': json_object_set_new(hc, "NetworkMode", json_string(optarg)); break;
    case 'H': json_object_set_new(cfg, "Hostname", json_string(optarg)); break;
    case 'D': append_string(hc, "Dns", optarg); break;
    case 'A': append_string(hc, "ExtraHosts", optarg); break;
    case 'h': ret = create_usage(); goto out;
    default: ret = 125; goto out;
    }
  }
  if (argc - optind > 0) {
    ret = cli_usage("pod create", "\"pod create\" accepts no arguments.");
    goto out;
  }
  json_object_set(cfg, "ExposedPorts", exposed);
  json_object_set(hc, "PortBindings", bindings);
  struct xstore *s = cli_open_store(g);
  if (!s) {
    ret = 1;
    goto out;
  }
  struct pod p = {0};
  if (pod_create(s, name, labels, cfg, hc, &p, &err) < 0)
    ret = cli_error(&err);
  else
    printf("%s\n", p.id);
  pod_clear(&p);
  store_close(s);
out:
  json_decref(labels);
  json_decref(cfg);
  json_decref(hc);
  json_decref(exposed);
  json_decref(bindings);
  return ret;
}

/* ---- ls ---- */

static json_t *pod_row(struct xstore *s, const struct pod *p, bool no_trunc) {
  char status[32], id[65], infra[65], created[64];
  cleanup_strv char **ids = NULL;
  struct xerr ignored = {0};
  pod_members(s, p, &ids, &ignored);
  pod_status(s, p, ids, status, sizeof status);
  snprintf(id, sizeof id, no_trunc ? "%s" : "%.12s", p->id);
  snprintf(infra, sizeof infra, no_trunc ? "%s" : "%.12s", p->infra_id);
  human_since(parse_rfc3339(p->created), created, sizeof created);
  char count[16];
  snprintf(count, sizeof count, "%zu", strv_length(ids) + 1);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "ID", id, "Name", p->name, "Status",
                   status, "Created", created, "InfraID", infra, "NumberOfContainers", count,
                   "Labels", p->labels);
}

int cmd_pod_ls(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"quiet", no_argument, NULL, 'q'}, {"no-trunc", no_argument, NULL, 'T'},
      {"format", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool quiet = false, no_trunc = false;
  const char *format = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "qh", longopts)) != -1) {
    switch (c) {
    case 'q': quiet = true; break;
    case 'T': no_trunc = true; break;
    case 'F': format = optarg; break;
    case 'h': printf("\nUsage:  xocker pod ls [OPTIONS]\n\nList pods\n"); return 0;
    default: return 125;
    }
  }
  (void)argv;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct pod *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  int ret = 0;
  if (pod_list(s, &list, &n, &err) < 0) {
    store_close(s);
    return cli_error(&err);
  }
  struct table *t = NULL;
  if (!quiet && !format) {
    t = table_new(6);
    table_add(t, (const char *const[]){"POD ID", "NAME", "STATUS", "CREATED", "INFRA ID",
                                       "# OF CONTAINERS"});
  }
  for (size_t i = 0; i < n; i++) {
    json_t *row = pod_row(s, &list[i], no_trunc);
    const char *id = json_string_value(json_object_get(row, "ID"));
    if (quiet) {
      puts(id);
    } else if (format) {
      char *line = NULL;
      if (template_render(format, row, &line, &err) < 0)
        ret = cli_error(&err);
      else
        puts(line);
      free(line);
    } else {
      const char *cells[6];
      const char *keys[] = {"ID", "Name", "Status", "Created", "InfraID", "NumberOfContainers"};
      for (int k = 0; k < 6; k++)
        cells[k] = json_string_value(json_object_get(row, keys[k]));
      table_add(t, cells);
    }
    json_decref(row);
  }
  if (t) {
    table_print(t);
    table_free(t);
  }
  pod_list_free(list, n);
  store_close(s);
  return ret;
}

/* ---- inspect, start, stop, rm: each pod named in turn ---- */

enum pod_verb { POD_INSPECT, POD_START, POD_STOP, POD_RM };

static int each_pod(const struct xocker_globals *g, int argc, char **argv, enum pod_verb verb,
                    bool force, int timeout, const char *format) {
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  json_t *docs = json_array();
  for (int i = optind; i < argc; i++) {
    struct pod p = {0};
    struct xerr err = {0};
    int r = pod_lookup(s, argv[i], &p, &err);
    if (r == 0 && verb == POD_INSPECT) {
      json_t *doc = pod_inspect_json(s, &p);
      if (format) {
        char *line = NULL;
        r = template_render(format, doc, &line, &err);
        if (r == 0)
          puts(line);
        free(line);
        json_decref(doc);
      } else {
        json_array_append_new(docs, doc);
      }
    } else if (r == 0) {
      r = verb == POD_START  ? pod_start(s, &p, &err)
          : verb == POD_STOP ? pod_stop(s, &p, timeout, &err)
                             : pod_remove(s, &p, force, &err);
      if (r == 0)
        printf("%s\n", p.id);
    }
    if (r < 0 && !(verb == POD_RM && force && err.errnum == ENOENT))
      ret = cli_error(&err);
    pod_clear(&p);
  }
  if (verb == POD_INSPECT && !format)
    cli_print_json(json_array_size(docs) == 1 ? json_array_get(docs, 0) : docs);
  json_decref(docs);
  store_close(s);
  return ret;
}

static int pod_verb(const struct xocker_globals *g, int argc, char **argv, enum pod_verb verb) {
  static const struct option longopts[] = {
      {"force", no_argument, NULL, 'f'}, {"time", required_argument, NULL, 't'},
      {"format", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool force = false;
  int timeout = -1, c;
  const char *format = NULL;
  while ((c = cli_getopt(argc, argv, verb == POD_INSPECT ? "f:h" : "ft:h", longopts)) != -1) {
    switch (c) {
    case 'f':
      if (verb == POD_INSPECT)
        format = optarg;
      else
        force = true;
      break;
    case 'F': format = optarg; break;
    case 't': timeout = atoi(optarg); break;
    case 'h': printf("\nUsage:  xocker pod %s [OPTIONS] POD [POD...]\n", argv[0]); return 0;
    default: return 125;
    }
  }
  return each_pod(g, argc, argv, verb, force, timeout, format);
}

int cmd_pod_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return pod_verb(g, argc, argv, POD_INSPECT);
}
int cmd_pod_start(const struct xocker_globals *g, int argc, char **argv) {
  return pod_verb(g, argc, argv, POD_START);
}
int cmd_pod_stop(const struct xocker_globals *g, int argc, char **argv) {
  return pod_verb(g, argc, argv, POD_STOP);
}
int cmd_pod_rm(const struct xocker_globals *g, int argc, char **argv) {
  return pod_verb(g, argc, argv, POD_RM);
}
