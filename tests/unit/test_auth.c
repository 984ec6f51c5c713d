/* Unit tests of registry credentials (Docker's config.json) and
 * WWW-Authenticate challenges. */
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
#include "image/auth.h"

static void test_challenge_bearer(void **state) {
  (void)state;
  struct auth_challenge c;
  assert_int_equal(auth_parse_challenge("Bearer realm=\"https://auth.example/token\","
                                        "service=\"registry.example\","
                                        "scope=\"repository:library/busybox:pull\"",
                                        &c),
                   0);
  assert_string_equal(c.scheme, "bearer");
  assert_string_equal(c.realm, "https://auth.example/token");
  assert_string_equal(c.service, "registry.example");
  assert_string_equal(c.scope, "repository:library/busybox:pull");
  /* Case of the scheme and keys does not matter; spaces after commas are fine. */
  assert_int_equal(auth_parse_challenge("bearer Realm=\"http://h/t\", Service=s", &c), 0);
  assert_string_equal(c.realm, "http://h/t");
  assert_string_equal(c.service, "s");
  assert_string_equal(c.scope, "");
}

static void test_challenge_basic_and_bad(void **state) {
  (void)state;
  struct auth_challenge c;
  assert_int_equal(auth_parse_challenge("Basic realm=\"Registry Realm\"", &c), 0);
  assert_string_equal(c.scheme, "basic");
  assert_string_equal(c.realm, "Registry Realm");
  assert_int_equal(auth_parse_challenge("Negotiate abc", &c), -1);
  assert_int_equal(auth_parse_challenge("Bearer service=\"x\"", &c), -1); /* no realm */
  assert_int_equal(auth_parse_challenge("", &c), -1);
}

static void test_server_key(void **state) {
  (void)state;
  char key[256];
  auth_server_key(NULL, key, sizeof key);
  assert_string_equal(key, AUTH_DOCKER_HUB_KEY);
  auth_server_key("docker.io", key, sizeof key);
  assert_string_equal(key, AUTH_DOCKER_HUB_KEY);
  auth_server_key("https://index.docker.io/v1/", key, sizeof key);
  assert_string_equal(key, AUTH_DOCKER_HUB_KEY);
  auth_server_key("http://127.0.0.1:5000/", key, sizeof key);
  assert_string_equal(key, "127.0.0.1:5000");
  auth_server_key("registry.example:443", key, sizeof key);
  assert_string_equal(key, "registry.example:443");
}

static void test_basic_encode(void **state) {
  (void)state;
  char *b = auth_basic_encode("user", "pass");
  assert_string_equal(b, "dXNlcjpwYXNz");
  free(b);
}

static int make_config_dir(void **state) {
  char tmpl[] = "/tmp/xocker-auth-XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  *state = strdup(dir);
  setenv("DOCKER_CONFIG", dir, 1);
  return 0;
}

static int remove_config_dir(void **state) {
  struct xerr err = {0};
  remove_tree(*state, &err);
  free(*state);
  unsetenv("DOCKER_CONFIG");
  return 0;
}

static void test_store_lookup_remove(void **state) {
  char path[4096];
  struct xerr err = {0};
  snprintf(path, sizeof path, "%s/config.json", (char *)*state);
  const char *existing = "{\"psFormat\": \"x\", \"auths\": {\"https://index.docker.io/v1/\": "
                         "{\"auth\": \"aHViOnNlY3JldA==\"}}}";
  assert_int_equal(write_file_atomic(path, existing, strlen(existing), 0644, &err), 0);

  struct credentials c;
  assert_int_equal(auth_lookup("docker.io", &c, &err), 0);
  assert_string_equal(c.user, "hub");
  assert_string_equal(c.pass, "secret");
  credentials_clear(&c);
  assert_int_equal(auth_lookup("127.0.0.1:5000", &c, &err), 0);
  assert_null(c.user);

  /* A password may hold a colon; only the first one splits. */
  assert_int_equal(auth_store("127.0.0.1:5000", "me", "p:w", &err), 0);
  assert_int_equal(auth_lookup("127.0.0.1:5000", &c, &err), 0);
  assert_string_equal(c.user, "me");
  assert_string_equal(c.pass, "p:w");
  credentials_clear(&c);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  json_t *doc = json_load_file(path, 0, NULL);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "psFormat")), "x");
  assert_non_null(json_object_get(json_object_get(doc, "auths"), AUTH_DOCKER_HUB_KEY));
  json_decref(doc);

  bool found = false;
  assert_int_equal(auth_remove("127.0.0.1:5000", &found, &err), 0);
  assert_true(found);
  assert_int_equal(auth_remove("127.0.0.1:5000", &found, &err), 0);
  assert_false(found);
  assert_int_equal(auth_lookup("127.0.0.1:5000", &c, &err), 0);
  assert_null(c.user);
}

static void test_malformed_config(void **state) {
  char path[4096];
  struct xerr err = {0};
  snprintf(path, sizeof path, "%s/config.json", (char *)*state);
  assert_int_equal(write_file_atomic(path, "{nope", 5, 0600, &err), 0);
  struct credentials c;
  assert_int_equal(auth_lookup("docker.io", &c, &err), -1);
  assert_non_null(strstr(err.msg, "config.json: malformed JSON"));
  const char *bad = "{\"auths\": {\"h:1\": {\"auth\": \"bm9jb2xvbg==\"}}}"; /* "nocolon" */
  assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0600, &err), 0);
  assert_int_equal(auth_lookup("h:1", &c, &err), -1);
  assert_non_null(strstr(err.msg, "credentials for h:1"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_challenge_bearer),
      cmocka_unit_test(test_challenge_basic_and_bad),
      cmocka_unit_test(test_server_key),
      cmocka_unit_test(test_basic_encode),
      cmocka_unit_test_setup_teardown(test_store_lookup_remove, make_config_dir, remove_config_dir),
      cmocka_unit_test_setup_teardown(test_malformed_config, make_config_dir, remove_config_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
