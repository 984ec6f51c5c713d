/* The nftables table of one xocker store: NAT, published ports and network
 * isolation.  The whole table is rendered from a model and replaced in one
 * nftables transaction (delete + add), so the rules always match the model
 * the caller read from the database under its network lock, and removing
 * everything is deleting one table.  libnftables is dlopen()ed on first use
 * (like libcurl, image/dynlib.h): most commands never need it. */
#ifndef XOCKER_NETWORK_FIREWALL_H
#define XOCKER_NETWORK_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>

struct xerr;

struct fw_network {
  const char *bridge; /* "xocker0" */
  const char *subnet; /* "172.18.0.0/16" */
  bool internal;      /* no traffic in or out of the bridge but between its ports */
};

struct fw_port {
  const char *proto;          /* "tcp" or "udp" */
  const char *host_ip;        /* "" or "0.0.0.0": every local address; else only that one */
  int host_port;              /* host_port .. host_port_end (equal for one port) */
  int host_port_end;
  const char *container_ip;   /* "172.18.0.2" */
  int container_port;         /* first container port; a range maps one to one */
  const char *bridge;         /* the bridge the container is reached through */
};

struct fw_model {
  const char *table; /* nftables table name, family ip: "xocker" */
  const struct fw_network *networks;
  size_t n_networks;
  const struct fw_port *ports;
  size_t n_ports;
};

/* Replace the table with the rules for m (see firewall.c for the rules).
 * With no networks and no ports the table is deleted. */
int fw_apply(const struct fw_model *m, struct xerr *err);

/* Delete the table; a missing table is not an error. */
int fw_delete_table(const char *table, struct xerr *err);

/* The ruleset text fw_apply would load (for tests and error messages);
 * the caller frees it.  NULL when fw_check refuses the model. */
char *fw_render(const struct fw_model *m);

/* Validate every value of m before it goes into nft text: table name,
 * bridge names ([A-Za-z0-9_.-]{1,15}), subnets, protocols (tcp, udp),
 * ports (1..65535, the container's range too), addresses.  -1 with err
 * naming the bad value.  fw_apply calls it. */
int fw_check(const struct fw_model *m, struct xerr *err);

#endif
