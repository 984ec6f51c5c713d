/* Messages between xrun and the container process it is setting up, over
 * a SOCK_SEQPACKET socketpair.  The child sends its error as a message so
 * the user sees the real cause ("exec: \"foo\": executable file not found
 * in $PATH"), not "child exited". */
#ifndef XOCKER_RUNTIME_SYNC_H
#define XOCKER_RUNTIME_SYNC_H

#include <sys/types.h>

struct xerr;

enum sync_type {
  SYNC_GO = 1,        /* parent -> child: cgroups and id maps are ready */
  SYNC_USERMAP,       /* child -> parent: unshared a user ns, write its maps */
  SYNC_USERMAP_DONE,  /* parent -> child */
  SYNC_PID,           /* child -> parent: pid of the real init (value) */
  SYNC_HOOKS,         /* child -> parent: run prestart/createRuntime hooks now */
  SYNC_HOOKS_DONE,    /* parent -> child */
  SYNC_READY,         /* child -> parent: all set, about to wait for start / exec */
  SYNC_ERROR,         /* child -> parent: failed; errnum + message */
};

struct sync_msg {
  int type;
  int value;   /* pid for SYNC_PID, errno for SYNC_ERROR */
  char msg[1024];
};

int sync_send(int fd, int type, int value, const char *msg);
/* Waits for a message of the wanted type.  A SYNC_ERROR from the child is
 * turned into err with its message; EOF is "container init exited". */
int sync_expect(int fd, int wanted, struct sync_msg *out, struct xerr *err);
/* Wait for the peer to close its end (its execve went through: 0) or to
 * send an error (-1 with err). */
int sync_wait_eof(int fd, struct xerr *err);
/* Child side: report err to the parent. */
void sync_send_error(int fd, const struct xerr *err);

/* SCM_RIGHTS: pass one fd over a unix socket with len bytes of data (at
 * least one); returns what sendmsg returns, errno on failure.  Allocates
 * nothing, so it is safe after a seccomp filter is in. */
ssize_t sendmsg_fd(int sock, int fd, const void *data, size_t len);
/* SCM_RIGHTS: pass one fd over a unix socket. */
int send_fd(int sock, int fd, struct xerr *err);
int recv_fd(int sock, struct xerr *err);

#endif
