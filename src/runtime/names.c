#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/xerr.h"

struct name_value {
  const char *name;
  int value;
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static int compare_name(const void *key, const void *elem) {
  return strcasecmp(key, ((const struct name_value *)elem)->name);
}

/* Tables searched by name are sorted the way strcasecmp orders them: it
 * compares lower-cased bytes, so '_' sorts before every letter
 * ("CAP_SYS_TIME" < "CAP_SYSLOG").  test_names checks the order. */
static const struct name_value *lookup(const struct name_value *table, size_t n,
                                       const char *name) {
  return bsearch(name, table, n, sizeof *table, compare_name);
}

/* Parse a whole decimal number in [min, max]; no sign, no spaces. */
static bool parse_small_number(const char *s, int min, int max, int *out) {
  if (*s < '0' || *s > '9')
    return false;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return false;
    v = v * 10 + (*s - '0');
    if (v > max)
      return false;
  }
  if (v < min)
    return false;
  *out = (int)v;
  return true;
}

/* ---- signals ---- */

/* Names without the SIG prefix, sorted.  Aliases (IOT, CLD, POLL) map to
 * the same numbers as ABRT, CHLD, IO. */
static const struct name_value signal_table[] = {
    {"ABRT", SIGABRT},   {"ALRM", SIGALRM},     {"BUS", SIGBUS},     {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},    {"CONT", SIGCONT},     {"FPE", SIGFPE},     {"HUP", SIGHUP},
    {"ILL", SIGILL},     {"INT", SIGINT},       {"IO", SIGIO},       {"IOT", SIGIOT},
    {"KILL", SIGKILL},   {"PIPE", SIGPIPE},     {"POLL", SIGPOLL},   {"PROF", SIGPROF},
    {"PWR", SIGPWR},     {"QUIT", SIGQUIT},     {"SEGV", SIGSEGV},   {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP},   {"SYS", SIGSYS},       {"TERM", SIGTERM},   {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"USR1", SIGUSR1},   {"USR2", SIGUSR2},     {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
};

/* Canonical names by number, for signal_name(). */
static const char *const signal_names[] = {
    [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
    [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
    [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
    [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
    [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
    [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
    [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
    [SIGSYS] = "SIGSYS",
};

/* Real-time signals are named the way bash's `kill -l` does: the lower
 * half counts up from RTMIN, the upper half down from RTMAX. */
static const char *const rtmin_names[] = {
    "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
    "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
    "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16",
};
static const char *const rtmax_names[] = {
    "SIGRTMAX",    "SIGRTMAX-1",  "SIGRTMAX-2",  "SIGRTMAX-3",  "SIGRTMAX-4",  "SIGRTMAX-5",
    "SIGRTMAX-6",  "SIGRTMAX-7",  "SIGRTMAX-8",  "SIGRTMAX-9",  "SIGRTMAX-10", "SIGRTMAX-11",
    "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14", "SIGRTMAX-15", "SIGRTMAX-16",
};

/* "RTMIN", "RTMIN+3", "RTMAX-2", "RTMAX" (SIG already stripped). */
static bool parse_rt_signal(const char *s, int *out) {
  int base, sign;
  if (strncasecmp(s, "RTMIN", 5) == 0) {
    base = SIGRTMIN;
    sign = 1;
  } else if (strncasecmp(s, "RTMAX", 5) == 0) {
    base = SIGRTMAX;
    sign = -1;
  } else {
    return false;
  }
  s += 5;
  if (*s == '\0') {
    *out = base;
    return true;
  }
  if (*s != (sign > 0 ? '+' : '-'))
    return false;
  int off;
  if (!parse_small_number(s + 1, 0, SIGRTMAX - SIGRTMIN, &off))
    return false;
  *out = base + sign * off;
  return true;
}

int signal_parse(const char *name, int *out, struct xerr *err) {
  if (name == NULL || *name == '\0')
    return xerr_make(err, EINVAL, "empty signal name");
  int sig;
  /* 0 is accepted: kill(pid, 0) is the usual "is it alive" probe. */
  if (parse_small_number(name, 0, SIGRTMAX, &sig)) {
    *out = sig;
    return 0;
  }
  const char *s = strncasecmp(name, "SIG", 3) == 0 ? name + 3 : name;
  const struct name_value *nv = lookup(signal_table, N_ELEMENTS(signal_table), s);
  if (nv) {
    *out = nv->value;
    return 0;
  }
  if (parse_rt_signal(s, &sig)) {
    *out = sig;
    return 0;
  }
  return xerr_make(err, EINVAL, "unknown signal \"%s\"", name);
}

const char *signal_name(int sig) {
  if (sig > 0 && (size_t)sig < N_ELEMENTS(signal_names) && signal_names[sig])
    return signal_names[sig];
  if (sig < SIGRTMIN || sig > SIGRTMAX)
    return NULL;
  int from_min = sig - SIGRTMIN, from_max = SIGRTMAX - sig;
  if (from_min <= from_max && (size_t)from_min < N_ELEMENTS(rtmin_names))
    return rtmin_names[from_min];
  if ((size_t)from_max < N_ELEMENTS(rtmax_names))
    return rtmax_names[from_max];
  return NULL;
}

/* ---- capabilities ---- */

/* Every capability of linux/capability.h, sorted by name. */
static const struct name_value capability_table[] = {
    {"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
    {"CAP_AUDIT_READ", CAP_AUDIT_READ},
    {"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
    {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
    {"CAP_BPF", CAP_BPF},
    {"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
    {"CAP_CHOWN", CAP_CHOWN},
    {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
    {"CAP_FOWNER", CAP_FOWNER},
    {"CAP_FSETID", CAP_FSETID},
    {"CAP_IPC_LOCK", CAP_IPC_LOCK},
    {"CAP_IPC_OWNER", CAP_IPC_OWNER},
    {"CAP_KILL", CAP_KILL},
    {"CAP_LEASE", CAP_LEASE},
    {"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
    {"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
    {"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
    {"CAP_MKNOD", CAP_MKNOD},
    {"CAP_NET_ADMIN", CAP_NET_ADMIN},
    {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
    {"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
    {"CAP_NET_RAW", CAP_NET_RAW},
    {"CAP_PERFMON", CAP_PERFMON},
    {"CAP_SETFCAP", CAP_SETFCAP},
    {"CAP_SETGID", CAP_SETGID},
    {"CAP_SETPCAP", CAP_SETPCAP},
    {"CAP_SETUID", CAP_SETUID},
    {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
    {"CAP_SYS_BOOT", CAP_SYS_BOOT},
    {"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
    {"CAP_SYS_MODULE", CAP_SYS_MODULE},
    {"CAP_SYS_NICE", CAP_SYS_NICE},
    {"CAP_SYS_PACCT", CAP_SYS_PACCT},
    {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
    {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
    {"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
    {"CAP_SYS_TIME", CAP_SYS_TIME},
    {"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
    {"CAP_SYSLOG", CAP_SYSLOG},
    {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
};

/* By number, for capability_name() and the features document. */
static const char *const capability_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [CAP_PERFMON] = "CAP_PERFMON",
    [CAP_BPF] = "CAP_BPF",
    [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

_Static_assert(N_ELEMENTS(capability_names) == N_ELEMENTS(capability_table),
               "capability tables out of step");
_Static_assert(N_ELEMENTS(capability_names) == CAPABILITY_COUNT,
               "CAPABILITY_COUNT out of step");

int capability_parse(const char *name, int *out, struct xerr *err) {
  /* runc wants the CAP_ prefix; case does not matter, as in runc. */
  const struct name_value *nv =
      name && strncasecmp(name, "CAP_", 4) == 0
          ? lookup(capability_table, N_ELEMENTS(capability_table), name)
          : NULL;
  if (nv == NULL)
    return xerr_make(err, EINVAL, "unknown capability \"%s\"", name ? name : "");
  *out = nv->value;
  return 0;
}

const char *capability_name(int cap) {
  if (cap < 0 || (size_t)cap >= N_ELEMENTS(capability_names))
    return NULL;
  return capability_names[cap];
}

/* The kernel's own number is read once: every container start asks. */
static int read_cap_last_cap(void) {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return CAP_LAST_CAP;
  char buf[16];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return CAP_LAST_CAP;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  buf[n] = '\0';
  int v;
  /* 63 is the most a 64-bit capability mask can hold. */
  if (!parse_small_number(buf, 0, 63, &v))
    return CAP_LAST_CAP;
  return v;
}

int capability_last(void) {
  static int cached = -1;
  int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (v < 0) {
    v = read_cap_last_cap();
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
  }
  return v;
}

/* ---- rlimits ---- */

static const struct name_value rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_parse(const char *name, int *out, struct xerr *err) {
  const struct name_value *nv =
      name ? lookup(rlimit_table, N_ELEMENTS(rlimit_table), name) : NULL;
  if (nv == NULL)
    return xerr_make(err, EINVAL, "unknown rlimit \"%s\"", name ? name : "");
  *out = nv->value;
  return 0;
}

const char *rlimit_name(int resource) {
  for (size_t i = 0; i < N_ELEMENTS(rlimit_table); i++)
    if (rlimit_table[i].value == resource)
      return rlimit_table[i].name;
  return NULL;
}

/* ---- table self-checks, for the unit tests ---- */

static bool table_sorted(const struct name_value *t, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (strcasecmp(t[i - 1].name, t[i].name) >= 0)
      return false;
  return true;
}

bool names_tables_sorted(void) {
  return table_sorted(signal_table, N_ELEMENTS(signal_table)) &&
         table_sorted(capability_table, N_ELEMENTS(capability_table)) &&
         table_sorted(rlimit_table, N_ELEMENTS(rlimit_table));
}
