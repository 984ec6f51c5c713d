/* Unit tests of the cgroup module.  Most run against scratch trees (see
 * the rule in cgroup_internal.h) where files the test creates play the
 * kernel's part; test_real_kernel runs against the host's hierarchies as
 * root and skips with a reason elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

/* ------------------------------------------------------------ helpers */

static char scratch[PATH_MAX];

/* <scratch>/<rel> into buf (PATH_MAX). */
static char *at(char *buf, const char *rel) {
  int n = snprintf(buf, PATH_MAX, "%s/%s", scratch, rel);
  assert_true(n > 0 && n < PATH_MAX);
  return buf;
}

#define SKIP(...)                                                                            \
  do {                                                                                       \
    print_message(__VA_ARGS__);                                                              \
    print_message("\n");                                                                     \
    skip();                                                                                  \
  } while (0)

static void put(const char *rel, const char *content) {
  char path[PATH_MAX];
  at(path, rel);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = '\0';
  struct xerr err;
  assert_int_equal(mkdir_p(dir, 0755, &err), 0);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(content, f);
  fclose(f);
}

static void mkd(const char *rel) {
  char path[PATH_MAX];
  at(path, rel);
  struct xerr err;
  assert_int_equal(mkdir_p(path, 0755, &err), 0);
}

static char *get(const char *rel) {
  char path[PATH_MAX];
  at(path, rel);
  char *s = NULL;
  struct xerr err;
  if (read_file_at(AT_FDCWD, path, &s, NULL, &err) < 0)
    return NULL;
  return s;
}

static bool exists(const char *rel) {
  char path[PATH_MAX];
  at(path, rel);
  return access(path, F_OK) == 0;
}

#define assert_file(rel, want)                                                               \
  do {                                                                                       \
    cleanup_free char *got_ = get(rel);                                                      \
    assert_non_null(got_);                                                                   \
    assert_string_equal(got_, want);                                                         \
  } while (0)

static const char *const v1_controllers[] = {"cpu",     "cpuacct", "cpuset", "memory", "devices",
                                             "freezer", "blkio",   "pids",   "systemd", NULL};

enum scratch_kind { SCRATCH_V1, SCRATCH_V2, SCRATCH_HYBRID };

static void make_scratch(enum scratch_kind kind) {
  snprintf(scratch, sizeof scratch, "/tmp/xrun-cgtest-XXXXXX");
  assert_non_null(mkdtemp(scratch));
  setenv("XRUN_CGROUP_ROOT", scratch, 1);
  if (kind == SCRATCH_V2) {
    put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put("cgroup.subtree_control", "");
    return;
  }
  for (int i = 0; v1_controllers[i]; i++)
    mkd(v1_controllers[i]);
  put("cpuset/cpuset.cpus", "0-1\n");
  put("cpuset/cpuset.mems", "0\n");
  if (kind == SCRATCH_HYBRID)
    put("unified/cgroup.controllers", "");
}

static int teardown_scratch(void **state) {
  (void)state;
  struct xerr err;
  if (scratch[0])
    remove_tree(scratch, &err);
  scratch[0] = '\0';
  unsetenv("XRUN_CGROUP_ROOT");
  cgroup_write_hook = NULL;
  return 0;
}

/* --------------------------------------------------------- path rules */

static void expect_path(const char *in, const char *id, const char *want) {
  cleanup_free char *out = NULL;
  struct xerr err = {0};
  int r = cgroup_path_for(in, id, &out, &err);
  if (want == NULL) {
    assert_int_equal(r, -1);
    assert_int_equal(err.errnum, EINVAL);
    assert_null(out);
  } else {
    if (r < 0)
      fail_msg("cgroup_path_for(%s): %s", in ? in : "NULL", err.msg);
    assert_string_equal(out, want);
  }
}

static void test_path_for(void **state) {
  (void)state;
  expect_path(NULL, "c1", "/xrun/c1");
  expect_path("", "c1", "/xrun/c1");
  expect_path("/a/b", "c1", "/a/b");
  expect_path("/xrun-test/x.y_z-1", "c1", "/xrun-test/x.y_z-1");
  expect_path("a/b", "c1", "/xrun/a/b");
  expect_path("single", "c1", "/xrun/single");
  expect_path("machine.slice:libpod:abc", "c1", "/xrun/machine.slice:libpod:abc");
  expect_path("..", "c1", NULL);
  expect_path("../etc", "c1", NULL);
  expect_path("/a/../../b", "c1", NULL);
  expect_path("/a/..", "c1", NULL);
  expect_path("a/./b", "c1", NULL);
  expect_path("/a//b", "c1", NULL);
  expect_path("//a", "c1", NULL);
  expect_path("/a/", "c1", NULL);
  expect_path("/", "c1", NULL);
  expect_path(NULL, "a/b", NULL);
  expect_path(NULL, "..", NULL);
  expect_path("", "", NULL);
  expect_path(NULL, NULL, NULL);
  struct xerr err;
  char *out = NULL;
  assert_int_equal(cgroup_path_for("/a/../b", "c1", &out, &err), -1);
  assert_non_null(strstr(err.msg, "linux.cgroupsPath"));
}

/* ---------------------------------------------------------- detection */

static void test_detect_v1(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  enum cgroup_layout layout = CGROUP_LAYOUT_V2;
  struct xerr err;
  assert_int_equal(cgroup_detect_layout(scratch, &layout, &err), 0);
  assert_int_equal(layout, CGROUP_LAYOUT_V1);
  struct cgroup_hier *h = NULL;
  size_t n = 0;
  assert_int_equal(cgroup_discover(scratch, &layout, &h, &n, &err), 0);
  assert_int_equal(n, 9);
  bool saw_systemd = false;
  for (size_t i = 0; i < n; i++) {
    assert_false(h[i].unified);
    saw_systemd |= strcmp(h[i].controllers, "name=systemd") == 0;
  }
  assert_true(saw_systemd);
  cgroup_hier_free(h, n);
  /* NULL means cgroup_mount_root(), i.e. XRUN_CGROUP_ROOT. */
  assert_int_equal(cgroup_detect_layout(NULL, &layout, &err), 0);
  assert_int_equal(layout, CGROUP_LAYOUT_V1);
}

static void test_detect_v2(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  enum cgroup_layout layout = CGROUP_LAYOUT_V1;
  struct xerr err;
  assert_int_equal(cgroup_detect_layout(scratch, &layout, &err), 0);
  assert_int_equal(layout, CGROUP_LAYOUT_V2);
}

static void test_detect_hybrid(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  enum cgroup_layout layout = CGROUP_LAYOUT_V1;
  struct xerr err;
  assert_int_equal(cgroup_detect_layout(scratch, &layout, &err), 0);
  assert_int_equal(layout, CGROUP_LAYOUT_HYBRID);
  struct cgroup_hier *h = NULL;
  size_t n = 0;
  assert_int_equal(cgroup_discover(scratch, &layout, &h, &n, &err), 0);
  assert_int_equal(n, 10);
  int unified = 0;
  for (size_t i = 0; i < n; i++)
    unified += h[i].unified;
  assert_int_equal(unified, 1);
  cgroup_hier_free(h, n);
}

static void test_detect_errors(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  for (int i = 0; v1_controllers[i]; i++) {
    char p[PATH_MAX];
    at(p, v1_controllers[i]);
    struct xerr e;
    remove_tree(p, &e);
  }
  enum cgroup_layout layout;
  struct xerr err;
  assert_int_equal(cgroup_detect_layout(scratch, &layout, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  assert_non_null(strstr(err.msg, scratch));
  assert_int_equal(cgroup_detect_layout("/nonexistent/xrun-cg", &layout, &err), -1);
  assert_non_null(strstr(err.msg, "/nonexistent/xrun-cg"));
}

static const char mountinfo_sample[] =
    "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct,xattr\n"
    "33 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "34 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,xattr,release_agent=/x,name=systemd\n"
    "35 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "36 30 0:38 / /sys/fs/cgroup/net\\040cls rw - cgroup cgroup rw,net_cls,net_prio\n"
    "37 30 0:39 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory,hugetlb\n"
    "38 22 0:40 / /elsewhere/cpu rw - cgroup cgroup rw,cpu\n"
    "39 30 0:41 / /sys/fs/cgroup/odd rw - cgroup cgroup rw,noprefix\n"
    "garbage line without separator\n";

static void test_parse_mountinfo(void **state) {
  (void)state;
  struct cgroup_hier *h = NULL;
  size_t n = 0;
  struct xerr err;
  assert_int_equal(cgroup_parse_mountinfo(mountinfo_sample, "/sys/fs/cgroup", &h, &n, &err), 6);
  assert_int_equal(n, 6);
  assert_string_equal(h[0].mount, "/sys/fs/cgroup/cpu");
  assert_string_equal(h[0].controllers, "cpu");
  assert_string_equal(h[1].controllers, "cpu,cpuacct");
  /* The later mount over /sys/fs/cgroup/memory wins. */
  assert_string_equal(h[2].mount, "/sys/fs/cgroup/memory");
  assert_string_equal(h[2].controllers, "memory,hugetlb");
  assert_string_equal(h[3].controllers, "name=systemd");
  assert_true(h[4].unified);
  assert_string_equal(h[4].controllers, "");
  assert_string_equal(h[5].mount, "/sys/fs/cgroup/net cls");
  assert_string_equal(h[5].controllers, "net_cls,net_prio");
  cgroup_hier_free(h, n);
  h = NULL;
  n = 0;
  assert_int_equal(cgroup_parse_mountinfo(mountinfo_sample, "/sys/fs/cgroup/", &h, &n, &err), 6);
  cgroup_hier_free(h, n);
  h = NULL;
  n = 0;
  assert_int_equal(cgroup_parse_mountinfo(mountinfo_sample, "/nowhere", &h, &n, &err), 0);
  cgroup_hier_free(h, n);
}

/* ---------------------------------------------- create, enter, destroy */

static void test_create_v1(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  /* cpuset knobs the kernel would make empty in new cgroups. */
  put("cpuset/xrun/cpuset.cpus", "");
  put("cpuset/xrun/cpuset.mems", "\n");
  put("cpuset/xrun/c1/cpuset.cpus", "");
  put("cpuset/xrun/c1/cpuset.mems", "");
  put("devices/xrun/c1/devices.allow", "");
  put("devices/xrun/c1/devices.deny", "");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  if (cgroup_create("/xrun/c1", NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(cgroup_layout_of(cg), CGROUP_LAYOUT_V1);
  assert_string_equal(cgroup_path(cg), "/xrun/c1");
  for (int i = 0; v1_controllers[i]; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%s/xrun/c1", v1_controllers[i]);
    assert_true(exists(rel));
  }
  assert_file("cpuset/xrun/cpuset.cpus", "0-1");
  assert_file("cpuset/xrun/cpuset.mems", "0");
  assert_file("cpuset/xrun/c1/cpuset.cpus", "0-1");
  assert_file("cpuset/xrun/c1/cpuset.mems", "0");

  char want[PATH_MAX];
  at(want, "memory/xrun/c1");
  assert_string_equal(cgroup_dir(cg, "memory"), want);
  at(want, "systemd/xrun/c1");
  assert_string_equal(cgroup_dir(cg, "name=systemd"), want);
  assert_null(cgroup_dir(cg, "net_cls"));
  assert_null(cgroup_dir(cg, ""));

  /* enter writes the pid in every hierarchy; a missing cgroup.procs is
   * the kernel refusing. */
  assert_int_equal(cgroup_enter(cg, 4242, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  for (int i = 0; v1_controllers[i]; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%s/xrun/c1/cgroup.procs", v1_controllers[i]);
    put(rel, "");
  }
  assert_int_equal(cgroup_enter(cg, 4242, &err), 0);
  for (int i = 0; v1_controllers[i]; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%s/xrun/c1/cgroup.procs", v1_controllers[i]);
    assert_file(rel, "4242");
  }
}

static void test_create_existing_parent_and_destroy(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  mkd("memory/xrun");
  put("devices/xrun/c2/devices.allow", "");
  put("devices/xrun/c2/devices.deny", "");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  if (cgroup_create("/xrun/c2", NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  /* The kernel's knobs go with the directory; plain files would not. */
  unlink(at((char[PATH_MAX]){0}, "devices/xrun/c2/devices.allow"));
  unlink(at((char[PATH_MAX]){0}, "devices/xrun/c2/devices.deny"));
  assert_int_equal(cgroup_layout_of(cg), CGROUP_LAYOUT_HYBRID);
  assert_true(exists("unified/xrun/c2"));
  assert_true(exists("memory/xrun/c2"));
  char want[PATH_MAX];
  at(want, "unified/xrun/c2");
  assert_string_equal(cgroup_dir(cg, ""), want);
  /* Child cgroups made inside the container go first. */
  mkd("memory/xrun/c2/sub/deeper");
  mkd("unified/xrun/c2/sub");
  assert_int_equal(cgroup_destroy(cg, &err), 0);
  assert_false(exists("memory/xrun/c2"));
  assert_false(exists("unified/xrun/c2"));
  assert_false(exists("pids/xrun/c2"));
  /* Parents stay: other containers live there. */
  assert_true(exists("memory/xrun"));
  /* Destroying again is fine: missing directories are. */
  assert_int_equal(cgroup_destroy(cg, &err), 0);
}

static void test_create_failure_cleans_up(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  mkd("cpu/keep");
  /* pids can't hold the cgroup: its parent is a file. */
  put("pids/keep", "not a directory");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_create("/keep/new/c3", NULL, &cg, &err), -1);
  assert_null(cg);
  assert_int_equal(err.errnum, ENOTDIR);
  assert_non_null(strstr(err.msg, "/keep/new/c3"));
  /* What existed stays, what was made is gone. */
  assert_true(exists("cpu/keep"));
  assert_false(exists("cpu/keep/new"));
  assert_false(exists("memory/keep"));
  assert_true(exists("pids/keep"));
}

static void test_open(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/none", &cg, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  assert_non_null(strstr(err.msg, "does not exist"));
  mkd("xrun/there");
  assert_int_equal(cgroup_open("/xrun/there", &cg, &err), 0);
  assert_int_equal(cgroup_layout_of(cg), CGROUP_LAYOUT_V2);
  char want[PATH_MAX];
  at(want, "xrun/there");
  assert_string_equal(cgroup_dir(cg, ""), want);
  assert_string_equal(cgroup_dir(cg, "memory"), want);
  struct cgroup *bad = NULL;
  assert_int_equal(cgroup_open("relative", &bad, &err), -1);
  assert_int_equal(cgroup_open("/", &bad, &err), -1);
}

static void test_v2_enables_controllers(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put("cgroup.subtree_control", "cpu\n");
  put("xrun/cgroup.controllers", "cpu memory pids\n");
  put("xrun/cgroup.subtree_control", "memory\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  if (cgroup_create("/xrun/c4", NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  assert_file("cgroup.subtree_control", "+cpuset +io +memory +hugetlb +pids +rdma +misc");
  assert_file("xrun/cgroup.subtree_control", "+cpu +pids");
  assert_true(exists("xrun/c4"));
}

/* --------------------------------------------------------- freeze, kill */

static void test_freeze_v1(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put("freezer/xrun/c5/freezer.state", "THAWED\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/c5", &cg, &err), 0);
  bool frozen = true;
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_false(frozen);
  assert_int_equal(cgroup_freeze(cg, true, &err), 0);
  assert_file("freezer/xrun/c5/freezer.state", "FROZEN");
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_true(frozen);
  assert_int_equal(cgroup_freeze(cg, false, &err), 0);
  assert_file("freezer/xrun/c5/freezer.state", "THAWED");
}

/* Plays cgroup2's freezer: cgroup.events follows cgroup.freeze. */
static void v2_freezer_kernel(const char *dir, const char *file, const char *value) {
  if (strcmp(file, "cgroup.freeze") != 0)
    return;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/cgroup.events", dir);
  FILE *f = fopen(path, "w");
  if (f) {
    fprintf(f, "populated 1\nfrozen %s\n", value);
    fclose(f);
  }
}

static void test_freeze_v2(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put("xrun/c6/cgroup.freeze", "0\n");
  put("xrun/c6/cgroup.events", "populated 1\nfrozen 0\n");
  cgroup_write_hook = v2_freezer_kernel;
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/c6", &cg, &err), 0);
  assert_int_equal(cgroup_freeze(cg, true, &err), 0);
  assert_file("xrun/c6/cgroup.freeze", "1");
  bool frozen = false;
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_true(frozen);
  assert_int_equal(cgroup_freeze(cg, false, &err), 0);
  assert_file("xrun/c6/cgroup.freeze", "0");
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_false(frozen);
}

static void test_freeze_hybrid_without_v1_freezer(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  struct xerr err;
  char p[PATH_MAX];
  at(p, "freezer");
  assert_int_equal(remove_tree(p, &err), 0);
  put("unified/xrun/c7/cgroup.freeze", "0\n");
  put("unified/xrun/c7/cgroup.events", "frozen 0\n");
  cgroup_write_hook = v2_freezer_kernel;
  cleanup_cgroup struct cgroup *cg = NULL;
  assert_int_equal(cgroup_open("/xrun/c7", &cg, &err), 0);
  assert_int_equal(cgroup_freeze(cg, true, &err), 0);
  assert_file("unified/xrun/c7/cgroup.freeze", "1");
}

static void test_freeze_v1_missing_freezer(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  struct xerr err;
  char p[PATH_MAX];
  at(p, "freezer");
  assert_int_equal(remove_tree(p, &err), 0);
  mkd("memory/xrun/c8");
  cleanup_cgroup struct cgroup *cg = NULL;
  assert_int_equal(cgroup_open("/xrun/c8", &cg, &err), 0);
  assert_int_equal(cgroup_freeze(cg, true, &err), -1);
  assert_int_equal(err.errnum, ENOTSUP);
  assert_non_null(strstr(err.msg, "freezer"));
}

static int cmp_pid(const void *a, const void *b) {
  return *(const pid_t *)a - *(const pid_t *)b;
}

static void test_pids_recursive(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put("pids/xrun/c9/cgroup.procs", "11\n12\n");
  put("pids/xrun/c9/child/cgroup.procs", "13\n");
  put("pids/xrun/c9/child/grand/cgroup.procs", "14\n");
  put("pids/xrun/c9/empty/cgroup.procs", "");
  put("freezer/xrun/c9/cgroup.procs", "99\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/c9", &cg, &err), 0);
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  assert_int_equal(cgroup_pids(cg, &pids, &n, &err), 0);
  assert_int_equal(n, 4);
  qsort(pids, n, sizeof *pids, cmp_pid);
  assert_int_equal(pids[0], 11);
  assert_int_equal(pids[3], 14);
}

static void test_kill_v2_uses_cgroup_kill(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put("xrun/c10/cgroup.kill", "");
  put("xrun/c10/cgroup.procs", "");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/c10", &cg, &err), 0);
  assert_int_equal(cgroup_kill_all(cg, SIGKILL, &err), 0);
  assert_file("xrun/c10/cgroup.kill", "1");
  /* Other signals go pid by pid (none here). */
  assert_int_equal(cgroup_kill_all(cg, SIGTERM, &err), 0);
}

/* ---------------------------------------------------------- resources */

/* Every write in order, as "file=value", for knobs written several times
 * (devices.allow) and for the order of related writes. */
static char writes[256][160];
static size_t n_writes;

static void record_write(const char *dir, const char *file, const char *value) {
  (void)dir;
  if (n_writes < 256)
    snprintf(writes[n_writes++], sizeof writes[0], "%s=%s", file, value);
}

static void start_recording(void) {
  n_writes = 0;
  cgroup_write_hook = record_write;
}

static ssize_t write_index(const char *entry) {
  for (size_t i = 0; i < n_writes; i++)
    if (strcmp(writes[i], entry) == 0)
      return (ssize_t)i;
  return -1;
}

static json_t *js(const char *text) {
  json_error_t jerr;
  json_t *j = json_loads(text, 0, &jerr);
  if (j == NULL)
    fail_msg("bad test JSON: %s", jerr.text);
  return j;
}

/* set_resources on an opened cgroup; returns its result, err filled. */
static int apply(struct cgroup *cg, const char *json, struct xerr *err) {
  json_t *j = js(json);
  int r = cgroup_set_resources(cg, j, err);
  json_decref(j);
  return r;
}

static void test_mappings(void **state) {
  (void)state;
  assert_int_equal(cgroup_shares_to_weight(0), 0);
  assert_int_equal(cgroup_shares_to_weight(2), 1);
  assert_int_equal(cgroup_shares_to_weight(1024), 39);
  assert_int_equal(cgroup_shares_to_weight(262144), 10000);
  assert_int_equal(cgroup_shares_to_weight(1000000), 10000);
  assert_int_equal(cgroup_blkio_weight_to_io_weight(0), 0);
  assert_int_equal(cgroup_blkio_weight_to_io_weight(10), 1);
  assert_int_equal(cgroup_blkio_weight_to_io_weight(500), 4950);
  assert_int_equal(cgroup_blkio_weight_to_io_weight(1000), 10000);
  int64_t out = 0;
  struct xerr err;
  assert_int_equal(cgroup_swap_to_v2(2 << 20, 1 << 20, true, &out, &err), 0);
  assert_int_equal(out, 1 << 20);
  assert_int_equal(cgroup_swap_to_v2(1 << 20, 1 << 20, true, &out, &err), 0);
  assert_int_equal(out, 0);
  assert_int_equal(cgroup_swap_to_v2(-1, 1 << 20, true, &out, &err), 0);
  assert_int_equal(out, -1);
  assert_int_equal(cgroup_swap_to_v2(0, -1, true, &out, &err), 0);
  assert_int_equal(out, -1);
  assert_int_equal(cgroup_swap_to_v2(0, 1 << 20, true, &out, &err), 0);
  assert_int_equal(out, 0);
  assert_int_equal(cgroup_swap_to_v2(1 << 19, 1 << 20, true, &out, &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.memory.swap"));
  assert_int_equal(cgroup_swap_to_v2(1 << 20, 0, false, &out, &err), -1);
  assert_non_null(strstr(err.msg, "needs a memory limit"));
}

static void put_v1_knobs(const char *leaf) {
  static const char *const knobs[][2] = {
      {"memory", "memory.limit_in_bytes=9223372036854771712"},
      {"memory", "memory.memsw.limit_in_bytes=9223372036854771712"},
      {"memory", "memory.soft_limit_in_bytes="},
      {"memory", "memory.swappiness=60"},
      {"memory", "memory.oom_control="},
      {"cpu", "cpu.shares=1024"},
      {"cpu", "cpu.cfs_period_us=100000"},
      {"cpu", "cpu.cfs_quota_us=-1"},
      {"cpu", "cpu.cfs_burst_us=0"},
      {"cpu", "cpu.rt_period_us=1000000"},
      {"cpu", "cpu.rt_runtime_us=0"},
      {"cpu", "cpu.idle=0"},
      {"cpuset", "cpuset.cpus="},
      {"cpuset", "cpuset.mems="},
      {"pids", "pids.max=max"},
      {"blkio", "blkio.bfq.weight=100"},
      {"blkio", "blkio.bfq.weight_device="},
      {"blkio", "blkio.throttle.read_bps_device="},
      {"blkio", "blkio.throttle.write_bps_device="},
      {"blkio", "blkio.throttle.read_iops_device="},
      {"blkio", "blkio.throttle.write_iops_device="},
      {"devices", "devices.allow="},
      {"devices", "devices.deny="},
  };
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
    char rel[256], content[128];
    const char *eq = strchr(knobs[i][1], '=');
    snprintf(rel, sizeof rel, "%s/%s/%.*s", knobs[i][0], leaf, (int)(eq - knobs[i][1]),
             knobs[i][1]);
    snprintf(content, sizeof content, "%s", eq + 1);
    put(rel, content);
  }
}

static const char full_resources[] =
    "{\"memory\": {\"limit\": 104857600, \"reservation\": 52428800, \"swap\": 209715200,"
    "  \"swappiness\": 10, \"disableOOMKiller\": true, \"kernel\": 1, \"kernelTCP\": 2},"
    " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"burst\": 1000,"
    "  \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000, \"cpus\": \"1\","
    "  \"mems\": \"0\", \"idle\": 1},"
    " \"pids\": {\"limit\": 64},"
    " \"blockIO\": {\"weight\": 500, \"leafWeight\": 300,"
    "  \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600}],"
    "  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}],"
    "  \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 2097152}],"
    "  \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 100}],"
    "  \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 0}]},"
    " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
    "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"mwr\"},"
    "  {\"allow\": true, \"type\": \"b\", \"major\": 8, \"access\": \"r\"},"
    "  {\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"w\"}],"
    " \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]}"
    "}";

static void test_v1_resources(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put_v1_knobs("xrun/r1");
  put("cpuset/xrun/cpuset.effective_cpus", "0-3\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r1", &cg, &err), 0);
  start_recording();
  if (apply(cg, full_resources, &err) < 0)
    fail_msg("%s", err.msg);
  assert_file("memory/xrun/r1/memory.limit_in_bytes", "104857600");
  assert_file("memory/xrun/r1/memory.memsw.limit_in_bytes", "209715200");
  assert_file("memory/xrun/r1/memory.soft_limit_in_bytes", "52428800");
  assert_file("memory/xrun/r1/memory.swappiness", "10");
  assert_file("memory/xrun/r1/memory.oom_control", "1");
  assert_file("cpu/xrun/r1/cpu.shares", "512");
  assert_file("cpu/xrun/r1/cpu.cfs_period_us", "100000");
  assert_file("cpu/xrun/r1/cpu.cfs_quota_us", "50000");
  assert_file("cpu/xrun/r1/cpu.cfs_burst_us", "1000");
  assert_file("cpu/xrun/r1/cpu.rt_period_us", "1000000");
  assert_file("cpu/xrun/r1/cpu.rt_runtime_us", "950000");
  assert_file("cpu/xrun/r1/cpu.idle", "1");
  assert_file("cpuset/xrun/r1/cpuset.cpus", "1");
  assert_file("cpuset/xrun/r1/cpuset.mems", "0");
  assert_file("pids/xrun/r1/pids.max", "64");
  /* No CFQ here: BFQ's knobs, v1 scale. */
  assert_file("blkio/xrun/r1/blkio.bfq.weight", "500");
  assert_file("blkio/xrun/r1/blkio.bfq.weight_device", "8:0 600");
  assert_file("blkio/xrun/r1/blkio.throttle.read_bps_device", "8:0 1048576");
  assert_file("blkio/xrun/r1/blkio.throttle.write_bps_device", "8:16 2097152");
  assert_file("blkio/xrun/r1/blkio.throttle.read_iops_device", "8:0 100");
  assert_file("blkio/xrun/r1/blkio.throttle.write_iops_device", "8:0 0");
  /* Lowering from unlimited: memory first, then memory+swap. */
  assert_true(write_index("memory.limit_in_bytes=104857600") <
              write_index("memory.memsw.limit_in_bytes=209715200"));
  /* Devices: deny all, the rules in order, then the defaults. */
  ssize_t first = write_index("devices.deny=a");
  assert_int_equal(first, write_index("devices.deny=a"));
  assert_true(first >= 0);
  assert_string_equal(writes[first + 1], "devices.deny=a");
  assert_string_equal(writes[first + 2], "devices.allow=c 1:3 rwm");
  assert_string_equal(writes[first + 3], "devices.allow=b 8:* r");
  assert_string_equal(writes[first + 4], "devices.deny=c 1:3 w");
  assert_string_equal(writes[first + 5], "devices.allow=c *:* m");
  assert_string_equal(writes[first + 6], "devices.allow=b *:* m");
  assert_string_equal(writes[first + 7], "devices.allow=c 1:3 rwm");
  assert_string_equal(writes[first + 16], "devices.allow=c 10:200 rwm");
  /* net_cls/net_prio are not mounted: ignored, like runc. */
  assert_int_equal(write_index("net_cls.classid=1048577"), -1);
}

static void test_v1_memory_raise_order(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put_v1_knobs("xrun/r2");
  put("memory/xrun/r2/memory.limit_in_bytes", "1048576\n");
  put("memory/xrun/r2/memory.memsw.limit_in_bytes", "2097152\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r2", &cg, &err), 0);
  start_recording();
  /* Raising both: memory+swap first, or the kernel refuses. */
  if (apply(cg, "{\"memory\": {\"limit\": 4194304, \"swap\": 8388608}}", &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(n_writes, 2);
  assert_string_equal(writes[0], "memory.memsw.limit_in_bytes=8388608");
  assert_string_equal(writes[1], "memory.limit_in_bytes=4194304");
  /* Unlimited memory, swap unset: both unlimited. */
  start_recording();
  if (apply(cg, "{\"memory\": {\"limit\": -1}}", &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(n_writes, 2);
  assert_string_equal(writes[0], "memory.memsw.limit_in_bytes=-1");
  assert_string_equal(writes[1], "memory.limit_in_bytes=-1");
  /* An update that names nothing writes nothing. */
  start_recording();
  assert_int_equal(apply(cg, "{}", &err), 0);
  assert_int_equal(n_writes, 0);
  /* A pids-only update touches only pids, and -1 is unlimited. */
  assert_int_equal(apply(cg, "{\"pids\": {\"limit\": -1}}", &err), 0);
  assert_int_equal(n_writes, 1);
  assert_file("pids/xrun/r2/pids.max", "max");
}

static void put_v2_knobs(const char *leaf) {
  static const char *const knobs[] = {
      "memory.max",   "memory.low",    "memory.swap.max", "memory.high", "cpu.weight",
      "cpu.max",      "cpu.max.burst", "cpu.idle",        "cpuset.cpus", "cpuset.mems",
      "pids.max",     "io.weight",     "io.max",          "hugetlb.2MB.max", "rdma.max",
  };
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "%s/%s", leaf, knobs[i]);
    put(rel, "");
  }
}

static void test_v2_resources(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put_v2_knobs("xrun/r3");
  put("xrun/cpuset.cpus.effective", "0-3\n");
  put("xrun/cpuset.mems.effective", "0\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r3", &cg, &err), 0);
  start_recording();
  /* No realtime on v2: the same document minus those two. */
  json_t *j = js(full_resources);
  json_t *cpu = json_object_get(j, "cpu");
  json_object_del(cpu, "realtimeRuntime");
  json_object_del(cpu, "realtimePeriod");
  json_object_set_new(j, "hugepageLimits", js("[{\"pageSize\": \"2MB\", \"limit\": 4194304}]"));
  json_object_set_new(j, "rdma", js("{\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}}"));
  json_object_set_new(j, "unified", js("{\"memory.high\": \"90000000\", \"pids.max\": \"77\"}"));
  int r = cgroup_set_resources(cg, j, &err);
  json_decref(j);
  if (r < 0)
    fail_msg("%s", err.msg);
  assert_file("xrun/r3/memory.max", "104857600");
  assert_file("xrun/r3/memory.low", "52428800");
  /* v1's memory+swap 200M with memory 100M is 100M of swap. */
  assert_file("xrun/r3/memory.swap.max", "104857600");
  assert_file("xrun/r3/cpu.weight", "20"); /* 1 + (510 * 9999) / 262142 */
  assert_file("xrun/r3/cpu.max", "50000 100000");
  assert_file("xrun/r3/cpu.max.burst", "1000");
  assert_file("xrun/r3/cpu.idle", "1");
  assert_file("xrun/r3/cpuset.cpus", "1");
  assert_file("xrun/r3/cpuset.mems", "0");
  assert_file("xrun/r3/io.weight", "8:0 5960"); /* last write: the device weight */
  assert_true(write_index("io.weight=default 4950") >= 0);
  assert_true(write_index("io.max=8:0 rbps=1048576") >= 0);
  assert_true(write_index("io.max=8:16 wbps=2097152") >= 0);
  assert_true(write_index("io.max=8:0 riops=100") >= 0);
  assert_true(write_index("io.max=8:0 wiops=max") >= 0);
  assert_file("xrun/r3/hugetlb.2MB.max", "4194304");
  assert_file("xrun/r3/rdma.max", "mlx5_1 hca_handle=3 hca_object=10000");
  assert_file("xrun/r3/memory.high", "90000000");
  /* unified goes last and wins over the mapped value. */
  assert_file("xrun/r3/pids.max", "77");
  assert_true(write_index("pids.max=64") < write_index("pids.max=77"));
  /* Nothing of v1's: no swappiness, no OOM-killer switch, no devices knobs. */
  for (size_t i = 0; i < n_writes; i++)
    assert_null(strstr(writes[i], "devices."));
}

static void test_v2_bfq_and_limits(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put_v2_knobs("xrun/r4");
  put("xrun/r4/io.bfq.weight", "");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r4", &cg, &err), 0);
  start_recording();
  assert_int_equal(apply(cg,
                         "{\"blockIO\": {\"weight\": 300}, \"memory\": {\"limit\": -1},"
                         " \"cpu\": {\"period\": 20000}, \"pids\": {\"limit\": -1}}",
                         &err),
                   0);
  assert_file("xrun/r4/io.bfq.weight", "300");
  assert_file("xrun/r4/memory.max", "max");
  assert_file("xrun/r4/memory.swap.max", "max");
  assert_file("xrun/r4/cpu.max", "max 20000");
  assert_file("xrun/r4/pids.max", "max");
  assert_int_equal(write_index("io.weight=default 2727"), -1);
  /* realtime is v1-only. */
  assert_int_equal(apply(cg, "{\"cpu\": {\"realtimeRuntime\": 1000}}", &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.cpu.realtimeRuntime"));
  /* A unified key whose controller is off. */
  assert_int_equal(apply(cg, "{\"unified\": {\"misc.max\": \"x 1\"}}", &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  assert_non_null(strstr(err.msg, "linux.resources.unified.misc.max"));
  assert_non_null(strstr(err.msg, "misc controller"));
}

static void test_hybrid_resources(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  put_v1_knobs("xrun/r5");
  put("unified/xrun/r5/memory.high", "");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r5", &cg, &err), 0);
  if (apply(cg, "{\"memory\": {\"limit\": 1048576}, \"unified\": {\"memory.high\": \"5\"}}",
            &err) < 0)
    fail_msg("%s", err.msg);
  assert_file("memory/xrun/r5/memory.limit_in_bytes", "1048576");
  assert_file("unified/xrun/r5/memory.high", "5");
  /* hugetlb is neither in v1 nor enabled in the cgroup2 tree here. */
  assert_int_equal(apply(cg, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}]}",
                         &err),
                   -1);
  assert_non_null(strstr(err.msg, "hugetlb"));
}

static void test_hybrid_hugetlb_in_unified(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  put("unified/cgroup.controllers", "hugetlb\n");
  put("unified/cgroup.subtree_control", "");
  put("unified/xrun/cgroup.controllers", "hugetlb\n");
  put("unified/xrun/cgroup.subtree_control", "hugetlb\n");
  put("unified/xrun/r6/hugetlb.2MB.max", "max\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r6", &cg, &err), 0);
  start_recording();
  if (apply(cg, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2097152}]}", &err) <
      0)
    fail_msg("%s", err.msg);
  assert_file("unified/cgroup.subtree_control", "+hugetlb");
  assert_int_equal(n_writes, 2); /* /xrun had it already */
  assert_file("unified/xrun/r6/hugetlb.2MB.max", "2097152");
}

static void expect_bad(const char *json, const char *field, const char *detail) {
  json_t *j = js(json);
  struct cgroup_resources r;
  struct xerr err = {0};
  int ret = cgroup_resources_parse(j, &r, &err);
  json_decref(j);
  if (ret == 0)
    fail_msg("accepted: %s", json);
  if (strstr(err.msg, field) == NULL || (detail && strstr(err.msg, detail) == NULL))
    fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err.msg, field, detail ? detail : "");
  assert_int_equal(err.errnum, EINVAL);
}

static void test_bad_values(void **state) {
  (void)state;
  expect_bad("[]", "linux.resources", "object");
  expect_bad("{\"memory\": {\"limit\": -5}}", "linux.resources.memory.limit", "-5");
  expect_bad("{\"memory\": {\"limit\": \"1G\"}}", "linux.resources.memory.limit", "integer");
  expect_bad("{\"memory\": {\"limit\": 200, \"swap\": 100}}", "linux.resources.memory.swap",
             "below");
  expect_bad("{\"memory\": {\"swappiness\": 101}}", "linux.resources.memory.swappiness", "101");
  expect_bad("{\"cpu\": {\"cpus\": \"0-3,a\"}}", "linux.resources.cpu.cpus", "0-3,a");
  expect_bad("{\"cpu\": {\"cpus\": \"3-1\"}}", "linux.resources.cpu.cpus", NULL);
  expect_bad("{\"cpu\": {\"mems\": \"x\"}}", "linux.resources.cpu.mems", NULL);
  expect_bad("{\"cpu\": {\"quota\": -2}}", "linux.resources.cpu.quota", NULL);
  expect_bad("{\"cpu\": {\"idle\": 2}}", "linux.resources.cpu.idle", NULL);
  expect_bad("{\"pids\": {\"limit\": 1.5}}", "linux.resources.pids.limit", NULL);
  expect_bad("{\"blockIO\": {\"weight\": 5}}", "linux.resources.blockIO.weight", "10-1000");
  expect_bad("{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"weight\": 100}]}}",
             "linux.resources.blockIO.weightDevice[0].minor", "missing");
  expect_bad("{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}}",
             "linux.resources.blockIO.throttleReadBpsDevice[0].rate", NULL);
  expect_bad("{\"blockIO\": {\"throttleWriteIOPSDevice\": [{\"major\": -1, \"minor\": 0, "
             "\"rate\": 1}]}}",
             "linux.resources.blockIO.throttleWriteIOPSDevice[0]", "device number");
  expect_bad("{\"hugepageLimits\": [{\"pageSize\": \"2XB\", \"limit\": 1}]}",
             "linux.resources.hugepageLimits[0].pageSize", "2XB");
  expect_bad("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}",
             "linux.resources.devices[0].type", "unknown device type");
  expect_bad("{\"devices\": [{\"allow\": false}, {\"allow\": true, \"access\": \"rwx\"}]}",
             "linux.resources.devices[1].access", NULL);
  expect_bad("{\"devices\": [{\"type\": \"c\"}]}", "linux.resources.devices[0].allow",
             "missing");
  expect_bad("{\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": -7}]}",
             "linux.resources.devices[0]", "device number");
  expect_bad("{\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 1}]}}",
             "linux.resources.network.priorities[0].name", NULL);
  expect_bad("{\"unified\": {\"../memory.max\": \"1\"}}", "linux.resources.unified", NULL);
  expect_bad("{\"unified\": {\"cgroup.procs\": \"1\"}}", "linux.resources.unified.cgroup.procs",
             "managed by the runtime");
  expect_bad("{\"unified\": {\"memory.max\": 5}}", "linux.resources.unified.memory.max",
             "string");
  expect_bad("{\"rdma\": {\"mlx\": []}}", "linux.resources.rdma.mlx", NULL);

  /* Checks that need the cgroup: cpus outside the parent's set. */
  make_scratch(SCRATCH_V1);
  put_v1_knobs("xrun/r7");
  put("cpuset/xrun/cpuset.effective_cpus", "0-1\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/r7", &cg, &err), 0);
  assert_int_equal(apply(cg, "{\"cpu\": {\"cpus\": \"0-7\"}}", &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.cpu.cpus"));
  assert_non_null(strstr(err.msg, "CPU 2"));
  assert_non_null(strstr(err.msg, "0-1"));
  /* unified on a v1-only host. */
  assert_int_equal(apply(cg, "{\"unified\": {\"memory.max\": \"1\"}}", &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.unified"));
  assert_non_null(strstr(err.msg, "cgroup v2 is not available"));
  /* A knob the kernel lacks names the field and the file. */
  char p[PATH_MAX];
  unlink(at(p, "pids/xrun/r7/pids.max"));
  assert_int_equal(apply(cg, "{\"pids\": {\"limit\": 5}}", &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.pids.limit"));
  assert_non_null(strstr(err.msg, "pids.max"));
  /* A controller that is not mounted at all. */
  remove_tree(at(p, "pids"), &err);
  cgroup_free(cg);
  assert_int_equal(cgroup_open("/xrun/r7", &cg, &err), 0);
  assert_int_equal(apply(cg, "{\"pids\": {\"limit\": 5}}", &err), -1);
  assert_non_null(strstr(err.msg, "pids cgroup controller is not mounted"));
}

static void test_create_bad_resources_leaves_nothing(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put("cpuset/xrun/cpuset.effective_cpus", "0-1\n");
  put("cpuset/xrun/cpuset.cpus", "0-1\n");
  json_t *j = js("{\"cpu\": {\"cpus\": \"7\"}}");
  struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_create("/xrun/r8", j, &cg, &err), -1);
  json_decref(j);
  assert_null(cg);
  assert_non_null(strstr(err.msg, "linux.resources.cpu.cpus"));
  for (int i = 0; v1_controllers[i]; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%s/xrun/r8", v1_controllers[i]);
    assert_false(exists(rel));
  }
  /* /xrun existed in cpuset only; the others' were made and taken back. */
  assert_true(exists("cpuset/xrun"));
  assert_false(exists("memory/xrun"));
  /* Bad JSON fails before any mkdir. */
  j = js("{\"memory\": {\"limit\": -9}}");
  assert_int_equal(cgroup_create("/xrun/r9", j, &cg, &err), -1);
  json_decref(j);
  assert_false(exists("pids/xrun"));
}

/* --------------------------------------------------------------- stats */

static void test_stats_v1(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  put("cpuacct/xrun/s1/cpuacct.usage", "123456\n");
  put("cpuacct/xrun/s1/cpuacct.usage_percpu", "100000 23456 \n");
  put("cpuacct/xrun/s1/cpuacct.stat", "user 3\nsystem 1\n");
  put("cpu/xrun/s1/cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n");
  put("memory/xrun/s1/memory.usage_in_bytes", "4096\n");
  put("memory/xrun/s1/memory.max_usage_in_bytes", "8192\n");
  put("memory/xrun/s1/memory.limit_in_bytes", "1048576\n");
  put("memory/xrun/s1/memory.failcnt", "7\n");
  put("memory/xrun/s1/memory.stat", "cache 11\nrss 22\ntotal_cache 11\n");
  put("memory/xrun/s1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  put("pids/xrun/s1/pids.current", "2\n");
  put("pids/xrun/s1/pids.max", "max\n");
  put("blkio/xrun/s1/blkio.throttle.io_service_bytes_recursive",
      "8:0 Read 10\n8:0 Write 20\n8:0 Sync 5\nTotal 30\n");
  put("blkio/xrun/s1/blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/s1", &cg, &err), 0);
  json_t *data = NULL;
  assert_int_equal(cgroup_stats(cg, &data, &err), 0);
  json_t *usage = json_object_get(json_object_get(data, "cpu"), "usage");
  assert_int_equal(json_integer_value(json_object_get(usage, "total")), 123456);
  assert_int_equal(json_array_size(json_object_get(usage, "percpu")), 2);
  assert_int_equal(json_integer_value(json_array_get(json_object_get(usage, "percpu"), 1)),
                   23456);
  long hz = sysconf(_SC_CLK_TCK);
  assert_int_equal(json_integer_value(json_object_get(usage, "user")), 3 * (1000000000 / hz));
  json_t *thr = json_object_get(json_object_get(data, "cpu"), "throttling");
  assert_int_equal(json_integer_value(json_object_get(thr, "throttled_periods")), 2);
  json_t *mem = json_object_get(data, "memory");
  json_t *mu = json_object_get(mem, "usage");
  assert_int_equal(json_integer_value(json_object_get(mu, "usage")), 4096);
  assert_int_equal(json_integer_value(json_object_get(mu, "max")), 8192);
  assert_int_equal(json_integer_value(json_object_get(mu, "limit")), 1048576);
  assert_int_equal(json_integer_value(json_object_get(mu, "failcnt")), 7);
  assert_int_equal(json_integer_value(json_object_get(mem, "cache")), 11);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(mem, "raw"), "rss")), 22);
  json_t *pids = json_object_get(data, "pids");
  assert_int_equal(json_integer_value(json_object_get(pids, "current")), 2);
  assert_int_equal(json_integer_value(json_object_get(pids, "limit")), 0);
  json_t *bytes = json_object_get(json_object_get(data, "blkio"), "ioServiceBytesRecursive");
  assert_int_equal(json_array_size(bytes), 3);
  json_t *e = json_array_get(bytes, 1);
  assert_int_equal(json_integer_value(json_object_get(e, "major")), 8);
  assert_string_equal(json_string_value(json_object_get(e, "op")), "Write");
  assert_int_equal(json_integer_value(json_object_get(e, "value")), 20);
  json_decref(data);
  uint64_t ooms = 0;
  assert_int_equal(cgroup_oom_kills(cg, &ooms, &err), 0);
  assert_int_equal(ooms, 3);
}

static void test_stats_v2(void **state) {
  (void)state;
  make_scratch(SCRATCH_V2);
  put("xrun/s2/cpu.stat", "usage_usec 10\nuser_usec 4\nsystem_usec 6\nnr_periods 3\n"
                          "nr_throttled 1\nthrottled_usec 2\n");
  put("xrun/s2/memory.current", "4096\n");
  put("xrun/s2/memory.max", "max\n");
  put("xrun/s2/memory.peak", "9000\n");
  put("xrun/s2/memory.swap.current", "100\n");
  put("xrun/s2/memory.swap.max", "max\n");
  put("xrun/s2/memory.stat", "anon 1\nfile 2\n");
  put("xrun/s2/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 2\n");
  put("xrun/s2/pids.current", "4\n");
  put("xrun/s2/pids.max", "100\n");
  put("xrun/s2/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
  put("xrun/s2/hugetlb.2MB.current", "0\n");
  put("xrun/s2/hugetlb.2MB.max", "4194304\n");
  put("xrun/s2/hugetlb.2MB.events", "max 1\n");
  put("xrun/s2/hugetlb.2MB.rsvd.current", "0\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/s2", &cg, &err), 0);
  json_t *data = NULL;
  assert_int_equal(cgroup_stats(cg, &data, &err), 0);
  json_t *usage = json_object_get(json_object_get(data, "cpu"), "usage");
  assert_int_equal(json_integer_value(json_object_get(usage, "total")), 10000);
  assert_int_equal(json_integer_value(json_object_get(usage, "kernel")), 6000);
  json_t *thr = json_object_get(json_object_get(data, "cpu"), "throttling");
  assert_int_equal(json_integer_value(json_object_get(thr, "throttled_time")), 2000);
  json_t *mem = json_object_get(data, "memory");
  json_t *mu = json_object_get(mem, "usage");
  assert_int_equal(json_integer_value(json_object_get(mu, "usage")), 4096);
  assert_int_equal(json_integer_value(json_object_get(mu, "max")), 9000);
  assert_int_equal(json_integer_value(json_object_get(mu, "failcnt")), 5);
  assert_int_equal(json_integer_value(json_object_get(mu, "limit")), INT64_MAX);
  json_t *sw = json_object_get(mem, "swap");
  assert_int_equal(json_integer_value(json_object_get(sw, "usage")), 4196);
  assert_int_equal(json_integer_value(json_object_get(mem, "cache")), 2);
  json_t *pids = json_object_get(data, "pids");
  assert_int_equal(json_integer_value(json_object_get(pids, "limit")), 100);
  json_t *ios = json_object_get(json_object_get(data, "blkio"), "ioServicedRecursive");
  assert_int_equal(json_array_size(ios), 2);
  json_t *h = json_object_get(json_object_get(data, "hugetlb"), "2MB");
  assert_non_null(h);
  assert_int_equal(json_integer_value(json_object_get(h, "max")), 4194304);
  assert_int_equal(json_integer_value(json_object_get(h, "failcnt")), 1);
  assert_int_equal(json_object_size(json_object_get(data, "hugetlb")), 1);
  json_decref(data);
  uint64_t ooms = 0;
  assert_int_equal(cgroup_oom_kills(cg, &ooms, &err), 0);
  assert_int_equal(ooms, 2);
}

/* ---------------------------------------------------------- BPF filter */

static void test_bpf_build(void **state) {
  (void)state;
  struct cgroup_device_rule rules[] = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', 1, 3, "rwm"},
      {true, 'b', 8, -1, "r"},
  };
  void *insns = NULL;
  size_t n = 0;
  struct xerr err;
  /* "deny all" alone: the preamble and a verdict, nothing after it. */
  assert_int_equal(cgroup_bpf_build(rules, 1, &insns, &n, &err), 0);
  assert_int_equal(n, 6 + 2);
  free(insns);
  /* c 1:3 rwm: type, major, minor checks + verdict. */
  assert_int_equal(cgroup_bpf_build(rules, 2, &insns, &n, &err), 0);
  assert_int_equal(n, 6 + 5 + 2);
  free(insns);
  /* b 8:* r: type, access (3), major + verdict. */
  assert_int_equal(cgroup_bpf_build(rules, 3, &insns, &n, &err), 0);
  assert_int_equal(n, 6 + 7 + 5 + 2);
  free(insns);
  /* Without a leading catch-all, the program ends in its own deny. */
  assert_int_equal(cgroup_bpf_build(rules + 1, 1, &insns, &n, &err), 0);
  assert_int_equal(n, 6 + 5 + 2);
  free(insns);
}

static void test_kill_hybrid_uses_unified_cgroup_kill(void **state) {
  (void)state;
  make_scratch(SCRATCH_HYBRID);
  put("unified/xrun/c11/cgroup.kill", "");
  put("freezer/xrun/c11/freezer.state", "FROZEN\n");
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  assert_int_equal(cgroup_open("/xrun/c11", &cg, &err), 0);
  start_recording();
  assert_int_equal(cgroup_kill_all(cg, SIGKILL, &err), 0);
  assert_file("unified/xrun/c11/cgroup.kill", "1");
  /* A paused container is thawed so the kill lands. */
  assert_string_equal(writes[1], "freezer.state=THAWED");
  assert_file("freezer/xrun/c11/freezer.state", "THAWED");
}

/* Cleanup paths pass err == NULL; every entry point must cope. */
static void test_null_err(void **state) {
  (void)state;
  make_scratch(SCRATCH_V1);
  mkd("freezer/xrun/c12"); /* no freezer.state: freezing fails */
  put("pids/xrun/c12/cgroup.procs", "");
  struct cgroup *cg = NULL;
  assert_int_equal(cgroup_open("/xrun/c12", &cg, NULL), 0);
  assert_int_equal(cgroup_kill_all(cg, SIGTERM, NULL), 0);
  assert_int_equal(cgroup_freeze(cg, true, NULL), -1);
  bool frozen;
  assert_int_equal(cgroup_is_frozen(cg, &frozen, NULL), -1);
  assert_int_equal(cgroup_enter(cg, 1, NULL), -1);
  json_t *j = js("{\"pids\": {\"limit\": 3}}");
  assert_int_equal(cgroup_set_resources(cg, j, NULL), -1);
  json_decref(j);
  json_t *stats = NULL;
  assert_int_equal(cgroup_stats(cg, &stats, NULL), 0);
  json_decref(stats);
  unlink(at((char[PATH_MAX]){0}, "pids/xrun/c12/cgroup.procs"));
  assert_int_equal(cgroup_destroy(cg, NULL), 0);
  cgroup_free(cg);
  assert_int_equal(cgroup_open("/xrun/c12", &cg, NULL), -1);
  char *path = NULL;
  assert_int_equal(cgroup_path_for("..", "x", &path, NULL), -1);
  enum cgroup_layout layout;
  assert_int_equal(cgroup_detect_layout("/nonexistent", &layout, NULL), -1);
}

/* -------------------------------------------------- the real kernel */

struct real_state {
  char path[128];
  pid_t child;
};

static int real_teardown(void **state) {
  struct real_state *st = *state;
  if (st == NULL)
    return 0;
  struct cgroup *cg = NULL;
  struct xerr err;
  if (st->path[0] && cgroup_open(st->path, &cg, &err) < 0)
    cg = NULL;
  /* A v1-frozen child would not die from SIGKILL and waitpid would hang:
   * thaw first. */
  if (cg != NULL)
    cgroup_freeze(cg, false, &err);
  if (st->child > 0) {
    kill(st->child, SIGKILL);
    waitpid(st->child, NULL, 0);
  }
  if (cg != NULL) {
    cgroup_destroy(cg, &err);
    cgroup_free(cg);
  }
  /* Our top directory, in every hierarchy, whatever happened above. */
  enum cgroup_layout layout;
  struct cgroup_hier *h = NULL;
  size_t n = 0;
  if (cgroup_discover(cgroup_mount_root(), &layout, &h, &n, &err) == 0) {
    for (size_t i = 0; i < n; i++) {
      char dir[PATH_MAX];
      if (snprintf(dir, sizeof dir, "%s%s", h[i].mount, st->path) < (int)sizeof dir)
        rmdir(dir);
      if (snprintf(dir, sizeof dir, "%s/xrun-test-cg", h[i].mount) < (int)sizeof dir)
        rmdir(dir);
    }
    cgroup_hier_free(h, n);
  }
  free(st);
  return 0;
}

static int real_setup(void **state) {
  struct real_state *st = calloc(1, sizeof *st);
  *state = st;
  unsetenv("XRUN_CGROUP_ROOT");
  srand((unsigned)(time(NULL) ^ getpid()));
  snprintf(st->path, sizeof st->path, "/xrun-test-cg/t%d-%d", (int)getpid(), rand() % 100000);
  return 0;
}

static void test_real_kernel(void **state) {
  struct real_state *st = *state;
  struct statfs sfs;
  if (geteuid() != 0)
    SKIP("real cgroup test: needs root");
  if (statfs("/sys/fs/cgroup", &sfs) < 0)
    SKIP("real cgroup test: no /sys/fs/cgroup");
  struct xerr err;
  enum cgroup_layout layout;
  if (cgroup_detect_layout(NULL, &layout, &err) < 0)
    SKIP("real cgroup test: %s", err.msg);

  struct cgroup *cg = NULL;
  if (cgroup_create(st->path, NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  cgroup_free(cg);
  cg = NULL;
  /* Reopen, as `kill`/`delete` do from another process. */
  if (cgroup_open(st->path, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  cleanup_cgroup struct cgroup *owned = cg;

  int sync[2];
  assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
  int ready[2];
  assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
  st->child = fork();
  assert_true(st->child >= 0);
  if (st->child == 0) {
    char c;
    close(sync[1]);
    close(ready[0]);
    if (read(sync[0], &c, 1) < 0)
      _exit(2);
    /* Memory charged to the new cgroup, so a tiny limit cannot fit. */
    size_t len = 16 << 20;
    volatile char *mem = malloc(len);
    if (mem == NULL)
      _exit(3);
    for (size_t i = 0; i < len; i += 4096)
      mem[i] = 1;
    if (write(ready[1], "r", 1) != 1)
      _exit(4);
    for (;;)
      pause();
  }
  close(sync[0]);
  close(ready[1]);
  if (cgroup_enter(cg, st->child, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(write(sync[1], "x", 1), 1);
  close(sync[1]);
  char c;
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);

  /* Device rules of a new container: deny all plus the defaults. */
  const char *ddir = cgroup_dir(cg, "devices");
  if (ddir != NULL) {
    cleanup_free char *list = NULL;
    assert_int_equal(cgroup_read(ddir, "devices.list", &list, &err), 0);
    assert_non_null(strstr(list, "c 1:3 rwm"));
    assert_non_null(strstr(list, "c 136:* rwm"));
    assert_null(strstr(list, "a *:* rwm"));
  }

  /* Limits land in the kernel's files. */
  if (apply(cg, "{\"pids\": {\"limit\": 50}, \"cpu\": {\"shares\": 512, \"quota\": 20000,"
                " \"period\": 100000}, \"memory\": {\"limit\": 268435456}}",
            &err) < 0)
    fail_msg("%s", err.msg);
  const char *pdir = cgroup_layout_of(cg) == CGROUP_LAYOUT_V2 ? cgroup_dir(cg, "") : NULL;
  if (pdir == NULL && (pdir = cgroup_dir(cg, "pids")) != NULL) {
    cleanup_free char *v = NULL;
    assert_int_equal(cgroup_read(pdir, "pids.max", &v, &err), 0);
    assert_string_equal(v, "50");
  }
  if (cgroup_layout_of(cg) != CGROUP_LAYOUT_V2 && cgroup_dir(cg, "cpu") != NULL) {
    cleanup_free char *v = NULL;
    assert_int_equal(cgroup_read(cgroup_dir(cg, "cpu"), "cpu.cfs_quota_us", &v, &err), 0);
    assert_string_equal(v, "20000");
  }
  /* Below what the container uses: v1 refuses with EBUSY (v2 would
   * reclaim or OOM-kill instead). */
  if (cgroup_layout_of(cg) != CGROUP_LAYOUT_V2 && cgroup_dir(cg, "memory") != NULL) {
    assert_int_equal(apply(cg, "{\"memory\": {\"limit\": 4096}}", &err), -1);
    assert_int_equal(err.errnum, EBUSY);
    assert_non_null(strstr(err.msg, "linux.resources.memory.limit"));
  }
  /* CPUs the machine does not have. */
  assert_int_equal(apply(cg, "{\"cpu\": {\"cpus\": \"0-4095\"}}", &err), -1);
  assert_non_null(strstr(err.msg, "linux.resources.cpu.cpus"));

  json_t *stats = NULL;
  if (cgroup_stats(cg, &stats, &err) < 0)
    fail_msg("%s", err.msg);
  json_t *pj = json_object_get(stats, "pids");
  if (cgroup_dir(cg, "pids") != NULL || cgroup_layout_of(cg) == CGROUP_LAYOUT_V2) {
    assert_int_equal(json_integer_value(json_object_get(pj, "current")), 1);
    assert_int_equal(json_integer_value(json_object_get(pj, "limit")), 50);
  }
  json_t *mu = json_object_get(json_object_get(stats, "memory"), "usage");
  if (cgroup_dir(cg, "memory") != NULL)
    assert_true(json_integer_value(json_object_get(mu, "usage")) >= (16 << 20));
  json_decref(stats);

  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cgroup_pids(cg, &pids, &n, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(n, 1);
  assert_int_equal(pids[0], st->child);

  if (cgroup_freeze(cg, true, &err) < 0)
    fail_msg("%s", err.msg);
  bool frozen = false;
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_true(frozen);
  const char *fdir = cgroup_dir(cg, "freezer");
  if (fdir != NULL) {
    cleanup_free char *state_s = NULL;
    assert_int_equal(cgroup_read(fdir, "freezer.state", &state_s, &err), 0);
    assert_string_equal(state_s, "FROZEN");
  }
  /* Frozen in /proc too: state 't'/'T' or 'D' under the v1 freezer. */
  if (cgroup_freeze(cg, false, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_false(frozen);
  if (fdir != NULL) {
    cleanup_free char *state_s = NULL;
    assert_int_equal(cgroup_read(fdir, "freezer.state", &state_s, &err), 0);
    assert_string_equal(state_s, "THAWED");
  }

  /* SIGKILL reaches a paused container too. */
  if (cgroup_freeze(cg, true, &err) < 0)
    fail_msg("%s", err.msg);
  if (cgroup_kill_all(cg, SIGKILL, &err) < 0)
    fail_msg("%s", err.msg);
  int status = 0;
  assert_int_equal(waitpid(st->child, &status, 0), st->child);
  st->child = 0;
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);

  if (cgroup_destroy(cg, &err) < 0)
    fail_msg("%s", err.msg);
  for (size_t i = 0; i < cg->n_hier; i++) {
    if (access(cg->hier[i].dir, F_OK) == 0)
      fail_msg("%s still exists", cg->hier[i].dir);
  }
  struct cgroup *again = NULL;
  assert_int_equal(cgroup_open(st->path, &again, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
}

/* kill --all with another signal on a paused container: it stays paused
 * with the signal pending, and dies of it on resume (the pid-by-pid path
 * under the freezer). */
static void test_real_kill_paused(void **state) {
  struct real_state *st = *state;
  if (geteuid() != 0)
    SKIP("real cgroup test: needs root");
  struct xerr err;
  enum cgroup_layout layout;
  if (cgroup_detect_layout(NULL, &layout, &err) < 0)
    SKIP("real cgroup test: %s", err.msg);
  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_create(st->path, NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
  int sync[2];
  assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
  st->child = fork();
  assert_true(st->child >= 0);
  if (st->child == 0) {
    char c;
    close(sync[1]);
    if (read(sync[0], &c, 1) < 0)
      _exit(2);
    for (;;)
      pause();
  }
  close(sync[0]);
  if (cgroup_enter(cg, st->child, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(write(sync[1], "x", 1), 1);
  close(sync[1]);
  if (cgroup_freeze(cg, true, &err) < 0)
    fail_msg("%s", err.msg);
  if (cgroup_kill_all(cg, SIGTERM, &err) < 0)
    fail_msg("%s", err.msg);
  bool frozen = false;
  assert_int_equal(cgroup_is_frozen(cg, &frozen, &err), 0);
  assert_true(frozen);
  usleep(20000);
  int status = 0;
  assert_int_equal(waitpid(st->child, &status, WNOHANG), 0);
  if (cgroup_freeze(cg, false, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(waitpid(st->child, &status, 0), st->child);
  st->child = 0;
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGTERM);
  if (cgroup_destroy(cg, &err) < 0)
    fail_msg("%s", err.msg);
  for (size_t i = 0; i < cg->n_hier; i++)
    assert_int_equal(access(cg->hier[i].dir, F_OK), -1);
}

/* The v2 device filter, loaded and attached for real.  Hybrid hosts have
 * a cgroup2 tree too, and its device programs apply to its processes
 * whatever the v1 devices controller says, so this runs here as well. */
struct bpf_state {
  char dir[PATH_MAX];
  char top[PATH_MAX];
  pid_t child;
};

static int bpf_setup(void **state) {
  struct bpf_state *st = calloc(1, sizeof *st);
  *state = st;
  unsetenv("XRUN_CGROUP_ROOT");
  return 0;
}

static int bpf_teardown(void **state) {
  struct bpf_state *st = *state;
  if (st->child > 0) {
    kill(st->child, SIGKILL);
    waitpid(st->child, NULL, 0);
  }
  if (st->dir[0])
    rmdir(st->dir);
  if (st->top[0])
    rmdir(st->top);
  free(st);
  return 0;
}

/* Fork a child into dir that tries the opens; its exit code has one bit
 * per open that succeeded. */
static int probe_devices(struct bpf_state *st) {
  int sync[2];
  assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
  st->child = fork();
  assert_true(st->child >= 0);
  if (st->child == 0) {
    char c;
    close(sync[1]);
    if (read(sync[0], &c, 1) != 1)
      _exit(100);
    int code = 0, fd;
    if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
      code |= 1, close(fd);
    if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0)
      code |= 2, close(fd);
    if ((fd = open("/dev/zero", O_RDONLY | O_CLOEXEC)) >= 0)
      code |= 4, close(fd);
    _exit(code);
  }
  close(sync[0]);
  struct xerr err;
  if (cgroup_writef(st->dir, "cgroup.procs", &err, "%d", (int)st->child) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(write(sync[1], "x", 1), 1);
  close(sync[1]);
  int status = 0;
  assert_int_equal(waitpid(st->child, &status, 0), st->child);
  st->child = 0;
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static void test_real_bpf_device_filter(void **state) {
  struct bpf_state *st = *state;
  if (geteuid() != 0)
    SKIP("real device filter test: needs root");
  enum cgroup_layout layout;
  struct cgroup_hier *h = NULL;
  size_t n = 0;
  struct xerr err;
  if (cgroup_discover(cgroup_mount_root(), &layout, &h, &n, &err) < 0)
    SKIP("real device filter test: %s", err.msg);
  const char *mount = NULL;
  for (size_t i = 0; i < n; i++)
    if (h[i].unified)
      mount = h[i].mount;
  if (mount == NULL) {
    cgroup_hier_free(h, n);
    SKIP("real device filter test: no cgroup2 hierarchy on this host");
  }
  snprintf(st->top, sizeof st->top, "%s/xrun-test-cg", mount);
  snprintf(st->dir, sizeof st->dir, "%s/xrun-test-cg/bpf-%d", mount, (int)getpid());
  cgroup_hier_free(h, n);
  mkdir(st->top, 0755);
  assert_int_equal(mkdir(st->dir, 0755), 0);

  /* /dev/null readable only: the later deny takes "w" back. */
  struct cgroup_device_rule rules[] = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', 1, 3, "rwm"},
      {false, 'c', 1, 3, "w"},
  };
  if (cgroup_bpf_apply(st->dir, rules, 3, &err) < 0) {
    if (err.errnum == EPERM)
      SKIP("real device filter test: %s", err.msg);
    fail_msg("%s", err.msg);
  }
  assert_int_equal(probe_devices(st), 1);

  /* An update replaces the program: now only /dev/zero. */
  struct cgroup_device_rule rules2[] = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', 1, 5, "r"},
  };
  if (cgroup_bpf_apply(st->dir, rules2, 2, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(probe_devices(st), 4);

  /* Everything allowed again (a privileged container). */
  struct cgroup_device_rule all[] = {{true, 'a', -1, -1, "rwm"}};
  if (cgroup_bpf_apply(st->dir, all, 1, &err) < 0)
    fail_msg("%s", err.msg);
  assert_int_equal(probe_devices(st), 7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_for),
      cmocka_unit_test_teardown(test_detect_v1, teardown_scratch),
      cmocka_unit_test_teardown(test_detect_v2, teardown_scratch),
      cmocka_unit_test_teardown(test_detect_hybrid, teardown_scratch),
      cmocka_unit_test_teardown(test_detect_errors, teardown_scratch),
      cmocka_unit_test(test_parse_mountinfo),
      cmocka_unit_test_teardown(test_create_v1, teardown_scratch),
      cmocka_unit_test_teardown(test_create_existing_parent_and_destroy, teardown_scratch),
      cmocka_unit_test_teardown(test_create_failure_cleans_up, teardown_scratch),
      cmocka_unit_test_teardown(test_open, teardown_scratch),
      cmocka_unit_test_teardown(test_v2_enables_controllers, teardown_scratch),
      cmocka_unit_test_teardown(test_freeze_v1, teardown_scratch),
      cmocka_unit_test_teardown(test_freeze_v2, teardown_scratch),
      cmocka_unit_test_teardown(test_freeze_hybrid_without_v1_freezer, teardown_scratch),
      cmocka_unit_test_teardown(test_freeze_v1_missing_freezer, teardown_scratch),
      cmocka_unit_test_teardown(test_pids_recursive, teardown_scratch),
      cmocka_unit_test_teardown(test_kill_v2_uses_cgroup_kill, teardown_scratch),
      cmocka_unit_test_teardown(test_kill_hybrid_uses_unified_cgroup_kill, teardown_scratch),
      cmocka_unit_test_teardown(test_null_err, teardown_scratch),
      cmocka_unit_test(test_mappings),
      cmocka_unit_test_teardown(test_v1_resources, teardown_scratch),
      cmocka_unit_test_teardown(test_v1_memory_raise_order, teardown_scratch),
      cmocka_unit_test_teardown(test_v2_resources, teardown_scratch),
      cmocka_unit_test_teardown(test_v2_bfq_and_limits, teardown_scratch),
      cmocka_unit_test_teardown(test_hybrid_resources, teardown_scratch),
      cmocka_unit_test_teardown(test_hybrid_hugetlb_in_unified, teardown_scratch),
      cmocka_unit_test_teardown(test_bad_values, teardown_scratch),
      cmocka_unit_test_teardown(test_create_bad_resources_leaves_nothing, teardown_scratch),
      cmocka_unit_test_teardown(test_stats_v1, teardown_scratch),
      cmocka_unit_test_teardown(test_stats_v2, teardown_scratch),
      cmocka_unit_test(test_bpf_build),
      cmocka_unit_test_setup_teardown(test_real_kernel, real_setup, real_teardown),
      cmocka_unit_test_setup_teardown(test_real_kill_paused, real_setup, real_teardown),
      cmocka_unit_test_setup_teardown(test_real_bpf_device_filter, bpf_setup, bpf_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
