/* The loopback interface of a new network namespace starts down; like
 * crun, the runtime raises it, so 127.0.0.1 works in every container (what
 * Docker's --network none gives) without a hook. */
#ifndef XOCKER_RUNTIME_LOOPBACK_H
#define XOCKER_RUNTIME_LOOPBACK_H

struct xerr;

/* Raise "lo" in the calling process's network namespace. */
int loopback_up(struct xerr *err);

#endif
