/* Unit tests of the capabilities module: validation of names, and the
 * real effect of the bounding and process sets in a forked child, read
 * back from /proc/self/status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/xerr.h"
#include "runtime/caps.h"
#include "runtime/names.h"

static void test_validate_ok(void **state) {
  (void)state;
  char *bounding[] = {"CAP_KILL", "CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", NULL};
  char *effective[] = {"cap_kill", "CAP_PERFMON", NULL};
  char *empty[] = {NULL};
  struct oci_capabilities caps = {.present = true,
                                  .bounding = bounding,
                                  .effective = effective,
                                  .inheritable = empty,
                                  .permitted = bounding,
                                  .ambient = NULL};
  struct xerr err = {0};
  assert_int_equal(caps_validate(&caps, &err), 0);
  struct oci_capabilities none = {0};
  assert_int_equal(caps_validate(&none, &err), 0);
}

static void expect_invalid(struct oci_capabilities *caps, const char *msg) {
  struct xerr err = {0};
  assert_int_equal(caps_validate(caps, &err), -1);
  assert_int_equal(err.errnum, EINVAL);
  assert_string_equal(err.msg, msg);
}

static void test_validate_names_the_set(void **state) {
  (void)state;
  char *good[] = {"CAP_KILL", NULL};
  char *bad[] = {"CAP_KILL", "CAP_FOO", NULL};
  char *no_prefix[] = {"SYS_ADMIN", NULL};
  struct oci_capabilities caps = {.present = true, .bounding = good, .ambient = bad};
  expect_invalid(&caps,
                 "process.capabilities.ambient: unknown capability \"CAP_FOO\": Invalid argument");
  caps = (struct oci_capabilities){.present = true, .inheritable = no_prefix};
  expect_invalid(
      &caps,
      "process.capabilities.inheritable: unknown capability \"SYS_ADMIN\": Invalid argument");
  caps = (struct oci_capabilities){.present = true, .effective = bad};
  expect_invalid(
      &caps, "process.capabilities.effective: unknown capability \"CAP_FOO\": Invalid argument");
  caps = (struct oci_capabilities){.present = true, .permitted = bad};
  expect_invalid(
      &caps, "process.capabilities.permitted: unknown capability \"CAP_FOO\": Invalid argument");
  caps = (struct oci_capabilities){.present = true, .bounding = bad};
  expect_invalid(
      &caps, "process.capabilities.bounding: unknown capability \"CAP_FOO\": Invalid argument");
}

/* ---- the real thing, in a child ---- */

struct status_caps {
  uint64_t inh, prm, eff, bnd, amb;
};

static int read_status_caps(struct status_caps *out) {
  FILE *f = fopen("/proc/self/status", "re");
  if (f == NULL)
    return -1;
  char line[256];
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    static const struct {
      const char *key;
      size_t off;
    } keys[] = {
        {"CapInh:", offsetof(struct status_caps, inh)},
        {"CapPrm:", offsetof(struct status_caps, prm)},
        {"CapEff:", offsetof(struct status_caps, eff)},
        {"CapBnd:", offsetof(struct status_caps, bnd)},
        {"CapAmb:", offsetof(struct status_caps, amb)},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      size_t n = strlen(keys[i].key);
      if (strncmp(line, keys[i].key, n) == 0) {
        *(uint64_t *)((char *)out + keys[i].off) = strtoull(line + n, NULL, 16);
        found++;
      }
    }
  }
  fclose(f);
  return found == 5 ? 0 : -1;
}

static uint64_t bit(int cap) { return UINT64_C(1) << cap; }

/* Runs in the child: returns 0 when /proc/self/status shows what the
 * config asked for, else prints what differs (TAP-safe: "# " lines). */
static int child_apply_and_check(const struct oci_capabilities *caps, uint64_t bnd_mask,
                                 const struct status_caps *want) {
  struct xerr err = {0};
  if (caps_apply_bounding(caps, &err) < 0 || caps_apply_sets(caps, &err) < 0) {
    printf("# apply: %s\n", err.msg);
    return 1;
  }
  struct status_caps got;
  if (read_status_caps(&got) < 0) {
    printf("# cannot read /proc/self/status\n");
    return 1;
  }
  int bad = 0;
#define CHECK(field)                                                                   \
  if (got.field != want->field) {                                                      \
    printf("# Cap " #field ": got %016" PRIx64 ", want %016" PRIx64 "\n", got.field, \
           want->field);                                                               \
    bad = 1;                                                                           \
  }
  CHECK(inh);
  CHECK(prm);
  CHECK(eff);
  CHECK(amb);
#undef CHECK
  if ((got.bnd & bnd_mask) != want->bnd) {
    printf("# CapBnd: got %016" PRIx64 ", want %016" PRIx64 "\n", got.bnd, want->bnd);
    bad = 1;
  }
  return bad;
}

static void run_in_child(const struct oci_capabilities *caps, uint64_t bnd_mask,
                         const struct status_caps *want) {
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int rc = child_apply_and_check(caps, bnd_mask, want);
    fflush(stdout);
    _exit(rc);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* The real tests need root with CAP_SETPCAP (to drop from the bounding
 * set) and the few capabilities they keep. */
static bool can_run(void) {
  struct status_caps now;
  uint64_t used = bit(0) | bit(5) | bit(8) | bit(10) | bit(29);
  if (geteuid() == 0 && read_status_caps(&now) == 0 && (now.eff & used) == used &&
      (now.bnd & used) == used)
    return true;
  printf("# skip: needs root with CAP_CHOWN, CAP_KILL, CAP_SETPCAP, CAP_NET_BIND_SERVICE, "
         "CAP_AUDIT_WRITE\n");
  return false;
}

static void test_apply_bounding_and_sets(void **state) {
  (void)state;
  if (!can_run()) {
    skip();
    return;
  }
  char *bounding[] = {"CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE", NULL};
  char *effective[] = {"CAP_KILL", "CAP_CHOWN", NULL};
  char *permitted[] = {"CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE", NULL};
  char *inheritable[] = {"CAP_KILL", NULL};
  char *ambient[] = {"CAP_KILL", NULL};
  struct oci_capabilities caps = {.present = true,
                                  .bounding = bounding,
                                  .effective = effective,
                                  .inheritable = inheritable,
                                  .permitted = permitted,
                                  .ambient = ambient};
  uint64_t all = capability_last() == 63 ? UINT64_MAX : (bit(capability_last() + 1) - 1);
  struct status_caps want = {
      .bnd = bit(0) | bit(5) | bit(10),
      .eff = bit(0) | bit(5),
      .prm = bit(0) | bit(5) | bit(10),
      .inh = bit(5),
      .amb = bit(5),
  };
  run_in_child(&caps, all, &want);
}

static void test_apply_ambient_needs_inheritable(void **state) {
  (void)state;
  if (!can_run()) {
    skip();
    return;
  }
  /* runc's own default spec: ambient without inheritable.  The kernel
   * refuses the raise; like runc we go on without it. */
  char *set[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
  struct oci_capabilities caps = {.present = true,
                                  .bounding = set,
                                  .effective = set,
                                  .permitted = set,
                                  .ambient = set};
  struct status_caps want = {
      .bnd = bit(29) | bit(5) | bit(10),
      .eff = bit(29) | bit(5) | bit(10),
      .prm = bit(29) | bit(5) | bit(10),
  };
  uint64_t all = capability_last() == 63 ? UINT64_MAX : (bit(capability_last() + 1) - 1);
  run_in_child(&caps, all, &want);
}

static void test_apply_empty_drops_everything(void **state) {
  (void)state;
  if (!can_run()) {
    skip();
    return;
  }
  char *none[] = {NULL};
  struct oci_capabilities caps = {.present = true,
                                  .bounding = none,
                                  .effective = none,
                                  .inheritable = none,
                                  .permitted = none,
                                  .ambient = none};
  struct status_caps want = {0};
  run_in_child(&caps, UINT64_MAX, &want);
}

static int child_expect_error(const struct oci_capabilities *caps, const char *want) {
  struct xerr err = {0};
  if (caps_apply_bounding(caps, &err) < 0 || caps_apply_sets(caps, &err) < 0)
    return strcmp(err.msg, want) == 0 ? 0 : (printf("# got: %s\n", err.msg), 1);
  printf("# no error\n");
  return 1;
}

static void test_apply_effective_not_permitted(void **state) {
  (void)state;
  if (!can_run()) {
    skip();
    return;
  }
  char *bounding[] = {"CAP_KILL", "CAP_CHOWN", NULL};
  char *permitted[] = {"CAP_KILL", NULL};
  struct oci_capabilities caps = {
      .present = true, .bounding = bounding, .effective = bounding, .permitted = permitted};
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int rc = child_expect_error(&caps, "process.capabilities.effective: CAP_CHOWN is not in the "
                                       "permitted set: Operation not permitted");
    fflush(stdout);
    _exit(rc);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_apply_unknown_name(void **state) {
  (void)state;
  /* An unknown name fails before any syscall, so this is safe here. */
  char *bad[] = {"CAP_NOPE", NULL};
  struct oci_capabilities caps = {.present = true, .bounding = bad, .effective = bad};
  struct xerr err = {0};
  assert_int_equal(caps_apply_bounding(&caps, &err), -1);
  assert_string_equal(
      err.msg, "process.capabilities.bounding: unknown capability \"CAP_NOPE\": Invalid argument");
  assert_int_equal(caps_apply_sets(&caps, &err), -1);
  assert_string_equal(
      err.msg, "process.capabilities.effective: unknown capability \"CAP_NOPE\": Invalid argument");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validate_ok),
      cmocka_unit_test(test_validate_names_the_set),
      cmocka_unit_test(test_apply_unknown_name),
      cmocka_unit_test(test_apply_bounding_and_sets),
      cmocka_unit_test(test_apply_ambient_needs_inheritable),
      cmocka_unit_test(test_apply_empty_drops_everything),
      cmocka_unit_test(test_apply_effective_not_permitted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
