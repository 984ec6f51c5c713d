/* Unit tests of mount option parsing: flags, clears, propagation, bind,
 * recursive attributes, extensions and filesystem data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/xerr.h"
#include "runtime/mountopts.h"

/* A mount with the given type and options, parsed; the caller frees data. */
static struct oci_mount parse(const char *type, char **opts) {
  struct oci_mount m = {.destination = "/mnt", .type = (char *)type, .options = opts};
  struct xerr err = {0};
  if (mount_options_parse(&m, &err) < 0)
    fail_msg("mount_options_parse: %s", err.msg);
  return m;
}

static void test_table_sorted(void **state) {
  (void)state;
  assert_true(mount_options_table_sorted());
}

static void test_flags_set(void **state) {
  (void)state;
  static const struct {
    const char *name;
    unsigned long flag;
  } cases[] = {
      {"ro", MS_RDONLY},          {"nosuid", MS_NOSUID},         {"nodev", MS_NODEV},
      {"noexec", MS_NOEXEC},      {"sync", MS_SYNCHRONOUS},      {"dirsync", MS_DIRSYNC},
      {"remount", MS_REMOUNT},    {"mand", MS_MANDLOCK},         {"noatime", MS_NOATIME},
      {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},  {"strictatime", MS_STRICTATIME},
      {"lazytime", MS_LAZYTIME},  {"nosymfollow", MS_NOSYMFOLLOW}, {"acl", MS_POSIXACL},
      {"iversion", MS_I_VERSION}, {"silent", MS_SILENT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *opts[] = {(char *)cases[i].name, NULL};
    struct oci_mount m = parse("tmpfs", opts);
    if (m.flags != cases[i].flag)
      fail_msg("%s: flags %#lx, want %#lx", cases[i].name, m.flags, cases[i].flag);
    assert_int_equal(m.clear_flags, 0);
    assert_null(m.data);
    assert_false(m.bind);
    assert_false(m.has_flag_changes);
  }
}

static void test_flags_clear(void **state) {
  (void)state;
  static const struct {
    const char *set, *clear;
    unsigned long flag;
  } cases[] = {
      {"ro", "rw", MS_RDONLY},          {"nosuid", "suid", MS_NOSUID},
      {"nodev", "dev", MS_NODEV},       {"noexec", "exec", MS_NOEXEC},
      {"sync", "async", MS_SYNCHRONOUS}, {"mand", "nomand", MS_MANDLOCK},
      {"noatime", "atime", MS_NOATIME}, {"nodiratime", "diratime", MS_NODIRATIME},
      {"relatime", "norelatime", MS_RELATIME}, {"strictatime", "nostrictatime", MS_STRICTATIME},
      {"lazytime", "nolazytime", MS_LAZYTIME}, {"nosymfollow", "symfollow", MS_NOSYMFOLLOW},
      {"acl", "noacl", MS_POSIXACL},    {"iversion", "noiversion", MS_I_VERSION},
      {"silent", "loud", MS_SILENT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* The later option wins, both ways. */
    char *off[] = {(char *)cases[i].set, (char *)cases[i].clear, NULL};
    struct oci_mount m = parse("tmpfs", off);
    if (m.flags != 0 || m.clear_flags != cases[i].flag)
      fail_msg("%s,%s: flags %#lx clear %#lx", cases[i].set, cases[i].clear, m.flags,
               m.clear_flags);
    char *on[] = {(char *)cases[i].clear, (char *)cases[i].set, NULL};
    m = parse("tmpfs", on);
    if (m.flags != cases[i].flag || m.clear_flags != 0)
      fail_msg("%s,%s: flags %#lx clear %#lx", cases[i].clear, cases[i].set, m.flags,
               m.clear_flags);
  }
}

static void test_defaults_and_combined(void **state) {
  (void)state;
  char *opts[] = {"defaults", "nosuid", "noexec", "nodev", "ro", NULL};
  struct oci_mount m = parse("sysfs", opts);
  assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
  assert_null(m.data);
  struct oci_mount none = parse("proc", NULL);
  assert_int_equal(none.flags, 0);
  assert_int_equal(none.propagation, 0);
  assert_null(none.data);
}

static void test_data(void **state) {
  (void)state;
  char *opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
  struct oci_mount m = parse("tmpfs", opts);
  assert_int_equal(m.flags, MS_NOSUID | MS_STRICTATIME);
  assert_string_equal(m.data, "mode=755,size=65536k");
  free(m.data);
  char *devpts[] = {"nosuid",  "noexec",   "newinstance", "ptmxmode=0666",
                    "mode=0620", "gid=5", NULL};
  m = parse("devpts", devpts);
  assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC);
  assert_string_equal(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  /* Parsing again replaces the data, it does not leak or append. */
  struct xerr err = {0};
  assert_int_equal(mount_options_parse(&m, &err), 0);
  assert_string_equal(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  free(m.data);
  /* Options are case-sensitive: "RO" is data, like runc. */
  char *upper[] = {"RO", NULL};
  m = parse("tmpfs", upper);
  assert_int_equal(m.flags, 0);
  assert_string_equal(m.data, "RO");
  free(m.data);
}

static void test_bind(void **state) {
  (void)state;
  char *plain[] = {"bind", NULL};
  struct oci_mount m = parse(NULL, plain);
  assert_true(m.bind);
  assert_false(m.recursive_bind);
  assert_int_equal(m.flags, MS_BIND);
  assert_false(m.has_flag_changes);

  char *rbind[] = {"rbind", NULL};
  m = parse("none", rbind);
  assert_true(m.bind);
  assert_true(m.recursive_bind);
  assert_int_equal(m.flags, MS_BIND | MS_REC);

  /* type "bind" alone makes a (non-recursive) bind mount. */
  m = parse("bind", NULL);
  assert_true(m.bind);
  assert_false(m.recursive_bind);
  assert_int_equal(m.flags, MS_BIND);
  char *typed_rbind[] = {"rbind", "ro", NULL};
  m = parse("bind", typed_rbind);
  assert_true(m.recursive_bind);
  assert_true(m.has_flag_changes);
}

static void test_bind_flag_changes(void **state) {
  (void)state;
  static const char *const need[] = {"ro",      "nosuid",     "nodev",      "noexec",
                                     "noatime", "nodiratime", "relatime", "strictatime",
                                     "nosymfollow"};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
    char *opts[] = {"rbind", (char *)need[i], NULL};
    struct oci_mount m = parse("none", opts);
    if (!m.has_flag_changes)
      fail_msg("rbind,%s: no remount", need[i]);
  }
  /* Superblock flags, clears, propagation and data need no remount. */
  char *no[] = {"bind", "rw", "suid", "sync", "rprivate", "mode=755", "remount", NULL};
  struct oci_mount m = parse("none", no);
  assert_false(m.has_flag_changes);
  assert_int_equal(m.propagation, MS_PRIVATE | MS_REC);
  free(m.data);
  /* Not a bind: flags go to mount(2) itself, no remount. */
  char *ro[] = {"ro", NULL};
  m = parse("tmpfs", ro);
  assert_false(m.has_flag_changes);
}

static void test_propagation_options(void **state) {
  (void)state;
  static const struct {
    const char *name;
    unsigned long value;
  } cases[] = {
      {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},             {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *opts[] = {"rbind", (char *)cases[i].name, NULL};
    struct oci_mount m = parse("bind", opts);
    assert_int_equal(m.propagation, cases[i].value);
    /* Propagation is applied by its own mount(2) call, never with flags. */
    assert_int_equal(m.flags, MS_BIND | MS_REC);
    assert_null(m.data);

    unsigned long v = 0;
    struct xerr err = {0};
    assert_int_equal(propagation_parse(cases[i].name, &v, &err), 0);
    assert_int_equal(v, cases[i].value);
  }
  char *two[] = {"shared", "rslave", NULL};
  struct oci_mount m = parse("tmpfs", two);
  assert_int_equal(m.propagation, MS_SLAVE | MS_REC);
}

static void test_propagation_parse_bad(void **state) {
  (void)state;
  static const char *const bad[] = {"", "foo", "ro", "bind", "Private", "rprivate "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    unsigned long v = 77;
    struct xerr err = {0};
    assert_int_equal(propagation_parse(bad[i], &v, &err), -1);
    assert_int_equal(v, 77);
    assert_int_equal(err.errnum, EINVAL);
  }
  struct xerr err = {0};
  unsigned long v;
  assert_int_equal(propagation_parse("foo", &v, &err), -1);
  assert_string_equal(err.msg, "unknown propagation \"foo\": Invalid argument");
}

static void test_recursive_attrs(void **state) {
  (void)state;
  static const struct {
    const char *name;
    uint64_t set, clr;
  } cases[] = {
      {"rro", MOUNT_ATTR_RDONLY, 0},
      {"rrw", 0, MOUNT_ATTR_RDONLY},
      {"rnosuid", MOUNT_ATTR_NOSUID, 0},
      {"rsuid", 0, MOUNT_ATTR_NOSUID},
      {"rnodev", MOUNT_ATTR_NODEV, 0},
      {"rdev", 0, MOUNT_ATTR_NODEV},
      {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
      {"rexec", 0, MOUNT_ATTR_NOEXEC},
      {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
      {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
      {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
      {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
      {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
      {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
      {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
      {"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
      {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
      {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *opts[] = {"rbind", (char *)cases[i].name, NULL};
    struct oci_mount m = parse("bind", opts);
    /* Recursive attributes are not mount(2) flags, data, or a remount. */
    assert_int_equal(m.flags, MS_BIND | MS_REC);
    assert_int_equal(m.clear_flags, 0);
    assert_null(m.data);
    assert_false(m.has_flag_changes);
    uint64_t set = 99, clr = 99;
    assert_int_equal(mount_options_recursive_attrs(&m, &set, &clr), 1);
    if (set != cases[i].set || clr != cases[i].clr)
      fail_msg("%s: set %#llx clr %#llx", cases[i].name, (unsigned long long)set,
               (unsigned long long)clr);
  }
}

static void test_recursive_attrs_combined(void **state) {
  (void)state;
  char *opts[] = {"rbind", "rro", "rnosuid", "rnoatime", "rstrictatime", "rrw", "ro", NULL};
  struct oci_mount m = parse("bind", opts);
  uint64_t set, clr;
  assert_int_equal(mount_options_recursive_attrs(&m, &set, &clr), 1);
  assert_int_equal(set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
  assert_int_equal(clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
  assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY);

  char *plain[] = {"rbind", "ro", "nosuid", NULL};
  m = parse("bind", plain);
  assert_int_equal(mount_options_recursive_attrs(&m, &set, &clr), 0);
  assert_int_equal(set, 0);
  assert_int_equal(clr, 0);
}

static void test_extensions(void **state) {
  (void)state;
  char *opts[] = {"tmpcopyup", "nosuid", "size=1m", NULL};
  struct oci_mount m = parse("tmpfs", opts);
  assert_string_equal(m.data, "size=1m");
  assert_int_equal(m.flags, MS_NOSUID);
  assert_true(mount_options_has(&m, "tmpcopyup"));
  assert_false(mount_options_has(&m, "idmap"));
  free(m.data);
}

static void test_idmap(void **state) {
  (void)state;
  struct oci_idmap map = {.container_id = 0, .host_id = 100000, .size = 65536};
  char *opts[] = {"rbind", "idmap", NULL};
  struct oci_mount m = {.destination = "/data",
                        .options = opts,
                        .uid_mappings = &map,
                        .gid_mappings = &map,
                        .n_uid_mappings = 1,
                        .n_gid_mappings = 1};
  struct xerr err = {0};
  assert_int_equal(mount_options_parse(&m, &err), 0);
  assert_null(m.data);
  assert_int_equal(mount_options_idmap(&m), MOUNT_IDMAP);

  char *ropts[] = {"rbind", "ridmap", NULL};
  m.options = ropts;
  assert_int_equal(mount_options_parse(&m, &err), 0);
  assert_null(m.data);
  assert_int_equal(mount_options_idmap(&m), MOUNT_IDMAP_RECURSIVE);

  /* Mappings without the option: idmapped all the same (runtime spec). */
  char *bind[] = {"bind", NULL};
  m.options = bind;
  assert_int_equal(mount_options_parse(&m, &err), 0);
  assert_int_equal(mount_options_idmap(&m), MOUNT_IDMAP);

  /* The option without mappings: the container's maps will apply. */
  struct oci_mount bare = {.destination = "/x", .options = opts};
  assert_int_equal(mount_options_parse(&bare, &err), 0);
  assert_int_equal(mount_options_idmap(&bare), MOUNT_IDMAP);
  struct oci_mount none = {.destination = "/x", .options = bind};
  assert_int_equal(mount_options_parse(&none, &err), 0);
  assert_int_equal(mount_options_idmap(&none), MOUNT_IDMAP_NONE);
}

static void test_idmap_malformed(void **state) {
  (void)state;
  struct oci_idmap map = {.container_id = 0, .host_id = 100000, .size = 65536};
  struct oci_idmap empty = {.container_id = 0, .host_id = 100000, .size = 0};
  char *opts[] = {"rbind", "idmap", NULL};
  struct oci_mount m = {.destination = "/data",
                        .options = opts,
                        .uid_mappings = &map,
                        .n_uid_mappings = 1};
  struct xerr err = {0};
  assert_int_equal(mount_options_parse(&m, &err), -1);
  assert_string_equal(err.msg, "mount /data: uidMappings and gidMappings must be given together: "
                               "Invalid argument");
  m.gid_mappings = &empty;
  m.n_gid_mappings = 1;
  assert_int_equal(mount_options_parse(&m, &err), -1);
  assert_string_equal(err.msg, "mount /data: gidMappings[0].size is 0: Invalid argument");
}

static void test_option_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "ro",      "rw",         "suid",       "nosuid",     "dev",         "nodev",
      "exec",    "noexec",     "sync",       "async",      "dirsync",     "remount",
      "mand",    "nomand",     "atime",      "noatime",    "diratime",    "nodiratime",
      "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime",
      "nosymfollow", "symfollow", "bind",     "rbind",      "private",     "rprivate",
      "shared",  "rshared",    "slave",      "rslave",     "unbindable",  "runbindable",
      "tmpcopyup", "idmap",    "ridmap",     "rro",        "rrw",         "rnosuid",
      "rsuid",   "rnodev",     "rdev",       "rnoexec",    "rexec",       "rnodiratime",
      "rdiratime", "rrelatime", "rnorelatime", "rnoatime",  "ratime",      "rstrictatime",
      "rnostrictatime", "rnosymfollow", "rsymfollow", "defaults", "acl", "noacl",
      "iversion", "noiversion", "silent", "loud",
  };
  const char *const *names = mount_option_names();
  size_t n = 0;
  while (names[n])
    n++;
  assert_int_equal(n, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    bool found = false;
    for (size_t j = 0; j < n && !found; j++)
      found = strcmp(names[j], want[i]) == 0;
    if (!found)
      fail_msg("mount option %s missing from mount_option_names()", want[i]);
  }
  /* Every listed name is understood, not sent to the filesystem. */
  for (size_t j = 0; j < n; j++) {
    char *opts[] = {(char *)names[j], NULL};
    struct oci_mount m = parse("tmpfs", opts);
    if (m.data)
      fail_msg("%s went to data", names[j]);
  }
  assert_ptr_equal(mount_option_names(), names);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_sorted),
      cmocka_unit_test(test_flags_set),
      cmocka_unit_test(test_flags_clear),
      cmocka_unit_test(test_defaults_and_combined),
      cmocka_unit_test(test_data),
      cmocka_unit_test(test_bind),
      cmocka_unit_test(test_bind_flag_changes),
      cmocka_unit_test(test_propagation_options),
      cmocka_unit_test(test_propagation_parse_bad),
      cmocka_unit_test(test_recursive_attrs),
      cmocka_unit_test(test_recursive_attrs_combined),
      cmocka_unit_test(test_extensions),
      cmocka_unit_test(test_idmap),
      cmocka_unit_test(test_idmap_malformed),
      cmocka_unit_test(test_option_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
