/* Unit tests of the documents xrun writes: the default config.json
 * (`xrun spec`, runc's shape) and the features document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/xerr.h"
#include "runtime/caps.h"
#include "runtime/config.h"
#include "runtime/mountopts.h"
#include "runtime/names.h"
#include "runtime/spec.h"

/* The value at a dotted path ("linux.seccomp.archs"), borrowed. */
static json_t *at(json_t *doc, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *cur = doc;
  char *save = NULL;
  for (char *key = strtok_r(buf, ".", &save); key && cur; key = strtok_r(NULL, ".", &save))
    cur = json_object_get(cur, key);
  if (cur == NULL)
    fail_msg("%s: missing", path);
  return cur;
}

static const char *str_at(json_t *doc, const char *path) {
  json_t *v = at(doc, path);
  if (!json_is_string(v))
    fail_msg("%s: not a string", path);
  return json_string_value(v);
}

static bool array_has(json_t *arr, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
      return true;
  }
  return false;
}

/* The strings of arr joined by ',', for compact comparisons. */
static char *joined(json_t *arr) {
  static char buf[4096];
  buf[0] = '\0';
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (i)
      strcat(buf, ",");
    strcat(buf, json_string_value(v));
  }
  return buf;
}

static json_t *mount_at(json_t *spec, const char *dest) {
  size_t i;
  json_t *m;
  json_array_foreach(at(spec, "mounts"), i, m) {
    if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
      return m;
  }
  fail_msg("no mount at %s", dest);
  return NULL;
}

static char *ns_types(json_t *spec) {
  static char buf[256];
  buf[0] = '\0';
  size_t i;
  json_t *ns;
  json_array_foreach(at(spec, "linux.namespaces"), i, ns) {
    if (i)
      strcat(buf, ",");
    strcat(buf, json_string_value(json_object_get(ns, "type")));
  }
  return buf;
}

/* ---- spec_default ---- */

static void test_default_shape(void **state) {
  (void)state;
  json_t *spec = spec_default(false);
  assert_non_null(spec);
  assert_string_equal(str_at(spec, "ociVersion"), "1.0.2-dev");
  assert_string_equal(str_at(spec, "root.path"), "rootfs");
  assert_true(json_is_true(at(spec, "root.readonly")));
  assert_true(json_is_true(at(spec, "process.terminal")));
  assert_true(json_is_true(at(spec, "process.noNewPrivileges")));
  assert_string_equal(joined(at(spec, "process.args")), "sh");
  assert_string_equal(str_at(spec, "process.cwd"), "/");
  assert_int_equal(json_integer_value(at(spec, "process.user.uid")), 0);
  assert_int_equal(json_integer_value(at(spec, "process.user.gid")), 0);
  assert_string_equal(joined(at(spec, "process.env")),
                      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,"
                      "TERM=xterm");
  static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
  for (size_t i = 0; i < 4; i++) {
    char path[64];
    snprintf(path, sizeof path, "process.capabilities.%s", sets[i]);
    assert_string_equal(joined(at(spec, path)), "CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE");
  }
  assert_null(json_object_get(at(spec, "process.capabilities"), "inheritable"));
  json_t *rl = json_array_get(at(spec, "process.rlimits"), 0);
  assert_string_equal(str_at(rl, "type"), "RLIMIT_NOFILE");
  assert_int_equal(json_integer_value(at(rl, "hard")), 1024);
  assert_int_equal(json_integer_value(at(rl, "soft")), 1024);
  assert_string_equal(str_at(spec, "hostname"), "xrun");
  json_decref(spec);
}

static void test_default_mounts(void **state) {
  (void)state;
  json_t *spec = spec_default(false);
  assert_int_equal(json_array_size(at(spec, "mounts")), 7);
  json_t *proc = mount_at(spec, "/proc");
  assert_string_equal(str_at(proc, "type"), "proc");
  assert_null(json_object_get(proc, "options"));
  assert_string_equal(joined(at(mount_at(spec, "/dev"), "options")),
                      "nosuid,strictatime,mode=755,size=65536k");
  assert_string_equal(joined(at(mount_at(spec, "/dev/pts"), "options")),
                      "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
  assert_string_equal(str_at(mount_at(spec, "/dev/shm"), "source"), "shm");
  assert_string_equal(str_at(mount_at(spec, "/dev/mqueue"), "type"), "mqueue");
  json_t *sys = mount_at(spec, "/sys");
  assert_string_equal(str_at(sys, "type"), "sysfs");
  assert_string_equal(joined(at(sys, "options")), "nosuid,noexec,nodev,ro");
  assert_string_equal(joined(at(mount_at(spec, "/sys/fs/cgroup"), "options")),
                      "nosuid,noexec,nodev,relatime,ro");
  json_decref(spec);
}

static void test_default_linux(void **state) {
  (void)state;
  json_t *spec = spec_default(false);
  assert_string_equal(ns_types(spec), "pid,network,ipc,uts,mount");
  json_t *dev = json_array_get(at(spec, "linux.resources.devices"), 0);
  assert_true(json_is_false(at(dev, "allow")));
  assert_string_equal(str_at(dev, "access"), "rwm");
  assert_null(json_object_get(at(spec, "linux"), "uidMappings"));
  assert_string_equal(joined(at(spec, "linux.maskedPaths")),
                      "/proc/acpi,/proc/asound,/proc/kcore,/proc/keys,/proc/latency_stats,"
                      "/proc/timer_list,/proc/timer_stats,/proc/sched_debug,/sys/firmware,"
                      "/proc/scsi");
  assert_string_equal(joined(at(spec, "linux.readonlyPaths")),
                      "/proc/bus,/proc/fs,/proc/irq,/proc/sys,/proc/sysrq-trigger");
  json_decref(spec);
}

static void test_default_key_order(void **state) {
  (void)state;
  /* Same order as runc's file, so the two can be diffed by eye. */
  json_t *spec = spec_default(false);
  const char *key;
  json_t *v;
  char order[256] = "";
  json_object_foreach(spec, key, v) {
    strcat(order, key);
    strcat(order, " ");
  }
  assert_string_equal(order, "ociVersion process root hostname mounts linux ");
  json_decref(spec);
}

static void test_rootless(void **state) {
  (void)state;
  json_t *spec = spec_default(true);
  assert_non_null(spec);
  assert_string_equal(ns_types(spec), "pid,ipc,uts,mount,user");
  assert_null(json_object_get(at(spec, "linux"), "resources"));
  json_t *uid = json_array_get(at(spec, "linux.uidMappings"), 0);
  json_t *gid = json_array_get(at(spec, "linux.gidMappings"), 0);
  assert_int_equal(json_array_size(at(spec, "linux.uidMappings")), 1);
  assert_int_equal(json_integer_value(at(uid, "containerID")), 0);
  assert_int_equal(json_integer_value(at(uid, "hostID")), geteuid());
  assert_int_equal(json_integer_value(at(uid, "size")), 1);
  assert_int_equal(json_integer_value(at(gid, "hostID")), getegid());
  json_t *sys = mount_at(spec, "/sys");
  assert_string_equal(str_at(sys, "type"), "none");
  assert_string_equal(str_at(sys, "source"), "/sys");
  assert_string_equal(joined(at(sys, "options")), "rbind,nosuid,noexec,nodev,ro");
  assert_string_equal(joined(at(mount_at(spec, "/dev/pts"), "options")),
                      "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620");
  assert_string_equal(joined(at(mount_at(spec, "/dev"), "options")),
                      "nosuid,strictatime,mode=755,size=65536k");
  json_decref(spec);
}

/* Our own parser takes what our own `spec` writes. */
static void parse_back(bool rootless) {
  json_t *spec = spec_default(rootless);
  char *text = json_dumps(spec, JSON_INDENT(2));
  json_decref(spec);
  assert_non_null(text);
  struct oci_config *c = NULL;
  struct xerr err = {0};
  if (oci_config_parse(text, "/bundle", &c, &err) < 0)
    fail_msg("parse: %s", err.msg);
  free(text);
  assert_string_equal(c->root_path, "/bundle/rootfs");
  assert_int_equal(c->n_mounts, 7);
  assert_non_null(c->process);
  assert_true(c->process->caps.present);
  assert_int_equal(caps_validate(&c->process->caps, &err), 0);
  for (size_t i = 0; i < c->n_mounts; i++) {
    if (strcmp(c->mounts[i].destination, "/sys") == 0) {
      assert_int_equal(c->mounts[i].bind, rootless);
      assert_true(c->mounts[i].flags & MS_RDONLY);
    }
  }
  assert_int_equal(c->namespaces[NS_USER].present, rootless);
  assert_int_equal(c->namespaces[NS_NET].present, !rootless);
  oci_config_free(c);
}

static void test_parse_back(void **state) {
  (void)state;
  parse_back(false);
  parse_back(true);
}

/* ---- spec_features ---- */

static void test_features_versions_and_hooks(void **state) {
  (void)state;
  json_t *f = spec_features();
  assert_non_null(f);
  assert_string_equal(str_at(f, "ociVersionMin"), "1.0.0");
  assert_string_equal(str_at(f, "ociVersionMax"), "1.1.0");
  assert_string_equal(joined(at(f, "hooks")),
                      "prestart,createRuntime,createContainer,startContainer,poststart,poststop");
  json_decref(f);
}

static void test_features_mount_options(void **state) {
  (void)state;
  json_t *f = spec_features();
  json_t *opts = at(f, "mountOptions");
  size_t n = 0;
  for (const char *const *p = mount_option_names(); *p; p++, n++)
    assert_true(array_has(opts, *p));
  assert_int_equal(json_array_size(opts), n);
  static const char *const some[] = {"rro", "rbind", "nosymfollow", "tmpcopyup", "idmap",
                                     "runbindable", "strictatime"};
  for (size_t i = 0; i < sizeof some / sizeof some[0]; i++)
    assert_true(array_has(opts, some[i]));
  json_decref(f);
}

static void test_features_linux(void **state) {
  (void)state;
  json_t *f = spec_features();
  assert_string_equal(joined(at(f, "linux.namespaces")),
                      "cgroup,ipc,mount,network,pid,time,user,uts");
  json_t *caps = at(f, "linux.capabilities");
  assert_int_equal(json_array_size(caps), CAPABILITY_COUNT);
  assert_string_equal(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN");
  assert_true(array_has(caps, "CAP_BPF"));
  assert_true(array_has(caps, "CAP_PERFMON"));
  assert_true(array_has(caps, "CAP_CHECKPOINT_RESTORE"));
  assert_true(json_is_true(at(f, "linux.cgroup.v1")));
  assert_true(json_is_true(at(f, "linux.cgroup.v2")));
  assert_true(json_is_false(at(f, "linux.cgroup.systemd")));
  assert_true(json_is_false(at(f, "linux.cgroup.systemdUser")));
  assert_true(json_is_false(at(f, "linux.apparmor.enabled")));
  assert_true(json_is_false(at(f, "linux.selinux.enabled")));
  assert_true(json_is_false(at(f, "linux.intelRdt.enabled")));
  /* idmapped mounts are refused until rootfs.c implements them */
  assert_true(json_is_false(at(f, "linux.mountExtensions.idmap.enabled")));
  json_decref(f);
}

static void test_features_seccomp(void **state) {
  (void)state;
  json_t *f = spec_features();
  assert_true(json_is_true(at(f, "linux.seccomp.enabled")));
  assert_string_equal(joined(at(f, "linux.seccomp.actions")),
                      "SCMP_ACT_ALLOW,SCMP_ACT_ERRNO,SCMP_ACT_KILL,SCMP_ACT_KILL_PROCESS,"
                      "SCMP_ACT_KILL_THREAD,SCMP_ACT_LOG,SCMP_ACT_NOTIFY,SCMP_ACT_TRACE,"
                      "SCMP_ACT_TRAP");
  assert_string_equal(joined(at(f, "linux.seccomp.operators")),
                      "SCMP_CMP_EQ,SCMP_CMP_GE,SCMP_CMP_GT,SCMP_CMP_LE,SCMP_CMP_LT,"
                      "SCMP_CMP_MASKED_EQ,SCMP_CMP_NE");
  json_t *archs = at(f, "linux.seccomp.archs");
  assert_true(array_has(archs, "SCMP_ARCH_X86_64"));
  assert_true(array_has(archs, "SCMP_ARCH_X86"));
  assert_true(array_has(archs, "SCMP_ARCH_X32"));
  assert_true(array_has(archs, "SCMP_ARCH_AARCH64"));
  assert_false(array_has(archs, "SCMP_ARCH_NATIVE"));
  json_t *known = at(f, "linux.seccomp.knownFlags");
  json_t *supported = at(f, "linux.seccomp.supportedFlags");
  assert_true(array_has(known, "SECCOMP_FILTER_FLAG_TSYNC"));
  assert_true(array_has(known, "SECCOMP_FILTER_FLAG_LOG"));
  assert_true(array_has(known, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
  /* Supported is a subset of known; on any kernel of the last years and
   * libseccomp 2.5 TSYNC and LOG are both. */
  size_t i;
  json_t *v;
  json_array_foreach(supported, i, v) assert_true(array_has(known, json_string_value(v)));
  assert_true(array_has(supported, "SECCOMP_FILTER_FLAG_TSYNC"));
  assert_true(array_has(supported, "SECCOMP_FILTER_FLAG_LOG"));
  json_decref(f);
}

static void test_features_annotations(void **state) {
  (void)state;
  json_t *f = spec_features();
  json_t *ann = at(f, "annotations");
  assert_string_equal(json_string_value(json_object_get(ann, "io.github.xocker.xrun.version")),
                      XRUN_VERSION);
  const char *lib = json_string_value(json_object_get(ann, "io.github.seccomp.libseccomp.version"));
  assert_non_null(lib);
  assert_true(lib[0] >= '2');
  json_decref(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_shape),
      cmocka_unit_test(test_default_mounts),
      cmocka_unit_test(test_default_linux),
      cmocka_unit_test(test_default_key_order),
      cmocka_unit_test(test_rootless),
      cmocka_unit_test(test_parse_back),
      cmocka_unit_test(test_features_versions_and_hooks),
      cmocka_unit_test(test_features_mount_options),
      cmocka_unit_test(test_features_linux),
      cmocka_unit_test(test_features_seccomp),
      cmocka_unit_test(test_features_annotations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
