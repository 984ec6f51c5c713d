/* The nftables table of one xocker store (firewall.h).
 *
 * One table, family ip:
 *   set bridges      every xocker bridge, for the isolation rule
 *   chain prerouting nat, dstnat: packets to a local address -> ports
 *   chain output     nat, -100: the same for the host's own connections,
 *                    127.0.0.1 included (bridges have route_localnet=1)
 *   chain ports      one DNAT rule per published port or range
 *   chain postrouting nat, srcnat: masquerade outbound traffic of each
 *                    non-internal network, loopback-sourced traffic to a
 *                    published port, and hairpin traffic (a container to
 *                    a published port of its own network) so that replies
 *                    come back through the host's conntrack entry
 *   chain forward    filter: no traffic between two xocker networks but
 *                    to published ports, none in or out of an internal one
 *
 * Every value that goes into the text is validated first (names by
 * character set, addresses and subnets re-formatted from their parsed
 * form), so nothing a user typed can become nft syntax. */
#include "network/firewall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "network/ipam.h"
#include "network/nft_shim.h"

#define IFNAME_MAX 15
#define TABLE_NAME_MAX 32

static bool name_chars_ok(const char *name, size_t max, const char *extra) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > max)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && !strchr(extra, c))
      return false;
  }
  return true;
}

/* Unquoted nft identifier: a letter, then letters, digits and '_'. */
static bool table_name_ok(const char *name) {
  return name_chars_ok(name, TABLE_NAME_MAX, "_") && !(name[0] >= '0' && name[0] <= '9') &&
         name[0] != '_';
}

static bool bridge_name_ok(const char *name) { return name_chars_ok(name, IFNAME_MAX, "_.-"); }

static bool proto_ok(const char *proto) {
  return proto && (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0);
}

static bool any_host_ip(const char *host_ip) {
  return !host_ip || host_ip[0] == '\0' || strcmp(host_ip, "0.0.0.0") == 0;
}

static int check_network(const struct fw_network *n, struct xerr *err) {
  struct ipv4_net net;
  if (!bridge_name_ok(n->bridge))
    return xerr_set(err, EINVAL, "invalid bridge name \"%s\"", n->bridge ? n->bridge : "");
  if (ipam_parse_subnet(n->subnet ? n->subnet : "", &net, err) < 0)
    return xerr_wrap(err, "network on bridge %s", n->bridge);
  return 0;
}

static int check_port(const struct fw_port *p, struct xerr *err) {
  uint32_t addr;
  if (!proto_ok(p->proto))
    return xerr_set(err, EINVAL, "invalid protocol \"%s\"", p->proto ? p->proto : "");
  if (p->host_port < 1 || p->host_port > 65535 || p->host_port_end < p->host_port ||
      p->host_port_end > 65535)
    return xerr_set(err, EINVAL, "invalid host port range %d-%d", p->host_port, p->host_port_end);
  int span = p->host_port_end - p->host_port;
  if (p->container_port < 1 || p->container_port + span > 65535)
    return xerr_set(err, EINVAL, "invalid container port range %d-%d", p->container_port,
                    p->container_port + span);
  if (!any_host_ip(p->host_ip) && ipam_parse_addr(p->host_ip, &addr, err) < 0)
    return xerr_wrap(err, "host IP of port %d/%s", p->host_port, p->proto);
  if (ipam_parse_addr(p->container_ip ? p->container_ip : "", &addr, err) < 0)
    return xerr_wrap(err, "container IP of port %d/%s", p->host_port, p->proto);
  if (p->bridge && p->bridge[0] && !bridge_name_ok(p->bridge))
    return xerr_set(err, EINVAL, "invalid bridge name \"%s\"", p->bridge);
  return 0;
}

int fw_check(const struct fw_model *m, struct xerr *err) {
  if (!table_name_ok(m->table))
    return xerr_set(err, EINVAL, "invalid nftables table name \"%s\"", m->table ? m->table : "");
  for (size_t i = 0; i < m->n_networks; i++)
    if (check_network(&m->networks[i], err) < 0)
      return -1;
  for (size_t i = 0; i < m->n_ports; i++)
    if (check_port(&m->ports[i], err) < 0)
      return -1;
  return 0;
}

/* The network's subnet as nft text, from its parsed form (checked). */
static void subnet_text(const struct fw_network *n, char buf[24]) {
  struct ipv4_net net = {0};
  char addr[16];
  ipam_parse_subnet(n->subnet, &net, NULL);
  ipam_format_addr(net.addr, addr);
  snprintf(buf, 24, "%s/%d", addr, net.prefix);
}

/* An address as nft text, from its parsed form (checked). */
static void addr_text(const char *text, char buf[16]) {
  uint32_t addr = 0;
  ipam_parse_addr(text, &addr, NULL);
  ipam_format_addr(addr, buf);
}

static bool bridge_seen_before(const struct fw_model *m, size_t i) {
  for (size_t j = 0; j < i; j++)
    if (strcmp(m->networks[j].bridge, m->networks[i].bridge) == 0)
      return true;
  return false;
}

static void render_bridges_set(const struct fw_model *m, FILE *f) {
  fputs("  set bridges {\n    type ifname\n", f);
  if (m->n_networks > 0) {
    fputs("    elements = {", f);
    const char *sep = " ";
    for (size_t i = 0; i < m->n_networks; i++) {
      if (bridge_seen_before(m, i))
        continue; /* nft refuses an element twice */
      fprintf(f, "%s\"%s\"", sep, m->networks[i].bridge);
      sep = ", ";
    }
    fputs(" }\n", f);
  }
  fputs("  }\n", f);
}

/* One rule per published port or range.  A range keeps its ports when the
 * container's range starts at the same number; otherwise it is shifted
 * through a map, because nft's "dnat to ip:A-B" picks any port of A-B
 * rather than mapping one to one. */
static void render_port(const struct fw_port *p, FILE *f) {
  char cip[16], hip[16];
  fputs("    ", f);
  if (!any_host_ip(p->host_ip)) {
    addr_text(p->host_ip, hip);
    fprintf(f, "ip daddr %s ", hip);
  }
  addr_text(p->container_ip, cip);
  if (p->host_port == p->host_port_end) {
    fprintf(f, "%s dport %d dnat to %s:%d\n", p->proto, p->host_port, cip, p->container_port);
    return;
  }
  fprintf(f, "%s dport %d-%d dnat to %s", p->proto, p->host_port, p->host_port_end, cip);
  if (p->container_port == p->host_port) {
    fputc('\n', f);
    return;
  }
  fprintf(f, " : %s dport map {", p->proto);
  for (int port = p->host_port; port <= p->host_port_end; port++)
    fprintf(f, "%s %d : %d", port == p->host_port ? "" : ",", port,
            p->container_port + (port - p->host_port));
  fputs(" }\n", f);
}

static void render_ports_chain(const struct fw_model *m, FILE *f) {
  fputs("  chain ports {\n", f);
  for (size_t i = 0; i < m->n_ports; i++)
    render_port(&m->ports[i], f);
  fputs("  }\n", f);
}

static void render_dnat_hooks(FILE *f) {
  fputs("  chain prerouting {\n"
        "    type nat hook prerouting priority dstnat; policy accept;\n"
        "    fib daddr type local jump ports\n"
        "  }\n"
        "  chain output {\n"
        "    type nat hook output priority -100; policy accept;\n"
        "    fib daddr type local jump ports\n"
        "  }\n",
        f);
}

static void render_postrouting(const struct fw_model *m, FILE *f) {
  fputs("  chain postrouting {\n"
        "    type nat hook postrouting priority srcnat; policy accept;\n",
        f);
  for (size_t i = 0; i < m->n_networks; i++) {
    const struct fw_network *n = &m->networks[i];
    char subnet[24];
    subnet_text(n, subnet);
    if (!n->internal)
      fprintf(f, "    ip saddr %s oifname != \"%s\" masquerade\n", subnet, n->bridge);
    fprintf(f, "    oifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", n->bridge);
    fprintf(f, "    oifname \"%s\" ip saddr %s ct status dnat masquerade\n", n->bridge, subnet);
  }
  fputs("  }\n", f);
}

/* The drop rules come before "established,related accept" and match every
 * packet, not only new connections: a flow that got a conntrack entry
 * some other way (before a rule existed, or from a packet conntrack calls
 * established on a guess) must not cross networks either.
 *
 * Between two networks, connections to a published port (DNATed by the
 * ports chain) are let through: in Docker a container reaches another
 * network's published ports on a host address (through docker-proxy), and
 * xocker has no proxy.  "ct status & dnat == 0" and not "!= dnat", which
 * would compare the whole status word. */
static void render_forward(const struct fw_model *m, FILE *f) {
  fputs("  chain forward {\n"
        "    type filter hook forward priority filter; policy accept;\n",
        f);
  for (size_t i = 0; i < m->n_networks; i++) {
    const char *br = m->networks[i].bridge;
    fprintf(f, "    iifname \"%s\" oifname != \"%s\" oifname @bridges ct status & dnat == 0 drop\n",
            br, br);
    if (m->networks[i].internal) {
      fprintf(f, "    iifname \"%s\" oifname != \"%s\" drop\n", br, br);
      fprintf(f, "    oifname \"%s\" iifname != \"%s\" drop\n", br, br);
    }
  }
  fputs("    ct state established,related accept\n"
        "  }\n",
        f);
}

/* "table {}" first makes the delete succeed when the table is missing
 * (nft 1.0.6 has no "destroy"); the commands of one buffer are one
 * transaction, so the table is never seen half-built. */
#define DELETE_TABLE_FMT "table ip %s {}\ndelete table ip %s\n"

static char *render(const struct fw_model *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  fprintf(f, DELETE_TABLE_FMT, m->table, m->table);
  fprintf(f, "table ip %s {\n", m->table);
  render_bridges_set(m, f);
  render_ports_chain(m, f);
  render_dnat_hooks(f);
  render_postrouting(m, f);
  render_forward(m, f);
  fputs("}\n", f);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

char *fw_render(const struct fw_model *m) {
  struct xerr err;
  if (fw_check(m, &err) < 0)
    return NULL;
  return render(m);
}

int fw_delete_table(const char *table, struct xerr *err) {
  if (!table_name_ok(table))
    return xerr_set(err, EINVAL, "invalid nftables table name \"%s\"", table ? table : "");
  char commands[2 * TABLE_NAME_MAX + 64];
  snprintf(commands, sizeof commands, DELETE_TABLE_FMT, table, table);
  if (xnft_run(commands, 0, NULL, err) < 0)
    return xerr_wrap(err, "nftables table %s", table);
  return 0;
}

int fw_apply(const struct fw_model *m, struct xerr *err) {
  if (fw_check(m, err) < 0)
    return -1;
  if (m->n_networks == 0 && m->n_ports == 0)
    return fw_delete_table(m->table, err);
  cleanup_free char *commands = render(m);
  if (!commands)
    return xerr_make(err, ENOMEM, "nftables table %s: render rules", m->table);
  if (xnft_run(commands, 0, NULL, err) < 0)
    return xerr_wrap(err, "nftables table %s", m->table);
  return 0;
}
