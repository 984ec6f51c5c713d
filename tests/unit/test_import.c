/* Unit tests of `import -c` (Dockerfile instructions applied to an image
 * config) and of reading OCI index.json entries' names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xerr.h"
#include "image/import.h"
#include "image/oci_layout.h"

/* Apply changes to an empty config; the compact JSON of the result. */
static char *apply(const char *const *changes) {
  json_t *cfg = json_object();
  struct xerr err = {0};
  for (const char *const *c = changes; *c; c++)
    if (import_apply_change(cfg, *c, &err) < 0)
      fail_msg("change \"%s\": %s", *c, err.msg);
  char *s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(cfg);
  return s;
}

static void expect_config(const char *const *changes, const char *want) {
  char *got = apply(changes);
  assert_string_equal(got, want);
  free(got);
}

static void expect_bad(const char *change, const char *msg_part) {
  json_t *cfg = json_object();
  struct xerr err = {0};
  assert_int_equal(import_apply_change(cfg, change, &err), -1);
  if (!strstr(err.msg, msg_part))
    fail_msg("change \"%s\": error \"%s\" lacks \"%s\"", change, err.msg, msg_part);
  json_decref(cfg);
}

static void test_commands(void **state) {
  (void)state;
  expect_config((const char *const[]){"CMD [\"sh\", \"-c\", \"x\"]", NULL},
                "{\"Cmd\":[\"sh\",\"-c\",\"x\"]}");
  expect_config((const char *const[]){"cmd echo hi", NULL},
                "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
  /* Not valid JSON: the shell form, as Docker does. */
  expect_config((const char *const[]){"ENTRYPOINT [oops", NULL},
                "{\"Entrypoint\":[\"/bin/sh\",\"-c\",\"[oops\"]}");
  expect_config((const char *const[]){"USER nobody:nogroup", "STOPSIGNAL SIGTERM", NULL},
                "{\"StopSignal\":\"SIGTERM\",\"User\":\"nobody:nogroup\"}");
}

static void test_env_label(void **state) {
  (void)state;
  expect_config((const char *const[]){"ENV A=1 B=\"two words\" C=a\\ b", "ENV A=3", NULL},
                "{\"Env\":[\"A=3\",\"B=two words\",\"C=a b\"]}");
  expect_config((const char *const[]){"ENV LEGACY a value with spaces", NULL},
                "{\"Env\":[\"LEGACY=a value with spaces\"]}");
  expect_config((const char *const[]){"LABEL a=1 'b c'=\"d e\"", NULL},
                "{\"Labels\":{\"a\":\"1\",\"b c\":\"d e\"}}");
  expect_bad("ENV =x", "expected KEY=VALUE");
  expect_bad("ENV ONLYKEY", "two arguments");
  expect_bad("LABEL a=\"open", "unterminated quote");
}

static void test_ports_volumes_workdir(void **state) {
  (void)state;
  expect_config((const char *const[]){"EXPOSE 80 53/UDP 7000-7001/tcp", NULL},
                "{\"ExposedPorts\":{\"53/udp\":{},\"7000/tcp\":{},\"7001/tcp\":{},"
                "\"80/tcp\":{}}}");
  expect_bad("EXPOSE 0", "invalid port");
  expect_bad("EXPOSE 70000", "invalid port");
  expect_bad("EXPOSE 80/icmp", "invalid port");
  expect_bad("EXPOSE http", "invalid port");
  expect_config((const char *const[]){"VOLUME [\"/a\", \"/b\"]", "VOLUME /c /d", NULL},
                "{\"Volumes\":{\"/a\":{},\"/b\":{},\"/c\":{},\"/d\":{}}}");
  expect_config((const char *const[]){"WORKDIR /srv", "WORKDIR app", NULL},
                "{\"WorkingDir\":\"/srv/app\"}");
  expect_config((const char *const[]){"WORKDIR rel", NULL}, "{\"WorkingDir\":\"/rel\"}");
}

static void test_invalid(void **state) {
  (void)state;
  expect_bad("FROM busybox", "\"FROM\" is not a valid change command");
  expect_bad("RUN echo", "\"RUN\" is not a valid change command");
  expect_bad("AVERYLONGINSTRUCTIONNAME x", "is not a valid change command");
  expect_bad("CMD", "requires at least one argument");
  expect_bad("   ", "empty change");
}

static void test_index_names(void **state) {
  (void)state;
  struct loaded_image *v = NULL;
  size_t n = 0;
  struct xerr err = {0};
  const char *d1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  assert_int_equal(loaded_images_add(&v, &n, d1, "docker.io/library/a:1", &err), 0);
  assert_int_equal(loaded_images_add(&v, &n, d1, "docker.io/library/a:2", &err), 0);
  assert_int_equal(loaded_images_add(&v, &n, d1, "docker.io/library/a:1", &err), 0);
  assert_int_equal(loaded_images_add(&v, &n, d1, NULL, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(v[0].names[0], "docker.io/library/a:1");
  assert_string_equal(v[0].names[1], "docker.io/library/a:2");
  assert_null(v[0].names[2]);
  loaded_images_free(v, n);

  json_t *index = oci_index_new();
  struct descriptor d = {.media_type = "application/vnd.oci.image.manifest.v1+json", .size = 3};
  snprintf(d.digest, sizeof d.digest, "%s", d1);
  assert_int_equal(oci_index_add(index, &d, "docker.io/library/busybox:latest", false, &err), 0);
  assert_int_equal(oci_index_add(index, &d, "localhost:5000/x/y:2", true, &err), 0);
  json_t *m = json_object_get(index, "manifests");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(m, 0), "annotations"),
                          "org.opencontainers.image.ref.name")),
                      "latest");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(m, 1), "annotations"),
                          "org.opencontainers.image.ref.name")),
                      "localhost:5000/x/y:2");
  json_decref(index);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commands),
      cmocka_unit_test(test_env_label),
      cmocka_unit_test(test_ports_volumes_workdir),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_index_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
