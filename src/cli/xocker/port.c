/* xocker port CONTAINER [PRIVATE_PORT[/PROTO]]: the published ports, from
 * NetworkSettings.Ports of the record (or HostConfig.PortBindings), as
 * Docker prints them: "80/tcp -> 0.0.0.0:8080". */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"

static json_t *published_ports(const struct container_record *rec) {
  json_t *doc = engine_record_config(rec);
  json_t *ports = json_object_get(json_object_get(doc, "NetworkSettings"), "Ports");
  if (!json_is_object(ports))
    ports = json_object_get(json_object_get(doc, "HostConfig"), "PortBindings");
  json_t *out = json_is_object(ports) ? json_deep_copy(ports) : json_object();
  json_decref(doc);
  return out;
}

/* "80" or "80/udp" as the key Docker uses ("80/tcp"). */
static int port_key(const char *arg, char *key, size_t len) {
  char proto[8] = "tcp";
  unsigned port;
  char extra;
  int n = sscanf(arg, "%u/%7[a-z]%c", &port, proto, &extra);
  if (n < 1 || n > 2 || port == 0 || port > 65535)
    return -1;
  if (n == 1 && strchr(arg, '/'))
    return -1;
  snprintf(key, len, "%u/%s", port, proto);
  return 0;
}

static void print_bindings(const char *key, json_t *bindings, bool with_key) {
  size_t i;
  json_t *b;
  json_array_foreach(bindings, i, b) {
    const char *ip = json_string_value(json_object_get(b, "HostIp"));
    const char *port = json_string_value(json_object_get(b, "HostPort"));
    if (!ip || !*ip)
      ip = "0.0.0.0";
    bool v6 = strchr(ip, ':') != NULL;
    if (with_key)
      printf("%s -> ", key);
    printf(v6 ? "[%s]:%s\n" : "%s:%s\n", ip, port ? port : "");
  }
}

int cmd_port(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "", longopts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  xocker port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
             "List port mappings or a specific mapping for the container\n");
      return 0;
    }
    return 125;
  }
  if (argc - optind < 1 || argc - optind > 2)
    return cli_usage(argv[0], "\"%s\" requires at least 1 and at most 2 arguments.", argv[0]);
  char key[32] = "";
  if (argc - optind == 2 && port_key(argv[optind + 1], key, sizeof key) < 0)
    return cli_errorf("invalid port (%s)", argv[optind + 1]);
  struct container_record rec;
  struct xstore *s = cli_open_container(g, argv[optind], &rec);
  if (!s)
    return 1;
  json_t *ports = published_ports(&rec);
  int ret = 0;
  if (*key) {
    json_t *bindings = json_object_get(ports, key);
    if (json_array_size(bindings) == 0)
      ret = cli_errorf("No public port '%s' published for %s", key, argv[optind]);
    else
      print_bindings(key, bindings, false);
  } else {
    const char *k;
    json_t *bindings;
    json_object_foreach(ports, k, bindings) print_bindings(k, bindings, true);
  }
  json_decref(ports);
  container_record_clear(&rec);
  store_close(s);
  return ret;
}
