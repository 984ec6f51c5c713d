/* Unit tests of IPv4 subnet and address handling (network/ipam.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/xerr.h"
#include "network/ipam.h"

#define A(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static struct ipv4_net net_of(const char *text) {
  struct ipv4_net net;
  struct xerr err = {0};
  assert_int_equal(ipam_parse_subnet(text, &net, &err), 0);
  return net;
}

static void test_parse_subnet(void **state) {
  (void)state;
  struct ipv4_net net = net_of("172.18.0.0/16");
  assert_int_equal(net.addr, A(172, 18, 0, 0));
  assert_int_equal(net.prefix, 16);
  net = net_of("0.0.0.0/0");
  assert_int_equal(net.addr, 0);
  assert_int_equal(net.prefix, 0);
  net = net_of("10.1.2.3/32");
  assert_int_equal(net.addr, A(10, 1, 2, 3));
  assert_int_equal(net.prefix, 32);
}

static void test_parse_subnet_host_bits_set(void **state) {
  (void)state;
  struct ipv4_net net;
  struct xerr err = {0};
  assert_int_equal(ipam_parse_subnet("172.18.0.1/16", &net, &err), -1);
  assert_string_equal(err.msg, "invalid subnet 172.18.0.1/16: it should be 172.18.0.0/16");
  assert_int_equal(ipam_parse_subnet("10.0.0.129/25", &net, &err), -1);
  assert_string_equal(err.msg, "invalid subnet 10.0.0.129/25: it should be 10.0.0.128/25");
}

static void test_parse_subnet_bad_text(void **state) {
  (void)state;
  const char *bad[] = {"abc",         "",           "10.0.0.0",      "10.0.0.0/",  "/8",
                       "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08",  "10.0.0/8",   "10.0.0.0/8x",
                       "256.0.0.0/8", " 10.0.0.0/8", "10.0.0.0/8 ",  "fd00::/8",   "10.0.0.0/+8"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct ipv4_net net;
    struct xerr err = {0};
    char want[128];
    snprintf(want, sizeof want, "invalid subnet \"%s\"", bad[i]);
    assert_int_equal(ipam_parse_subnet(bad[i], &net, &err), -1);
    assert_string_equal(err.msg, want);
  }
}

static void test_parse_and_format_addr(void **state) {
  (void)state;
  uint32_t addr = 0;
  struct xerr err = {0};
  char buf[16];
  assert_int_equal(ipam_parse_addr("172.18.0.5", &addr, &err), 0);
  assert_int_equal(addr, A(172, 18, 0, 5));
  ipam_format_addr(addr, buf);
  assert_string_equal(buf, "172.18.0.5");
  ipam_format_addr(A(255, 255, 255, 255), buf);
  assert_string_equal(buf, "255.255.255.255");
  assert_int_equal(ipam_parse_addr("abc", &addr, &err), -1);
  assert_string_equal(err.msg, "invalid IPv4 address \"abc\"");
  assert_int_equal(ipam_parse_addr("1.2.3", &addr, &err), -1);
  assert_int_equal(ipam_parse_addr("1.2.3.4/8", &addr, &err), -1);
  assert_int_equal(ipam_parse_addr("", &addr, &err), -1);
}

static void test_contains_first_last(void **state) {
  (void)state;
  struct ipv4_net net = net_of("10.9.8.0/24");
  assert_true(ipam_contains(&net, A(10, 9, 8, 0)));
  assert_true(ipam_contains(&net, A(10, 9, 8, 255)));
  assert_false(ipam_contains(&net, A(10, 9, 9, 0)));
  assert_false(ipam_contains(&net, A(10, 9, 7, 255)));
  assert_int_equal(ipam_first(&net), A(10, 9, 8, 1));
  assert_int_equal(ipam_last(&net), A(10, 9, 8, 254));
  struct ipv4_net all = net_of("0.0.0.0/0");
  assert_true(ipam_contains(&all, A(8, 8, 8, 8)));
  assert_int_equal(ipam_last(&all), A(255, 255, 255, 254));
}

static void test_overlaps(void **state) {
  (void)state;
  struct ipv4_net a = net_of("172.18.0.0/16");
  struct ipv4_net inside = net_of("172.18.5.0/24");
  struct ipv4_net next = net_of("172.19.0.0/16");
  struct ipv4_net wide = net_of("172.16.0.0/12");
  assert_true(ipam_overlaps(&a, &inside));
  assert_true(ipam_overlaps(&inside, &a));
  assert_true(ipam_overlaps(&a, &a));
  assert_false(ipam_overlaps(&a, &next));
  assert_false(ipam_overlaps(&next, &inside));
  assert_true(ipam_overlaps(&wide, &next));
  assert_true(ipam_overlaps(&next, &wide));
}

static void test_next_free_empty_and_gaps(void **state) {
  (void)state;
  struct ipv4_net net = net_of("10.0.0.0/24");
  struct xerr err = {0};
  uint32_t out = 0;
  assert_int_equal(ipam_next_free(&net, NULL, 0, "n", &out, &err), 0);
  assert_int_equal(out, A(10, 0, 0, 1));
  /* The gateway plus .2 and .4: .3 is the first gap. */
  uint32_t used[] = {A(10, 0, 0, 1), A(10, 0, 0, 2), A(10, 0, 0, 4)};
  assert_int_equal(ipam_next_free(&net, used, 3, "n", &out, &err), 0);
  assert_int_equal(out, A(10, 0, 0, 3));
  /* Addresses outside the range (below and above) are ignored. */
  uint32_t outside[] = {A(9, 0, 0, 1), A(10, 0, 0, 0), A(10, 0, 0, 1), A(11, 0, 0, 1)};
  assert_int_equal(ipam_next_free(&net, outside, 4, "n", &out, &err), 0);
  assert_int_equal(out, A(10, 0, 0, 2));
}

static void test_next_free_range_inside_subnet(void **state) {
  (void)state;
  /* --ip-range 10.0.0.128/25: the range's own network address is skipped. */
  struct ipv4_net range = net_of("10.0.0.128/25");
  struct xerr err = {0};
  uint32_t out = 0;
  uint32_t used[] = {A(10, 0, 0, 1), A(10, 0, 0, 129)};
  assert_int_equal(ipam_next_free(&range, used, 2, "n", &out, &err), 0);
  assert_int_equal(out, A(10, 0, 0, 130));
}

static void test_next_free_full(void **state) {
  (void)state;
  struct ipv4_net net = net_of("10.0.0.4/30");
  struct xerr err = {0};
  uint32_t out = 0;
  uint32_t one[] = {A(10, 0, 0, 5)};
  assert_int_equal(ipam_next_free(&net, one, 1, "small", &out, &err), 0);
  assert_int_equal(out, A(10, 0, 0, 6));
  uint32_t both[] = {A(10, 0, 0, 5), A(10, 0, 0, 6)};
  assert_int_equal(ipam_next_free(&net, both, 2, "small", &out, &err), -1);
  assert_string_equal(err.msg,
                      "no available IPv4 addresses on this network's address pools: small "
                      "(10.0.0.4/30)");
}

static void test_next_free_31_32_have_none(void **state) {
  (void)state;
  struct xerr err = {0};
  uint32_t out = 0;
  struct ipv4_net p31 = net_of("10.0.0.2/31");
  struct ipv4_net p32 = net_of("10.0.0.2/32");
  assert_int_equal(ipam_next_free(&p31, NULL, 0, "x", &out, &err), -1);
  assert_non_null(strstr(err.msg, "x (10.0.0.2/31)"));
  assert_int_equal(ipam_next_free(&p32, NULL, 0, "x", &out, &err), -1);
  /* The very top of the address space does not wrap around to 0. */
  struct ipv4_net top = net_of("255.255.255.252/30");
  uint32_t used[] = {A(255, 255, 255, 253), A(255, 255, 255, 254)};
  assert_int_equal(ipam_next_free(&top, used, 2, "top", &out, &err), -1);
}

static void test_mac_for(void **state) {
  (void)state;
  char mac[18];
  ipam_mac_for(A(172, 18, 0, 2), mac);
  assert_string_equal(mac, "02:42:ac:12:00:02");
  ipam_mac_for(A(255, 0, 10, 255), mac);
  assert_string_equal(mac, "02:42:ff:00:0a:ff");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_subnet),
      cmocka_unit_test(test_parse_subnet_host_bits_set),
      cmocka_unit_test(test_parse_subnet_bad_text),
      cmocka_unit_test(test_parse_and_format_addr),
      cmocka_unit_test(test_contains_first_last),
      cmocka_unit_test(test_overlaps),
      cmocka_unit_test(test_next_free_empty_and_gaps),
      cmocka_unit_test(test_next_free_range_inside_subnet),
      cmocka_unit_test(test_next_free_full),
      cmocka_unit_test(test_next_free_31_32_have_none),
      cmocka_unit_test(test_mac_for),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
