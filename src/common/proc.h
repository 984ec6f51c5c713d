/* Facts about processes and the clock that both the runtime and the
 * container monitor need (libc only). */
#ifndef XOCKER_COMMON_PROC_H
#define XOCKER_COMMON_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat, to tell a reused pid; 0 when the process is
 * gone or a zombie. */
uint64_t proc_start_time(pid_t pid);
/* Now, as RFC 3339 with nanoseconds in UTC. */
void rfc3339_now(char *buf, size_t len);

#endif
