/* linux.seccomp for a container: xocker's built-in profile (opened up for
 * the capabilities the container holds, as Docker's default is), or a
 * profile in Docker's format (--security-opt seccomp=FILE), whose
 * includes/excludes by capability, architecture and kernel and whose
 * archMap are resolved here into the plain OCI form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/xerr.h"
#include "engine/hostconfig_internal.h"

/* Syscalls Docker's default profile allows only with a capability
 * (src/runtime/profiles/README.md). */
static const struct {
  const char *cap;
  const char *const names[24];
} cap_syscalls[] = {
    {"CAP_SYS_ADMIN",
     {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
      "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
      "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
      "umount2", "unshare", NULL}},
    {"CAP_SYS_BOOT", {"reboot", NULL}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module", NULL}},
    {"CAP_SYS_PACCT", {"acct", NULL}},
    {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise", NULL}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm", NULL}},
    {"CAP_SYS_TIME",
     {"settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime",
      "clock_adjtime64", NULL}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup", NULL}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL}},
    {"CAP_SYSLOG", {"syslog", NULL}},
    {"CAP_BPF", {"bpf", NULL}},
    {"CAP_PERFMON", {"perf_event_open", NULL}},
};

static bool has_string(json_t *list, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
  return false;
}

/* The profile's only rule for name (clone's namespace-flag check, clone3's
 * ENOSYS), dropped when the capability allows the call outright. */
static void drop_single_rule(json_t *syscalls, const char *name) {
  for (size_t i = json_array_size(syscalls); i-- > 0;) {
    json_t *names = json_object_get(json_array_get(syscalls, i), "names");
    if (json_array_size(names) == 1 && has_string(names, name))
      json_array_remove(syscalls, i);
  }
}

static int builtin_profile(json_t *caps, json_t **out, struct xerr *err) {
  json_error_t jerr;
  json_t *profile = json_loadb((const char *)xocker_default_seccomp, xocker_default_seccomp_len, 0, &jerr);
  if (!profile)
    return xerr_set(err, EINVAL, "built-in seccomp profile: %s", jerr.text);
  json_t *syscalls = json_object_get(profile, "syscalls");
  json_t *extra = json_array();
  for (size_t c = 0; c < sizeof cap_syscalls / sizeof cap_syscalls[0]; c++) {
    if (!has_string(caps, cap_syscalls[c].cap))
      continue;
    for (const char *const *n = cap_syscalls[c].names; *n; n++) {
      if (has_string(extra, *n))
        continue;
      drop_single_rule(syscalls, *n);
      json_array_append_new(extra, json_string(*n));
    }
  }
  if (json_array_size(extra)) {
    json_t *rule = json_object();
    json_object_set_new(rule, "names", extra);
    json_object_set_new(rule, "action", json_string("SCMP_ACT_ALLOW"));
    json_array_append_new(syscalls, rule);
  } else {
    json_decref(extra);
  }
  *out = profile;
  return 0;
}

/* ---- Docker's format ---- */

struct host {
  const char *goarch;    /* as Docker's profiles name arches: amd64, arm64 */
  const char *scmp_arch; /* SCMP_ARCH_X86_64 */
  int kernel[2];
};

static void host_facts(struct host *h) {
  static const struct {
    const char *machine, *goarch, *scmp;
  } arches[] = {
      {"x86_64", "amd64", "SCMP_ARCH_X86_64"},   {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
      {"i686", "386", "SCMP_ARCH_X86"},          {"armv7l", "arm", "SCMP_ARCH_ARM"},
      {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390x", "s390x", "SCMP_ARCH_S390X"},
      {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
  };
  struct utsname u;
  *h = (struct host){"amd64", "SCMP_ARCH_X86_64", {0, 0}};
  if (uname(&u) < 0)
    return;
  for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
    if (strcmp(u.machine, arches[i].machine) == 0) {
      h->goarch = arches[i].goarch;
      h->scmp_arch = arches[i].scmp;
    }
  sscanf(u.release, "%d.%d", &h->kernel[0], &h->kernel[1]);
}

static bool kernel_at_least(const struct host *h, json_t *min) {
  int want[2] = {0, 0};
  if (!json_is_string(min) || sscanf(json_string_value(min), "%d.%d", &want[0], &want[1]) < 1)
    return true;
  return h->kernel[0] > want[0] || (h->kernel[0] == want[0] && h->kernel[1] >= want[1]);
}

static bool all_in(json_t *want, json_t *have) {
  size_t i;
  json_t *v;
  json_array_foreach(want, i, v) if (!has_string(have, json_string_value(v))) return false;
  return true;
}

static bool any_in(json_t *want, json_t *have) {
  size_t i;
  json_t *v;
  json_array_foreach(want, i, v) if (has_string(have, json_string_value(v))) return true;
  return false;
}

/* Whether a rule applies to this host and capability set. */
static bool rule_applies(json_t *rule, const struct host *h, json_t *caps) {
  json_t *ex = json_object_get(rule, "excludes"), *in = json_object_get(rule, "includes");
  json_t *arch = json_pack("[s]", h->goarch);
  bool ok = true;
  if (json_is_object(ex)) {
    json_t *min = json_object_get(ex, "minKernel");
    if (any_in(json_object_get(ex, "arches"), arch) || any_in(json_object_get(ex, "caps"), caps) ||
        (json_is_string(min) && kernel_at_least(h, min)))
      ok = false;
  }
  if (ok && json_is_object(in)) {
    json_t *arches = json_object_get(in, "arches");
    if ((json_array_size(arches) && !any_in(arches, arch)) || !all_in(json_object_get(in, "caps"), caps) ||
        !kernel_at_least(h, json_object_get(in, "minKernel")))
      ok = false;
  }
  json_decref(arch);
  return ok;
}

static json_t *architectures(json_t *profile, const struct host *h) {
  json_t *map = json_object_get(profile, "archMap");
  size_t i;
  json_t *e;
  if (!json_is_array(map))
    return json_deep_copy(json_object_get(profile, "architectures"));
  json_array_foreach(map, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "architecture")) ?: "", h->scmp_arch) != 0)
      continue;
    json_t *out = json_pack("[s]", h->scmp_arch);
    json_array_extend(out, json_object_get(e, "subArchitectures"));
    return out;
  }
  return NULL;
}

static int convert_rule(json_t *rule, size_t index, json_t *out, struct xerr *err) {
  json_t *name = json_object_get(rule, "name"), *names = json_object_get(rule, "names");
  if (json_is_string(name) && json_string_length(name) && json_array_size(names))
    return xerr_set(err, EINVAL,
                    "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  json_t *r = json_object();
  json_object_set_new(r, "names", json_is_string(name) && json_string_length(name)
                                      ? json_pack("[O]", name)
                                      : json_deep_copy(names ? names : json_array()));
  static const char *const keep[] = {"action", "errnoRet", "args", NULL};
  for (const char *const *k = keep; *k; k++) {
    json_t *v = json_object_get(rule, *k);
    if (v && !json_is_null(v))
      json_object_set_new(r, *k, json_deep_copy(v));
  }
  if (!json_is_string(json_object_get(r, "action"))) {
    json_decref(r);
    return xerr_set(err, EINVAL, "Decoding seccomp profile failed: syscalls[%zu]: no action", index);
  }
  json_array_append_new(out, r);
  return 0;
}

static int docker_profile(const char *text, json_t *caps, json_t **out, struct xerr *err) {
  json_error_t jerr;
  json_t *profile = json_loads(text, 0, &jerr);
  if (!json_is_object(profile)) {
    json_decref(profile);
    return xerr_set(err, EINVAL, "Decoding seccomp profile failed: %s", profile ? "not an object" : jerr.text);
  }
  if (json_object_get(profile, "architectures") && json_object_get(profile, "archMap")) {
    json_decref(profile);
    return xerr_set(err, EINVAL,
                    "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  struct host h;
  host_facts(&h);
  json_t *oci = json_object();
  static const char *const keep[] = {"defaultAction", "defaultErrnoRet", "flags", "listenerPath",
                                     "listenerMetadata", NULL};
  for (const char *const *k = keep; *k; k++) {
    json_t *v = json_object_get(profile, *k);
    if (v && !json_is_null(v))
      json_object_set_new(oci, *k, json_deep_copy(v));
  }
  json_t *arches = architectures(profile, &h);
  if (arches)
    json_object_set_new(oci, "architectures", arches);
  json_t *syscalls = json_array();
  json_object_set_new(oci, "syscalls", syscalls);
  size_t i;
  json_t *rule;
  json_array_foreach(json_object_get(profile, "syscalls"), i, rule) {
    if (!rule_applies(rule, &h, caps))
      continue;
    if (convert_rule(rule, i, syscalls, err) < 0) {
      json_decref(oci);
      json_decref(profile);
      return -1;
    }
  }
  json_decref(profile);
  *out = oci;
  return 0;
}

int hc_seccomp(const char *profile, json_t *caps, json_t **out, struct xerr *err) {
  return profile ? docker_profile(profile, caps, out, err) : builtin_profile(caps, out, err);
}
