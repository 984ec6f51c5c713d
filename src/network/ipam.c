#include "network/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/xerr.h"

/* The netmask of a prefix; a shift by 32 would be undefined. */
static uint32_t prefix_mask(int prefix) {
  return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static uint32_t broadcast_of(const struct ipv4_net *net) {
  return net->addr | ~prefix_mask(net->prefix);
}

/* inet_pton(AF_INET) takes only a plain dotted quad: no "1.2.3", no hex, no
 * spaces, unlike inet_aton. */
static int parse_quad(const char *text, uint32_t *addr) {
  struct in_addr in;
  if (inet_pton(AF_INET, text, &in) != 1)
    return -1;
  *addr = ntohl(in.s_addr);
  return 0;
}

/* "0".."32" exactly: no sign, no spaces, no leading zero of a longer number. */
static int parse_prefix(const char *text, int *prefix) {
  size_t n = strlen(text);
  if (n == 0 || n > 2 || (n == 2 && text[0] == '0'))
    return -1;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (text[i] < '0' || text[i] > '9')
      return -1;
    v = v * 10 + (text[i] - '0');
  }
  if (v > 32)
    return -1;
  *prefix = v;
  return 0;
}

int ipam_parse_subnet(const char *text, struct ipv4_net *net, struct xerr *err) {
  const char *slash = strchr(text, '/');
  char addr_text[INET_ADDRSTRLEN];
  size_t addr_len = slash ? (size_t)(slash - text) : 0;
  uint32_t addr;
  int prefix;
  if (!slash || addr_len == 0 || addr_len >= sizeof addr_text)
    return xerr_set(err, EINVAL, "invalid subnet \"%s\"", text);
  memcpy(addr_text, text, addr_len);
  addr_text[addr_len] = '\0';
  if (parse_quad(addr_text, &addr) < 0 || parse_prefix(slash + 1, &prefix) < 0)
    return xerr_set(err, EINVAL, "invalid subnet \"%s\"", text);
  uint32_t network = addr & prefix_mask(prefix);
  if (network != addr) {
    char want[16];
    ipam_format_addr(network, want);
    return xerr_set(err, EINVAL, "invalid subnet %s: it should be %s/%d", text, want, prefix);
  }
  net->addr = network;
  net->prefix = prefix;
  return 0;
}

int ipam_parse_addr(const char *text, uint32_t *addr, struct xerr *err) {
  if (parse_quad(text, addr) < 0)
    return xerr_set(err, EINVAL, "invalid IPv4 address \"%s\"", text);
  return 0;
}

void ipam_format_addr(uint32_t addr, char buf[16]) {
  snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
           addr & 0xff);
}

bool ipam_contains(const struct ipv4_net *net, uint32_t addr) {
  return (addr & prefix_mask(net->prefix)) == net->addr;
}

/* Two prefixes overlap exactly when the shorter one contains the other's
 * network address. */
bool ipam_overlaps(const struct ipv4_net *a, const struct ipv4_net *b) {
  const struct ipv4_net *wider = a->prefix <= b->prefix ? a : b;
  const struct ipv4_net *narrower = wider == a ? b : a;
  return ipam_contains(wider, narrower->addr);
}

uint32_t ipam_first(const struct ipv4_net *net) { return net->addr + 1; }

uint32_t ipam_last(const struct ipv4_net *net) { return broadcast_of(net) - 1; }

int ipam_next_free(const struct ipv4_net *range, const uint32_t *used, size_t n_used,
                   const char *network_name, uint32_t *out, struct xerr *err) {
  /* A /31 or /32 has no address that is neither network nor broadcast;
   * 64-bit arithmetic so that stepping past 255.255.255.254 cannot wrap. */
  if (range->prefix < 31) {
    uint64_t candidate = ipam_first(range);
    uint64_t last = ipam_last(range);
    /* used[] is sorted: one merge walk finds the first gap. */
    for (size_t i = 0; i < n_used && candidate <= last; i++) {
      if (used[i] == candidate)
        candidate++;
      else if (used[i] > candidate)
        break;
    }
    if (candidate <= last) {
      *out = (uint32_t)candidate;
      return 0;
    }
  }
  char net_text[16];
  ipam_format_addr(range->addr, net_text);
  return xerr_set(err, ENOSPC,
                  "no available IPv4 addresses on this network's address pools: %s (%s/%d)",
                  network_name, net_text, range->prefix);
}

void ipam_mac_for(uint32_t addr, char buf[18]) {
  snprintf(buf, 18, "02:42:%02x:%02x:%02x:%02x", addr >> 24, (addr >> 16) & 0xff,
           (addr >> 8) & 0xff, addr & 0xff);
}
