/* The monitor's calls of the xrun binary (runtime.c). */
#ifndef XOCKER_MONITOR_RUNTIME_H
#define XOCKER_MONITOR_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct runtime {
  const char *xrun, *xrun_root, *id, *bundle, *rundir;
  bool tty;
};

/* xrun create with the container's stdio (or a pty, returned in *pty);
 * *pid is its init. On failure msg gets xrun's error and nothing is left. */
int runtime_create(struct runtime *rt, const int stdio[3], pid_t *pid, int *pty, char *msg,
                   size_t len);
int runtime_start(struct runtime *rt, char *msg, size_t len);
void runtime_delete(struct runtime *rt);

#endif
