/* A container's veth pair: the host end on a bridge, the peer made directly
 * in the container's network namespace and configured there through a
 * netlink socket opened inside that namespace. */
#include "network/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "network/netlink_internal.h"

/* What nl_veth_add works from once its text is parsed. */
struct veth_plan {
  const struct nl_veth *v;
  struct nl_cidr address;
  struct nl_cidr gateway;
  bool has_gateway;
  unsigned char mac[6];
  bool has_mac;
  int mtu;
};

static bool name_ok(const char *name) {
  return name != NULL && name[0] != '\0' && strlen(name) < IFNAMSIZ && !strchr(name, '/');
}

static int parse_mac(const char *text, unsigned char mac[6], struct xerr *err) {
  int end = 0;
  if (sscanf(text, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%n", &mac[0], &mac[1], &mac[2], &mac[3],
             &mac[4], &mac[5], &end) != 6 ||
      end != 17 || text[end] != '\0')
    return xerr_set(err, EINVAL, "invalid MAC address %s", text);
  return 0;
}

static int plan_veth(const struct nl_veth *v, struct veth_plan *p, struct xerr *err) {
  memset(p, 0, sizeof *p);
  p->v = v;
  if (!name_ok(v->host_name) || !name_ok(v->ifname) || !name_ok(v->bridge))
    return xerr_set(err, EINVAL, "veth %s (%s on bridge %s): invalid interface name",
                    v->host_name ? v->host_name : "", v->ifname ? v->ifname : "",
                    v->bridge ? v->bridge : "");
  if (v->netns_pid <= 0)
    return xerr_set(err, EINVAL, "veth %s: invalid pid %d", v->host_name, (int)v->netns_pid);
  if (v->address_cidr == NULL)
    return xerr_set(err, EINVAL, "veth %s: no address", v->host_name);
  if (nl_parse_cidr(v->address_cidr, &p->address, err) < 0)
    return xerr_wrap(err, "veth %s", v->host_name);
  if (v->gateway != NULL) {
    if (nl_parse_addr(v->gateway, &p->gateway, err) < 0)
      return xerr_wrap(err, "veth %s: gateway", v->host_name);
    if (p->gateway.family != p->address.family)
      return xerr_set(err, EINVAL, "veth %s: gateway %s and address %s are not of one family",
                      v->host_name, v->gateway, v->address_cidr);
    p->has_gateway = true;
  }
  if (v->mac != NULL) {
    if (parse_mac(v->mac, p->mac, err) < 0)
      return xerr_wrap(err, "veth %s", v->host_name);
    p->has_mac = true;
  }
  p->mtu = v->mtu > 0 ? v->mtu : 1500;
  return 0;
}

/* ------------------------------------------------------------ host side */

/* One RTM_NEWLINK for the pair: the host end enslaved to the bridge, the
 * peer (VETH_INFO_PEER) created straight into the namespace of nsfd, so
 * no unconfigured interface ever shows up on the host. */
static int create_pair(struct nl_conn *c, const struct veth_plan *p, int bridge_index, int nsfd) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, p->v->host_name);
  mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)bridge_index);
  mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)p->mtu);
  struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *infodata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  /* The peer's attributes start with an ifinfomsg of their own. */
  struct ifinfomsg *peer_ifm = mnl_nlmsg_get_payload_tail(nlh);
  memset(peer_ifm, 0, sizeof *peer_ifm);
  peer_ifm->ifi_family = AF_UNSPEC;
  nlh->nlmsg_len += MNL_ALIGN(sizeof *peer_ifm);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, p->v->ifname);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
  mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)p->mtu);
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, infodata);
  mnl_attr_nest_end(nlh, linkinfo);
  return nl_request(c, nlh, NULL, NULL);
}

/* Hairpin mode on the bridge port: a frame may leave through the port it
 * came in by, which is how a container reaches itself through one of its
 * own published ports (DNAT back to its own address). */
static int set_hairpin(struct nl_conn *c, int index) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_SETLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_BRIDGE;
  ifm->ifi_index = index;
  /* The bridge reads IFLA_PROTINFO without NLA_F_NESTED as the old
   * one-byte port state, so the flag must be there. */
  struct nlattr *protinfo = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
  protinfo->nla_type |= NLA_F_NESTED;
  mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
  mnl_attr_nest_end(nlh, protinfo);
  return nl_request(c, nlh, NULL, NULL);
}

/* A leftover host end of the same name (a crash between create and
 * delete) would make the create fail with EEXIST: remove it first. */
static int remove_leftover(struct nl_conn *c, const char *name, struct xerr *err) {
  struct nl_link_info old;
  if (nl_link_query(c, name, &old) < 0)
    return errno == ENODEV ? 0 : nl_fail(err, c, errno, "look up link %s", name);
  if (nl_link_del_index(c, old.index) < 0 && errno != ENODEV)
    return nl_fail(err, c, errno, "delete leftover link %s", name);
  return 0;
}

static int find_bridge(struct nl_conn *c, const char *name, int *index, struct xerr *err) {
  struct nl_link_info br;
  if (nl_link_query(c, name, &br) < 0)
    return nl_fail(err, c, errno, "bridge %s", name);
  if (strcmp(br.kind, "bridge") != 0)
    return xerr_set(err, EINVAL, "link %s is not a bridge", name);
  *index = br.index;
  return 0;
}

/* ------------------------------------------------------------ namespace side */

static int link_up_by_name(struct nl_conn *ns, const char *name, pid_t pid, struct xerr *err) {
  struct nl_link_info link;
  if (nl_link_query(ns, name, &link) < 0)
    return nl_fail(err, ns, errno, "look up %s in the netns of pid %d", name, (int)pid);
  struct nl_link_change up = {.index = link.index, .up = 1};
  if (nl_link_set(ns, &up) < 0)
    return nl_fail(err, ns, errno, "bring %s up in the netns of pid %d", name, (int)pid);
  return 0;
}

static int add_default_route(struct nl_conn *ns, int index, const struct nl_cidr *gw) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
  rtm->rtm_family = (unsigned char)gw->family;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->addr);
  mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
  return nl_request(ns, nlh, NULL, NULL);
}

/* lo up; the MAC and MTU, the address, up, and the default route of the
 * peer: all through a socket bound to the container's namespace. */
static int configure_inside(const struct veth_plan *p, int nsfd, struct xerr *err) {
  const struct nl_veth *v = p->v;
  pid_t pid = v->netns_pid;
  cleanup_nl_conn struct nl_conn ns = {0};
  if (nl_conn_open_netns(&ns, nsfd, pid, err) < 0)
    return -1;
  if (link_up_by_name(&ns, "lo", pid, err) < 0)
    return -1;
  struct nl_link_info link;
  if (nl_link_query(&ns, v->ifname, &link) < 0)
    return nl_fail(err, &ns, errno, "look up %s in the netns of pid %d", v->ifname, (int)pid);
  struct nl_link_change set = {.index = link.index, .mtu = p->mtu,
                               .mac = p->has_mac ? p->mac : NULL};
  if (nl_link_set(&ns, &set) < 0)
    return nl_fail(err, &ns, errno, "set the MAC address and MTU of %s in the netns of pid %d",
                   v->ifname, (int)pid);
  if (nl_addr_add(&ns, link.index, &p->address) < 0)
    return nl_fail(err, &ns, errno, "add address %s to %s in the netns of pid %d",
                   v->address_cidr, v->ifname, (int)pid);
  struct nl_link_change up = {.index = link.index, .up = 1};
  if (nl_link_set(&ns, &up) < 0)
    return nl_fail(err, &ns, errno, "bring %s up in the netns of pid %d", v->ifname, (int)pid);
  if (p->has_gateway && add_default_route(&ns, link.index, &p->gateway) < 0)
    return nl_fail(err, &ns, errno, "add default route via %s to %s in the netns of pid %d",
                   v->gateway, v->ifname, (int)pid);
  return 0;
}

/* Everything after the pair exists; the caller deletes it on failure. */
static int finish_pair(struct nl_conn *c, const struct veth_plan *p, int nsfd, struct xerr *err) {
  const char *host = p->v->host_name;
  struct nl_link_info link;
  if (nl_link_query(c, host, &link) < 0)
    return nl_fail(err, c, errno, "look up veth %s", host);
  if (set_hairpin(c, link.index) < 0)
    return nl_fail(err, c, errno, "set hairpin mode on veth %s", host);
  struct nl_link_change up = {.index = link.index, .up = 1};
  if (nl_link_set(c, &up) < 0)
    return nl_fail(err, c, errno, "bring veth %s up", host);
  return configure_inside(p, nsfd, err);
}

static int open_netns(pid_t pid, struct xerr *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open the netns of pid %d", (int)pid);
  return fd;
}

int nl_veth_add(const struct nl_veth *v, struct xerr *err) {
  struct veth_plan p;
  if (plan_veth(v, &p, err) < 0)
    return -1;
  cleanup_close int nsfd = open_netns(v->netns_pid, err);
  if (nsfd < 0)
    return xerr_wrap(err, "create veth %s", v->host_name);
  cleanup_nl_conn struct nl_conn c = {0};
  if (nl_conn_open(&c, err) < 0)
    return -1;
  int bridge_index = 0;
  if (find_bridge(&c, v->bridge, &bridge_index, err) < 0 ||
      remove_leftover(&c, v->host_name, err) < 0)
    return xerr_wrap(err, "create veth %s", v->host_name);
  if (create_pair(&c, &p, bridge_index, nsfd) < 0)
    return nl_fail(err, &c, errno,
                   "create veth %s with peer %s in the netns of pid %d on bridge %s", v->host_name,
                   v->ifname, (int)v->netns_pid, v->bridge);
  if (finish_pair(&c, &p, nsfd, err) < 0) {
    /* Deleting the host end deletes the peer too; the first error stays. */
    struct nl_link_info link;
    if (nl_link_query(&c, v->host_name, &link) == 0)
      (void)nl_link_del_index(&c, link.index);
    return -1;
  }
  return 0;
}

int nl_netns_lo_up(pid_t netns_pid, struct xerr *err) {
  if (netns_pid <= 0)
    return xerr_set(err, EINVAL, "bring lo up: invalid pid %d", (int)netns_pid);
  cleanup_close int nsfd = open_netns(netns_pid, err);
  if (nsfd < 0)
    return -1;
  cleanup_nl_conn struct nl_conn ns = {0};
  if (nl_conn_open_netns(&ns, nsfd, netns_pid, err) < 0)
    return -1;
  return link_up_by_name(&ns, "lo", netns_pid, err);
}
