/* Unit tests of HostConfig: each run flag lands in Docker's field with
 * Docker's value, bad values fail with Docker's words, and the OCI config
 * gets the resources, devices, security and namespaces Docker's would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/hostconfig.h"
#include "engine/hostconfig_internal.h"
#include "engine/ocispec.h"

static char rootfs[64];

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  snprintf(rootfs, sizeof rootfs, "/tmp/hostconfig-XXXXXX");
  if (!mkdtemp(rootfs))
    return -1;
  char path[128];
  snprintf(path, sizeof path, "%s/etc", rootfs);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/etc/passwd", rootfs);
  write_text(path, "root:x:0:0:root:/root:/bin/sh\n");
  snprintf(path, sizeof path, "%s/etc/group", rootfs);
  write_text(path, "root:x:0:\naudio:x:29:\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct xerr err = {0};
  return remove_tree(rootfs, &err);
}

/* hc with flags applied: "name=value" pairs, NULL-terminated. */
static json_t *hc_with(const char *const *flags) {
  json_t *hc = hostconfig_new();
  struct xerr err = {0};
  for (const char *const *f = flags; *f; f++) {
    char name[64];
    const char *eq = strchr(*f, '=');
    snprintf(name, sizeof name, "%.*s", (int)(eq - *f), *f);
    assert_true(hostconfig_has_flag(name));
    if (hostconfig_set_flag(hc, name, eq + 1, &err) < 0)
      fail_msg("--%s: %s", name, err.msg);
  }
  return hc;
}

/* The error of one flag's value. */
static void expect_flag_error(const char *flag, const char *value, const char *msg) {
  json_t *hc = hostconfig_new();
  struct xerr err = {0};
  assert_int_equal(hostconfig_set_flag(hc, flag, value, &err), -1);
  assert_string_equal(err.msg, msg);
  json_decref(hc);
}

/* The error hostconfig_finish gives once the flags are in. */
static void expect_finish_error(const char *const *flags, const char *msg) {
  json_t *hc = hc_with(flags);
  struct xerr err = {0};
  assert_int_equal(hostconfig_finish(hc, &err), -1);
  assert_string_equal(err.msg, msg);
  json_decref(hc);
}

static int64_t int_at(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }

static void test_defaults(void **state) {
  (void)state;
  json_t *hc = hostconfig_new();
  assert_int_equal(int_at(hc, "ShmSize"), 67108864);
  assert_string_equal(json_string_value(json_object_get(hc, "IpcMode")), "private");
  assert_string_equal(json_string_value(json_object_get(hc, "CgroupnsMode")), "private");
  assert_true(json_is_null(json_object_get(hc, "PidsLimit")));
  assert_true(json_is_null(json_object_get(hc, "MemorySwappiness")));
  assert_true(json_is_false(json_object_get(hc, "Privileged")));
  assert_null(json_object_get(hc, "Init"));
  assert_false(hostconfig_has_flag("restart"));
  assert_false(hostconfig_has_flag("volume"));
  json_decref(hc);
}

static void test_resource_flags(void **state) {
  (void)state;
  const char *flags[] = {"memory=64m", "memory-reservation=32m", "memory-swappiness=10",
                         "cpu-shares=512", "cpus=1.5", "cpuset-cpus=0", "pids-limit=20",
                         "blkio-weight=300", "oom-score-adj=100", "oom-kill-disable=true",
                         "shm-size=1g", "memory-swap=1.5GiB", NULL};
  json_t *hc = hc_with(flags);
  struct xerr err = {0};
  assert_int_equal(hostconfig_finish(hc, &err), 0);
  assert_int_equal(int_at(hc, "Memory"), 67108864);
  assert_int_equal(int_at(hc, "MemorySwap"), 1610612736);
  assert_int_equal(int_at(hc, "MemoryReservation"), 33554432);
  assert_int_equal(int_at(hc, "MemorySwappiness"), 10);
  assert_int_equal(int_at(hc, "CpuShares"), 512);
  assert_int_equal(int_at(hc, "NanoCpus"), 1500000000);
  assert_string_equal(json_string_value(json_object_get(hc, "CpusetCpus")), "0");
  assert_int_equal(int_at(hc, "PidsLimit"), 20);
  /* Docker drops the weight on kernels without one. */
  assert_int_equal(int_at(hc, "BlkioWeight"), hc_blkio_weight_supported() ? 300 : 0);
  assert_int_equal(int_at(hc, "OomScoreAdj"), 100);
  assert_true(json_is_true(json_object_get(hc, "OomKillDisable")));
  assert_int_equal(int_at(hc, "ShmSize"), 1073741824);
  json_decref(hc);
  hc = hc_with((const char *[]){"memory=64m", NULL});
  assert_int_equal(hostconfig_finish(hc, &err), 0);
  assert_int_equal(int_at(hc, "MemorySwap"), 2 * 67108864); /* Docker's default */
  json_decref(hc);
}

static void test_list_flags(void **state) {
  (void)state;
  const char *flags[] = {"cap-add=net_admin", "cap-drop=CHOWN", "ulimit=nofile=1024:2048",
                         "ulimit=core=0", "ulimit=nofile=10", "device=/dev/null:/dev/mynull:r",
                         "device-cgroup-rule=c 42:* rmw", "sysctl=net.ipv4.ip_forward=1",
                         "security-opt=no-new-privileges", "security-opt=apparmor=unconfined",
                         "group-add=audio", "blkio-weight-device=/dev/sda:200",
                         "device-read-bps=/dev/sda:1mb", "device-write-iops=/dev/sda:1000",
                         "privileged=true", "read-only=true", "init=true", NULL};
  json_t *hc = hc_with(flags);
  char *text = json_dumps(hc, JSON_COMPACT);
  const char *expected[] = {
      "\"CapAdd\":[\"CAP_NET_ADMIN\"]", "\"CapDrop\":[\"CAP_CHOWN\"]",
      "\"Ulimits\":[{\"Name\":\"core\",\"Hard\":0,\"Soft\":0},{\"Name\":\"nofile\",\"Hard\":10,\"Soft\":10}]",
      "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/mynull\",\"CgroupPermissions\":\"r\"}]",
      "\"DeviceCgroupRules\":[\"c 42:* rmw\"]", "\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}",
      "\"SecurityOpt\":[\"no-new-privileges\",\"apparmor=unconfined\"]", "\"GroupAdd\":[\"audio\"]",
      "\"BlkioWeightDevice\":[{\"Path\":\"/dev/sda\",\"Weight\":200}]",
      "\"BlkioDeviceReadBps\":[{\"Path\":\"/dev/sda\",\"Rate\":1048576}]",
      "\"BlkioDeviceWriteIOps\":[{\"Path\":\"/dev/sda\",\"Rate\":1000}]", "\"Privileged\":true",
      "\"ReadonlyRootfs\":true", "\"Init\":true", NULL};
  for (const char **e = expected; *e; e++)
    if (!strstr(text, *e))
      fail_msg("%s not in %s", *e, text);
  free(text);
  json_decref(hc);
}

static void test_flag_errors(void **state) {
  (void)state;
  expect_flag_error("memory", "12x", "invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'");
  expect_flag_error("memory", "x", "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'");
  expect_flag_error("shm-size", "-1", "invalid argument \"-1\" for \"--shm-size\" flag: invalid size: '-1'");
  expect_flag_error("memory", "1.2.3m",
                    "invalid argument \"1.2.3m\" for \"-m, --memory\" flag: strconv.ParseFloat: parsing \"1.2.3\": invalid syntax");
  expect_flag_error("cpu-shares", "lots",
                    "invalid argument \"lots\" for \"-c, --cpu-shares\" flag: strconv.ParseInt: parsing \"lots\": invalid syntax");
  expect_flag_error("cpus", "two", "invalid argument \"two\" for \"--cpus\" flag: failed to parse two as a rational number");
  expect_flag_error("blkio-weight", "70000",
                    "invalid argument \"70000\" for \"--blkio-weight\" flag: strconv.ParseUint: parsing \"70000\": value out of range");
  expect_flag_error("ulimit", "nofile", "invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: nofile");
  expect_flag_error("ulimit", "bogus=1", "invalid argument \"bogus=1\" for \"--ulimit\" flag: invalid ulimit type: bogus");
  expect_flag_error("ulimit", "nofile=20:10",
                    "invalid argument \"nofile=20:10\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: 20 > 10");
  expect_flag_error("privileged", "maybe",
                    "invalid argument \"maybe\" for \"--privileged\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax");
  expect_flag_error("sysctl", "kernel.panic=1",
                    "invalid argument \"kernel.panic=1\" for \"--sysctl\" flag: sysctl 'kernel.panic=1' is not allowed");
  expect_flag_error("device-cgroup-rule", "x 1:2 r",
                    "invalid argument \"x 1:2 r\" for \"--device-cgroup-rule\" flag: invalid device cgroup format 'x 1:2 r'");
  expect_flag_error("device", "/dev/null:rel", "rel is not an absolute path");
  expect_flag_error("device", "/dev/null:/dev/x:rwx", "bad mode specified: rwx");
  expect_flag_error("security-opt", "bogus", "Invalid --security-opt: \"bogus\"");
  expect_flag_error("security-opt", "foo=bar", "invalid --security-opt 2: \"foo=bar\"");
  expect_flag_error("security-opt", "seccomp=/nonexistent.json",
                    "opening seccomp profile (/nonexistent.json) failed: open /nonexistent.json: no such file or directory");
  expect_flag_error("memory-swappiness", "101", "invalid value: 101. Valid memory swappiness range is 0-100");
  expect_flag_error("blkio-weight-device", "sda:10",
                    "invalid argument \"sda:10\" for \"--blkio-weight-device\" flag: bad format for device path: sda:10");
}

static void test_host_pid_disables_labels(void **state) {
  (void)state;
  json_t *hc = hc_with((const char *[]){"pid=host", "security-opt=no-new-privileges", NULL});
  struct xerr err = {0};
  assert_int_equal(hostconfig_finish(hc, &err), 0);
  assert_int_equal(hostconfig_finish(hc, &err), 0); /* once only */
  char *opts = json_dumps(json_object_get(hc, "SecurityOpt"), JSON_COMPACT);
  assert_string_equal(opts, "[\"no-new-privileges\",\"label=disable\"]");
  free(opts);
  json_decref(hc);
}

static void test_daemon_errors(void **state) {
  (void)state;
  char msg[160];
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  snprintf(msg, sizeof msg, "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", n, n);
  expect_finish_error((const char *[]){"cpus=1000", NULL}, msg);
  expect_finish_error((const char *[]){"memory=4m", NULL}, "Minimum memory limit allowed is 6MB");
  expect_finish_error((const char *[]){"memory=64m", "memory-swap=32m", NULL},
                      "Minimum memoryswap limit should be larger than memory limit, see usage");
  expect_finish_error((const char *[]){"memory-swap=64m", NULL},
                      "You should always set the Memory limit when using Memoryswap limit, see usage");
  expect_finish_error((const char *[]){"memory=64m", "memory-reservation=128m", NULL},
                      "Minimum memory limit can not be less than memory reservation limit, see usage");
  expect_finish_error((const char *[]){"cpus=1", "cpu-quota=50000", NULL},
                      "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  expect_finish_error((const char *[]){"cpu-period=10", NULL},
                      "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (hc_blkio_weight_supported())
    expect_finish_error((const char *[]){"blkio-weight=5", NULL}, "Range of blkio weight is from 10 to 1000");
  expect_finish_error((const char *[]){"oom-score-adj=2000", NULL},
                      "Invalid value 2000, range for oom score adj is [-1000, 1000]");
  expect_finish_error((const char *[]){"pid=bogus", NULL}, "--pid: invalid PID mode");
  expect_finish_error((const char *[]){"ipc=bogus", NULL}, "invalid IPC mode: bogus");
  expect_finish_error((const char *[]){"cgroupns=bogus", NULL}, "--cgroupns: invalid CGROUP mode");
  expect_finish_error((const char *[]){"cpuset-cpus=a-b", NULL}, "Invalid value a-b for cpuset cpus: invalid format: a-b");
  snprintf(msg, sizeof msg, "Requested CPUs are not available - requested 0-99, available: 0-%ld", n - 1);
  if (n > 1)
    expect_finish_error((const char *[]){"cpuset-cpus=0-99", NULL}, msg);
}

/* ---- OCI ---- */

static json_t *base_spec(bool privileged, char **cap_add, char **cap_drop) {
  json_t *image = json_loads("{\"config\":{\"Cmd\":[\"sh\"]}}", 0, NULL);
  struct run_options o = {.rootfs = rootfs, .privileged = privileged, .cap_add = cap_add, .cap_drop = cap_drop};
  json_t *spec = NULL;
  struct xerr err = {0};
  if (engine_oci_spec(image, &o, &spec, &err) < 0)
    fail_msg("%s", err.msg);
  json_decref(image);
  return spec;
}

static json_t *to_oci(const char *const *flags, const struct ns_resolver *ns) {
  json_t *hc = hc_with(flags);
  bool privileged = json_is_true(json_object_get(hc, "Privileged"));
  json_t *spec = base_spec(privileged, NULL, NULL);
  struct xerr err = {0};
  if (hostconfig_to_oci(hc, spec, "/xocker/abc", ns, &err) < 0)
    fail_msg("%s", err.msg);
  json_decref(hc);
  return spec;
}

static json_t *path(json_t *j, const char *p) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", p);
  for (char *s = strtok(buf, "."); s && j; s = strtok(NULL, "."))
    j = json_object_get(j, s);
  return j;
}

static bool has_ns(json_t *spec, const char *type, const char **ns_path) {
  size_t i;
  json_t *n;
  json_array_foreach(path(spec, "linux.namespaces"), i, n) {
    if (strcmp(json_string_value(json_object_get(n, "type")), type) == 0) {
      if (ns_path)
        *ns_path = json_string_value(json_object_get(n, "path"));
      return true;
    }
  }
  return false;
}

static json_t *mount_at(json_t *spec, const char *dest) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(spec, "mounts"), i, m) if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0) return m;
  return NULL;
}

static void test_oci_resources(void **state) {
  (void)state;
  json_t *spec = to_oci((const char *[]){"memory=64m", "cpus=0.5", "pids-limit=10", "cpu-shares=100",
                                         "cgroup-parent=/mine", "oom-score-adj=-5", "shm-size=8m", NULL},
                        NULL);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.memory.limit")), 67108864);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.memory.swap")), 134217728);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.cpu.quota")), 50000);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.cpu.period")), 100000);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.cpu.shares")), 100);
  assert_int_equal(json_integer_value(path(spec, "linux.resources.pids.limit")), 10);
  assert_string_equal(json_string_value(path(spec, "linux.cgroupsPath")), "/mine/abc");
  assert_int_equal(json_integer_value(path(spec, "process.oomScoreAdj")), -5);
  assert_false(json_is_true(path(spec, "process.noNewPrivileges")));
  assert_null(path(spec, "process.rlimits")); /* Docker sets none */
  json_t *shm = mount_at(spec, "/dev/shm");
  assert_non_null(shm);
  char *opts = json_dumps(json_object_get(shm, "options"), JSON_COMPACT);
  assert_non_null(strstr(opts, "size=8388608"));
  free(opts);
  /* Docker's device rules: deny all first, the standard devices allowed. */
  json_t *rules = path(spec, "linux.resources.devices");
  assert_true(json_array_size(rules) > 5);
  assert_true(json_is_false(json_object_get(json_array_get(rules, 0), "allow")));
  assert_non_null(path(spec, "linux.seccomp.syscalls"));
  json_decref(spec);
}

static void test_oci_devices_and_privileged(void **state) {
  (void)state;
  json_t *spec = to_oci((const char *[]){"device=/dev/null:/dev/mynull:rw", "ulimit=nofile=100:200",
                                         "security-opt=no-new-privileges=true", NULL},
                        NULL);
  char *devices = json_dumps(path(spec, "linux.devices"), JSON_COMPACT);
  assert_non_null(strstr(devices, "\"path\":\"/dev/mynull\",\"type\":\"c\",\"major\":1,\"minor\":3"));
  free(devices);
  char *rules = json_dumps(path(spec, "linux.resources.devices"), JSON_COMPACT);
  assert_non_null(strstr(rules, "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}"));
  free(rules);
  char *rl = json_dumps(path(spec, "process.rlimits"), JSON_COMPACT);
  assert_string_equal(rl, "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":200,\"soft\":100}]");
  free(rl);
  assert_true(json_is_true(path(spec, "process.noNewPrivileges")));
  json_decref(spec);

  spec = to_oci((const char *[]){"privileged=true", NULL}, NULL);
  assert_null(path(spec, "linux.seccomp"));
  json_t *all = path(spec, "linux.resources.devices");
  assert_int_equal(json_array_size(all), 2);
  assert_true(json_is_true(json_object_get(json_array_get(all, 1), "allow")));
  assert_true(json_array_size(path(spec, "linux.devices")) > 3); /* the host's /dev */
  json_decref(spec);

  struct xerr err = {0};
  json_t *hc = hc_with((const char *[]){"device=/nonexistent-dev", NULL});
  spec = base_spec(false, NULL, NULL);
  assert_int_equal(hostconfig_to_oci(hc, spec, "/x/y", NULL, &err), -1);
  assert_string_equal(err.msg, "error gathering device information while adding custom device "
                               "\"/nonexistent-dev\": no such file or directory");
  json_decref(hc);
  json_decref(spec);
}

static bool seccomp_names(json_t *spec, const char *name) {
  size_t i, k;
  json_t *r, *n;
  json_array_foreach(path(spec, "linux.seccomp.syscalls"), i, r) json_array_foreach(json_object_get(r, "names"), k, n) if (strcmp(json_string_value(n), name) == 0) return true;
  return false;
}

static void test_oci_seccomp(void **state) {
  (void)state;
  /* Built-in: unshare only with CAP_SYS_ADMIN. */
  json_t *spec = to_oci((const char *[]){NULL}, NULL);
  assert_string_equal(json_string_value(path(spec, "linux.seccomp.defaultAction")), "SCMP_ACT_ERRNO");
  assert_true(seccomp_names(spec, "read"));
  assert_false(seccomp_names(spec, "unshare"));
  json_decref(spec);
  json_t *hc = hc_with((const char *[]){"cap-add=SYS_ADMIN", NULL});
  spec = base_spec(false, (char *[]){"SYS_ADMIN", NULL}, NULL);
  struct xerr err = {0};
  assert_int_equal(hostconfig_to_oci(hc, spec, "/x/y", NULL, &err), 0);
  assert_true(seccomp_names(spec, "unshare"));
  json_decref(hc);
  json_decref(spec);

  spec = to_oci((const char *[]){"security-opt=seccomp=unconfined", NULL}, NULL);
  assert_null(path(spec, "linux.seccomp"));
  json_decref(spec);

  /* A Docker-format profile: archMap, name, includes/excludes. */
  char file[128];
  snprintf(file, sizeof file, "%s/profile.json", rootfs);
  write_text(file,
             "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
             "\"subArchitectures\":[\"SCMP_ARCH_X86\"]},{\"architecture\":\"SCMP_ARCH_AARCH64\","
             "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],\"syscalls\":["
             "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
             "{\"name\":\"mount\",\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
             "{\"names\":[\"chown\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
             "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"2.6\"}},"
             "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"99.0\"}}]}");
  char opt[200];
  snprintf(opt, sizeof opt, "security-opt=seccomp=%s", file);
  spec = to_oci((const char *[]){opt, NULL}, NULL);
  assert_true(seccomp_names(spec, "read"));
  assert_false(seccomp_names(spec, "mount"));
  assert_true(seccomp_names(spec, "chown"));
  assert_true(seccomp_names(spec, "ptrace"));
  assert_false(seccomp_names(spec, "kexec_load"));
  json_t *arches = path(spec, "linux.seccomp.architectures");
  assert_int_equal(json_array_size(arches), 2);
  assert_null(path(spec, "linux.seccomp.archMap"));
  json_decref(spec);

  write_text(file, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
  hc = hc_with((const char *[]){opt, NULL});
  spec = base_spec(false, NULL, NULL);
  assert_int_equal(hostconfig_to_oci(hc, spec, "/x/y", NULL, &err), -1);
  assert_string_equal(err.msg, "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  json_decref(hc);
  json_decref(spec);
}

static int fake_resolve(void *ctx, const char *container, const char *ns, char *out, size_t len,
                        struct xerr *err) {
  (void)ctx;
  if (strcmp(container, "other") != 0)
    return xerr_set(err, ENOENT, "No such container: %s", container);
  snprintf(out, len, "/proc/4242/ns/%s", ns);
  return 0;
}

static void test_oci_namespaces(void **state) {
  (void)state;
  struct ns_resolver r = {fake_resolve, NULL};
  json_t *spec = to_oci((const char *[]){"pid=host", "uts=host", "ipc=container:other", "cgroupns=host", NULL}, &r);
  const char *p = NULL;
  assert_false(has_ns(spec, "pid", NULL));
  assert_false(has_ns(spec, "uts", NULL));
  assert_false(has_ns(spec, "cgroup", NULL));
  assert_null(json_object_get(spec, "hostname"));
  assert_true(has_ns(spec, "ipc", &p));
  assert_string_equal(p, "/proc/4242/ns/ipc");
  assert_string_equal(json_string_value(json_object_get(mount_at(spec, "/dev/shm"), "type")), "tmpfs");
  assert_true(has_ns(spec, "mount", NULL));
  json_decref(spec);

  spec = to_oci((const char *[]){"ipc=none", NULL}, &r);
  assert_true(has_ns(spec, "ipc", &p));
  assert_null(p);
  assert_null(mount_at(spec, "/dev/shm"));
  assert_true(has_ns(spec, "cgroup", NULL));
  json_decref(spec);

  json_t *hc = hc_with((const char *[]){"pid=container:gone", NULL});
  spec = base_spec(false, NULL, NULL);
  struct xerr err = {0};
  assert_int_equal(hostconfig_to_oci(hc, spec, "/x/y", &r, &err), -1);
  assert_string_equal(err.msg, "No such container: gone");
  json_decref(hc);
  json_decref(spec);
}

static void test_oci_sysctl_in_host_namespace(void **state) {
  (void)state;
  json_t *hc = hc_with((const char *[]){"sysctl=net.ipv4.ip_forward=1", NULL});
  json_object_set_new(hc, "NetworkMode", json_string("host")); /* the lead's flag */
  json_t *spec = base_spec(false, NULL, NULL);
  struct xerr err = {0};
  assert_int_equal(hostconfig_to_oci(hc, spec, "/x/y", NULL, &err), -1);
  assert_string_equal(err.msg, "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
  json_decref(hc);
  json_decref(spec);
  spec = to_oci((const char *[]){"sysctl=net.ipv4.ip_forward=1", "sysctl=kernel.shmmax=4096", NULL}, NULL);
  json_t *sysctl = path(spec, "linux.sysctl");
  assert_non_null(sysctl);
  assert_string_equal(json_string_value(json_object_get(sysctl, "kernel.shmmax")), "4096");
  json_decref(spec);
}

static void test_oci_init_and_groups(void **state) {
  (void)state;
  if (access("/usr/bin/tini-static", X_OK) < 0 && access("/usr/bin/tini", X_OK) < 0)
    skip(); /* tini is in scripts/install-deps.sh */
  json_t *spec = to_oci((const char *[]){"init=true", "group-add=audio", "group-add=1234", NULL}, NULL);
  json_t *args = path(spec, "process.args");
  assert_string_equal(json_string_value(json_array_get(args, 0)), "/sbin/docker-init");
  assert_string_equal(json_string_value(json_array_get(args, 1)), "--");
  assert_string_equal(json_string_value(json_array_get(args, 2)), "sh");
  json_t *m = mount_at(spec, "/sbin/docker-init");
  assert_non_null(m);
  assert_string_equal(json_string_value(json_object_get(m, "type")), "bind");
  char *gids = json_dumps(path(spec, "process.user.additionalGids"), JSON_COMPACT);
  assert_string_equal(gids, "[29,1234]");
  free(gids);
  json_decref(spec);
}

static void test_resources_for_update(void **state) {
  (void)state;
  json_t *hc = hc_with((const char *[]){"memory=128m", "cpu-quota=20000", "cpu-period=100000", NULL});
  struct xerr err = {0};
  assert_int_equal(hostconfig_finish(hc, &err), 0);
  json_t *res = hostconfig_resources(hc, &err);
  assert_non_null(res);
  char *text = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text, "{\"cpu\":{\"period\":100000,\"quota\":20000},"
                            "\"memory\":{\"limit\":134217728,\"swap\":268435456}}");
  free(text);
  json_decref(res);
  json_decref(hc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_resource_flags),
      cmocka_unit_test(test_list_flags),
      cmocka_unit_test(test_flag_errors),
      cmocka_unit_test(test_daemon_errors),
      cmocka_unit_test(test_host_pid_disables_labels),
      cmocka_unit_test(test_oci_resources),
      cmocka_unit_test(test_oci_devices_and_privileged),
      cmocka_unit_test(test_oci_seccomp),
      cmocka_unit_test(test_oci_namespaces),
      cmocka_unit_test(test_oci_sysctl_in_host_namespace),
      cmocka_unit_test(test_oci_init_and_groups),
      cmocka_unit_test(test_resources_for_update),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
