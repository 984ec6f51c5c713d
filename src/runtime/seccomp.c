/* linux.seccomp -> a BPF program: validation, libseccomp, the cache.  The
 * rules that follow runc are listed in seccomp.h. */
#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define MAX_SYSCALL_ARGS 6
/* runc turns on libseccomp's binary tree above this many syscalls
 * (libseccomp <= 2.5.4 misbehaves with the tree and no rules at all). */
#define BINARY_TREE_MIN 32

/* ---- names ---- */

enum action_kind { ACT_PLAIN, ACT_WITH_ERRNO, ACT_NOTIFY };

static const struct {
  const char *name;
  uint32_t action; /* for ACT_WITH_ERRNO without its data */
  enum action_kind kind;
} actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_NOTIFY},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_WITH_ERRNO},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
};

static const struct {
  const char *name;
  uint32_t flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel checks flags before it reads the filter: with a NULL filter a
 * flag it knows fails with EFAULT and one it does not with EINVAL, and
 * nothing is installed either way.  WAIT_KILLABLE_RECV is only valid
 * together with NEW_LISTENER. */
static bool kernel_has_flag(uint32_t flag) {
  unsigned long f = flag;
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL) < 0 && errno == EFAULT;
}

/* ---- parsing ---- */

struct compile {
  scmp_filter_ctx ctx;
  uint32_t default_action;
  bool has_notify;
};

/* action + errnoRet of an object (a syscalls[] entry, or the profile with
 * defaultAction/defaultErrnoRet). */
static int parse_action(json_t *obj, const char *where, const char *action_key,
                        const char *errno_key, uint32_t *out, enum action_kind *kind,
                        struct xerr *err) {
  cleanup_free char *name = NULL;
  uint32_t errno_ret = EPERM;
  bool has_errno = false;
  char path[512];
  if (json_get_string(obj, action_key, where, true, &name, err) < 0 ||
      json_get_uint32(obj, errno_key, where, false, &errno_ret, &has_errno, err) < 0)
    return -1;
  for (size_t i = 0; i < N_ELEMENTS(actions); i++) {
    if (strcmp(actions[i].name, name) != 0)
      continue;
    *kind = actions[i].kind;
    if (has_errno && actions[i].kind != ACT_WITH_ERRNO) {
      json_path_join(path, sizeof path, where, errno_key);
      return xerr_make(err, EINVAL, "%s: action %s takes no errno", path, name);
    }
    if (errno_ret > 0xffff) {
      json_path_join(path, sizeof path, where, errno_key);
      return xerr_make(err, EINVAL, "%s: %u is out of range", path, errno_ret);
    }
    *out = actions[i].kind == ACT_WITH_ERRNO ? actions[i].action | errno_ret : actions[i].action;
    return 0;
  }
  json_path_join(path, sizeof path, where, action_key);
  return xerr_make(err, EINVAL, "%s: unknown action \"%s\"", path, name);
}

static int parse_arg(json_t *a, const char *where, struct scmp_arg_cmp *out, struct xerr *err) {
  char path[512];
  cleanup_free char *op = NULL;
  uint32_t index = 0;
  uint64_t value = 0, value_two = 0;
  if (!json_is_object(a))
    return xerr_make(err, EINVAL, "%s: expected an object", where);
  if (json_get_uint32(a, "index", where, true, &index, NULL, err) < 0 ||
      json_get_uint64(a, "value", where, true, &value, NULL, err) < 0 ||
      json_get_uint64(a, "valueTwo", where, false, &value_two, NULL, err) < 0 ||
      json_get_string(a, "op", where, true, &op, err) < 0)
    return -1;
  if (index >= MAX_SYSCALL_ARGS) {
    json_path_join(path, sizeof path, where, "index");
    return xerr_make(err, EINVAL, "%s: %u is not a syscall argument (0 to 5)", path, index);
  }
  for (size_t i = 0; i < N_ELEMENTS(operators); i++) {
    if (strcmp(operators[i].name, op) == 0) {
      /* For MASKED_EQ libseccomp, like the spec, takes the mask first. */
      *out = (struct scmp_arg_cmp){.arg = index, .op = operators[i].op, .datum_a = value,
                                   .datum_b = value_two};
      return 0;
    }
  }
  json_path_join(path, sizeof path, where, "op");
  return xerr_make(err, EINVAL, "%s: unknown operator \"%s\"", path, op);
}

static int add_rules(struct compile *cc, const char *where, const char *name, uint32_t action,
                     const struct scmp_arg_cmp *args, size_t n_args, bool split,
                     struct xerr *err) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) {
    xlog_debug("seccomp: unknown syscall \"%s\" ignored (%s)", name, where);
    return 0;
  }
  int rc;
  if (split) {
    rc = 0;
    for (size_t i = 0; i < n_args && rc == 0; i++)
      rc = seccomp_rule_add_array(cc->ctx, action, nr, 1, &args[i]);
  } else {
    rc = seccomp_rule_add_array(cc->ctx, action, nr, (unsigned)n_args, n_args ? args : NULL);
  }
  if (rc < 0)
    return xerr_make(err, -rc, "%s: add the rule for \"%s\"", where, name);
  return 0;
}

/* After load the child sends the notify fd with sendmsg: that call must
 * not itself wait for the agent that has not got the fd yet. */
static bool notify_forbidden(const char *name) {
  return strcmp(name, "sendmsg") == 0 || strcmp(name, "socketcall") == 0;
}

static int parse_syscall(struct compile *cc, json_t *entry, size_t idx, struct xerr *err) {
  char where[64], path[128];
  snprintf(where, sizeof where, "linux.seccomp.syscalls[%zu]", idx);
  if (!json_is_object(entry))
    return xerr_make(err, EINVAL, "%s: expected an object", where);
  json_t *names = NULL, *args = NULL;
  uint32_t action;
  enum action_kind kind;
  if (json_get_array(entry, "names", where, &names, err) < 0 ||
      parse_action(entry, where, "action", "errnoRet", &action, &kind, err) < 0 ||
      json_get_array(entry, "args", where, &args, err) < 0)
    return -1;
  if (names == NULL || json_array_size(names) == 0)
    return xerr_make(err, EINVAL, "%s.names: at least one syscall name is required", where);
  for (size_t i = 0; i < json_array_size(names); i++) {
    json_t *n = json_array_get(names, i);
    if (!json_is_string(n) || json_string_length(n) == 0)
      return xerr_make(err, EINVAL, "%s.names[%zu]: expected a syscall name", where, i);
    if (kind == ACT_NOTIFY && notify_forbidden(json_string_value(n)))
      return xerr_make(err, EINVAL,
                       "%s.names[%zu]: SCMP_ACT_NOTIFY cannot be used for %s (the notify fd "
                       "is sent with it)",
                       where, i, json_string_value(n));
  }
  size_t n_args = json_array_size(args);
  struct scmp_arg_cmp *cmps = n_args ? calloc(n_args, sizeof *cmps) : NULL;
  cleanup_free struct scmp_arg_cmp *cmps_owner = cmps;
  if (n_args && cmps == NULL)
    return xerr_make(err, ENOMEM, "%s", where);
  unsigned seen = 0;
  bool split = false;
  for (size_t i = 0; i < n_args; i++) {
    snprintf(path, sizeof path, "%s.args[%zu]", where, i);
    if (parse_arg(json_array_get(args, i), path, &cmps[i], err) < 0)
      return -1;
    /* runc: two comparisons of the same argument in one entry cannot all
     * hold at once in its reading, so each becomes a rule of its own. */
    if (seen & (1u << cmps[i].arg))
      split = true;
    seen |= 1u << cmps[i].arg;
  }
  if (kind == ACT_NOTIFY)
    cc->has_notify = true;
  if (action == cc->default_action)
    return 0; /* redundant; libseccomp would refuse it */
  for (size_t i = 0; i < json_array_size(names); i++)
    if (add_rules(cc, where, json_string_value(json_array_get(names, i)), action, cmps, n_args,
                  split, err) < 0)
      return -1;
  return 0;
}

static int parse_architectures(struct compile *cc, json_t *seccomp, struct xerr *err) {
  json_t *archs;
  if (json_get_array(seccomp, "architectures", "linux.seccomp", &archs, err) < 0)
    return -1;
  for (size_t i = 0; i < json_array_size(archs); i++) {
    json_t *a = json_array_get(archs, i);
    const char *name = json_string_value(a);
    if (name == NULL)
      return xerr_make(err, EINVAL, "linux.seccomp.architectures[%zu]: expected a string", i);
    /* libseccomp's name is the lower-cased tail: SCMP_ARCH_X86_64 -> x86_64. */
    char lower[32];
    uint32_t token = 0;
    if (strncmp(name, "SCMP_ARCH_", 10) == 0 && strlen(name + 10) < sizeof lower) {
      size_t j = 0;
      for (const char *s = name + 10; *s; s++)
        lower[j++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
      lower[j] = '\0';
      token = seccomp_arch_resolve_name(lower);
    }
    if (token == 0)
      return xerr_make(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                       i, name);
    int rc = seccomp_arch_add(cc->ctx, token);
    if (rc < 0 && rc != -EEXIST)
      return xerr_make(err, -rc, "linux.seccomp.architectures[%zu]: add %s", i, name);
  }
  return 0;
}

static int parse_flags(json_t *seccomp, struct seccomp_program *p, struct xerr *err) {
  json_t *flags;
  uint32_t *out = &p->flags;
  if (json_get_array(seccomp, "flags", "linux.seccomp", &flags, err) < 0)
    return -1;
  *out = 0;
  if (flags == NULL) {
    /* runc's default when the member is absent (not when it is []). */
    if (kernel_has_flag(SECCOMP_FILTER_FLAG_SPEC_ALLOW)) {
      *out = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
      p->spec_allow_implicit = true;
    }
    return 0;
  }
  for (size_t i = 0; i < json_array_size(flags); i++) {
    const char *name = json_string_value(json_array_get(flags, i));
    if (name == NULL)
      return xerr_make(err, EINVAL, "linux.seccomp.flags[%zu]: expected a string", i);
    size_t k = 0;
    while (k < N_ELEMENTS(filter_flags) && strcmp(filter_flags[k].name, name) != 0)
      k++;
    if (k == N_ELEMENTS(filter_flags))
      return xerr_make(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, name);
    if (!kernel_has_flag(filter_flags[k].flag))
      return xerr_make(err, EINVAL, "linux.seccomp.flags[%zu]: %s is not supported by this kernel",
                       i, name);
    *out |= filter_flags[k].flag;
  }
  return 0;
}

/* Export to a memfd and read it back: libseccomp 2.5 has no export to
 * memory (seccomp_export_bpf_mem came in 2.6). */
static int export_program(struct compile *cc, struct seccomp_program *p, struct xerr *err) {
  cleanup_close int fd = memfd_create("xrun-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "linux.seccomp: memfd_create");
  int rc = seccomp_export_bpf(cc->ctx, fd);
  if (rc < 0)
    return xerr_make(err, -rc, "linux.seccomp: generate the BPF program");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return xerr_make(err, errno, "linux.seccomp: read the BPF program");
  size_t size = (size_t)st.st_size;
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return xerr_make(err, EPROTO, "linux.seccomp: libseccomp produced %zu bytes of BPF", size);
  if (size / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return xerr_make(err, E2BIG, "linux.seccomp: the filter has %zu instructions, more than %d",
                     size / sizeof(struct sock_filter), BPF_MAXINSNS);
  p->insns = malloc(size);
  if (p->insns == NULL)
    return xerr_make(err, ENOMEM, "linux.seccomp");
  if (pread(fd, p->insns, size, 0) != (ssize_t)size)
    return xerr_make(err, errno ? errno : EIO, "linux.seccomp: read the BPF program");
  p->n_insns = size / sizeof(struct sock_filter);
  return 0;
}

static int compile_profile(json_t *seccomp, struct seccomp_program *p, struct xerr *err) {
  struct compile cc = {0};
  enum action_kind kind;
  json_t *syscalls;
  int ret = -1;
  if (parse_action(seccomp, "linux.seccomp", "defaultAction", "defaultErrnoRet",
                   &cc.default_action, &kind, err) < 0 ||
      json_get_array(seccomp, "syscalls", "linux.seccomp", &syscalls, err) < 0 ||
      parse_flags(seccomp, p, err) < 0)
    return -1;
  if (kind == ACT_NOTIFY)
    return xerr_make(err, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
                                  "default action");
  cc.ctx = seccomp_init(cc.default_action);
  if (cc.ctx == NULL)
    return xerr_make(err, EINVAL, "linux.seccomp.defaultAction: libseccomp refused it");
  if (parse_architectures(&cc, seccomp, err) < 0)
    goto out;
  size_t n_names = 0;
  for (size_t i = 0; i < json_array_size(syscalls); i++)
    n_names += json_array_size(json_member(json_array_get(syscalls, i), "names"));
  if (n_names > BINARY_TREE_MIN && seccomp_attr_set(cc.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
    xlog_debug("seccomp: libseccomp has no binary tree optimization");
  for (size_t i = 0; i < json_array_size(syscalls); i++)
    if (parse_syscall(&cc, json_array_get(syscalls, i), i, err) < 0)
      goto out;
  if (cc.has_notify && p->listener_path == NULL) {
    xerr_make(err, EINVAL, "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
    goto out;
  }
  p->has_notify = cc.has_notify;
  if (!cc.has_notify)
    p->flags &= ~(uint32_t)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  ret = export_program(&cc, p, err);
out:
  seccomp_release(cc.ctx);
  return ret;
}

/* ---- public ---- */

static bool profile_empty(json_t *seccomp) {
  json_t *def = json_member(seccomp, "defaultAction");
  json_t *sys = json_member(seccomp, "syscalls");
  return (def == NULL || (json_is_string(def) && json_string_length(def) == 0)) &&
         (sys == NULL || (json_is_array(sys) && json_array_size(sys) == 0));
}

int seccomp_prepare(json_t *seccomp, struct seccomp_program **out, struct xerr *err) {
  *out = NULL;
  if (seccomp == NULL)
    return 0;
  if (!json_is_object(seccomp))
    return xerr_make(err, EINVAL, "linux.seccomp: expected an object");
  if (profile_empty(seccomp))
    return 0;
  struct seccomp_program *p = calloc(1, sizeof *p);
  if (p == NULL)
    return xerr_make(err, ENOMEM, "linux.seccomp");
  cleanup_seccomp struct seccomp_program *owner = p;
  if (json_get_string(seccomp, "listenerPath", "linux.seccomp", false, &p->listener_path, err) <
          0 ||
      json_get_string(seccomp, "listenerMetadata", "linux.seccomp", false,
                      &p->listener_metadata, err) < 0)
    return -1;
  if (p->listener_path && p->listener_path[0] == '\0') {
    free(p->listener_path);
    p->listener_path = NULL;
  }
  if (p->listener_metadata && p->listener_path == NULL)
    return xerr_make(err, EINVAL, "linux.seccomp.listenerMetadata: set without listenerPath");
  char key[SECCOMP_CACHE_KEY_LEN + 1];
  bool keyed = seccomp_cache_key(seccomp, key) == 0;
  if (keyed && seccomp_cache_read(key, p) == 0) {
    p->from_cache = true;
    *out = steal_pointer(&owner);
    return 0;
  }
  if (compile_profile(seccomp, p, err) < 0)
    return -1;
  if (keyed)
    seccomp_cache_write(key, p);
  *out = steal_pointer(&owner);
  return 0;
}

void seccomp_program_free(struct seccomp_program *p) {
  if (p == NULL)
    return;
  free(p->insns);
  free(p->listener_path);
  free(p->listener_metadata);
  free(p);
}

bool seccomp_program_has_listener(const struct seccomp_program *p) {
  return p && p->has_notify && p->listener_path;
}

bool seccomp_program_from_cache(const struct seccomp_program *p) { return p && p->from_cache; }

size_t seccomp_program_size(const struct seccomp_program *p) { return p ? p->n_insns : 0; }
