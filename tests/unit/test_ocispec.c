/* Unit tests of the engine's OCI config: Docker's merge of the image config
 * with run options, user resolution in the rootfs, default confinement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/ocispec.h"
#include "engine/user.h"

static char rootfs[64];

static void write_text(const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", rootfs, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  snprintf(rootfs, sizeof rootfs, "/tmp/ocispec-XXXXXX");
  if (!mkdtemp(rootfs))
    return -1;
  char etc[128];
  snprintf(etc, sizeof etc, "%s/etc", rootfs);
  mkdir(etc, 0755);
  write_text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nxuser:x:1000:1000::/home/xuser:/bin/sh\n");
  write_text("etc/group", "root:x:0:\nxuser:x:1000:\nwheel:x:10:xuser,other\naudio:x:29:\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  struct xerr err = {0};
  return remove_tree(rootfs, &err);
}

static json_t *image_config(const char *config_json) {
  char doc[1024];
  snprintf(doc, sizeof doc, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":%s}",
           config_json);
  json_t *j = json_loads(doc, 0, NULL);
  assert_non_null(j);
  return j;
}

static json_t *spec_of(const char *config_json, struct run_options *o) {
  json_t *image = image_config(config_json);
  json_t *spec = NULL;
  struct xerr err = {0};
  o->rootfs = rootfs;
  if (engine_oci_spec(image, o, &spec, &err) < 0)
    fail_msg("engine_oci_spec: %s", err.msg);
  json_decref(image);
  return spec;
}

static void expect_error(const char *config_json, struct run_options *o, const char *msg) {
  json_t *image = image_config(config_json);
  json_t *spec = NULL;
  struct xerr err = {0};
  o->rootfs = rootfs;
  assert_int_equal(engine_oci_spec(image, o, &spec, &err), -1);
  if (!strstr(err.msg, msg))
    fail_msg("error \"%s\" lacks \"%s\"", err.msg, msg);
  json_decref(image);
}

static void expect_args(json_t *spec, const char *want) {
  char *got = json_dumps(json_object_get(json_object_get(spec, "process"), "args"), JSON_COMPACT);
  assert_string_equal(got, want);
  free(got);
  json_decref(spec);
}

static void test_entrypoint_and_cmd(void **state) {
  (void)state;
  const char *img = "{\"Entrypoint\":[\"/bin/ep\",\"-x\"],\"Cmd\":[\"a\"]}";
  struct run_options o = {0};
  expect_args(spec_of(img, &o), "[\"/bin/ep\",\"-x\",\"a\"]");
  char *cmd[] = {"b", "c", NULL};
  o = (struct run_options){.cmd = cmd};
  expect_args(spec_of(img, &o), "[\"/bin/ep\",\"-x\",\"b\",\"c\"]");
  o = (struct run_options){.entrypoint_set = true, .entrypoint = "/x"};
  expect_args(spec_of(img, &o), "[\"/x\"]");
  char *sh[] = {"sh", NULL};
  o = (struct run_options){.entrypoint_set = true, .entrypoint = "", .cmd = sh};
  expect_args(spec_of(img, &o), "[\"sh\"]");
  o = (struct run_options){0};
  expect_error("{}", &o, "No command specified");
  expect_error("{\"Cmd\":\"sh\"}", &o, "Cmd: expected an array");
}

static bool has_string(json_t *list, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
  return false;
}

static void test_env(void **state) {
  (void)state;
  char *env[] = {"FOO=2", "BAR=3", NULL};
  struct run_options o = {.env = env, .tty = true, .hostname = "h1"};
  json_t *spec = spec_of("{\"Env\":[\"PATH=/p\",\"FOO=1\"],\"Cmd\":[\"sh\"]}", &o);
  json_t *e = json_object_get(json_object_get(spec, "process"), "env");
  assert_true(has_string(e, "PATH=/p"));
  assert_true(has_string(e, "FOO=2"));
  assert_false(has_string(e, "FOO=1"));
  assert_true(has_string(e, "BAR=3"));
  assert_true(has_string(e, "HOSTNAME=h1"));
  assert_true(has_string(e, "TERM=xterm"));
  assert_string_equal(json_string_value(json_object_get(spec, "hostname")), "h1");
  json_decref(spec);
  o = (struct run_options){0};
  spec = spec_of("{\"Cmd\":[\"sh\"]}", &o);
  e = json_object_get(json_object_get(spec, "process"), "env");
  assert_string_equal(json_string_value(json_array_get(e, 0)),
                      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  assert_false(has_string(e, "TERM=xterm"));
  json_decref(spec);
}

static void expect_user(const char *spec, unsigned uid, unsigned gid, size_t extra) {
  struct container_user u;
  struct xerr err = {0};
  if (user_resolve(rootfs, spec, &u, &err) < 0)
    fail_msg("user_resolve(%s): %s", spec, err.msg);
  assert_int_equal(u.uid, uid);
  assert_int_equal(u.gid, gid);
  assert_int_equal(u.n_additional, extra);
}

static void test_users(void **state) {
  (void)state;
  expect_user("", 0, 0, 0);
  expect_user("root", 0, 0, 0);
  expect_user("xuser", 1000, 1000, 1);
  expect_user("1000", 1000, 1000, 1);
  expect_user("4242", 4242, 0, 0);
  expect_user("xuser:audio", 1000, 29, 1);
  expect_user("1000:50", 1000, 50, 1);
  struct container_user u;
  struct xerr err = {0};
  assert_int_equal(user_resolve(rootfs, "nobody", &u, &err), -1);
  assert_string_equal(err.msg, "unable to find user nobody: no matching entries in passwd file");
  assert_int_equal(user_resolve(rootfs, "xuser:nogroup", &u, &err), -1);
  assert_string_equal(err.msg, "unable to find group nogroup: no matching entries in group file");
  struct run_options o = {.user = "xuser", .workdir = "/work"};
  json_t *spec = spec_of("{\"Cmd\":[\"sh\"],\"User\":\"root\",\"WorkingDir\":\"/w\"}", &o);
  json_t *p = json_object_get(spec, "process");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 1000);
  assert_string_equal(json_string_value(json_object_get(p, "cwd")), "/work");
  json_decref(spec);
}

static json_t *bounding(json_t *spec) {
  return json_object_get(json_object_get(json_object_get(spec, "process"), "capabilities"),
                         "bounding");
}

static void test_capabilities_and_confinement(void **state) {
  (void)state;
  struct run_options o = {0};
  json_t *spec = spec_of("{\"Cmd\":[\"sh\"]}", &o);
  assert_int_equal(json_array_size(bounding(spec)), 14);
  assert_true(has_string(bounding(spec), "CAP_NET_RAW"));
  json_t *linux_obj = json_object_get(spec, "linux");
  assert_true(has_string(json_object_get(linux_obj, "maskedPaths"), "/sys/devices/virtual/powercap"));
  assert_true(has_string(json_object_get(linux_obj, "readonlyPaths"), "/proc/sys"));
  char *shm = json_dumps(json_object_get(spec, "mounts"), JSON_COMPACT);
  assert_non_null(strstr(shm, "size=65536k"));
  free(shm);
  assert_string_equal(json_string_value(json_object_get(json_object_get(spec, "root"), "path")), rootfs);
  json_decref(spec);

  char *drop_all[] = {"ALL", NULL}, *add[] = {"net_admin", NULL};
  o = (struct run_options){.cap_drop = drop_all, .cap_add = add, .read_only = true};
  spec = spec_of("{\"Cmd\":[\"sh\"]}", &o);
  assert_int_equal(json_array_size(bounding(spec)), 1);
  assert_true(has_string(bounding(spec), "CAP_NET_ADMIN"));
  assert_true(json_is_true(json_object_get(json_object_get(spec, "root"), "readonly")));
  json_decref(spec);

  char *drop[] = {"CAP_CHOWN", "kill", NULL};
  o = (struct run_options){.cap_drop = drop};
  spec = spec_of("{\"Cmd\":[\"sh\"]}", &o);
  assert_int_equal(json_array_size(bounding(spec)), 12);
  assert_false(has_string(bounding(spec), "CAP_KILL"));
  json_decref(spec);

  o = (struct run_options){.privileged = true};
  spec = spec_of("{\"Cmd\":[\"sh\"]}", &o);
  assert_true(has_string(bounding(spec), "CAP_SYS_ADMIN"));
  assert_null(json_object_get(json_object_get(spec, "linux"), "maskedPaths"));
  json_decref(spec);

  char *bogus[] = {"CAP_FLY", NULL};
  o = (struct run_options){.cap_add = bogus};
  expect_error("{\"Cmd\":[\"sh\"]}", &o, "unknown capability: \"CAP_FLY\"");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_entrypoint_and_cmd),
      cmocka_unit_test(test_env),
      cmocka_unit_test(test_users),
      cmocka_unit_test(test_capabilities_and_confinement),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
