/* Links and addresses through rtnetlink: the requests shared by the bridge
 * and veth code, and the bridge of a network on the host. */
#include "network/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "network/netlink_internal.h"

/* ------------------------------------------------------------ requests */

static void link_info_from_linkinfo(const struct nlattr *linkinfo, struct nl_link_info *info) {
  const struct nlattr *attr;
  mnl_attr_for_each_nested(attr, linkinfo) {
    if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
        mnl_attr_validate(attr, MNL_TYPE_STRING) == 0) {
      size_t len = mnl_attr_get_payload_len(attr);
      if (len >= sizeof info->kind)
        len = sizeof info->kind - 1;
      memcpy(info->kind, mnl_attr_get_payload(attr), len);
      info->kind[len] = '\0'; /* the kernel counts the NUL in the length */
    }
  }
}

static int on_link(const struct nlmsghdr *nlh, void *data) {
  struct nl_link_info *info = data;
  if (nlh->nlmsg_type != RTM_NEWLINK)
    return MNL_CB_OK;
  const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
  info->index = ifm->ifi_index;
  const struct nlattr *attr;
  mnl_attr_for_each(attr, nlh, sizeof *ifm) {
    if (mnl_attr_get_type(attr) == IFLA_LINKINFO)
      link_info_from_linkinfo(attr, info);
  }
  return MNL_CB_OK;
}

int nl_link_query(struct nl_conn *c, const char *name, struct nl_link_info *info) {
  memset(info, 0, sizeof *info);
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  if (nl_request(c, nlh, on_link, info) < 0)
    return -1;
  if (info->index <= 0) {
    errno = ENODEV;
    return -1;
  }
  return 0;
}

int nl_link_set(struct nl_conn *c, const struct nl_link_change *ch) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_SETLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ch->index;
  if (ch->up) {
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;
  }
  if (ch->mtu > 0)
    mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)ch->mtu);
  if (ch->mac != NULL)
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, ch->mac);
  return nl_request(c, nlh, NULL, NULL);
}

static size_t addr_len(int family) { return family == AF_INET ? 4 : 16; }

int nl_addr_add(struct nl_conn *c, int index, const struct nl_cidr *addr) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
  ifa->ifa_family = (unsigned char)addr->family;
  ifa->ifa_prefixlen = (unsigned char)addr->prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (unsigned int)index;
  /* An IPv6 address would stay "tentative" (unusable) for the second of
   * duplicate address detection; on our own bridge nobody else has it. */
  if (addr->family == AF_INET6)
    ifa->ifa_flags = IFA_F_NODAD;
  mnl_attr_put(nlh, IFA_LOCAL, addr_len(addr->family), addr->addr);
  mnl_attr_put(nlh, IFA_ADDRESS, addr_len(addr->family), addr->addr);
  /* /31 and /32 have no broadcast address (RFC 3021). */
  if (addr->family == AF_INET && addr->prefix < 31) {
    uint32_t a;
    memcpy(&a, addr->addr, 4);
    uint32_t host_bits = addr->prefix == 0 ? 0xffffffffu : (1u << (32 - addr->prefix)) - 1;
    uint32_t brd = htonl(ntohl(a) | host_bits);
    mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
  }
  return nl_request(c, nlh, NULL, NULL);
}

int nl_link_del_index(struct nl_conn *c, int index) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_DELLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = index;
  return nl_request(c, nlh, NULL, NULL);
}

/* ------------------------------------------------------------ public */

static bool link_name_ok(const char *name) {
  return name != NULL && name[0] != '\0' && strlen(name) < IFNAMSIZ && !strchr(name, '/');
}

bool nl_link_exists(const char *name) { return link_name_ok(name) && if_nametoindex(name) != 0; }

int nl_link_delete(const char *name, struct xerr *err) {
  if (!link_name_ok(name))
    return xerr_set(err, EINVAL, "delete link %s: invalid interface name", name ? name : "");
  cleanup_nl_conn struct nl_conn c = {0};
  if (nl_conn_open(&c, err) < 0)
    return -1;
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_DELLINK, 0);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  if (nl_request(&c, nlh, NULL, NULL) < 0 && errno != ENODEV)
    return nl_fail(err, &c, errno, "delete link %s", name);
  return 0;
}

/* RTM_NEWLINK kind "bridge"; one that exists already (ours from an earlier
 * run, or another process's racing us) is fine here, its kind is checked
 * by the caller. */
static int bridge_create(struct nl_conn *c, const char *name, struct xerr *err) {
  char buf[NL_REQ_SIZE];
  struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, linkinfo);
  if (nl_request(c, nlh, NULL, NULL) < 0 && errno != EEXIST)
    return nl_fail(err, c, errno, "create bridge %s", name);
  return 0;
}

/* Lets the DNAT of a port published on 127.0.0.1 route to a container:
 * without it the kernel drops packets with a loopback source that leave
 * through the bridge as martians. */
static int set_route_localnet(const char *name, struct xerr *err) {
  char path[128];
  snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/route_localnet", name);
  if (write_file_at(AT_FDCWD, path, "1", 1, err) < 0)
    return xerr_wrap(err, "set route_localnet on bridge %s", name);
  return 0;
}

int nl_bridge_ensure(const char *name, const char *gateway_cidr, int mtu, struct xerr *err) {
  if (!link_name_ok(name))
    return xerr_set(err, EINVAL, "create bridge %s: invalid interface name (1 to %d characters)",
                    name ? name : "", IFNAMSIZ - 1);
  struct nl_cidr gateway;
  if (gateway_cidr != NULL && nl_parse_cidr(gateway_cidr, &gateway, err) < 0)
    return xerr_wrap(err, "bridge %s", name);
  cleanup_nl_conn struct nl_conn c = {0};
  if (nl_conn_open(&c, err) < 0)
    return -1;
  if (bridge_create(&c, name, err) < 0)
    return -1;
  struct nl_link_info br;
  if (nl_link_query(&c, name, &br) < 0)
    return nl_fail(err, &c, errno, "look up bridge %s", name);
  if (strcmp(br.kind, "bridge") != 0)
    return xerr_set(err, EEXIST,
                    "create bridge %s: a link of that name exists and is not a bridge (%s)", name,
                    br.kind[0] ? br.kind : "device");
  if (gateway_cidr != NULL && nl_addr_add(&c, br.index, &gateway) < 0 && errno != EEXIST)
    return nl_fail(err, &c, errno, "add address %s to bridge %s", gateway_cidr, name);
  struct nl_link_change up = {.index = br.index, .up = 1, .mtu = mtu};
  if (nl_link_set(&c, &up) < 0)
    return nl_fail(err, &c, errno, "bring bridge %s up", name);
  return set_route_localnet(name, err);
}
