/* Attaching to a container's monitor (attach_client.c). */
#ifndef XOCKER_CLI_XOCKER_ATTACH_CLIENT_H
#define XOCKER_CLI_XOCKER_ATTACH_CLIENT_H

#include <stdbool.h>

struct xstore;
struct xerr;

/* A connected attach socket asking for want (ATTACH_WANT_*); -1 and err. */
int attach_connect(struct xstore *s, const char *id, int want, struct xerr *err);

struct attach_opts {
  bool stdin, tty, sig_proxy;
  const char *detach_keys;  /* NULL: ctrl-p,ctrl-q */
};

/* Relay until the container exits (0, *exit_code set), the monitor hangs
 * up (1) or the user detaches (2). Closes fd. */
int attach_session(struct xstore *s, const char *id, int fd, const struct attach_opts *o,
                   int *exit_code);

#endif
