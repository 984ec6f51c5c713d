/* Bringing a container's networks up and down on the host (engine/netsetup.h). */
#include "engine/netsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/netsetup_internal.h"
#include "engine/network.h"
#include "image/store.h"
#include "network/firewall.h"
#include "network/ipam.h"
#include "network/netlink.h"
#include "storage/container.h"

static void finalize(sqlite3_stmt **st) { sqlite3_finalize(*st); }
#define cleanup_stmt __attribute__((cleanup(finalize)))

int netlock_take(struct xstore *s, struct xerr *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/network.lock", s->root);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", path);
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      xerr_make(err, errno, "lock %s", path);
      close(fd);
      return -1;
    }
  }
  return fd;
}

void netlock_release(int fd) {
  if (fd >= 0)
    close(fd);
}

void netsetup_container_name(struct xstore *s, const char *id, char *buf, size_t len) {
  struct container_record c = {0};
  struct xerr ignored = {0};
  if (container_lookup(s, id, &c, &ignored) == 0)
    snprintf(buf, len, "%s", c.name);
  else
    snprintf(buf, len, "%.12s", id);
  container_record_clear(&c);
}

/* The store's table: XOCKER_NFT_TABLE (or "xocker") the first time, then
 * what the store recorded, so every later command uses the same one. */
static void firewall_table(struct xstore *s, char *buf, size_t len) {
  const char *env = getenv("XOCKER_NFT_TABLE");
  snprintf(buf, len, "%s", env && *env ? env : "xocker");
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'nft_table'", -1, &st, NULL) !=
      SQLITE_OK)
    return;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
    return;
  }
  cleanup_stmt sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO meta(key, value) VALUES('nft_table', ?)", -1,
                         &ins, NULL) == SQLITE_OK) {
    sqlite3_bind_text(ins, 1, buf, -1, SQLITE_STATIC);
    sqlite3_step(ins);
  }
}

struct fw_rows {
  struct network *nets;
  size_t n_nets;
  struct fw_network *fw_nets;
  struct published *ports;
  struct fw_port *fw_ports;
  size_t n_ports;
};

static void fw_rows_free(struct fw_rows *r) {
  network_list_free(r->nets, r->n_nets);
  free(r->fw_nets);
  free(r->ports);
  free(r->fw_ports);
}

static int load_ports(struct xstore *s, struct fw_rows *r, struct xerr *err) {
  cleanup_stmt sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(s->db,
                         "SELECT proto, host_port, host_ip, container_id, container_ip, "
                         "container_port, bridge FROM published_ports ORDER BY proto, host_port",
                         -1, &st, NULL) != SQLITE_OK)
    return store_db_error(s, err, "list published ports");
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (r->n_ports == cap) {
      cap = cap ? cap * 2 : 8;
      struct published *bigger = realloc(r->ports, cap * sizeof *bigger);
      if (!bigger)
        return xerr_make(err, ENOMEM, "list published ports");
      r->ports = bigger;
    }
    struct published *p = &r->ports[r->n_ports++];
    memset(p, 0, sizeof *p);
    snprintf(p->proto, sizeof p->proto, "%s", (const char *)sqlite3_column_text(st, 0));
    p->host_port = sqlite3_column_int(st, 1);
    snprintf(p->host_ip, sizeof p->host_ip, "%s", (const char *)sqlite3_column_text(st, 2));
    snprintf(p->container_id, sizeof p->container_id, "%s", (const char *)sqlite3_column_text(st, 3));
    snprintf(p->container_ip, sizeof p->container_ip, "%s", (const char *)sqlite3_column_text(st, 4));
    p->container_port = sqlite3_column_int(st, 5);
    snprintf(p->bridge, sizeof p->bridge, "%s", (const char *)sqlite3_column_text(st, 6));
  }
  return rc == SQLITE_DONE ? 0 : store_db_error(s, err, "list published ports");
}

/* Loading libnftables and replacing the table costs more than the rest of
 * a start, and most starts change nothing in it (no ports, a known
 * network): the text last applied is kept in RUNROOT (gone after a reboot,
 * like the table) and nft is called only when the text differs. */
static int apply_if_changed(struct xstore *s, const struct fw_model *m, struct xerr *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/firewall.rules", s->runroot);
  cleanup_free char *text = fw_render(m);
  if (!text)
    return fw_apply(m, err); /* it says what is wrong */
  cleanup_free char *last = NULL;
  size_t len = 0;
  struct xerr ignored = {0};
  if (read_file_at(AT_FDCWD, path, &last, &len, &ignored) == 0 && len == strlen(text) &&
      memcmp(last, text, len) == 0)
    return 0;
  unlink(path);
  if (fw_apply(m, err) < 0)
    return -1;
  if (mkdir_p(s->runroot, 0700, &ignored) == 0)
    write_file_atomic(path, text, strlen(text), 0600, &ignored);
  return 0;
}

/* Caller holds the network lock. */
static int firewall_sync_locked(struct xstore *s, struct xerr *err) {
  struct fw_rows r = {0};
  char table[64];
  firewall_table(s, table, sizeof table);
  int ret = network_list(s, &r.nets, &r.n_nets, err);
  if (ret == 0)
    ret = load_ports(s, &r, err);
  if (ret == 0) {
    r.fw_nets = calloc(r.n_nets + 1, sizeof *r.fw_nets);
    r.fw_ports = calloc(r.n_ports + 1, sizeof *r.fw_ports);
    if (!r.fw_nets || !r.fw_ports)
      ret = xerr_make(err, ENOMEM, "firewall rules");
  }
  for (size_t i = 0; ret == 0 && i < r.n_nets; i++)
    r.fw_nets[i] = (struct fw_network){r.nets[i].bridge, r.nets[i].subnet, r.nets[i].internal};
  for (size_t i = 0; ret == 0 && i < r.n_ports; i++) {
    const struct published *p = &r.ports[i];
    r.fw_ports[i] = (struct fw_port){p->proto, p->host_ip, p->host_port, p->host_port,
                                     p->container_ip, p->container_port, p->bridge};
  }
  if (ret == 0) {
    struct fw_model m = {table, r.fw_nets, r.n_nets, r.fw_ports, r.n_ports};
    ret = apply_if_changed(s, &m, err);
  }
  fw_rows_free(&r);
  return ret;
}

/* "vx" + 7 hex of the container's id + 6 of the network's: one per
 * endpoint, at most 15 characters, found again without any state. */
static void veth_name(const char *container_id, const char *network_id, char buf[16]) {
  snprintf(buf, 16, "vx%.7s%.6s", container_id, network_id);
}

/* Routing between the bridge and the host's other interfaces needs IPv4
 * forwarding, which Docker turns on too; it is left on. */
static int enable_ip_forward(struct xerr *err) {
  const char *path = "/proc/sys/net/ipv4/ip_forward";
  char now[4] = "";
  FILE *f = fopen(path, "re");
  if (f) {
    if (!fgets(now, sizeof now, f))
      now[0] = '\0';
    fclose(f);
  }
  if (now[0] == '1')
    return 0;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "1", 1) != 1) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return xerr_make(err, e, "enable IPv4 forwarding (%s)", path);
  }
  close(fd);
  return 0;
}

/* The first endpoint is eth0 and has the default route (Docker's primary
 * network); later ones are eth1... with their subnet's route only. */
static int endpoint_up(struct xstore *s, const struct endpoint *e, size_t index, pid_t pid,
                       char bridge[16], struct xerr *err) {
  struct network n = {0};
  if (network_lookup(s, e->network_id, &n, err) < 0)
    return -1;
  snprintf(bridge, 16, "%s", n.bridge);
  struct ipv4_net net = {0};
  char gw_cidr[40], addr_cidr[40], host_name[16], ifname[16];
  int r = ipam_parse_subnet(n.subnet, &net, err);
  snprintf(gw_cidr, sizeof gw_cidr, "%s/%d", n.gateway, net.prefix);
  snprintf(addr_cidr, sizeof addr_cidr, "%s/%d", e->address, net.prefix);
  veth_name(e->container_id, e->network_id, host_name);
  snprintf(ifname, sizeof ifname, "eth%zu", index);
  int mtu = network_mtu(&n);
  if (r == 0)
    r = nl_bridge_ensure(n.bridge, gw_cidr, mtu, err);
  if (r == 0 && !n.internal)
    r = enable_ip_forward(err);
  struct nl_veth v = {.host_name = host_name, .bridge = n.bridge, .netns_pid = pid,
                      .ifname = ifname, .address_cidr = addr_cidr,
                      .gateway = n.internal || index > 0 ? NULL : n.gateway, .mac = e->mac,
                      .mtu = mtu};
  if (r == 0)
    r = nl_veth_add(&v, err);
  if (r == 0)
    r = network_endpoint_set_up(s, n.id, e->container_id, true, err);
  if (r == 0)
    r = netdns_update(s, &n, err);
  network_clear(&n);
  return r;
}

/* NetworkSettings.Ports into the record, after the ports are taken. */
static int record_ports(struct xstore *s, const struct container_record *c, json_t *ports,
                        struct xerr *err) {
  json_t *doc = engine_record_config(c);
  if (!doc)
    return xerr_set(err, EIO, "container %s: record", c->id);
  json_t *ns = json_object_get(doc, "NetworkSettings");
  /* Unchanged since the last start (no ports, or the same fixed ones): no write. */
  if (!json_is_object(ns) || json_equal(json_object_get(ns, "Ports"), ports)) {
    json_decref(doc);
    return 0;
  }
  json_object_set(ns, "Ports", ports);
  cleanup_free char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return text ? container_set_config(s, c->id, text, err) : xerr_make(err, ENOMEM, "record");
}

/* The ports are reached at the first endpoint's address, through its bridge. */
static int publish_ports(struct xstore *s, const struct container_record *c,
                         const struct endpoint *first, const char *bridge, struct xerr *err) {
  json_t *doc = engine_record_config(c);
  json_t *cfg = json_object_get(doc, "Config"), *hc = json_object_get(doc, "HostConfig");
  struct published base = {0};
  snprintf(base.container_id, sizeof base.container_id, "%s", c->id);
  snprintf(base.container_ip, sizeof base.container_ip, "%s", first->address);
  snprintf(base.bridge, sizeof base.bridge, "%s", bridge);
  json_t *ports = NULL;
  int r = netports_publish(s, &base, cfg, hc, &ports, err);
  json_decref(doc);
  if (r == 0)
    r = record_ports(s, c, ports, err);
  json_decref(ports);
  return r;
}

static int down_locked(struct xstore *s, const char *container_id, struct xerr *err);

static int up_locked(struct xstore *s, const struct container_record *c, pid_t pid,
                     struct xerr *err) {
  struct endpoint *eps = NULL;
  size_t neps = 0;
  if (network_endpoints(s, NULL, c->id, &eps, &neps, err) < 0)
    return -1;
  int r = 0;
  char first_bridge[16] = "", bridge[16];
  for (size_t i = 0; r == 0 && i < neps; i++) {
    r = endpoint_up(s, &eps[i], i, pid, bridge, err);
    if (i == 0)
      memcpy(first_bridge, bridge, sizeof bridge);
  }
  if (r == 0 && neps > 0)
    r = publish_ports(s, c, &eps[0], first_bridge, err);
  if (r == 0 && neps > 0)
    r = firewall_sync_locked(s, err);
  network_endpoints_free(eps, neps);
  if (r < 0) {
    struct xerr ignored = {0};
    down_locked(s, c->id, &ignored);
  }
  return r;
}

int netsetup_up(struct xstore *s, const char *container_id, pid_t pid, struct xerr *err) {
  struct container_record c = {0};
  if (container_lookup(s, container_id, &c, err) < 0)
    return -1;
  int lock = netlock_take(s, err);
  int r = lock < 0 ? -1 : up_locked(s, &c, pid, err);
  netlock_release(lock);
  container_record_clear(&c);
  return r;
}

static int down_locked(struct xstore *s, const char *container_id, struct xerr *err) {
  struct endpoint *eps = NULL;
  size_t neps = 0;
  if (network_endpoints(s, NULL, container_id, &eps, &neps, err) < 0)
    return -1;
  int r = 0;
  bool had_ports = false;
  {
    cleanup_stmt sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM published_ports WHERE container_id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
      had_ports = sqlite3_step(st) == SQLITE_ROW;
    }
  }
  for (size_t i = 0; i < neps; i++) {
    char host_name[16];
    veth_name(container_id, eps[i].network_id, host_name);
    struct xerr e = {0};
    if (nl_link_delete(host_name, &e) < 0 && r == 0)
      *err = e, r = -1;
  }
  if (network_endpoint_set_up(s, NULL, container_id, false, err) < 0 ||
      netports_unpublish(s, container_id, err) < 0)
    r = -1;
  for (size_t i = 0; i < neps; i++) {
    struct network n = {0};
    struct xerr e = {0};
    if (network_lookup(s, eps[i].network_id, &n, &e) == 0 && netdns_update(s, &n, &e) < 0 &&
        r == 0)
      *err = e, r = -1;
    network_clear(&n);
  }
  if (had_ports && firewall_sync_locked(s, r == 0 ? err : &(struct xerr){0}) < 0)
    r = -1;
  network_endpoints_free(eps, neps);
  return r;
}

int netsetup_down(struct xstore *s, const char *container_id, struct xerr *err) {
  int lock = netlock_take(s, err);
  if (lock < 0)
    return -1;
  int r = down_locked(s, container_id, err);
  netlock_release(lock);
  return r;
}

int netsetup_release(struct xstore *s, const char *container_id, struct xerr *err) {
  int lock = netlock_take(s, err);
  if (lock < 0)
    return -1;
  int r = down_locked(s, container_id, err);
  if (network_disconnect(s, NULL, container_id, r == 0 ? err : &(struct xerr){0}) < 0)
    r = -1;
  netlock_release(lock);
  return r;
}

void netsetup_network_removed(struct xstore *s, const struct network *n, struct xerr *err) {
  int lock = netlock_take(s, err);
  if (lock < 0)
    return;
  netdns_stop(s, n);
  nl_link_delete(n->bridge, err);
  firewall_sync_locked(s, err);
  netlock_release(lock);
}

/* ---- connect / disconnect ---- */

static pid_t running_pid(struct xstore *s, const char *container_id) {
  struct cstate st = {0};
  struct xerr ignored = {0};
  if (cstate_load(s, container_id, &st, &ignored) < 0 || !cstate_running(&st))
    return 0;
  return st.pid;
}

int netsetup_connect(struct xstore *s, const char *container_id, const struct network *n,
                     const char *ip, json_t *aliases, struct xerr *err) {
  struct endpoint e = {0};
  if (network_connect(s, n, container_id, ip, NULL, aliases, &e, err) < 0)
    return -1;
  pid_t pid = running_pid(s, container_id);
  int r = 0;
  if (pid > 0) {
    struct endpoint *eps = NULL;
    size_t neps = 0;
    int lock = netlock_take(s, err);
    r = lock < 0 ? -1 : network_endpoints(s, NULL, container_id, &eps, &neps, err);
    for (size_t i = 0; r == 0 && i < neps; i++)
      if (strcmp(eps[i].network_id, n->id) == 0)
        r = endpoint_up(s, &eps[i], i, pid, (char[16]){0}, err);
    network_endpoints_free(eps, neps);
    netlock_release(lock);
  }
  if (r < 0)
    network_disconnect(s, n->id, container_id, &(struct xerr){0});
  endpoint_clear(&e);
  return r;
}

int netsetup_disconnect(struct xstore *s, const char *container_id, const struct network *n,
                        struct xerr *err) {
  struct endpoint *eps = NULL;
  size_t neps = 0;
  int lock = netlock_take(s, err);
  int r = lock < 0 ? -1 : network_endpoints(s, NULL, container_id, &eps, &neps, err);
  bool found = false;
  for (size_t i = 0; r == 0 && i < neps; i++) {
    if (strcmp(eps[i].network_id, n->id) != 0)
      continue;
    found = true;
    char host_name[16];
    veth_name(container_id, eps[i].network_id, host_name);
    r = nl_link_delete(host_name, err);
  }
  if (r == 0 && !found)
    r = xerr_set(err, ENOENT, "container %.12s is not connected to network %s", container_id,
                 n->name);
  if (r == 0)
    r = network_disconnect(s, n->id, container_id, err);
  if (r == 0)
    r = netdns_update(s, n, err);
  network_endpoints_free(eps, neps);
  netlock_release(lock);
  return r;
}
