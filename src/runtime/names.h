/* Lookup tables between names and numbers: signals, capabilities,
 * rlimits.  Binary searches or small tables so the start path stays fast. */
#ifndef XOCKER_RUNTIME_NAMES_H
#define XOCKER_RUNTIME_NAMES_H

#include <stdbool.h>

struct xerr;

/* "KILL", "SIGKILL", "9", "kill" -> 9.  Also "RTMIN+3". Unknown -> error
 * naming it ("unknown signal \"FOO\""). */
int signal_parse(const char *name, int *out, struct xerr *err);
/* 9 -> "SIGKILL", NULL when unknown. */
const char *signal_name(int sig);

/* "CAP_SYS_ADMIN" -> 21; every capability the kernel headers know,
 * including CAP_BPF, CAP_PERFMON, CAP_CHECKPOINT_RESTORE.  Unknown -> error
 * "unknown capability \"CAP_FOO\"". */
int capability_parse(const char *name, int *out, struct xerr *err);
const char *capability_name(int cap);
/* The highest capability number this kernel knows
 * (/proc/sys/kernel/cap_last_cap), cached. */
int capability_last(void);
/* How many capabilities capability_name() knows: 0 .. CAPABILITY_COUNT-1. */
#define CAPABILITY_COUNT 41

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE.  Unknown -> error. */
int rlimit_parse(const char *name, int *out, struct xerr *err);
/* RLIMIT_NOFILE -> "RLIMIT_NOFILE", NULL when unknown. */
const char *rlimit_name(int resource);

/* For the unit tests: the name tables are in bsearch order. */
bool names_tables_sorted(void);

#endif
