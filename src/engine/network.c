/* Network and endpoint rows (engine/network.h).  Addresses are chosen and
 * inserted inside one IMMEDIATE transaction, and the table's UNIQUE
 * (network_id, address) stops a second writer anyway. */
#include "engine/network.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/proc.h"
#include "common/randid.h"
#include "common/xerr.h"
#include "engine/netsetup.h"
#include "image/store.h"
#include "network/ipam.h"
#include "network/netlink.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

#define COLUMNS "id, name, driver, bridge, subnet, gateway, ip_range, internal, created, labels, options"
#define DEFAULT_BRIDGE "xocker0"
#define DEFAULT_SUBNET "172.18.0.0/16"

void network_clear(struct network *n) {
  json_decref(n->labels);
  json_decref(n->options);
  n->labels = n->options = NULL;
}

void endpoint_clear(struct endpoint *e) {
  json_decref(e->aliases);
  e->aliases = NULL;
}

bool network_is_default(const struct network *n) {
  return strcmp(n->name, NETWORK_DEFAULT_NAME) == 0;
}

#define MTU_OPTION "com.docker.network.driver.mtu"

int network_mtu(const struct network *n) {
  const char *v = json_string_value(json_object_get(n->options, MTU_OPTION));
  return v ? atoi(v) : 0;
}

/* Docker's check of the MTU option: a number the kernel takes for IPv4. */
static int check_mtu(json_t *options, struct xerr *err) {
  json_t *v = json_object_get(options, MTU_OPTION);
  if (!v)
    return 0;
  const char *text = json_string_value(v);
  char *end = NULL;
  long mtu = text ? strtol(text, &end, 10) : 0;
  if (!text || !*text || *end || mtu < 68 || mtu > 65535)
    return xerr_set(err, EINVAL, "invalid MTU number: %s (68 to 65535)", text ? text : "?");
  return 0;
}

static json_t *json_column(sqlite3_stmt *st, int col, json_t *fallback) {
  const unsigned char *t = sqlite3_column_text(st, col);
  json_t *v = t ? json_loads((const char *)t, 0, NULL) : NULL;
  if (!v)
    return fallback;
  json_decref(fallback);
  return v;
}

static void text_column(sqlite3_stmt *st, int col, char *buf, size_t len) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static void load_row(sqlite3_stmt *st, struct network *n) {
  memset(n, 0, sizeof *n);
  text_column(st, 0, n->id, sizeof n->id);
  text_column(st, 1, n->name, sizeof n->name);
  text_column(st, 2, n->driver, sizeof n->driver);
  text_column(st, 3, n->bridge, sizeof n->bridge);
  text_column(st, 4, n->subnet, sizeof n->subnet);
  text_column(st, 5, n->gateway, sizeof n->gateway);
  text_column(st, 6, n->ip_range, sizeof n->ip_range);
  n->internal = sqlite3_column_int(st, 7) != 0;
  text_column(st, 8, n->created, sizeof n->created);
  n->labels = json_column(st, 9, json_object());
  n->options = json_column(st, 10, json_object());
}

/* 1 found, 0 not, -1 error. */
static int find_where(struct xstore *s, const char *where, const char *arg, struct network *out,
                      struct xerr *err) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT " COLUMNS " FROM networks WHERE %s", where);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "find network");
  sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return store_db_error(s, err, "find network");
  load_row(st, out);
  if (sqlite3_step(st) == SQLITE_ROW) {
    network_clear(out);
    return xerr_set(err, EINVAL, "network %s is ambiguous (more than one network matches)", arg);
  }
  return 1;
}

static int insert_row(struct xstore *s, const struct network *n, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO networks(" COLUMNS ") VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "create network");
  cleanup_free char *labels = json_dumps(n->labels, JSON_COMPACT | JSON_SORT_KEYS);
  cleanup_free char *options = json_dumps(n->options, JSON_COMPACT | JSON_SORT_KEYS);
  const char *texts[] = {n->id, n->name, n->driver, n->bridge, n->subnet, n->gateway, n->ip_range};
  for (int i = 0; i < 7; i++)
    sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 8, n->internal);
  sqlite3_bind_text(st, 9, n->created, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 10, labels, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 11, options, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT) {
    int ext = sqlite3_extended_errcode(s->db);
    const char *msg = sqlite3_errmsg(s->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE && strstr(msg, "networks.bridge"))
      return xerr_set(err, EEXIST, "bridge name %s is already used by another network", n->bridge);
    return xerr_set(err, EEXIST, "network with name %s already exists", n->name);
  }
  if (rc != SQLITE_DONE)
    return store_db_error(s, err, "create network");
  return 0;
}

static int load_all(struct xstore *s, struct network **out, size_t *count, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *out = NULL;
  *count = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS " FROM networks ORDER BY name", -1, &st,
                         NULL) != SQLITE_OK)
    return store_db_error(s, err, "list networks");
  int rc;
  size_t cap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*count == cap) {
      cap = cap ? 2 * cap : 8;
      struct network *bigger = realloc(*out, cap * sizeof **out);
      if (!bigger) {
        network_list_free(*out, *count);
        return xerr_make(err, ENOMEM, "list networks");
      }
      *out = bigger;
    }
    load_row(st, &(*out)[(*count)++]);
  }
  if (rc != SQLITE_DONE) {
    network_list_free(*out, *count);
    *out = NULL;
    *count = 0;
    return store_db_error(s, err, "list networks");
  }
  return 0;
}

int network_list(struct xstore *s, struct network **out, size_t *n, struct xerr *err) {
  struct network def = {0};
  if (network_default(s, &def, err) < 0)
    return -1;
  network_clear(&def);
  return load_all(s, out, n, err);
}

void network_list_free(struct network *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    network_clear(&list[i]);
  free(list);
}

/* Docker's "Pool overlaps with other one on this address space". */
static int check_overlap(struct xstore *s, const struct ipv4_net *net, struct xerr *err) {
  struct network *all = NULL;
  size_t count = 0;
  if (load_all(s, &all, &count, err) < 0)
    return -1;
  int r = 0;
  for (size_t i = 0; i < count && r == 0; i++) {
    struct ipv4_net other;
    struct xerr ignored = {0};
    if (ipam_parse_subnet(all[i].subnet, &other, &ignored) == 0 && ipam_overlaps(net, &other))
      r = xerr_set(err, EEXIST, "Pool overlaps with other one on this address space");
  }
  network_list_free(all, count);
  return r;
}

/* Docker's default pools, after our default 172.18.0.0/16: the first
 * 172.(19..31).0.0/16 then 192.168.N.0/20 that no network uses. */
static int pick_subnet(struct xstore *s, char *buf, size_t len, struct xerr *err) {
  char cand[20];
  for (int i = 0; i < 13 + 16; i++) {
    if (i < 13)
      snprintf(cand, sizeof cand, "172.%u.0.0/16", (unsigned)(unsigned char)(19 + i));
    else
      snprintf(cand, sizeof cand, "192.168.%u.0/20", (unsigned)(unsigned char)((i - 13) * 16));
    struct ipv4_net net;
    if (ipam_parse_subnet(cand, &net, err) < 0)
      return -1;
    struct xerr overlap = {0};
    int r = check_overlap(s, &net, &overlap);
    if (r == 0) {
      snprintf(buf, len, "%s", cand);
      return 0;
    }
    if (overlap.errnum != EEXIST) {
      *err = overlap;
      return -1;
    }
  }
  return xerr_set(err, ENOSPC,
                  "could not find an available, non-overlapping IPv4 address pool among the "
                  "defaults to assign to the network");
}

static bool valid_bridge_name(const char *b) {
  size_t n = strlen(b);
  if (n == 0 || n > 15)
    return false;
  for (const char *p = b; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      return false;
  return true;
}

/* Subnet, gateway and range checked and filled into n. */
static int fill_addresses(struct xstore *s, const struct network_create_opts *o, struct network *n,
                          struct xerr *err) {
  struct ipv4_net net;
  if (o->subnet) {
    if (ipam_parse_subnet(o->subnet, &net, err) < 0 || check_overlap(s, &net, err) < 0)
      return -1;
    snprintf(n->subnet, sizeof n->subnet, "%s", o->subnet);
  } else if (o->gateway || o->ip_range) {
    return xerr_set(err, EINVAL, "%s requires --subnet", o->gateway ? "--gateway" : "--ip-range");
  } else if (pick_subnet(s, n->subnet, sizeof n->subnet, err) < 0 ||
             ipam_parse_subnet(n->subnet, &net, err) < 0) {
    return -1;
  }
  if (net.prefix > 30)
    return xerr_set(err, EINVAL, "invalid subnet %s: too small for a network", n->subnet);
  uint32_t gw = ipam_first(&net);
  if (o->gateway) {
    if (ipam_parse_addr(o->gateway, &gw, err) < 0)
      return -1;
    if (!ipam_contains(&net, gw) || gw == net.addr || gw > ipam_last(&net))
      return xerr_set(err, EINVAL, "no matching subnet for gateway %s", o->gateway);
  }
  ipam_format_addr(gw, n->gateway);
  if (o->ip_range) {
    struct ipv4_net range;
    if (ipam_parse_subnet(o->ip_range, &range, err) < 0)
      return -1;
    if (!ipam_contains(&net, range.addr) || range.prefix < net.prefix)
      return xerr_set(err, EINVAL, "no matching subnet for range %s", o->ip_range);
    snprintf(n->ip_range, sizeof n->ip_range, "%s", o->ip_range);
  }
  return 0;
}

static int fill_network(struct xstore *s, const struct network_create_opts *o, struct network *n,
                        struct xerr *err) {
  if (o->driver && strcmp(o->driver, "bridge") != 0)
    return xerr_set(err, ENOTSUP, "plugin \"%s\" not found", o->driver);
  if (!o->name || !*o->name)
    return xerr_set(err, EINVAL, "network name is empty");
  if (strcmp(o->name, "host") == 0 || strcmp(o->name, "none") == 0 ||
      strcmp(o->name, NETWORK_DEFAULT_NAME) == 0)
    return xerr_set(err, EPERM, "%s is a pre-defined network and cannot be created", o->name);
  if (random_id(n->id, err) < 0)
    return -1;
  snprintf(n->name, sizeof n->name, "%s", o->name);
  snprintf(n->driver, sizeof n->driver, "bridge");
  n->internal = o->internal;
  rfc3339_now(n->created, sizeof n->created);
  n->labels = o->labels ? json_deep_copy(o->labels) : json_object();
  n->options = o->options ? json_deep_copy(o->options) : json_object();
  const char *bridge =
      json_string_value(json_object_get(n->options, "com.docker.network.bridge.name"));
  if (bridge && !valid_bridge_name(bridge))
    return xerr_set(err, EINVAL, "invalid bridge name %s: 1 to 15 of [A-Za-z0-9_.-]", bridge);
  if (check_mtu(n->options, err) < 0)
    return -1;
  if (bridge)
    snprintf(n->bridge, sizeof n->bridge, "%s", bridge);
  else
    snprintf(n->bridge, sizeof n->bridge, "xbr-%.11s", n->id);
  return fill_addresses(s, o, n, err);
}

int network_create(struct xstore *s, const struct network_create_opts *o, struct network *out,
                   struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
    return -1;
  struct network probe = {0};
  int r = fill_network(s, o, out, err);
  if (r == 0 && (r = find_where(s, "name = ?", o->name, &probe, err)) > 0) {
    network_clear(&probe);
    r = xerr_set(err, EEXIST, "network with name %s already exists", o->name);
  }
  if (r == 0)
    r = insert_row(s, out, err);
  if (r == 0)
    r = store_commit(s, err);
  if (r < 0) {
    store_rollback(s);
    network_clear(out);
    return -1;
  }
  return 0;
}

/* The default network's row, made once. */
static int make_default(struct xstore *s, struct xerr *err) {
  const char *bridge = getenv("XOCKER_BRIDGE"), *subnet = getenv("XOCKER_BRIDGE_SUBNET");
  struct network n = {0};
  if (random_id(n.id, err) < 0)
    return -1;
  snprintf(n.name, sizeof n.name, NETWORK_DEFAULT_NAME);
  snprintf(n.driver, sizeof n.driver, "bridge");
  snprintf(n.bridge, sizeof n.bridge, "%s", bridge && *bridge ? bridge : DEFAULT_BRIDGE);
  snprintf(n.subnet, sizeof n.subnet, "%s", subnet && *subnet ? subnet : DEFAULT_SUBNET);
  if (!valid_bridge_name(n.bridge))
    return xerr_set(err, EINVAL, "XOCKER_BRIDGE %s: 1 to 15 of [A-Za-z0-9_.-]", n.bridge);
  struct ipv4_net net;
  if (ipam_parse_subnet(n.subnet, &net, err) < 0)
    return xerr_wrap(err, "XOCKER_BRIDGE_SUBNET");
  ipam_format_addr(ipam_first(&net), n.gateway);
  rfc3339_now(n.created, sizeof n.created);
  n.labels = json_object();
  n.options = json_pack("{s:s, s:s, s:s, s:s}", "com.docker.network.bridge.default_bridge", "true",
                        "com.docker.network.bridge.enable_icc", "true",
                        "com.docker.network.bridge.enable_ip_masquerade", "true",
                        "com.docker.network.bridge.name", n.bridge);
  int r = insert_row(s, &n, err);
  network_clear(&n);
  /* Another command made it first: fine. */
  return r < 0 && err->errnum == EEXIST ? 0 : r;
}

int network_default(struct xstore *s, struct network *out, struct xerr *err) {
  for (int attempt = 0; attempt < 2; attempt++) {
    int r = find_where(s, "name = ?", NETWORK_DEFAULT_NAME, out, err);
    if (r != 0)
      return r < 0 ? -1 : 0;
    if (make_default(s, err) < 0)
      return -1;
  }
  return xerr_set(err, EIO, "default network: cannot be made");
}

int network_lookup(struct xstore *s, const char *ref, struct network *out, struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (strcmp(ref, NETWORK_DEFAULT_NAME) == 0)
    return network_default(s, out, err);
  int r = find_where(s, "id = ?", ref, out, err);
  if (r == 0)
    r = find_where(s, "name = ?", ref, out, err);
  if (r == 0 && strspn(ref, "0123456789abcdef") == strlen(ref) && *ref) {
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s*", ref);
    r = find_where(s, "id GLOB ?", prefix, out, err);
  }
  if (r == 0)
    return xerr_set(err, ENOENT, "network %s not found", ref);
  return r < 0 ? -1 : 0;
}

/* ---- endpoints ---- */

static void load_endpoint(sqlite3_stmt *st, struct endpoint *e) {
  memset(e, 0, sizeof *e);
  text_column(st, 0, e->network_id, sizeof e->network_id);
  text_column(st, 1, e->container_id, sizeof e->container_id);
  text_column(st, 2, e->address, sizeof e->address);
  text_column(st, 3, e->mac, sizeof e->mac);
  e->aliases = json_column(st, 4, json_array());
  e->up = sqlite3_column_int(st, 5) != 0;
}

int network_endpoints(struct xstore *s, const char *network_id, const char *container_id,
                      struct endpoint **out, size_t *count, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  *out = NULL;
  *count = 0;
  const char *sql = network_id ? "SELECT network_id, container_id, address, mac, aliases, up FROM "
                                 "endpoints WHERE network_id = ? ORDER BY rowid"
                               : "SELECT network_id, container_id, address, mac, aliases, up FROM "
                                 "endpoints WHERE container_id = ? ORDER BY rowid";
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "list endpoints");
  sqlite3_bind_text(st, 1, network_id ? network_id : container_id, -1, SQLITE_TRANSIENT);
  int rc;
  size_t cap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*count == cap) {
      cap = cap ? 2 * cap : 4;
      struct endpoint *bigger = realloc(*out, cap * sizeof **out);
      if (!bigger)
        break;
      *out = bigger;
    }
    load_endpoint(st, &(*out)[(*count)++]);
  }
  if (rc != SQLITE_DONE) {
    network_endpoints_free(*out, *count);
    *out = NULL;
    *count = 0;
    return store_db_error(s, err, "list endpoints");
  }
  return 0;
}

void network_endpoints_free(struct endpoint *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    endpoint_clear(&list[i]);
  free(list);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* The addresses taken on n (the gateway first), sorted. */
static int used_addresses(struct xstore *s, const struct network *n, uint32_t **out, size_t *count,
                          struct xerr *err) {
  struct endpoint *eps = NULL;
  size_t neps = 0;
  if (network_endpoints(s, n->id, NULL, &eps, &neps, err) < 0)
    return -1;
  uint32_t *used = calloc(neps + 1, sizeof *used);
  if (!used) {
    network_endpoints_free(eps, neps);
    return xerr_make(err, ENOMEM, "network %s: addresses", n->name);
  }
  size_t k = 0;
  struct xerr ignored = {0};
  if (ipam_parse_addr(n->gateway, &used[k], &ignored) == 0)
    k++;
  for (size_t i = 0; i < neps; i++)
    if (ipam_parse_addr(eps[i].address, &used[k], &ignored) == 0)
      k++;
  network_endpoints_free(eps, neps);
  qsort(used, k, sizeof *used, cmp_u32);
  *out = used;
  *count = k;
  return 0;
}

static int choose_address(struct xstore *s, const struct network *n, const char *static_ip,
                          uint32_t *addr, struct xerr *err) {
  struct ipv4_net net, range;
  if (ipam_parse_subnet(n->subnet, &net, err) < 0)
    return -1;
  if (static_ip) {
    if (ipam_parse_addr(static_ip, addr, err) < 0)
      return -1;
    if (!ipam_contains(&net, *addr) || *addr == net.addr || *addr > ipam_last(&net))
      return xerr_set(err, EINVAL,
                      "Invalid address %s: It does not belong to any of this network's subnets",
                      static_ip);
    char gw[16];
    ipam_format_addr(*addr, gw);
    if (strcmp(gw, n->gateway) == 0)
      return xerr_set(err, EADDRINUSE, "Address already in use");
    return 0;
  }
  range = net;
  if (n->ip_range[0] && ipam_parse_subnet(n->ip_range, &range, err) < 0)
    return -1;
  cleanup_free uint32_t *used = NULL;
  size_t nused = 0;
  if (used_addresses(s, n, &used, &nused, err) < 0)
    return -1;
  return ipam_next_free(&range, used, nused, n->name, addr, err);
}

static int insert_endpoint(struct xstore *s, const struct endpoint *e, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO endpoints(network_id, container_id, address, mac, aliases) "
                         "VALUES(?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "connect");
  cleanup_free char *aliases = json_dumps(e->aliases, JSON_COMPACT);
  sqlite3_bind_text(st, 1, e->network_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, e->container_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, e->address, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, e->mac, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, aliases, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT) {
    if (strstr(sqlite3_errmsg(s->db), "endpoints.address"))
      return xerr_set(err, EADDRINUSE, "Address already in use");
    return xerr_set(err, EEXIST, "endpoint with name %.12s already exists in network", e->container_id);
  }
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "connect");
}

int network_connect(struct xstore *s, const struct network *n, const char *container_id,
                    const char *static_ip, const char *mac, json_t *aliases, struct endpoint *out,
                    struct xerr *err) {
  memset(out, 0, sizeof *out);
  snprintf(out->network_id, sizeof out->network_id, "%s", n->id);
  snprintf(out->container_id, sizeof out->container_id, "%s", container_id);
  out->aliases = aliases ? json_deep_copy(aliases) : json_array();
  if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
    return -1;
  uint32_t addr = 0;
  int r = choose_address(s, n, static_ip, &addr, err);
  if (r == 0) {
    ipam_format_addr(addr, out->address);
    if (mac)
      snprintf(out->mac, sizeof out->mac, "%s", mac);
    else
      ipam_mac_for(addr, out->mac);
    r = insert_endpoint(s, out, err);
  }
  if (r == 0)
    r = store_commit(s, err);
  if (r < 0) {
    store_rollback(s);
    endpoint_clear(out);
    return -1;
  }
  return 0;
}

int network_disconnect(struct xstore *s, const char *network_id, const char *container_id,
                       struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  const char *sql = network_id
                        ? "DELETE FROM endpoints WHERE container_id = ? AND network_id = ?"
                        : "DELETE FROM endpoints WHERE container_id = ?";
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "disconnect");
  sqlite3_bind_text(st, 1, container_id, -1, SQLITE_TRANSIENT);
  if (network_id)
    sqlite3_bind_text(st, 2, network_id, -1, SQLITE_TRANSIENT);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : store_db_error(s, err, "disconnect");
}

int network_endpoint_set_up(struct xstore *s, const char *network_id, const char *container_id,
                            bool up, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  const char *sql = network_id
                        ? "UPDATE endpoints SET up = ? WHERE container_id = ? AND network_id = ?"
                        : "UPDATE endpoints SET up = ? WHERE container_id = ?";
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "endpoint state");
  sqlite3_bind_int(st, 1, up);
  sqlite3_bind_text(st, 2, container_id, -1, SQLITE_TRANSIENT);
  if (network_id)
    sqlite3_bind_text(st, 3, network_id, -1, SQLITE_TRANSIENT);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : store_db_error(s, err, "endpoint state");
}

/* ---- remove, inspect ---- */

int network_remove(struct xstore *s, const struct network *n, struct xerr *err) {
  if (network_is_default(n))
    return xerr_set(err, EPERM, "%s is a pre-defined network and cannot be removed", n->name);
  struct endpoint *eps = NULL;
  size_t neps = 0;
  if (network_endpoints(s, n->id, NULL, &eps, &neps, err) < 0)
    return -1;
  network_endpoints_free(eps, neps);
  if (neps > 0)
    return xerr_set(err, EBUSY,
                    "error while removing network: network %s id %s has active endpoints", n->name,
                    n->id);
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM networks WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "remove network");
  sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE)
    return store_db_error(s, err, "remove network");
  /* The row is gone: what is left on the host goes now (a failure here is
   * repaired by the next firewall sync; the bridge goes with the next rm). */
  netsetup_network_removed(s, n, err);
  return 0;
}

json_t *network_inspect_json(struct xstore *s, const struct network *n) {
  json_t *config = json_pack("{s:s, s:s}", "Subnet", n->subnet, "Gateway", n->gateway);
  if (n->ip_range[0])
    json_object_set_new(config, "IPRange", json_string(n->ip_range));
  json_t *containers = json_object();
  struct endpoint *eps = NULL;
  size_t neps = 0;
  struct xerr ignored = {0};
  struct ipv4_net net = {0};
  ipam_parse_subnet(n->subnet, &net, &ignored);
  if (network_endpoints(s, n->id, NULL, &eps, &neps, &ignored) == 0) {
    for (size_t i = 0; i < neps; i++) {
      char addr[40], name[300] = "";
      snprintf(addr, sizeof addr, "%s/%d", eps[i].address, net.prefix);
      netsetup_container_name(s, eps[i].container_id, name, sizeof name);
      json_object_set_new(containers, eps[i].container_id,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", name, "EndpointID",
                                    eps[i].container_id, "MacAddress", eps[i].mac, "IPv4Address",
                                    addr, "IPv6Address", ""));
    }
    network_endpoints_free(eps, neps);
  }
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:[o]}, s:b, s:b, s:b, s:{s:s}, "
                   "s:b, s:o, s:o, s:o}",
                   "Name", n->name, "Id", n->id, "Created", n->created, "Scope", "local", "Driver",
                   n->driver, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config",
                   config, "Internal", n->internal, "Attachable", 0, "Ingress", 0, "ConfigFrom",
                   "Network", "", "ConfigOnly", 0, "Containers", containers, "Options",
                   json_deep_copy(n->options), "Labels", json_deep_copy(n->labels));
}
