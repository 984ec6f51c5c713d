/* The files Docker gives every container in /etc: hostname, hosts and
 * resolv.conf, kept in the container's directory and bind-mounted. */
#ifndef XOCKER_ENGINE_ETCFILES_H
#define XOCKER_ENGINE_ETCFILES_H

#include <jansson.h>

#include "engine/netsetup.h"

struct xerr;

/* The host's resolv.conf: XOCKER_RESOLV_CONF (tests) or /etc/resolv.conf.
 * Containers copy it; the DNS servers of user networks forward to it. */
const char *etcfiles_host_resolv_conf(void);

/* Write them into dir (from cfg's Hostname, hc's ExtraHosts, Dns,
 * DnsSearch, DnsOptions, and the network's address and nameserver) and add
 * their bind mounts to spec; with net->share_dir, bind that container's. */
int etcfiles_setup(const char *dir, json_t *cfg, json_t *hc, const struct net_etc *net,
                   json_t *spec, struct xerr *err);

#endif
