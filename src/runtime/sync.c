#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/xerr.h"

int sync_send(int fd, int type, int value, const char *msg) {
  struct sync_msg m = {.type = type, .value = value};
  size_t len = offsetof(struct sync_msg, msg);
  if (msg) {
    snprintf(m.msg, sizeof m.msg, "%s", msg);
    len += strlen(m.msg) + 1;
  }
  ssize_t n;
  do
    n = send(fd, &m, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

void sync_send_error(int fd, const struct xerr *err) {
  sync_send(fd, SYNC_ERROR, err->errnum, err->msg);
}

int sync_expect(int fd, int wanted, struct sync_msg *out, struct xerr *err) {
  struct sync_msg m;
  memset(&m, 0, sizeof m);
  ssize_t n;
  do
    n = recv(fd, &m, sizeof m - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return xerr_make(err, errno, "read from container init");
  if (n == 0)
    return xerr_make(err, 0, "container init exited during set-up");
  if (m.type == SYNC_ERROR) {
    xerr_make(err, 0, "%s", m.msg);
    err->errnum = m.value;
    return -1;
  }
  if (m.type != wanted)
    return xerr_make(err, EPROTO, "container init sent message %d, expected %d", m.type, wanted);
  if (out)
    *out = m;
  return 0;
}

int sync_wait_eof(int fd, struct xerr *err) {
  struct sync_msg m;
  memset(&m, 0, sizeof m);
  ssize_t n;
  do
    n = recv(fd, &m, sizeof m - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return 0;
  if (n < 0)
    return xerr_make(err, errno, "read from container process");
  if (m.type == SYNC_ERROR) {
    xerr_make(err, 0, "%s", m.msg);
    err->errnum = m.value;
    return -1;
  }
  return xerr_make(err, EPROTO, "container process sent message %d", m.type);
}

ssize_t sendmsg_fd(int sock, int fd, const void *data, size_t len) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

int send_fd(int sock, int fd, struct xerr *err) {
  char byte = 0;
  if (sendmsg_fd(sock, fd, &byte, 1) < 0)
    return xerr_make(err, errno, "send terminal to console socket");
  return 0;
}

int recv_fd(int sock, struct xerr *err) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  ssize_t n;
  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return xerr_make(err, errno, "receive terminal");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (n == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS)
    return xerr_make(err, EPROTO, "receive terminal: no file descriptor in message");
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}
