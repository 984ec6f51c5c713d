/* IPv4 subnets and addresses: parsing, containment, overlap, and picking
 * the next free address.  Pure functions; the leases themselves live in the
 * store (engine/network.c), whose UNIQUE constraint makes two concurrent
 * allocations of one address impossible. */
#ifndef XOCKER_NETWORK_IPAM_H
#define XOCKER_NETWORK_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xerr;

struct ipv4_net {
  uint32_t addr;  /* host order, the network address (host bits cleared) */
  int prefix;     /* 0..32 */
};

/* "172.18.0.0/16" -> net.  Host bits set ("172.18.0.1/16") is an error as
 * in Docker ("invalid subnet ... : it should be 172.18.0.0/16"). */
int ipam_parse_subnet(const char *text, struct ipv4_net *net, struct xerr *err);
/* "172.18.0.5" -> host-order address. */
int ipam_parse_addr(const char *text, uint32_t *addr, struct xerr *err);
/* Dotted quad of a host-order address into buf (16 bytes). */
void ipam_format_addr(uint32_t addr, char buf[16]);
bool ipam_contains(const struct ipv4_net *net, uint32_t addr);
bool ipam_overlaps(const struct ipv4_net *a, const struct ipv4_net *b);
/* First usable address (network + 1) and last (broadcast - 1). */
uint32_t ipam_first(const struct ipv4_net *net);
uint32_t ipam_last(const struct ipv4_net *net);

/* The lowest address of range (within subnet, not the network or broadcast
 * address) that is not in used[] (sorted ascending, host order).  -1 with
 * "no available IPv4 addresses on this network's address pools: NAME
 * (SUBNET)" when there is none (network_name names it). */
int ipam_next_free(const struct ipv4_net *range, const uint32_t *used, size_t n_used,
                   const char *network_name, uint32_t *out, struct xerr *err);

/* Docker's MAC for an address: 02:42 then the four bytes ("02:42:ac:12:00:02"). */
void ipam_mac_for(uint32_t addr, char buf[18]);

#endif
