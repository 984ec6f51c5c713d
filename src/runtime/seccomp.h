/* seccomp for the container process, in two halves.
 *
 * seccomp_prepare() runs in xrun before anything is created: it checks
 * linux.seccomp and compiles it with libseccomp into a BPF program held in
 * memory, so a bad profile fails `create` with nothing left behind and the
 * container child only has to hand the program to the kernel.  Compiled
 * programs are cached (see below), so a known profile skips libseccomp.
 *
 * seccomp_program_load() runs in the container child, the last thing before
 * execve: seccomp(2) SECCOMP_SET_MODE_FILTER with the profile's flags, and
 * for SCMP_ACT_NOTIFY the notify fd goes to the seccomp agent at
 * listenerPath together with the OCI "container process state".
 *
 * Behaviour follows runc: a syscall name that libseccomp does not know is
 * skipped (debug message); a rule whose action equals the default action
 * is dropped; several args on one rule must all match, except that when
 * two args of one entry compare the same argument index every arg becomes
 * a rule of its own (any may match); SCMP_ACT_KILL kills the thread; with
 * no "flags" member SECCOMP_FILTER_FLAG_SPEC_ALLOW is set when the kernel
 * knows it; a profile with neither defaultAction nor syscalls means no
 * seccomp.  Errors name the JSON path:
 *   linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
 *
 * Cache: <dir>/<sha256 hex>, where the hash covers the canonical JSON text
 * of linux.seccomp (sorted keys, compact), libseccomp's version and the
 * native architecture.  dir is $XRUN_SECCOMP_CACHE (empty: no cache),
 * otherwise /run/xrun/seccomp-cache for root and
 * $XDG_RUNTIME_DIR/xrun/seccomp-cache for other users (no cache without
 * it).  The directory is made 0700 and ignored unless it is ours and not
 * writable by others; entries are written atomically; a corrupt entry is
 * ignored and rebuilt; a cache that cannot be written is only a debug
 * message. */
#ifndef XOCKER_RUNTIME_SECCOMP_H
#define XOCKER_RUNTIME_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>

struct xerr;
struct seccomp_program;

/* Validate and compile linux.seccomp (may be NULL).  *out is NULL when
 * there is nothing to load (no profile, or an empty one). */
int seccomp_prepare(json_t *seccomp, struct seccomp_program **out, struct xerr *err);

/* Connect to the profile's listenerPath (SOCK_STREAM), in xrun before the
 * fork, so the child can hand the notify fd to the agent.  Returns the
 * connected fd (O_CLOEXEC), or -1 with err untouched when there is nothing
 * to connect to (no program, no listenerPath or no SCMP_ACT_NOTIFY rule),
 * or -1 with err set when the connection fails. */
int seccomp_listener_connect(const struct seccomp_program *p, struct xerr *err);

/* In the container child, right before execve.  Loading a filter needs
 * no_new_privs or CAP_SYS_ADMIN: pass no_new_privs_already when
 * PR_SET_NO_NEW_PRIVS has been set (the kernel is asked otherwise); with
 * neither the call fails before touching anything.  So a process without
 * noNewPrivileges must load before it drops CAP_SYS_ADMIN (runc's order).
 * listener_fd (from seccomp_listener_connect, or -1) is always consumed
 * (closed).  state_json is the container's state (state_to_json() as
 * text): it becomes the "state" member of the container process state, and
 * its "pid" the process pid.  Everything that allocates happens before the
 * filter is loaded; after it only sendmsg and close run.  p may be NULL
 * (nothing to do). */
int seccomp_program_load(const struct seccomp_program *p, bool no_new_privs_already,
                         int listener_fd, const char *state_json, struct xerr *err);

void seccomp_program_free(struct seccomp_program *p);
/* There is a SCMP_ACT_NOTIFY rule and a listenerPath to send its fd to. */
bool seccomp_program_has_listener(const struct seccomp_program *p);
/* The program came from the cache (for tests and benchmarks). */
bool seccomp_program_from_cache(const struct seccomp_program *p);
/* Number of BPF instructions. */
size_t seccomp_program_size(const struct seccomp_program *p);

static inline void seccomp_program_freep(struct seccomp_program **p) {
  seccomp_program_free(*p);
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_program_freep)))

#endif
