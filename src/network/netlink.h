/* Links, addresses and routes through rtnetlink (libmnl): the bridge of a
 * network on the host, and a container's veth pair, configured inside the
 * container's network namespace. */
#ifndef XOCKER_NETWORK_NETLINK_H
#define XOCKER_NETWORK_NETLINK_H

#include <stdbool.h>
#include <sys/types.h>

struct xerr;

/* Make the bridge `name` if it does not exist, give it `gateway_cidr`
 * ("172.18.0.1/16", skipped when NULL or already there), set `mtu` (0:
 * leave), bring it up, and set net.ipv4.conf.<name>.route_localnet=1 so a
 * port published on 127.0.0.1 can be DNATed to a container behind it. */
int nl_bridge_ensure(const char *name, const char *gateway_cidr, int mtu, struct xerr *err);

/* Delete the link `name`; a missing link is not an error. */
int nl_link_delete(const char *name, struct xerr *err);

/* True when a link of that name exists on the host. */
bool nl_link_exists(const char *name);

struct nl_veth {
  const char *host_name;    /* host end, e.g. "vx1a2b3c4d5e"; replaced if it exists */
  const char *bridge;       /* the host end becomes a port of this bridge (hairpin on) */
  pid_t netns_pid;          /* the container's network namespace is /proc/<pid>/ns/net */
  const char *ifname;       /* name inside: "eth0" */
  const char *address_cidr; /* "172.18.0.2/16" */
  const char *gateway;      /* "172.18.0.1": default route; NULL: none (internal network) */
  const char *mac;          /* "02:42:ac:12:00:02"; NULL: the kernel's random one */
  int mtu;                  /* 0: 1500 */
};

/* Create the pair with its peer made directly in the container's
 * namespace, attach and raise the host end, then inside the namespace set
 * the MAC, MTU and address, raise the interface and lo, and add the default
 * route.  On failure nothing is left (the pair is deleted). */
int nl_veth_add(const struct nl_veth *v, struct xerr *err);

/* Raise lo inside the namespace of pid (what Docker's --network none has). */
int nl_netns_lo_up(pid_t netns_pid, struct xerr *err);

#endif
