/* Networks as objects of the store: the default `bridge` network, user-
 * defined bridge networks, and each container's endpoint on them (address,
 * MAC, aliases).  Rows live in `networks` and `endpoints`; the UNIQUE
 * (network, address) constraint makes two concurrent runs unable to get one
 * address.  `host` and `none` are modes, not rows (network ls shows them). */
#ifndef XOCKER_ENGINE_NETWORK_H
#define XOCKER_ENGINE_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct xerr;
struct xstore;

#define NETWORK_DEFAULT_NAME "bridge"

struct network {
  char id[65];
  char name[256];
  char driver[16];  /* bridge */
  char bridge[16];  /* the Linux bridge: xocker0, xbr-<11 hex> */
  char subnet[20];  /* "172.18.0.0/16" */
  char gateway[16];
  char ip_range[20]; /* "" = the whole subnet */
  bool internal;
  char created[40]; /* RFC 3339 */
  json_t *labels;   /* object (never NULL once loaded) */
  json_t *options;  /* object (never NULL once loaded) */
};
void network_clear(struct network *n);

struct network_create_opts {
  const char *name;
  const char *driver;  /* NULL or "bridge" */
  const char *subnet;  /* NULL: the next free 172.(19..31).0.0/16, then 192.168.N.0/20 */
  const char *gateway; /* NULL: the subnet's first address */
  const char *ip_range;
  bool internal;
  json_t *labels;  /* borrowed, may be NULL */
  json_t *options; /* borrowed, may be NULL: com.docker.network.bridge.name */
};

/* The default network (made on first use: bridge XOCKER_BRIDGE or xocker0,
 * subnet XOCKER_BRIDGE_SUBNET or 172.18.0.0/16). */
int network_default(struct xstore *s, struct network *out, struct xerr *err);
/* By full id, name, then unique id prefix; ENOENT "network NAME not found". */
int network_lookup(struct xstore *s, const char *ref, struct network *out, struct xerr *err);
int network_create(struct xstore *s, const struct network_create_opts *o, struct network *out,
                   struct xerr *err);
/* Every network row (sorted by name). */
int network_list(struct xstore *s, struct network **out, size_t *n, struct xerr *err);
void network_list_free(struct network *list, size_t n);
/* Refuse when containers have endpoints on it (Docker's message), then
 * delete the row, its bridge, its DNS server and its rules. */
int network_remove(struct xstore *s, const struct network *n, struct xerr *err);
/* Docker's `network inspect` document. */
json_t *network_inspect_json(struct xstore *s, const struct network *n);
bool network_is_default(const struct network *n);
/* The option com.docker.network.driver.mtu (0: the kernel's 1500). */
int network_mtu(const struct network *n);

struct endpoint {
  char network_id[65];
  char container_id[65];
  char address[16];
  char mac[18];
  json_t *aliases; /* array of strings (never NULL once loaded) */
  bool up;         /* its veth exists (between net-up and net-down) */
};
void endpoint_clear(struct endpoint *e);

/* Give the container an address on n: static_ip (must be in the subnet and
 * free) or the lowest free one of the range; mac NULL: Docker's 02:42 MAC
 * of the address. */
int network_connect(struct xstore *s, const struct network *n, const char *container_id,
                    const char *static_ip, const char *mac, json_t *aliases, struct endpoint *out,
                    struct xerr *err);
/* Release the container's endpoint on one network (network_id NULL: all). */
int network_disconnect(struct xstore *s, const char *network_id, const char *container_id,
                       struct xerr *err);
/* Endpoints of a container (container_id) or of a network (network_id). */
int network_endpoints(struct xstore *s, const char *network_id, const char *container_id,
                      struct endpoint **out, size_t *n, struct xerr *err);
void network_endpoints_free(struct endpoint *list, size_t n);
/* Mark the container's endpoints up or down (network_id NULL: all). */
int network_endpoint_set_up(struct xstore *s, const char *network_id, const char *container_id,
                            bool up, struct xerr *err);

#endif
