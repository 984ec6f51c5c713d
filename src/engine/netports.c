/* Published ports: Docker's -p syntax, and the host ports a starting
 * container takes (rows of published_ports, one owner per proto+port). */
#include <errno.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/netsetup.h"
#include "engine/netsetup_internal.h"
#include "image/store.h"
#include "network/ipam.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

/* "8080" or "8080-8090" -> [lo, hi]; 0 when text is empty. */
static int parse_range(const char *text, int *lo, int *hi) {
  if (!*text) {
    *lo = *hi = 0;
    return 0;
  }
  char *end;
  long a = strtol(text, &end, 10), b = a;
  if (end == text)
    return -1;
  if (*end == '-') {
    const char *second = end + 1;
    b = strtol(second, &end, 10);
    if (end == second)
      return -1;
  }
  if (*end || a < 1 || a > 65535 || b < a || b > 65535)
    return -1;
  *lo = (int)a;
  *hi = (int)b;
  return 0;
}

static void add_binding(json_t *bindings, const char *key, const char *ip, const char *host_port) {
  json_t *list = json_object_get(bindings, key);
  if (!json_is_array(list)) {
    list = json_array();
    json_object_set_new(bindings, key, list);
  }
  json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", ip, "HostPort", host_port));
}

/* Split "[ip:][host:]container[/proto]"; an IPv4 ip only (no brackets). */
static int split_spec(char *buf, char **ip, char **host, char **ctr, char **proto) {
  *proto = strchr(buf, '/');
  if (*proto)
    *(*proto)++ = '\0';
  char *parts[3] = {0};
  int n = 0;
  for (char *p = buf, *colon; n < 3; p = colon + 1) {
    parts[n++] = p;
    if (!(colon = strchr(p, ':')))
      break;
    *colon = '\0';
    if (n == 3)
      return -1;
  }
  *ctr = parts[n - 1];
  *host = n >= 2 ? parts[n - 2] : NULL;
  *ip = n == 3 ? parts[0] : NULL;
  return 0;
}

int netports_parse(const char *spec, json_t *exposed, json_t *bindings, struct xerr *err) {
  cleanup_free char *buf = strdup(spec);
  char *ip, *host, *ctr, *proto;
  if (!buf)
    return xerr_make(err, ENOMEM, "port %s", spec);
  if (split_spec(buf, &ip, &host, &ctr, &proto) < 0)
    return xerr_set(err, EINVAL, "invalid port format for --publish: %s", spec);
  if (!proto || !*proto)
    proto = "tcp";
  if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
    return xerr_set(err, EINVAL, "invalid proto: %s", proto);
  uint32_t ignored_addr;
  struct xerr ignored = {0};
  if (ip && *ip && ipam_parse_addr(ip, &ignored_addr, &ignored) < 0)
    return xerr_set(err, EINVAL, "invalid IP address: %s", ip);
  int clo, chi, hlo = 0, hhi = 0;
  if (parse_range(ctr, &clo, &chi) < 0 || clo == 0)
    return xerr_set(err, EINVAL, "invalid containerPort: %s", ctr);
  if (host && parse_range(host, &hlo, &hhi) < 0)
    return xerr_set(err, EINVAL, "invalid hostPort: %s", host);
  bool host_range_one_port = hlo && clo == chi && hhi > hlo;
  if (hlo && !host_range_one_port && hhi - hlo != chi - clo)
    return xerr_set(err, EINVAL, "invalid ranges specified for container and host Ports: %s and %s",
                    ctr, host);
  for (int p = clo; p <= chi; p++) {
    char key[32], hp[16] = "";
    snprintf(key, sizeof key, "%d/%s", p, proto);
    json_object_set_new(exposed, key, json_object());
    if (host_range_one_port)
      snprintf(hp, sizeof hp, "%d-%d", hlo, hhi);
    else if (hlo)
      snprintf(hp, sizeof hp, "%d", hlo + (p - clo));
    add_binding(bindings, key, ip ? ip : "", hp);
  }
  return 0;
}

/* ---- taking host ports at start ---- */

static int insert_port(struct xstore *s, const struct published *p, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "INSERT INTO published_ports(proto, host_port, host_ip, container_id, "
                         "container_ip, container_port, bridge) VALUES(?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "publish port");
  sqlite3_bind_text(st, 1, p->proto, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, p->host_port);
  sqlite3_bind_text(st, 3, p->host_ip, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, p->container_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, p->container_ip, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, p->container_port);
  sqlite3_bind_text(st, 7, p->bridge, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_CONSTRAINT)
    return xerr_set(err, EADDRINUSE, "Bind for %s:%d failed: port is already allocated",
                    p->host_ip, p->host_port);
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "publish port");
}

static bool port_row_exists(struct xstore *s, const char *proto, int port) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM published_ports WHERE proto = ? AND host_port = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return true;
  sqlite3_bind_text(st, 1, proto, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, port);
  return sqlite3_step(st) == SQLITE_ROW;
}

/* A port some host process holds cannot be published usefully either. */
static bool host_port_free(const char *proto, int port) {
  int fd = socket(AF_INET, (strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return true;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* Docker's ephemeral range (49153-60999) or the binding's own range. */
static int pick_port(struct xstore *s, const char *proto, int lo, int hi, int *out,
                     struct xerr *err) {
  for (int p = lo; p <= hi; p++) {
    if (!port_row_exists(s, proto, p) && host_port_free(proto, p)) {
      *out = p;
      return 0;
    }
  }
  return xerr_set(err, EADDRINUSE, "no free host port in %d-%d for %s", lo, hi, proto);
}

static int publish_one(struct xstore *s, struct published *p, const char *range, json_t *out_list,
                       struct xerr *err) {
  int lo = 0, hi = 0;
  parse_range(range, &lo, &hi);
  if (strcmp(p->proto, "sctp") == 0)
    return xerr_set(err, ENOTSUP, "publishing sctp ports is not supported");
  if (lo == 0 || hi > lo) {
    if (pick_port(s, p->proto, lo ? lo : 49153, lo ? hi : 60999, &p->host_port, err) < 0)
      return -1;
  } else {
    p->host_port = lo;
  }
  if (insert_port(s, p, err) < 0)
    return -1;
  char hp[16];
  snprintf(hp, sizeof hp, "%d", p->host_port);
  json_array_append_new(out_list, json_pack("{s:s, s:s}", "HostIp", p->host_ip, "HostPort", hp));
  return 0;
}

/* Every binding of key in a transaction with the others (the caller's). */
static int publish_key(struct xstore *s, const struct published *base, const char *key, json_t *list,
                       json_t *ports, struct xerr *err) {
  char proto[8] = "tcp";
  int cport = 0;
  if (sscanf(key, "%d/%7s", &cport, proto) < 1)
    return xerr_set(err, EINVAL, "invalid port %s", key);
  json_t *out_list = json_array();
  json_object_set_new(ports, key, out_list);
  size_t i;
  json_t *b;
  json_array_foreach(list, i, b) {
    struct published p = *base;
    const char *ip = json_string_value(json_object_get(b, "HostIp"));
    snprintf(p.proto, sizeof p.proto, "%s", proto);
    snprintf(p.host_ip, sizeof p.host_ip, "%s", ip && *ip ? ip : "0.0.0.0");
    p.container_port = cport;
    const char *hp = json_string_value(json_object_get(b, "HostPort"));
    if (publish_one(s, &p, hp ? hp : "", out_list, err) < 0)
      return -1;
  }
  return 0;
}

int netports_publish(struct xstore *s, const struct published *base, json_t *cfg, json_t *hc,
                     json_t **ports_out, struct xerr *err) {
  json_t *ports = json_object();
  json_t *bindings = json_deep_copy(json_object_get(hc, "PortBindings"));
  if (!json_is_object(bindings)) {
    json_decref(bindings);
    bindings = json_object();
  }
  const char *key;
  json_t *v;
  bool all = json_is_true(json_object_get(hc, "PublishAllPorts"));
  json_object_foreach(json_object_get(cfg, "ExposedPorts"), key, v) {
    if (all && !json_object_get(bindings, key))
      json_object_set_new(bindings, key, json_pack("[{s:s, s:s}]", "HostIp", "", "HostPort", ""));
    else if (!json_object_get(bindings, key))
      json_object_set_new(ports, key, json_null());
  }
  /* No host port to take (most containers): no write transaction. */
  int r = json_object_size(bindings) ? store_exec(s, "BEGIN IMMEDIATE", err) : 0;
  json_object_foreach(bindings, key, v) {
    if (r == 0)
      r = publish_key(s, base, key, v, ports, err);
  }
  if (json_object_size(bindings) && r == 0)
    r = store_commit(s, err);
  else if (json_object_size(bindings))
    store_rollback(s);
  json_decref(bindings);
  if (r < 0) {
    json_decref(ports);
    return -1;
  }
  *ports_out = ports;
  return 0;
}

int netports_unpublish(struct xstore *s, const char *container_id, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "DELETE FROM published_ports WHERE container_id = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return store_db_error(s, err, "unpublish ports");
  sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : store_db_error(s, err, "unpublish ports");
}
