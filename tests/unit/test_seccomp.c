/* Unit tests of the seccomp module: profile errors naming the JSON path,
 * the cache (hit, miss, corrupt entries, untrusted directories), and the
 * real thing: a forked child loads a filter and its syscalls behave as the
 * profile says (errno values, argument rules, the Docker-like default
 * profile, SIGSYS, and a seccomp agent answering a notification). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "runtime/seccomp.h"
#include "runtime/seccomp_internal.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static char scratch[PATH_MAX]; /* temp dir: cache/ and sockets */
static char cache_dir[PATH_MAX + 16];

static int group_setup(void **state) {
  (void)state;
  snprintf(scratch, sizeof scratch, "/tmp/xrun-seccomp-test.XXXXXX");
  if (mkdtemp(scratch) == NULL)
    return -1;
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  setenv("XRUN_SECCOMP_CACHE", cache_dir, 1);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  remove_tree(scratch, NULL);
  return 0;
}

/* Each test starts with an empty cache. */
static int fresh_cache(void **state) {
  (void)state;
  remove_tree(cache_dir, NULL);
  setenv("XRUN_SECCOMP_CACHE", cache_dir, 1);
  return 0;
}

static json_t *parse(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (j == NULL)
    fail_msg("bad test JSON: %s: %s", e.text, text);
  return j;
}

static struct seccomp_program *prepare_ok(const char *text) {
  json_t *j = parse(text);
  struct seccomp_program *p = NULL;
  struct xerr err = {0};
  int r = seccomp_prepare(j, &p, &err);
  json_decref(j);
  if (r < 0)
    fail_msg("seccomp_prepare: %s", err.msg);
  assert_non_null(p);
  return p;
}

static size_t cache_entries(void) {
  DIR *d = opendir(cache_dir);
  size_t n = 0;
  if (d == NULL)
    return 0;
  for (struct dirent *de; (de = readdir(d));)
    if (de->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static const char *default_profile_path(void) {
  static char path[PATH_MAX + 64];
  const char *rel = "src/runtime/profiles/default-seccomp.json";
  if (access(rel, R_OK) == 0)
    return rel;
  /* <build dir>/tests/test_seccomp: the source tree is two levels up */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0)
    return rel;
  exe[n] = '\0';
  for (int i = 0; i < 3; i++) {
    char *s = strrchr(exe, '/');
    if (s)
      *s = '\0';
  }
  snprintf(path, sizeof path, "%s/%s", exe, rel);
  return path;
}

static json_t *default_profile(void) {
  json_error_t e;
  json_t *j = json_load_file(default_profile_path(), 0, &e);
  if (j == NULL)
    fail_msg("load %s: %s", default_profile_path(), e.text);
  return j;
}

/* ---- profile errors ---- */

static void test_nothing_to_load(void **state) {
  (void)state;
  struct seccomp_program *p = (void *)1;
  struct xerr err = {0};
  assert_int_equal(seccomp_prepare(NULL, &p, &err), 0);
  assert_null(p);
  const char *empty[] = {"{}", "{\"defaultAction\": \"\"}", "{\"syscalls\": []}",
                         "{\"defaultAction\": null, \"architectures\": [\"SCMP_ARCH_X86\"]}"};
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
    json_t *j = parse(empty[i]);
    p = (void *)1;
    assert_int_equal(seccomp_prepare(j, &p, &err), 0);
    assert_null(p);
    json_decref(j);
  }
  /* A NULL program loads as nothing. */
  assert_int_equal(seccomp_program_load(NULL, false, -1, NULL, &err), 0);
  assert_false(seccomp_program_has_listener(NULL));
  assert_int_equal(seccomp_listener_connect(NULL, &err), -1);
}

struct bad_case {
  const char *json;
  const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"[]", "linux.seccomp: expected an object"},
    {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
    {"{\"defaultAction\": 7}", "linux.seccomp.defaultAction: expected a string"},
    {"{\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
     "linux.seccomp.defaultAction: required field is missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ERRNO\"}, {\"names\": [\"write\"], \"action\": \"SCMP_ACT_FOO\"}]}",
     "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\""},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
     "linux.seccomp.syscalls[0].action: required field is missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
     "linux.seccomp.syscalls: expected an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [7]}",
     "linux.seccomp.syscalls[0]: expected an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_KILL\"}]}",
     "linux.seccomp.syscalls[0].names: at least one syscall name is required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": "
     "\"SCMP_ACT_KILL\"}]}",
     "linux.seccomp.syscalls[0].names: at least one syscall name is required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 3], "
     "\"action\": \"SCMP_ACT_KILL\"}]}",
     "linux.seccomp.syscalls[0].names[1]: expected a syscall name"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, "
     "{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}]}",
     "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\""},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument (0 to 5)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value: required field is missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value: expected an unsigned integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
     "linux.seccomp.syscalls[0].args[0].op: required field is missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
     "\"SCMP_ARCH_FOO\"]}",
     "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\""},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
     "linux.seccomp.architectures[0]: unknown architecture \"x86_64\""},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
     "\"SECCOMP_FILTER_FLAG_FOO\"]}",
     "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\""},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_LOG\", \"errnoRet\": 5}]}",
     "linux.seccomp.syscalls[0].errnoRet: action SCMP_ACT_LOG takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 5}",
     "linux.seccomp.defaultErrnoRet: action SCMP_ACT_KILL takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
     "linux.seccomp.defaultErrnoRet: 70000 is out of range"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/x\"}",
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
     "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\", \"syscalls\": "
     "[{\"names\": [\"getcwd\", \"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg (the "
     "notify fd is sent with it)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"m\"}",
     "linux.seccomp.listenerMetadata: set without listenerPath"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 5}",
     "linux.seccomp.listenerPath: expected a string"},
};

static void test_errors_name_the_path(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    json_t *j = parse(bad_cases[i].json);
    struct seccomp_program *p = (void *)1;
    struct xerr err = {0};
    assert_int_equal(seccomp_prepare(j, &p, &err), -1);
    assert_null(p);
    assert_int_equal(err.errnum, EINVAL);
    char want[XERR_MSG_MAX];
    snprintf(want, sizeof want, "%s: %s", bad_cases[i].msg, strerror(EINVAL));
    if (strcmp(err.msg, want) != 0)
      fail_msg("case %zu:\n  got  %s\n  want %s", i, err.msg, want);
    json_decref(j);
  }
  /* Nothing is cached for a profile that failed. */
  assert_int_equal(cache_entries(), 0);
}

/* ---- running filters in a child ---- */

#define CHECK(cond)                                                                           \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      dprintf(2, "child check failed at line %d: %s (errno %d)\n", __LINE__, #cond, errno);   \
      return 1;                                                                               \
    }                                                                                         \
  } while (0)

typedef int (*child_fn)(const struct seccomp_program *p, void *arg);

static int load_nnp(const struct seccomp_program *p) {
  struct xerr err = {0};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
      seccomp_program_load(p, true, -1, NULL, &err) < 0) {
    dprintf(2, "load: %s\n", err.msg);
    return -1;
  }
  return 0;
}

/* The wait status of a child that runs fn; the program is loaded first
 * when load is true. */
static int run_child(const struct seccomp_program *p, bool load, child_fn fn, void *arg) {
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (load && load_nnp(p) < 0)
      _exit(100);
    _exit(fn(p, arg));
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static void expect_exit0(int status) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("child: %s %d", WIFEXITED(status) ? "exit" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int child_errno42(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  char buf[PATH_MAX];
  errno = 0;
  CHECK(syscall(SYS_getcwd, buf, sizeof buf) == -1 && errno == 42);
  errno = 0;
  CHECK(mkdir("/nonexistent-dir/x", 0700) == -1 && errno == 42);
  CHECK(getpid() > 0);
  return 0;
}

static void test_errno_ret(void **state) {
  (void)state;
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\", "
      "\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}");
  assert_false(seccomp_program_from_cache(p));
  assert_false(seccomp_program_has_listener(p));
  expect_exit0(run_child(p, true, child_errno42, NULL));
  seccomp_program_free(p);
}

static void test_unknown_syscall_skipped(void **state) {
  (void)state;
  /* The unknown name is skipped, the rest of the entry still applies. */
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
      "[\"xrun_no_such_syscall\", \"getcwd\", \"mkdir\", \"mkdirat\", \"another_bogus_one\"], "
      "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}, {\"names\": [\"only_bogus\"], "
      "\"action\": \"SCMP_ACT_KILL\"}]}");
  expect_exit0(run_child(p, true, child_errno42, NULL));
  seccomp_program_free(p);
}

static int child_socket_rules(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  int fd;
  errno = 0;
  CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == 42);
  CHECK((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
  close(fd);
  /* MASKED_EQ on the type: SOCK_DGRAM whatever the flags on top. */
  errno = 0;
  CHECK(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) == -1 && errno == 43);
  CHECK((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) >= 0);
  close(fd);
  return 0;
}

static void test_arg_rules(void **state) {
  (void)state;
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42, "
      " \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 43, "
      " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, "
      "            {\"index\": 1, \"value\": 15, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
      "]}");
  expect_exit0(run_child(p, true, child_socket_rules, NULL));
  seccomp_program_free(p);
}

static int child_and_or(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  /* getpriority(which, who): entry 0 ANDs two indices, entry 1 compares
   * index 0 twice, which runc reads as two rules (either matches). */
  errno = 0;
  CHECK(syscall(SYS_getpriority, 100, 7) == -1 && errno == 42);
  errno = 0;
  CHECK(syscall(SYS_getpriority, 100, 8) == -1 && errno == EINVAL); /* AND: arg1 differs */
  errno = 0;
  CHECK(syscall(SYS_getpriority, 200, 0) == -1 && errno == 44);
  errno = 0;
  CHECK(syscall(SYS_getpriority, 201, 0) == -1 && errno == 44);
  errno = 0;
  CHECK(syscall(SYS_getpriority, PRIO_PROCESS, 0) >= 0);
  /* Every operator, one per argument, all of them must hold.  umask
   * ignores arguments 1 to 5 but the filter sees them. */
  errno = 0;
  CHECK(syscall(SYS_umask, 0022, 3, 0, 1, 7, 0) == -1 && errno == 45);
  CHECK(syscall(SYS_umask, 0700, 3, 0, 1, 7, 0) >= 0); /* LT fails */
  CHECK(syscall(SYS_umask, 0022, 2, 0, 1, 7, 0) >= 0); /* GE fails */
  CHECK(syscall(SYS_umask, 0022, 3, 5, 1, 7, 0) >= 0); /* NE fails */
  CHECK(syscall(SYS_umask, 0022, 3, 0, 2, 7, 0) >= 0); /* LE fails */
  CHECK(syscall(SYS_umask, 0022, 3, 0, 1, 6, 0) >= 0); /* GT fails */
  return 0;
}

static void test_and_or_rules(void **state) {
  (void)state;
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42, "
      " \"args\": [{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_EQ\"}, "
      "            {\"index\": 1, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 44, "
      " \"args\": [{\"index\": 0, \"value\": 200, \"op\": \"SCMP_CMP_EQ\"}, "
      "            {\"index\": 0, \"value\": 201, \"op\": \"SCMP_CMP_EQ\"}]},"
      "{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 45, "
      " \"args\": [{\"index\": 0, \"value\": 64, \"op\": \"SCMP_CMP_LT\"}, "
      "            {\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_GE\"}, "
      "            {\"index\": 2, \"value\": 5, \"op\": \"SCMP_CMP_NE\"}, "
      "            {\"index\": 3, \"value\": 1, \"op\": \"SCMP_CMP_LE\"}, "
      "            {\"index\": 4, \"value\": 6, \"op\": \"SCMP_CMP_GT\"}]}"
      "]}");
  expect_exit0(run_child(p, true, child_and_or, NULL));
  seccomp_program_free(p);
}

static int child_docker(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  /* Normal code still runs. */
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  close(fd);
  CHECK(getpid() > 0);
  struct stat st;
  CHECK(stat("/", &st) == 0);
  pid_t pid = fork(); /* clone without namespace flags (glibc tries clone3 first: ENOSYS) */
  CHECK(pid >= 0);
  if (pid == 0)
    _exit(7);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
  CHECK((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
  close(fd);
  CHECK(personality(0xffffffff) != -1);
  CHECK(personality(PER_LINUX) != -1);
  /* What the profile blocks: EPERM (defaultErrnoRet 1). */
  errno = 0;
  CHECK(unshare(CLONE_NEWUTS) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS);
  errno = 0;
  CHECK(personality(0x0006 /* PER_BSD */) == -1 && errno == EPERM);
  errno = 0;
  CHECK(socket(AF_VSOCK, SOCK_STREAM, 0) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_bpf, 0, NULL, 0) == -1 && errno == EPERM);
  errno = 0;
  CHECK(syscall(SYS_io_uring_setup, 1, NULL) == -1 && errno == EPERM);
  return 0;
}

static void test_docker_profile(void **state) {
  (void)state;
  json_t *j = default_profile();
  struct seccomp_program *p = NULL, *cached = NULL;
  struct xerr err = {0};
  assert_int_equal(seccomp_prepare(j, &p, &err), 0);
  assert_non_null(p);
  assert_false(seccomp_program_from_cache(p));
  expect_exit0(run_child(p, true, child_docker, NULL));
  /* The same again, from the cache. */
  assert_int_equal(seccomp_prepare(j, &cached, &err), 0);
  assert_true(seccomp_program_from_cache(cached));
  assert_int_equal(seccomp_program_size(cached), seccomp_program_size(p));
  expect_exit0(run_child(cached, true, child_docker, NULL));
  seccomp_program_free(p);
  seccomp_program_free(cached);
  json_decref(j);
}

static int child_getcwd(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  char buf[PATH_MAX];
  syscall(SYS_getcwd, buf, sizeof buf);
  return 0;
}

static void test_kill_process(void **state) {
  (void)state;
  const char *acts[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"};
  for (size_t i = 0; i < 3; i++) {
    char text[256];
    snprintf(text, sizeof text,
             "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
             "\"action\": \"%s\"}]}",
             acts[i]);
    struct seccomp_program *p = prepare_ok(text);
    int status = run_child(p, true, child_getcwd, NULL);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSYS);
    seccomp_program_free(p);
  }
}

static int child_flags(const struct seccomp_program *p, void *arg) {
  (void)p, (void)arg;
  errno = 0;
  char buf[64];
  CHECK(syscall(SYS_getcwd, buf, sizeof buf) == -1 && errno == EPERM);
  return 0;
}

static void test_flags(void **state) {
  (void)state;
  /* Explicit flags, and the default (SPEC_ALLOW) when "flags" is absent. */
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", "
      "\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", "
      "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"], \"syscalls\": [{\"names\": [\"getcwd\"], "
      "\"action\": \"SCMP_ACT_ERRNO\"}]}");
  assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                                 SECCOMP_FILTER_FLAG_SPEC_ALLOW); /* no NOTIFY: no KILLABLE_RECV */
  assert_false(p->spec_allow_implicit);
  expect_exit0(run_child(p, true, child_flags, NULL));
  seccomp_program_free(p);
  p = prepare_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  assert_true(p->spec_allow_implicit);
  seccomp_program_free(p);
  /* The cache keeps that it was only a default (dropped at load if a new
   * kernel refuses it). */
  p = prepare_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  assert_true(seccomp_program_from_cache(p));
  assert_true(p->spec_allow_implicit);
  assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  expect_exit0(run_child(p, true, child_flags, NULL));
  seccomp_program_free(p);
  p = prepare_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [], \"syscalls\": "
                 "[{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
  assert_int_equal(p->flags, 0);
  expect_exit0(run_child(p, true, child_flags, NULL));
  seccomp_program_free(p);
}

static int drop_cap_sys_admin(void) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0)
    return -1;
  d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
  return (int)syscall(SYS_capset, &h, d);
}

static int child_no_privs(const struct seccomp_program *p, void *arg) {
  (void)arg;
  struct xerr err = {0};
  CHECK(drop_cap_sys_admin() == 0);
  CHECK(seccomp_program_load(p, false, -1, NULL, &err) == -1);
  CHECK(err.errnum == EPERM);
  CHECK(strcmp(err.msg, "linux.seccomp: loading the filter needs process.noNewPrivileges or "
                        "CAP_SYS_ADMIN: Operation not permitted") == 0);
  CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0); /* nothing was loaded */
  /* With no_new_privs it works, also when the caller does not say so. */
  CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  CHECK(seccomp_program_load(p, false, -1, NULL, &err) == 0);
  CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2);
  return 0;
}

static int child_cap_sys_admin(const struct seccomp_program *p, void *arg) {
  (void)arg;
  struct xerr err = {0};
  /* No no_new_privs, but CAP_SYS_ADMIN (the test runs as root). */
  CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
  CHECK(seccomp_program_load(p, false, -1, NULL, &err) == 0);
  CHECK(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2);
  return 0;
}

static void test_load_needs_privilege(void **state) {
  (void)state;
  if (geteuid() != 0)
    skip();
  struct seccomp_program *p = prepare_ok(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
      "\"action\": \"SCMP_ACT_ERRNO\"}]}");
  expect_exit0(run_child(p, false, child_no_privs, NULL));
  expect_exit0(run_child(p, false, child_cap_sys_admin, NULL));
  seccomp_program_free(p);
}

/* ---- notify ---- */

static const char notify_profile[] =
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", "
    "\"listenerMetadata\": \"MKNOD=/dev/null\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\"], "
    "\"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}";

static int child_notify(const struct seccomp_program *p, void *arg) {
  int sock = *(int *)arg;
  struct xerr err = {0};
  char state_json[256];
  snprintf(state_json, sizeof state_json,
           "{\"ociVersion\": \"1.0.2\", \"id\": \"c1\", \"status\": \"creating\", \"pid\": %d, "
           "\"bundle\": \"/b\"}",
           getpid());
  CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  if (seccomp_program_load(p, true, sock, state_json, &err) < 0) {
    dprintf(2, "load: %s\n", err.msg);
    return 2;
  }
  /* The listener socket was consumed. */
  CHECK(fcntl(sock, F_GETFD) == -1 && errno == EBADF);
  long r = syscall(SYS_getppid);
  CHECK(r == 4242);
  return 0;
}

static void test_notify_listener(void **state) {
  (void)state;
  struct seccomp_program *p = prepare_ok(notify_profile);
  assert_true(seccomp_program_has_listener(p));
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(sv[0]);
    _exit(child_notify(p, &sv[1]));
  }
  close(sv[1]);
  /* The agent's side: one message with the fd and the JSON. */
  char buf[4096];
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
                       .msg_controllen = sizeof u.b};
  ssize_t n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
  assert_true(n > 0);
  size_t got = (size_t)n;
  /* The rest of the text, if it came in more than one piece, up to EOF. */
  while ((n = read(sv[0], buf + got, sizeof buf - 1 - got)) > 0)
    got += (size_t)n;
  buf[got] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  assert_non_null(c);
  assert_int_equal(c->cmsg_type, SCM_RIGHTS);
  int nfd;
  memcpy(&nfd, CMSG_DATA(c), sizeof nfd);
  json_t *j = parse(buf);
  assert_string_equal(json_string_value(json_object_get(j, "ociVersion")), "1.0.2");
  assert_string_equal(json_string_value(json_array_get(json_object_get(j, "fds"), 0)),
                      "seccompFd");
  assert_int_equal(json_array_size(json_object_get(j, "fds")), 1);
  assert_int_equal(json_integer_value(json_object_get(j, "pid")), pid);
  assert_string_equal(json_string_value(json_object_get(j, "metadata")), "MKNOD=/dev/null");
  json_t *st = json_object_get(j, "state");
  assert_string_equal(json_string_value(json_object_get(st, "id")), "c1");
  assert_string_equal(json_string_value(json_object_get(st, "status")), "creating");
  assert_int_equal(json_integer_value(json_object_get(st, "pid")), pid);
  json_decref(j);
  /* Answer the child's getppid() with 4242. */
  struct seccomp_notif req;
  memset(&req, 0, sizeof req);
  assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
  assert_int_equal(req.data.nr, SYS_getppid);
  assert_int_equal(req.pid, pid);
  struct seccomp_notif_resp resp = {.id = req.id, .val = 4242, .error = 0, .flags = 0};
  assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  expect_exit0(status);
  close(nfd);
  close(sv[0]);
  seccomp_program_free(p);
}

static void test_notify_without_agent(void **state) {
  (void)state;
  struct seccomp_program *p = prepare_ok(notify_profile);
  struct xerr err = {0};
  /* Refused before anything is loaded (we would be stuck in getppid). */
  assert_int_equal(seccomp_program_load(p, true, -1, NULL, &err), -1);
  assert_string_equal(err.msg, "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is used but no "
                               "seccomp agent is connected: Invalid argument");
  assert_int_equal(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
  seccomp_program_free(p);
}

static void test_listener_connect(void **state) {
  (void)state;
  char path[PATH_MAX + 32], text[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/agent.sock", scratch);
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  assert_true(strlen(path) < sizeof sa.sun_path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(lfd, 1), 0);
  snprintf(text, sizeof text,
           "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", \"syscalls\": "
           "[{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
           path);
  struct seccomp_program *p = prepare_ok(text);
  struct xerr err = {0};
  int fd = seccomp_listener_connect(p, &err);
  assert_true(fd >= 0);
  int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  assert_true(afd >= 0);
  close(afd);
  close(fd);
  seccomp_program_free(p);
  unlink(path);
  /* Nobody listening: an error naming the path. */
  p = prepare_ok(text);
  assert_int_equal(seccomp_listener_connect(p, &err), -1);
  char want[XERR_MSG_MAX + PATH_MAX + 64];
  snprintf(want, sizeof want, "linux.seccomp.listenerPath: connect to %s: %s", path,
           strerror(ENOENT));
  assert_string_equal(err.msg, want);
  seccomp_program_free(p);
  /* listenerPath without any SCMP_ACT_NOTIFY: nothing to connect to. */
  snprintf(text, sizeof text, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\"}",
           path);
  p = prepare_ok(text);
  xerr_clear(&err);
  assert_false(seccomp_program_has_listener(p));
  assert_int_equal(seccomp_listener_connect(p, &err), -1);
  assert_string_equal(err.msg, "");
  seccomp_program_free(p);
  close(lfd);
}

/* ---- cache ---- */

static const char cache_profile[] =
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\", "
    "\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}";

static void entry_path(char *buf, size_t len) {
  char key[SECCOMP_CACHE_KEY_LEN + 1];
  json_t *j = parse(cache_profile);
  assert_int_equal(seccomp_cache_key(j, key), 0);
  json_decref(j);
  snprintf(buf, len, "%s/%s", cache_dir, key);
}

static void test_cache_hit_miss_corrupt(void **state) {
  (void)state;
  char path[PATH_MAX * 2];
  entry_path(path, sizeof path);
  struct seccomp_program *first = prepare_ok(cache_profile);
  assert_false(seccomp_program_from_cache(first));
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_size % 8, 0);
  assert_int_equal((size_t)st.st_size, 24 + 8 * seccomp_program_size(first));
  assert_int_equal(stat(cache_dir, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  /* Hit: the same program. */
  struct seccomp_program *hit = prepare_ok(cache_profile);
  assert_true(seccomp_program_from_cache(hit));
  assert_int_equal(hit->n_insns, first->n_insns);
  assert_memory_equal(hit->insns, first->insns, first->n_insns * sizeof *first->insns);
  assert_int_equal(hit->flags, first->flags);
  expect_exit0(run_child(hit, true, child_errno42, NULL));
  seccomp_program_free(hit);
  /* Corrupt entries are rebuilt: a size that is not a multiple of 8, the
   * right size with garbage, one flipped bit, an empty file. */
  for (int round = 0; round < 4; round++) {
    if (round == 0) {
      assert_int_equal(truncate(path, 13), 0);
    } else if (round == 1) {
      char junk[24 + 8 * 4];
      memset(junk, 'x', sizeof junk);
      assert_int_equal(write_file_atomic(path, junk, sizeof junk, 0600, NULL), 0);
    } else if (round == 2) {
      int fd = open(path, O_RDWR);
      char b;
      assert_int_equal(pread(fd, &b, 1, 40), 1);
      b ^= 1;
      assert_int_equal(pwrite(fd, &b, 1, 40), 1);
      close(fd);
    } else {
      assert_int_equal(truncate(path, 0), 0);
    }
    struct seccomp_program *again = prepare_ok(cache_profile);
    assert_false(seccomp_program_from_cache(again));
    assert_memory_equal(again->insns, first->insns, first->n_insns * sizeof *first->insns);
    seccomp_program_free(again);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((size_t)st.st_size, 24 + 8 * seccomp_program_size(first));
    again = prepare_ok(cache_profile);
    assert_true(seccomp_program_from_cache(again));
    seccomp_program_free(again);
  }
  seccomp_program_free(first);
}

static void test_cache_untrusted_or_off(void **state) {
  (void)state;
  /* A directory others can write to is neither read nor written. */
  struct seccomp_program *p = prepare_ok(cache_profile);
  seccomp_program_free(p);
  assert_int_equal(chmod(cache_dir, 0777), 0);
  p = prepare_ok(cache_profile);
  assert_false(seccomp_program_from_cache(p));
  seccomp_program_free(p);
  assert_int_equal(chmod(cache_dir, 0700), 0);
  p = prepare_ok(cache_profile);
  assert_true(seccomp_program_from_cache(p));
  seccomp_program_free(p);
  /* XRUN_SECCOMP_CACHE="" turns the cache off. */
  setenv("XRUN_SECCOMP_CACHE", "", 1);
  p = prepare_ok(cache_profile);
  assert_false(seccomp_program_from_cache(p));
  seccomp_program_free(p);
  /* A cache that cannot be made is no error. */
  setenv("XRUN_SECCOMP_CACHE", "/proc/xrun-no-such/cache", 1);
  p = prepare_ok(cache_profile);
  assert_false(seccomp_program_from_cache(p));
  seccomp_program_free(p);
  setenv("XRUN_SECCOMP_CACHE", cache_dir, 1);
}

static void test_cache_key(void **state) {
  (void)state;
  char a[SECCOMP_CACHE_KEY_LEN + 1], b[SECCOMP_CACHE_KEY_LEN + 1];
  json_t *x = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}");
  json_t *y = parse("{\"defaultErrnoRet\":1,\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
  json_t *z = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 2}");
  assert_int_equal(seccomp_cache_key(x, a), 0);
  assert_int_equal(seccomp_cache_key(y, b), 0);
  assert_string_equal(a, b); /* key order and spacing do not matter */
  assert_int_equal(strlen(a), 64);
  assert_int_equal(seccomp_cache_key(z, b), 0);
  assert_string_not_equal(a, b);
  json_decref(x);
  json_decref(y);
  json_decref(z);
}

static void sha_hex(const void *data, size_t len, size_t repeat, char out[65]) {
  struct sha256_ctx c;
  uint8_t sum[32];
  sha256_init(&c);
  for (size_t i = 0; i < repeat; i++)
    sha256_update(&c, data, len);
  sha256_final(&c, sum);
  for (int i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", sum[i]);
}

static void sha256_vectors(void) {
  char h[65];
  sha_hex("", 0, 1, h);
  assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha_hex("abc", 3, 1, h);
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *s56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha_hex(s56, strlen(s56), 1, h);
  assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  sha_hex("a", 1, 1000000, h); /* byte by byte through the buffer */
  assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The portable code and, where the CPU has them, the SHA extensions. */
static void test_sha256(void **state) {
  (void)state;
  uint8_t one[32];
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, "x", 1);
  sha256_final(&c, one); /* decides sha256_use_ni */
  int ni = sha256_use_ni;
  print_message("SHA-256 with the CPU's SHA extensions: %s\n", ni ? "yes" : "no");
  sha256_vectors();
  sha256_use_ni = 0;
  sha256_vectors();
  if (ni) {
    /* Both agree on every length around the block boundaries. */
    uint8_t data[300], a[32], b[32];
    for (size_t i = 0; i < sizeof data; i++)
      data[i] = (uint8_t)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof data; len++) {
      sha256_use_ni = 0;
      sha256_init(&c);
      sha256_update(&c, data, len);
      sha256_final(&c, a);
      sha256_use_ni = 1;
      sha256_init(&c);
      sha256_update(&c, data, len);
      sha256_final(&c, b);
      assert_memory_equal(a, b, 32);
    }
  }
  sha256_use_ni = ni;
}

/* ---- speed ---- */

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void test_prepare_timing(void **state) {
  (void)state;
  json_t *j = default_profile();
  struct xerr err = {0};
  struct seccomp_program *p;
  double t0 = now_us();
  assert_int_equal(seccomp_prepare(j, &p, &err), 0);
  double miss = now_us() - t0;
  assert_false(seccomp_program_from_cache(p));
  size_t insns = seccomp_program_size(p);
  seccomp_program_free(p);
  enum { RUNS = 50 };
  double best = 1e12, total = 0;
  for (int i = 0; i < RUNS; i++) {
    t0 = now_us();
    assert_int_equal(seccomp_prepare(j, &p, &err), 0);
    double d = now_us() - t0;
    assert_true(seccomp_program_from_cache(p));
    seccomp_program_free(p);
    total += d;
    best = d < best ? d : best;
  }
  print_message("default profile: %zu BPF instructions; prepare miss %.0f us, hit %.0f us "
                "(best %.0f us)\n",
                insns, miss, total / RUNS, best);
  assert_true(total / RUNS < miss);
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_nothing_to_load, fresh_cache),
      cmocka_unit_test_setup(test_errors_name_the_path, fresh_cache),
      cmocka_unit_test_setup(test_errno_ret, fresh_cache),
      cmocka_unit_test_setup(test_unknown_syscall_skipped, fresh_cache),
      cmocka_unit_test_setup(test_arg_rules, fresh_cache),
      cmocka_unit_test_setup(test_and_or_rules, fresh_cache),
      cmocka_unit_test_setup(test_docker_profile, fresh_cache),
      cmocka_unit_test_setup(test_kill_process, fresh_cache),
      cmocka_unit_test_setup(test_flags, fresh_cache),
      cmocka_unit_test_setup(test_load_needs_privilege, fresh_cache),
      cmocka_unit_test_setup(test_notify_listener, fresh_cache),
      cmocka_unit_test_setup(test_notify_without_agent, fresh_cache),
      cmocka_unit_test_setup(test_listener_connect, fresh_cache),
      cmocka_unit_test_setup(test_cache_hit_miss_corrupt, fresh_cache),
      cmocka_unit_test_setup(test_cache_untrusted_or_off, fresh_cache),
      cmocka_unit_test(test_cache_key),
      cmocka_unit_test(test_sha256),
      cmocka_unit_test_setup(test_prepare_timing, fresh_cache),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
