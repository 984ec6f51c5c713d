/* A container's networking over its life (ARCHITECTURE.md, "Networking as
 * built"):
 *   create  netsetup_create: the network mode becomes the spec's network
 *           namespace (new, none, host, another container's), endpoints with
 *           addresses are reserved, and OCI hooks are added that run
 *           `xocker container net-up|net-down` with the container's state;
 *   start   net-up (createRuntime hook, the init exists but has not run):
 *           bridge, veth pair into the namespace, published ports, firewall
 *           table, DNS entries;
 *   exit    net-down (poststop hook; also on repair and rm): the reverse;
 *   rm      netsetup_release: endpoints and ports are given back.
 * Everything that changes host state runs under one lock per store
 * (ROOT/network.lock), so the firewall table and the DNS hosts files are
 * always rendered from what the database says at that moment. */
#ifndef XOCKER_ENGINE_NETSETUP_H
#define XOCKER_ENGINE_NETSETUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct xerr;
struct xstore;
struct network;

/* Apply HostConfig.NetworkMode (and the run flags' network settings in
 * cfg/hc) to spec; reserve endpoints; put NetworkSettings into rec.  The
 * etcfiles values (own address, nameserver, whose files to share) come back
 * in *etc.  On failure nothing is reserved. */
struct net_etc {
  char address[16];        /* the container's first address, "" when none */
  char nameserver[16];     /* the embedded DNS (user networks), "" to copy the host's */
  char share_dir[4096];    /* container:X / pod: X's directory whose hosts/resolv.conf to bind */
  bool host;               /* --network host */
};
int netsetup_create(struct xstore *s, const char *container_id, json_t *cfg, json_t *hc,
                    json_t *spec, json_t *rec, struct net_etc *etc, struct xerr *err);

/* Give back every endpoint and published port of the container and undo
 * its host state (rm, or a failed create). */
int netsetup_release(struct xstore *s, const char *container_id, struct xerr *err);

/* The hooks' work: pid is the container's init. */
int netsetup_up(struct xstore *s, const char *container_id, pid_t pid, struct xerr *err);
int netsetup_down(struct xstore *s, const char *container_id, struct xerr *err);

/* Connect or disconnect a container (running or not) to/from a network. */
int netsetup_connect(struct xstore *s, const char *container_id, const struct network *n,
                     const char *ip, json_t *aliases, struct xerr *err);
int netsetup_disconnect(struct xstore *s, const char *container_id, const struct network *n,
                        struct xerr *err);

/* After a network's row is deleted: its bridge, DNS server and rules. */
void netsetup_network_removed(struct xstore *s, const struct network *n, struct xerr *err);
/* The container's name without "/", or its short id. */
void netsetup_container_name(struct xstore *s, const char *id, char *buf, size_t len);

/* Docker's -p syntax ([ip:][hostPort:]containerPort[/proto], ranges) into
 * Config.ExposedPorts and HostConfig.PortBindings. */
int netports_parse(const char *spec, json_t *exposed, json_t *bindings, struct xerr *err);

#endif
