/* Unit tests of image references, digests, platforms and manifest parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/xerr.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/reference.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect_ref(const char *in, const char *full, const char *familiar) {
  struct image_ref r;
  struct xerr err = {0};
  if (ref_parse(in, true, &r, &err) < 0)
    fail_msg("ref_parse(\"%s\"): %s", in, err.msg);
  char buf[1024];
  ref_string(&r, buf, sizeof buf);
  assert_string_equal(buf, full);
  ref_familiar(&r, buf, sizeof buf);
  assert_string_equal(buf, familiar);
}

static void expect_bad(const char *in, const char *msg_part) {
  struct image_ref r;
  struct xerr err = {0};
  assert_int_equal(ref_parse(in, true, &r, &err), -1);
  if (!strstr(err.msg, msg_part))
    fail_msg("ref_parse(\"%s\") error \"%s\" lacks \"%s\"", in, err.msg, msg_part);
}

static void test_normalise(void **state) {
  (void)state;
  expect_ref("busybox", "docker.io/library/busybox:latest", "busybox:latest");
  expect_ref("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
  expect_ref("me/app", "docker.io/me/app:latest", "me/app:latest");
  expect_ref("docker.io/library/alpine:3", "docker.io/library/alpine:3", "alpine:3");
  expect_ref("index.docker.io/me/x", "docker.io/me/x:latest", "me/x:latest");
  expect_ref("localhost:5000/a/b", "localhost:5000/a/b:latest", "localhost:5000/a/b:latest");
  expect_ref("localhost/foo", "localhost/foo:latest", "localhost/foo:latest");
  expect_ref("127.0.0.1:5000/x:t", "127.0.0.1:5000/x:t", "127.0.0.1:5000/x:t");
  expect_ref("quay.io/a/b-c__d.e", "quay.io/a/b-c__d.e:latest", "quay.io/a/b-c__d.e:latest");
  expect_ref("busybox@sha256:" HEX64, "docker.io/library/busybox@sha256:" HEX64,
             "busybox@sha256:" HEX64);
  expect_ref("busybox:1@sha256:" HEX64, "docker.io/library/busybox:1@sha256:" HEX64,
             "busybox:1@sha256:" HEX64);
}

static void test_invalid(void **state) {
  (void)state;
  expect_bad("", "invalid reference format");
  expect_bad("BusyBox", "must be lowercase");
  expect_bad("busybox:", "invalid reference format");
  expect_bad("busybox:-x", "invalid reference format");
  expect_bad("a//b", "invalid reference format");
  expect_bad("a/b/", "invalid reference format");
  expect_bad("-a", "invalid reference format");
  expect_bad("busybox@sha256:abc", "invalid reference format");
  expect_bad("localhost:port/x", "invalid reference format");
  expect_bad("a b", "invalid reference format");
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  expect_bad(longname, "255 characters");
}

static void test_digest(void **state) {
  (void)state;
  char d[DIGEST_BUF_LEN];
  struct xerr err = {0};
  assert_int_equal(digest_buffer("", 0, d, &err), 0);
  assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_true(digest_valid(d));
  assert_false(digest_valid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  assert_false(digest_valid("sha512:" HEX64));
  assert_false(digest_valid("sha256:" HEX64 "0"));
}

static void test_platform(void **state) {
  (void)state;
  char p[64];
  struct xerr err = {0};
  assert_int_equal(platform_normalise("amd64", p, sizeof p, &err), 0);
  assert_string_equal(p, "linux/amd64");
  assert_int_equal(platform_normalise("linux/x86_64", p, sizeof p, &err), 0);
  assert_string_equal(p, "linux/amd64");
  assert_int_equal(platform_normalise("linux/arm64", p, sizeof p, &err), 0);
  assert_string_equal(p, "linux/arm64/v8");
  assert_int_equal(platform_normalise("linux/arm/v7", p, sizeof p, &err), 0);
  assert_string_equal(p, "linux/arm/v7");
  assert_int_equal(platform_normalise("", p, sizeof p, &err), -1);
}

static const char INDEX[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:" HEX64 "\",\"size\":10,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"sha256:"
    "1111111111111111111111111111111111111111111111111111111111111111\",\"size\":11,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

static void test_index_select(void **state) {
  (void)state;
  struct descriptor d;
  struct xerr err = {0};
  assert_int_equal(index_select(INDEX, strlen(INDEX), "linux/amd64", &d, &err), 0);
  assert_int_equal(d.size, 11);
  assert_int_equal(index_select(INDEX, strlen(INDEX), "linux/arm64/v8", &d, &err), 0);
  assert_string_equal(d.digest, "sha256:" HEX64);
  assert_int_equal(index_select(INDEX, strlen(INDEX), "linux/s390x", &d, &err), -1);
  assert_non_null(strstr(err.msg, "linux/s390x"));
  assert_non_null(strstr(err.msg, "linux/amd64"));
  char mt[MT_MAX];
  assert_int_equal(manifest_media_type(INDEX, strlen(INDEX), NULL, mt, &err), 0);
  assert_true(media_type_is_index(mt));
}

static void test_manifest_parse(void **state) {
  (void)state;
  static const char good[] =
      "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_MANIFEST "\","
      "\"config\":{\"mediaType\":\"" MT_DOCKER_CONFIG "\",\"digest\":\"sha256:" HEX64 "\",\"size\":5},"
      "\"layers\":[{\"mediaType\":\"" MT_DOCKER_LAYER_GZIP "\",\"digest\":\"sha256:" HEX64
      "\",\"size\":7}]}";
  struct image_manifest m;
  struct xerr err = {0};
  assert_int_equal(manifest_parse(good, strlen(good), &m, &err), 0);
  assert_int_equal(m.n_layers, 1);
  assert_int_equal(m.layers[0].size, 7);
  manifest_free(&m);
  static const char bad_layer[] =
      "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
      "\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"sha256:" HEX64 "\",\"size\":5},"
      "\"layers\":[{\"mediaType\":\"application/x-weird\",\"digest\":\"sha256:" HEX64
      "\",\"size\":7}]}";
  assert_int_equal(manifest_parse(bad_layer, strlen(bad_layer), &m, &err), -1);
  assert_non_null(strstr(err.msg, "application/x-weird"));
  assert_int_equal(manifest_parse("{", 1, &m, &err), -1);
  assert_non_null(strstr(err.msg, "malformed JSON"));
  static const char schema1[] = "{\"schemaVersion\":1,\"name\":\"x\"}";
  assert_int_equal(manifest_parse(schema1, strlen(schema1), &m, &err), -1);
  assert_non_null(strstr(err.msg, "schema 1"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normalise),    cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_digest),       cmocka_unit_test(test_platform),
      cmocka_unit_test(test_index_select), cmocka_unit_test(test_manifest_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
