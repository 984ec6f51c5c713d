/* Inside the netlink module: one rtnetlink connection (host or a container's
 * namespace), one function to send a request and wait for its ack, and the
 * link/address/route requests that netlink.c and netlink_veth.c share.
 * Every request carries NLM_F_ACK, so every failure reaches the caller with
 * the kernel's errno (and its extended-ack text when it gives one). */
#ifndef XOCKER_NETWORK_NETLINK_INTERNAL_H
#define XOCKER_NETWORK_NETLINK_INTERNAL_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

struct xerr;

/* A request we build (a few attributes) fits in NL_REQ_SIZE; an answer
 * batch in NL_BUF_SIZE (one RTM_GETLINK of a bridge, with stats and link
 * info, is a few KiB). */
#define NL_REQ_SIZE 4096
#define NL_BUF_SIZE 32768

struct nl_conn {
  struct mnl_socket *sock;
  unsigned int portid;
  unsigned int seq;
  char ext_msg[256]; /* the kernel's extended-ack text of the last failure, or "" */
};

/* A socket in our own network namespace. */
int nl_conn_open(struct nl_conn *c, struct xerr *err);
/* A socket bound to the namespace of the fd nsfd (a netlink socket stays in
 * the namespace it was made in, so the rest of the process is untouched).
 * pid only names the namespace in messages. */
int nl_conn_open_netns(struct nl_conn *c, int nsfd, pid_t pid, struct xerr *err);
void nl_conn_close(struct nl_conn *c);
#define cleanup_nl_conn __attribute__((cleanup(nl_conn_close)))

/* A request header of `type` with NLM_F_REQUEST|NLM_F_ACK|flags in buf
 * (NL_REQ_SIZE bytes, zeroed here). */
struct nlmsghdr *nl_msg_start(char *buf, uint16_t type, uint16_t flags);

/* Send nlh and read answers until the ack; cb (may be NULL) sees each data
 * message.  0, or -1 with errno set to the kernel's error. */
int nl_request(struct nl_conn *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Fill err from errnum ("<what>: <strerror>"), adding the kernel's own
 * explanation when the last request of c came back with one.  Returns -1. */
int nl_fail(struct xerr *err, const struct nl_conn *c, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An address with its prefix length, IPv4 or IPv6. */
struct nl_cidr {
  int family; /* AF_INET or AF_INET6 */
  unsigned char addr[16];
  int prefix;
};
/* "10.1.2.3/24" (the prefix is required) or "fd00::1/64". */
int nl_parse_cidr(const char *text, struct nl_cidr *out, struct xerr *err);
/* A bare address; prefix is set to the full length (32 or 128). */
int nl_parse_addr(const char *text, struct nl_cidr *out, struct xerr *err);

/* What RTM_GETLINK tells about one link. */
struct nl_link_info {
  int index;
  char kind[32]; /* IFLA_INFO_KIND: "bridge", "veth"; "" for a plain device */
};
/* Look the link `name` up through c (0, or -1 with errno ENODEV when it is
 * not there); only errno is set, callers write the message. */
int nl_link_query(struct nl_conn *c, const char *name, struct nl_link_info *info);

/* Set the flags and attributes of a link: up (IFF_UP), mtu when > 0, mac
 * (6 bytes) when non-NULL. */
struct nl_link_change {
  int index;
  int up;
  int mtu;
  const unsigned char *mac;
};
int nl_link_set(struct nl_conn *c, const struct nl_link_change *ch);
/* Add addr to the link index (IFA_LOCAL, IFA_ADDRESS and, for IPv4, the
 * broadcast address of its subnet). */
int nl_addr_add(struct nl_conn *c, int index, const struct nl_cidr *addr);
/* Delete the link index. */
int nl_link_del_index(struct nl_conn *c, int index);

#endif
