/* Unit tests of the name tables: signals, capabilities, rlimits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/xerr.h"
#include "runtime/names.h"

static void test_tables_sorted(void **state) {
  (void)state;
  assert_true(names_tables_sorted());
}

static int sig(const char *name) {
  struct xerr err = {0};
  int v = -1;
  if (signal_parse(name, &v, &err) < 0)
    fail_msg("signal_parse(\"%s\"): %s", name, err.msg);
  return v;
}

static void test_signal_names(void **state) {
  (void)state;
  assert_int_equal(sig("KILL"), SIGKILL);
  assert_int_equal(sig("SIGKILL"), SIGKILL);
  assert_int_equal(sig("kill"), SIGKILL);
  assert_int_equal(sig("sigkill"), SIGKILL);
  assert_int_equal(sig("SigTerm"), SIGTERM);
  assert_int_equal(sig("HUP"), SIGHUP);
  assert_int_equal(sig("WINCH"), SIGWINCH);
  assert_int_equal(sig("SIGSTKFLT"), SIGSTKFLT);
  assert_int_equal(sig("IOT"), SIGABRT);
  assert_int_equal(sig("CLD"), SIGCHLD);
  assert_int_equal(sig("POLL"), SIGIO);
  assert_int_equal(sig("SIGPWR"), SIGPWR);
  assert_int_equal(sig("XFSZ"), SIGXFSZ);
  assert_int_equal(sig("USR1"), SIGUSR1);
  assert_int_equal(sig("usr2"), SIGUSR2);
}

static void test_signal_every_standard_one(void **state) {
  (void)state;
  /* Every number 1..31 has a name, and the name parses back to it. */
  for (int s = 1; s < 32; s++) {
    const char *name = signal_name(s);
    assert_non_null(name);
    assert_int_equal(sig(name), s);
    assert_int_equal(sig(name + 3), s);
  }
}

static void test_signal_numbers(void **state) {
  (void)state;
  assert_int_equal(sig("9"), 9);
  assert_int_equal(sig("15"), 15);
  assert_int_equal(sig("0"), 0);
  assert_int_equal(sig("64"), SIGRTMAX);
}

static void test_signal_realtime(void **state) {
  (void)state;
  assert_int_equal(sig("RTMIN"), SIGRTMIN);
  assert_int_equal(sig("SIGRTMIN"), SIGRTMIN);
  assert_int_equal(sig("RTMIN+3"), SIGRTMIN + 3);
  assert_int_equal(sig("sigrtmin+1"), SIGRTMIN + 1);
  assert_int_equal(sig("RTMAX"), SIGRTMAX);
  assert_int_equal(sig("SIGRTMAX-2"), SIGRTMAX - 2);
  assert_int_equal(sig("RTMIN+0"), SIGRTMIN);
  /* Every real-time number has a name that parses back to it. */
  for (int s = SIGRTMIN; s <= SIGRTMAX; s++) {
    const char *name = signal_name(s);
    assert_non_null(name);
    assert_int_equal(sig(name), s);
  }
  assert_string_equal(signal_name(SIGRTMIN), "SIGRTMIN");
  assert_string_equal(signal_name(SIGRTMIN + 2), "SIGRTMIN+2");
  assert_string_equal(signal_name(SIGRTMAX), "SIGRTMAX");
  assert_string_equal(signal_name(SIGRTMAX - 1), "SIGRTMAX-1");
}

static void test_signal_bad(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",      "FOO",   "SIG",     "SIGFOO", "65",      "-1",       "9x",  " 9",
      "KILL ", "RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN+99", "SIGSIGKILL", "1000000000000",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct xerr err = {0};
    int v = -7;
    if (signal_parse(bad[i], &v, &err) == 0)
      fail_msg("signal_parse(\"%s\") succeeded with %d", bad[i], v);
    assert_int_equal(v, -7);
    assert_int_equal(err.errnum, EINVAL);
  }
  struct xerr err = {0};
  int v;
  assert_int_equal(signal_parse("FOO", &v, &err), -1);
  assert_string_equal(err.msg, "unknown signal \"FOO\": Invalid argument");
  assert_null(signal_name(0));
  assert_null(signal_name(-1));
  assert_null(signal_name(SIGRTMAX + 1));
}

static int cap(const char *name) {
  struct xerr err = {0};
  int v = -1;
  if (capability_parse(name, &v, &err) < 0)
    fail_msg("capability_parse(\"%s\"): %s", name, err.msg);
  return v;
}

static void test_capability_names(void **state) {
  (void)state;
  assert_int_equal(cap("CAP_CHOWN"), 0);
  assert_int_equal(cap("CAP_KILL"), 5);
  assert_int_equal(cap("CAP_SYS_ADMIN"), 21);
  assert_int_equal(cap("CAP_SYSLOG"), 34);
  assert_int_equal(cap("CAP_AUDIT_READ"), 37);
  assert_int_equal(cap("CAP_PERFMON"), 38);
  assert_int_equal(cap("CAP_BPF"), 39);
  assert_int_equal(cap("CAP_CHECKPOINT_RESTORE"), 40);
  assert_int_equal(cap("cap_net_raw"), 13);
  assert_int_equal(cap("Cap_Sys_Time"), 25);
  for (int c = 0; c < CAPABILITY_COUNT; c++) {
    const char *name = capability_name(c);
    assert_non_null(name);
    assert_int_equal(cap(name), c);
  }
  assert_null(capability_name(-1));
  assert_null(capability_name(CAPABILITY_COUNT));
}

static void test_capability_bad(void **state) {
  (void)state;
  static const char *const bad[] = {"CAP_FOO", "SYS_ADMIN", "sys_admin", "", "CAP_", "CAP_KILLX",
                                    "CAP_SYS_ADMIN "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct xerr err = {0};
    int v = -7;
    if (capability_parse(bad[i], &v, &err) == 0)
      fail_msg("capability_parse(\"%s\") succeeded", bad[i]);
    assert_int_equal(v, -7);
  }
  struct xerr err = {0};
  int v;
  assert_int_equal(capability_parse("CAP_FOO", &v, &err), -1);
  assert_string_equal(err.msg, "unknown capability \"CAP_FOO\": Invalid argument");
}

static void test_capability_last(void **state) {
  (void)state;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f == NULL) {
    skip();
    return;
  }
  int want = -1;
  assert_int_equal(fscanf(f, "%d", &want), 1);
  fclose(f);
  assert_int_equal(capability_last(), want);
  assert_int_equal(capability_last(), want); /* cached */
}

static void test_rlimits(void **state) {
  (void)state;
  static const struct {
    const char *name;
    int value;
  } all[] = {
      {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
  };
  assert_int_equal(sizeof all / sizeof all[0], RLIM_NLIMITS);
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    struct xerr err = {0};
    int v = -1;
    assert_int_equal(rlimit_parse(all[i].name, &v, &err), 0);
    assert_int_equal(v, all[i].value);
    assert_string_equal(rlimit_name(v), all[i].name);
  }
  struct xerr err = {0};
  int v = -1;
  assert_int_equal(rlimit_parse("rlimit_nofile", &v, &err), 0);
  assert_int_equal(v, RLIMIT_NOFILE);
  assert_int_equal(rlimit_parse("RLIMIT_FOO", &v, &err), -1);
  assert_string_equal(err.msg, "unknown rlimit \"RLIMIT_FOO\": Invalid argument");
  assert_int_equal(rlimit_parse("NOFILE", &v, &err), -1);
  assert_null(rlimit_name(RLIM_NLIMITS));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tables_sorted),
      cmocka_unit_test(test_signal_names),
      cmocka_unit_test(test_signal_every_standard_one),
      cmocka_unit_test(test_signal_numbers),
      cmocka_unit_test(test_signal_realtime),
      cmocka_unit_test(test_signal_bad),
      cmocka_unit_test(test_capability_names),
      cmocka_unit_test(test_capability_bad),
      cmocka_unit_test(test_capability_last),
      cmocka_unit_test(test_rlimits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
