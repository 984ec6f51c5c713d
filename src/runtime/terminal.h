/* Pseudo-terminals: made inside the container's devpts, the master sent to
 * the caller's --console-socket over SCM_RIGHTS (as runc does), or proxied
 * to xrun's own terminal for a foreground `run -t` / `exec -t`. */
#ifndef XOCKER_RUNTIME_TERMINAL_H
#define XOCKER_RUNTIME_TERMINAL_H

#include <stdbool.h>

struct xerr;

/* Unlock ptmx and open its peer (TIOCGPTPEER, no path lookup). */
int terminal_open_peer(int ptmx, struct xerr *err);
int terminal_set_size(int fd, unsigned rows, unsigned cols, struct xerr *err);
/* In the child: new session, slave as controlling terminal and stdio. */
int terminal_become_controlling(int slave, struct xerr *err);
/* Connect to a console socket path (done in xrun before the fork, so the
 * path is resolved on the host). */
int terminal_connect_socket(const char *path, struct xerr *err);

/* Foreground proxy: copies stdin -> master and master -> stdout, puts our
 * terminal in raw mode while it runs and forwards window size changes.
 * Returns when the master hangs up. */
struct terminal_proxy;
int terminal_proxy_start(int master, struct terminal_proxy **out, struct xerr *err);
/* Handle readiness; returns false once the container side has closed. */
bool terminal_proxy_pump(struct terminal_proxy *tp, int ready_fd);
int terminal_proxy_master(const struct terminal_proxy *tp);
void terminal_proxy_resize(struct terminal_proxy *tp);
void terminal_proxy_stop(struct terminal_proxy *tp);

#endif
