/* Between the files of engine/netsetup (netsetup.c, netports.c, netdns.c,
 * netconfig.c). */
#ifndef XOCKER_ENGINE_NETSETUP_INTERNAL_H
#define XOCKER_ENGINE_NETSETUP_INTERNAL_H

#include <jansson.h>

struct xerr;
struct xstore;
struct network;

struct published {
  char proto[8];
  char host_ip[16];
  int host_port;
  char container_id[65];
  char container_ip[16];
  int container_port;
  char bridge[16];
};

/* Take the host ports of the container's PortBindings (and, with
 * PublishAllPorts, of its ExposedPorts) for the address in base; *ports_out
 * is NetworkSettings.Ports.  All or nothing. */
int netports_publish(struct xstore *s, const struct published *base, json_t *cfg, json_t *hc,
                     json_t **ports_out, struct xerr *err);
int netports_unpublish(struct xstore *s, const char *container_id, struct xerr *err);

/* Rewrite the network's DNS hosts file from its endpoints that are up, and
 * start, reload or stop its dnsmasq accordingly (user networks only). */
int netdns_update(struct xstore *s, const struct network *n, struct xerr *err);
/* Stop the network's dnsmasq and remove its files. */
void netdns_stop(struct xstore *s, const struct network *n);

/* ROOT/network.lock, held until netlock_release (flock: a killed holder
 * releases it). */
int netlock_take(struct xstore *s, struct xerr *err);
void netlock_release(int fd);

#endif
