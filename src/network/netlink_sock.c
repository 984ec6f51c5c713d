/* The rtnetlink connection: open (here or in another network namespace),
 * send one request and wait for its ack, and turn a failure into a message. */
#include "network/netlink_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"

int nl_conn_open(struct nl_conn *c, struct xerr *err) {
  memset(c, 0, sizeof *c);
  c->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (c->sock == NULL)
    return xerr_make(err, errno, "open a netlink socket");
  /* The kernel's own explanation of a refusal ("Unknown device type") and
   * acks that do not echo our request back: both are best effort. */
  int one = 1;
  (void)mnl_socket_setsockopt(c->sock, NETLINK_EXT_ACK, &one, sizeof one);
  (void)mnl_socket_setsockopt(c->sock, NETLINK_CAP_ACK, &one, sizeof one);
  if (mnl_socket_bind(c->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    nl_conn_close(c);
    return xerr_make(err, e, "bind a netlink socket");
  }
  c->portid = mnl_socket_get_portid(c->sock);
  c->seq = (unsigned int)time(NULL);
  return 0;
}

int nl_conn_open_netns(struct nl_conn *c, int nsfd, pid_t pid, struct xerr *err) {
  memset(c, 0, sizeof *c);
  cleanup_close int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return xerr_make(err, errno, "open our own network namespace");
  if (setns(nsfd, CLONE_NEWNET) < 0)
    return xerr_make(err, errno, "enter the netns of pid %d", (int)pid);
  int rc = nl_conn_open(c, err);
  int saved = errno;
  if (setns(self, CLONE_NEWNET) < 0) {
    int e = errno;
    nl_conn_close(c);
    return xerr_make(err, e, "return to our own network namespace");
  }
  errno = saved;
  if (rc < 0)
    return xerr_wrap(err, "in the netns of pid %d", (int)pid);
  return 0;
}

void nl_conn_close(struct nl_conn *c) {
  if (c->sock != NULL)
    mnl_socket_close(c->sock);
  c->sock = NULL;
}

struct nlmsghdr *nl_msg_start(char *buf, uint16_t type, uint16_t flags) {
  memset(buf, 0, NL_REQ_SIZE);
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  return nlh;
}

struct request_ctx {
  struct nl_conn *c;
  mnl_cb_t cb;
  void *data;
};

static int on_data(const struct nlmsghdr *nlh, void *data) {
  struct request_ctx *ctx = data;
  return ctx->cb != NULL ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

/* The NLMSGERR_ATTR_MSG of an ack that carries TLVs: they follow the
 * nlmsgerr, and the echoed request unless the kernel capped it. */
static void keep_ext_msg(struct nl_conn *c, const struct nlmsghdr *nlh,
                         const struct nlmsgerr *e) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
    return;
  size_t offset = sizeof *e;
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
    offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
  if (mnl_nlmsg_size(offset) > nlh->nlmsg_len)
    return;
  const struct nlattr *attr;
  mnl_attr_for_each(attr, nlh, offset) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
      snprintf(c->ext_msg, sizeof c->ext_msg, "%s", mnl_attr_get_str(attr));
      return;
    }
  }
}

static int on_error(const struct nlmsghdr *nlh, void *data) {
  struct request_ctx *ctx = data;
  const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
    errno = EBADMSG;
    return MNL_CB_ERROR;
  }
  if (e->error == 0)
    return MNL_CB_STOP; /* the ack */
  keep_ext_msg(ctx->c, nlh, e);
  errno = e->error < 0 ? -e->error : e->error;
  return MNL_CB_ERROR;
}

int nl_request(struct nl_conn *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
  nlh->nlmsg_seq = ++c->seq;
  c->ext_msg[0] = '\0';
  if (mnl_socket_sendto(c->sock, nlh, nlh->nlmsg_len) < 0)
    return -1;
  cleanup_free char *buf = malloc(NL_BUF_SIZE);
  if (buf == NULL)
    return -1;
  struct request_ctx ctx = {.c = c, .cb = cb, .data = data};
  mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = on_error};
  int ret = MNL_CB_OK; /* "continue" after EINTR re-tests it */
  do {
    ssize_t n = mnl_socket_recvfrom(c->sock, buf, NL_BUF_SIZE);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, c->portid, on_data, &ctx, ctl,
                      MNL_ARRAY_SIZE(ctl));
  } while (ret > MNL_CB_STOP);
  return ret < 0 ? -1 : 0;
}

int nl_fail(struct xerr *err, const struct nl_conn *c, int errnum, const char *fmt, ...) {
  char what[XERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (c == NULL || c->ext_msg[0] == '\0')
    return xerr_make(err, errnum, "%s", what);
  return xerr_set(err, errnum, "%s: %s (%s)", what, strerror(errnum), c->ext_msg);
}

int nl_parse_addr(const char *text, struct nl_cidr *out, struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, text, out->addr) == 1) {
    out->family = AF_INET;
    out->prefix = 32;
  } else if (inet_pton(AF_INET6, text, out->addr) == 1) {
    out->family = AF_INET6;
    out->prefix = 128;
  } else {
    return xerr_set(err, EINVAL, "invalid IP address %s", text);
  }
  return 0;
}

int nl_parse_cidr(const char *text, struct nl_cidr *out, struct xerr *err) {
  const char *slash = strchr(text, '/');
  char addr[INET6_ADDRSTRLEN];
  if (slash == NULL || (size_t)(slash - text) >= sizeof addr)
    return xerr_set(err, EINVAL, "invalid address %s: want ADDRESS/PREFIX", text);
  memcpy(addr, text, (size_t)(slash - text));
  addr[slash - text] = '\0';
  if (nl_parse_addr(addr, out, err) < 0)
    return xerr_set(err, EINVAL, "invalid address %s", text);
  char *end;
  errno = 0;
  long prefix = strtol(slash + 1, &end, 10);
  if (slash[1] == '\0' || *end != '\0' || errno != 0 || prefix < 0 || prefix > out->prefix)
    return xerr_set(err, EINVAL, "invalid prefix length in %s", text);
  out->prefix = (int)prefix;
  return 0;
}
