/* Unit tests of the libcurl loader (image/curl_shim.h): the library is
 * found and usable, and a missing one is a clean error naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "common/xerr.h"
#include "image/curl_shim.h"

static void test_missing_library_is_an_error(void **state) {
  (void)state;
  struct xerr err = {0};
  struct xcurl api = {0};
  assert_int_equal(xcurl_open("libxocker-no-such-curl.so.4", &api, &err), -1);
  assert_non_null(strstr(err.msg, "libxocker-no-such-curl.so.4"));
  assert_null(api.easy_init);
}

static void test_library_without_curl_is_an_error(void **state) {
  (void)state;
  struct xerr err = {0};
  struct xcurl api = {0};
  assert_int_equal(xcurl_open("libz.so.1", &api, &err), -1);
  assert_non_null(strstr(err.msg, "no symbol curl_global_init"));
}

static void test_loaded_once_and_usable(void **state) {
  (void)state;
  struct xerr err = {0};
  const struct xcurl *c = xcurl_get(&err);
  assert_non_null(c);
  assert_ptr_equal(xcurl_get(&err), c);
  assert_string_equal(c->easy_strerror(CURLE_OK), "No error");

  CURL *h = c->easy_init();
  assert_non_null(h);
  /* The variadic setopt/getinfo through the pointers, with each kind of
   * argument: a string, a long, and a pointer to fill. */
  assert_int_equal(c->easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
  assert_int_equal(c->easy_setopt(h, CURLOPT_TIMEOUT_MS, 50L), CURLE_OK);
  long status = -1;
  assert_int_equal(c->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
  assert_int_equal(status, 0);
  struct curl_slist *l = c->slist_append(NULL, "Expect:");
  assert_non_null(l);
  assert_int_equal(c->easy_setopt(h, CURLOPT_HTTPHEADER, l), CURLE_OK);
  c->easy_cleanup(h);
  c->slist_free_all(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_missing_library_is_an_error),
      cmocka_unit_test(test_library_without_curl_is_an_error),
      cmocka_unit_test(test_loaded_once_and_usable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
