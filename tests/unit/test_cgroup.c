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
  cleanup_cgroup struct cgroup *cg = NULL;
  struct xerr err;
  if (cgroup_create("/xrun/c2", NULL, &cg, &err) < 0)
    fail_msg("%s", err.msg);
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
      cmocka_unit_test_setup_teardown(test_real_kernel, real_setup, real_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
