/* A new container's network mode, at create (netsetup_create). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xerr.h"
#include "engine/container.h"
#include "engine/network.h"
#include "engine/netsetup.h"
#include "image/store.h"
#include "network/ipam.h"
#include "storage/container.h"

/* The hooks run with only the environment given here: PATH, and the
 * XOCKER_* settings of the command that made the container (the firewall
 * table, the upstream resolv.conf), so a restart by the monitor or at boot
 * sets the network up exactly as the first start did. */
static json_t *hook_env(void) {
  extern char **environ;
  json_t *env = json_pack("[s]", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "XOCKER_", 7) == 0)
      json_array_append_new(env, json_string(*e));
  return env;
}

/* createRuntime runs `xocker container net-up` with the state on stdin
 * once the namespaces exist and before the process runs; poststop undoes. */
static int add_hooks(struct xstore *s, json_t *spec, struct xerr *err) {
  char self[4096];
  if (engine_bin_path("xocker", self, sizeof self, err) < 0)
    return -1;
  json_t *hooks = json_object_get(spec, "hooks");
  if (!json_is_object(hooks)) {
    hooks = json_object();
    json_object_set_new(spec, "hooks", hooks);
  }
  const char *kinds[] = {"createRuntime", "poststop"}, *cmds[] = {"net-up", "net-down"};
  for (int i = 0; i < 2; i++) {
    json_t *list = json_object_get(hooks, kinds[i]);
    if (!json_is_array(list)) {
      list = json_array();
      json_object_set_new(hooks, kinds[i], list);
    }
    json_array_append_new(
        list, json_pack("{s:s, s:[s, s, s, s, s, s, s], s:o}", "path", self, "args", "xocker",
                        "--root", s->root, "--runroot", s->runroot, "container", cmds[i], "env",
                        hook_env()));
  }
  return 0;
}

static json_t *endpoint_json(const struct network *n, const struct endpoint *e, int prefix,
                             const char *static_ip) {
  json_t *ipam = static_ip ? json_pack("{s:s}", "IPv4Address", static_ip) : json_null();
  return json_pack("{s:o, s:n, s:O, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:n}",
                   "IPAMConfig", ipam, "Links", "Aliases", e->aliases, "NetworkID", n->id,
                   "EndpointID", e->container_id, "Gateway", n->gateway, "IPAddress", e->address,
                   "IPPrefixLen", prefix, "IPv6Gateway", "", "GlobalIPv6Address", "",
                   "GlobalIPv6PrefixLen", 0, "MacAddress", e->mac, "DriverOpts");
}

static json_t *settings_base(void) {
  return json_pack("{s:s, s:s, s:b, s:s, s:i, s:{}, s:s, s:s, s:s, s:i, s:s, s:{}}", "Bridge", "",
                   "SandboxID", "", "HairpinMode", 0, "LinkLocalIPv6Address", "",
                   "LinkLocalIPv6PrefixLen", 0, "Ports", "SandboxKey", "", "Gateway", "",
                   "IPAddress", "", "IPPrefixLen", 0, "MacAddress", "", "Networks");
}

static json_t *endpoint_config(json_t *networking, const char *name) {
  return json_object_get(json_object_get(networking, "EndpointsConfig"), name);
}

static int connect_bridge(struct xstore *s, const char *id, const char *mode, json_t *cfg,
                          json_t *networking, json_t *settings, struct net_etc *etc,
                          struct xerr *err) {
  struct network n = {0};
  const char *name = strcmp(mode, "default") == 0 ? NETWORK_DEFAULT_NAME : mode;
  if (network_lookup(s, name, &n, err) < 0)
    return -1;
  json_t *ec = endpoint_config(networking, mode);
  if (!ec)
    ec = endpoint_config(networking, n.name);
  const char *ip =
      json_string_value(json_object_get(json_object_get(ec, "IPAMConfig"), "IPv4Address"));
  json_t *aliases = json_object_get(ec, "Aliases");
  const char *mac = json_string_value(json_object_get(cfg, "MacAddress"));
  int r = 0;
  if (network_is_default(&n) && ip && *ip)
    r = xerr_set(err, EINVAL, "user specified IP address is supported on user defined networks only");
  else if (network_is_default(&n) && json_array_size(aliases))
    r = xerr_set(err, EINVAL,
                 "network-scoped alias is supported only for containers in user defined networks");
  struct endpoint e = {0};
  if (r == 0)
    r = network_connect(s, &n, id, ip && *ip ? ip : NULL, mac && *mac ? mac : NULL, aliases, &e,
                        err);
  if (r == 0) {
    struct ipv4_net net = {0};
    ipam_parse_subnet(n.subnet, &net, &(struct xerr){0});
    json_object_set_new(json_object_get(settings, "Networks"), n.name,
                        endpoint_json(&n, &e, net.prefix, ip && *ip ? ip : NULL));
    if (network_is_default(&n)) {
      json_object_set_new(settings, "Gateway", json_string(n.gateway));
      json_object_set_new(settings, "IPAddress", json_string(e.address));
      json_object_set_new(settings, "IPPrefixLen", json_integer(net.prefix));
      json_object_set_new(settings, "MacAddress", json_string(e.mac));
    } else {
      snprintf(etc->nameserver, sizeof etc->nameserver, "%s", n.gateway);
    }
    snprintf(etc->address, sizeof etc->address, "%s", e.address);
  }
  endpoint_clear(&e);
  network_clear(&n);
  return r;
}

/* container:NAME: hostconfig_to_oci has joined that (running) container's
 * network namespace; its hosts, resolv.conf and hostname are shared too. */
static int share_container(struct xstore *s, const char *ref, struct net_etc *etc,
                           struct xerr *err) {
  struct container_record other = {0};
  if (container_lookup(s, ref, &other, err) < 0)
    return -1;
  engine_container_dir(s, other.id, etc->share_dir, sizeof etc->share_dir);
  container_record_clear(&other);
  return 0;
}

int netsetup_create(struct xstore *s, const char *container_id, json_t *cfg, json_t *hc,
                    json_t *spec, json_t *rec, struct net_etc *etc, struct xerr *err) {
  memset(etc, 0, sizeof *etc);
  const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
  if (!mode || !*mode)
    mode = "default";
  json_t *networking = json_object_get(rec, "NetworkingConfig");
  json_t *settings = settings_base();
  int r = 0;
  if (strcmp(mode, "host") == 0) {
    etc->host = true; /* hostconfig_to_oci dropped the namespace */
  } else if (strncmp(mode, "container:", 10) == 0) {
    r = share_container(s, mode + 10, etc, err);
  } else if (strcmp(mode, "none") == 0) {
    /* A namespace of its own with lo up (the runtime raises it). */
  } else {
    r = connect_bridge(s, container_id, mode, cfg, networking, settings, etc, err);
    if (r == 0 && (r = add_hooks(s, spec, err)) < 0)
      network_disconnect(s, NULL, container_id, &(struct xerr){0});
  }
  if (r == 0 && (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0))
    json_object_set_new(json_object_get(settings, "Networks"), mode,
                        json_pack("{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:n}",
                                  "IPAMConfig", "Links", "Aliases", "NetworkID", "", "EndpointID",
                                  "", "Gateway", "", "IPAddress", "", "IPPrefixLen", 0,
                                  "IPv6Gateway", "", "GlobalIPv6Address", "",
                                  "GlobalIPv6PrefixLen", 0, "MacAddress", "", "DriverOpts"));
  if (r == 0)
    json_object_set(rec, "NetworkSettings", settings);
  json_object_del(rec, "NetworkingConfig");
  json_decref(settings);
  return r;
}
