/* The files Docker gives every container in /etc: hostname, hosts and
 * resolv.conf, kept in the container's directory and bind-mounted. */
#ifndef XOCKER_ENGINE_ETCFILES_H
#define XOCKER_ENGINE_ETCFILES_H

#include <jansson.h>

struct xerr;

/* Write them into dir (from cfg's Hostname, hc's NetworkMode, ExtraHosts,
 * Dns, DnsSearch, DnsOptions) and add their bind mounts to spec. */
int etcfiles_setup(const char *dir, json_t *cfg, json_t *hc, json_t *spec, struct xerr *err);

#endif
