/* `xrun features`: the OCI features document (runtime-spec features.md),
 * saying what config.json may ask of this runtime. */
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mountopts.h"
#include "names.h"
#include "common/jsonutil.h"
#include "spec.h"


/* {"enabled": value} */
static json_t *enabled(bool value) {
  json_t *o = json_object();
  if (o && json_put(o, "enabled", json_boolean(value)) < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *capabilities(void) {
  json_t *arr = json_array();
  for (int cap = 0; arr && cap < CAPABILITY_COUNT; cap++) {
    if (json_append(arr, json_string(capability_name(cap))) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

static json_t *cgroup_features(void) {
  json_t *o = json_object();
  if (o == NULL || json_put(o, "v1", json_true()) < 0 || json_put(o, "v2", json_true()) < 0 ||
      json_put(o, "systemd", json_false()) < 0 || json_put(o, "systemdUser", json_false()) < 0 ||
      json_put(o, "rdma", json_true()) < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* ---- seccomp ---- */

static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",   "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",  "SCMP_ACT_LOG",   "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",         NULL,
};

static const char *const seccomp_operators[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",        "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};

/* Every architecture name of the runtime spec; only those the linked
 * libseccomp can resolve are reported. */
static const char *const seccomp_archs[] = {
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_ARM",       "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",        "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",      "SCMP_ARCH_S390X",
    "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",      "SCMP_ARCH_X32",
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",
};

/* libseccomp's own name is the lower-cased tail: SCMP_ARCH_X86_64 -> x86_64. */
static bool arch_known(const char *spec_name) {
  char name[32];
  const char *tail = spec_name + strlen("SCMP_ARCH_");
  size_t i = 0;
  for (; tail[i] && i < sizeof name - 1; i++)
    name[i] = (char)tolower((unsigned char)tail[i]);
  name[i] = '\0';
  return seccomp_arch_resolve_name(name) != 0;
}

static json_t *archs(void) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < sizeof seccomp_archs / sizeof seccomp_archs[0]; i++) {
    if (arch_known(seccomp_archs[i]) && json_append(arr, json_string(seccomp_archs[i])) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct seccomp_flag {
  const char *name;
  unsigned long kernel_flag;
  unsigned min_api;   /* libseccomp API level that can set it, 0 = never */
};

static const struct seccomp_flag seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, 2},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, 3},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, 4},
#ifdef SCMP_FLTATR_CTL_WAITKILL
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, 7},
#endif
};

/* The kernel checks the flags before it reads the filter: a NULL filter
 * then fails with EFAULT for a flag it knows and EINVAL for one it does
 * not, and nothing is installed either way. */
static bool kernel_has_flag(unsigned long flag) {
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static json_t *flags(bool only_supported) {
  unsigned api = only_supported ? seccomp_api_get() : 0;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < sizeof seccomp_flags / sizeof seccomp_flags[0]; i++) {
    const struct seccomp_flag *f = &seccomp_flags[i];
    if (only_supported && (api < f->min_api || !kernel_has_flag(f->kernel_flag)))
      continue;
    if (json_append(arr, json_string(f->name)) < 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

static json_t *seccomp_features(void) {
  json_t *o = json_object();
  if (o == NULL || json_put(o, "enabled", json_true()) < 0 ||
      json_put(o, "actions", json_string_array(seccomp_actions)) < 0 ||
      json_put(o, "operators", json_string_array(seccomp_operators)) < 0 ||
      json_put(o, "archs", archs()) < 0 || json_put(o, "knownFlags", flags(false)) < 0 ||
      json_put(o, "supportedFlags", flags(true)) < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* ---- the document ---- */

static json_t *linux_features(void) {
  static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid",
                                           "time",   "user", "uts",   NULL};
  json_t *idmap = json_object();
  if (idmap && json_put(idmap, "idmap", enabled(false)) < 0) {
    json_decref(idmap);
    idmap = NULL;
  }
  json_t *o = json_object();
  if (o == NULL || json_put(o, "namespaces", json_string_array(namespaces)) < 0 ||
      json_put(o, "capabilities", capabilities()) < 0 || json_put(o, "cgroup", cgroup_features()) < 0 ||
      json_put(o, "seccomp", seccomp_features()) < 0 || json_put(o, "apparmor", enabled(false)) < 0 ||
      json_put(o, "selinux", enabled(false)) < 0 || json_put(o, "intelRdt", enabled(false)) < 0 ||
      json_put(o, "mountExtensions", idmap) < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *annotations(void) {
  const struct scmp_version *v = seccomp_version();
  char libseccomp[32];
  snprintf(libseccomp, sizeof libseccomp, "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
           v ? v->micro : 0);
  json_t *o = json_object();
  if (o == NULL || json_put(o, "io.github.seccomp.libseccomp.version", json_string(libseccomp)) < 0 ||
      json_put(o, "io.github.xocker.xrun.version", json_string(XRUN_VERSION)) < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                    "startContainer", "poststart",     "poststop",
                                    NULL};

json_t *spec_features(void) {
  json_t *doc = json_object();
  if (doc == NULL || json_put(doc, "ociVersionMin", json_string("1.0.0")) < 0 ||
      json_put(doc, "ociVersionMax", json_string(SPEC_OCI_VERSION_MAX)) < 0 ||
      json_put(doc, "hooks", json_string_array(hooks)) < 0 ||
      json_put(doc, "mountOptions", json_string_array(mount_option_names())) < 0 ||
      json_put(doc, "linux", linux_features()) < 0 || json_put(doc, "annotations", annotations()) < 0) {
    json_decref(doc);
    return NULL;
  }
  return doc;
}
