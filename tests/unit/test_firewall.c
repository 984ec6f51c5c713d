/* Unit tests of the nftables table (network/firewall.h, nft_shim.h): the
 * rendered rules, refusal of values that could inject nft syntax, and, as
 * root, applying, replacing and deleting a real table named xtfw<pid>
 * whose rules name bridges that do not exist (nft accepts that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xerr.h"
#include "network/firewall.h"
#include "network/nft_shim.h"

static char table_name[32];

static const struct fw_network two_networks[] = {
    {.bridge = "xtfwbr0", .subnet = "10.201.0.0/24", .internal = false},
    {.bridge = "xtfwbr1", .subnet = "10.202.0.0/24", .internal = true},
};

static const struct fw_port three_ports[] = {
    {.proto = "tcp", .host_ip = "", .host_port = 8080, .host_port_end = 8080,
     .container_ip = "10.201.0.2", .container_port = 80, .bridge = "xtfwbr0"},
    {.proto = "udp", .host_ip = "127.0.0.1", .host_port = 7000, .host_port_end = 7002,
     .container_ip = "10.201.0.3", .container_port = 7000, .bridge = "xtfwbr0"},
    {.proto = "tcp", .host_ip = "0.0.0.0", .host_port = 9000, .host_port_end = 9001,
     .container_ip = "10.201.0.3", .container_port = 5000, .bridge = "xtfwbr0"},
};

static struct fw_model full_model(void) {
  return (struct fw_model){.table = table_name, .networks = two_networks, .n_networks = 2,
                           .ports = three_ports, .n_ports = 3};
}

static void assert_contains(const char *text, const char *needle) {
  if (!strstr(text, needle))
    fail_msg("missing \"%s\" in:\n%s", needle, text);
}

static void assert_before(const char *text, const char *first, const char *second) {
  const char *a = strstr(text, first), *b = strstr(text, second);
  assert_non_null(a);
  assert_non_null(b);
  if (a > b)
    fail_msg("\"%s\" should come before \"%s\"", first, second);
}

static void test_render_rules(void **state) {
  (void)state;
  struct fw_model m = full_model();
  char *text = fw_render(&m);
  assert_non_null(text);
  char replace[160];
  snprintf(replace, sizeof replace, "table ip %s {}\ndelete table ip %s\ntable ip %s {\n",
           table_name, table_name, table_name);
  assert_true(strncmp(text, replace, strlen(replace)) == 0);
  assert_contains(text, "elements = { \"xtfwbr0\", \"xtfwbr1\" }");
  assert_contains(text, "type nat hook prerouting priority dstnat;");
  assert_contains(text, "type nat hook output priority -100;");
  assert_contains(text, "fib daddr type local jump ports");
  /* A single port, a range at the same ports, a range shifted by a map. */
  assert_contains(text, "    tcp dport 8080 dnat to 10.201.0.2:80\n");
  assert_contains(text, "    ip daddr 127.0.0.1 udp dport 7000-7002 dnat to 10.201.0.3\n");
  assert_contains(text, "    tcp dport 9000-9001 dnat to 10.201.0.3 : tcp dport map "
                        "{ 9000 : 5000, 9001 : 5001 }\n");
  /* Outbound masquerade for the non-internal network only. */
  assert_contains(text, "ip saddr 10.201.0.0/24 oifname != \"xtfwbr0\" masquerade");
  assert_null(strstr(text, "ip saddr 10.202.0.0/24 oifname != \"xtfwbr1\" masquerade"));
  assert_contains(text, "oifname \"xtfwbr1\" ip saddr 127.0.0.0/8 masquerade");
  assert_contains(text, "oifname \"xtfwbr0\" ip saddr 10.201.0.0/24 ct status dnat masquerade");
  assert_contains(text, "type filter hook forward priority filter; policy accept;");
  assert_contains(text, "iifname \"xtfwbr0\" oifname != \"xtfwbr0\" oifname @bridges "
                        "ct status & dnat == 0 drop");
  assert_contains(text, "iifname \"xtfwbr1\" oifname != \"xtfwbr1\" drop");
  assert_contains(text, "oifname \"xtfwbr1\" iifname != \"xtfwbr1\" drop");
  assert_null(strstr(text, "iifname \"xtfwbr0\" oifname != \"xtfwbr0\" drop"));
  /* Isolation is decided before established traffic is let through. */
  assert_before(text, "oifname \"xtfwbr1\" iifname != \"xtfwbr1\" drop",
                "ct state established,related accept");
  free(text);
}

static void test_render_dedups_bridges_and_empty_set(void **state) {
  (void)state;
  const struct fw_network twice[] = {
      {.bridge = "xtfwbr0", .subnet = "10.201.0.0/24"},
      {.bridge = "xtfwbr0", .subnet = "10.201.0.0/24"},
  };
  struct fw_model m = {.table = table_name, .networks = twice, .n_networks = 2};
  char *text = fw_render(&m);
  assert_non_null(text);
  assert_contains(text, "elements = { \"xtfwbr0\" }");
  free(text);
  /* Ports but no network: a set without elements (nft refuses "{ }"). */
  struct fw_model ports_only = {.table = table_name, .ports = three_ports, .n_ports = 1};
  text = fw_render(&ports_only);
  assert_non_null(text);
  assert_null(strstr(text, "elements"));
  assert_contains(text, "tcp dport 8080 dnat to 10.201.0.2:80");
  free(text);
}

/* Check that fw_check refuses the model with a message containing want,
 * and that fw_render and fw_apply refuse it too. */
static void assert_refused(const struct fw_model *m, const char *want) {
  struct xerr err = {0};
  assert_int_equal(fw_check(m, &err), -1);
  if (!strstr(err.msg, want))
    fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
  assert_null(fw_render(m));
  assert_int_equal(fw_apply(m, &err), -1);
}

static void test_invalid_values_are_refused(void **state) {
  (void)state;
  struct fw_network net = {.bridge = "xtfwbr0", .subnet = "10.201.0.0/24"};
  struct fw_port port = three_ports[0];
  struct fw_model m = {.table = table_name, .networks = &net, .n_networks = 1, .ports = &port,
                       .n_ports = 1};

  m.table = "xocker; flush ruleset";
  assert_refused(&m, "invalid nftables table name \"xocker; flush ruleset\"");
  m.table = "";
  assert_refused(&m, "invalid nftables table name");
  m.table = table_name;

  net.bridge = "br\" accept; \"";
  assert_refused(&m, "invalid bridge name \"br\" accept; \"\"");
  net.bridge = "a-very-long-bridge0";
  assert_refused(&m, "invalid bridge name");
  net.bridge = "xtfwbr0";
  net.subnet = "10.201.0.0/24 accept";
  assert_refused(&m, "invalid subnet \"10.201.0.0/24 accept\"");
  net.subnet = "10.201.0.1/24";
  assert_refused(&m, "it should be 10.201.0.0/24");
  net.subnet = "10.201.0.0/24";

  port.proto = "sctp";
  assert_refused(&m, "invalid protocol \"sctp\"");
  port.proto = "tcp dport 1 accept";
  assert_refused(&m, "invalid protocol");
  port.proto = "tcp";
  port.host_port = 0;
  assert_refused(&m, "invalid host port range 0-8080");
  port.host_port = 8081;
  assert_refused(&m, "invalid host port range 8081-8080");
  port.host_port = 8080;
  port.host_port_end = 65536;
  assert_refused(&m, "invalid host port range 8080-65536");
  port.host_port_end = 8090;
  port.container_port = 65530;
  assert_refused(&m, "invalid container port range 65530-65540");
  port.container_port = 0;
  port.host_port_end = 8080;
  assert_refused(&m, "invalid container port range 0-0");
  port.container_port = 80;
  port.host_ip = "1.2.3.4 accept";
  assert_refused(&m, "invalid IPv4 address \"1.2.3.4 accept\"");
  port.host_ip = "::";
  assert_refused(&m, "host IP of port 8080/tcp");
  port.host_ip = "";
  port.container_ip = "10.201.0.2:80";
  assert_refused(&m, "container IP of port 8080/tcp: invalid IPv4 address \"10.201.0.2:80\"");
  port.container_ip = "10.201.0.2";
  port.bridge = "x y";
  assert_refused(&m, "invalid bridge name \"x y\"");
  port.bridge = NULL;

  struct xerr err = {0};
  assert_int_equal(fw_check(&m, &err), 0);
  assert_int_equal(fw_delete_table("x;y", &err), -1);
  assert_non_null(strstr(err.msg, "invalid nftables table name \"x;y\""));
}

static void test_missing_library_is_an_error(void **state) {
  (void)state;
  struct xerr err = {0};
  struct xnft api = {0};
  assert_int_equal(xnft_open("libxocker-no-such-nftables.so.1", &api, &err), -1);
  assert_non_null(strstr(err.msg, "libxocker-no-such-nftables.so.1"));
  assert_int_equal(xnft_open("libz.so.1", &api, &err), -1);
  assert_non_null(strstr(err.msg, "no symbol nft_ctx_new"));
}

/* ---- as root: a real table ---- */

static bool root(void) { return geteuid() == 0; }

/* The table as nft's JSON, or NULL when it does not exist. */
static json_t *list_table(void) {
  char cmd[96];
  snprintf(cmd, sizeof cmd, "list table ip %s", table_name);
  char *out = NULL;
  struct xerr err = {0};
  if (xnft_run(cmd, NFT_CTX_OUTPUT_JSON, &out, &err) < 0) {
    assert_non_null(strstr(err.msg, "No such file or directory"));
    return NULL;
  }
  json_error_t jerr;
  json_t *root_obj = json_loads(out, 0, &jerr);
  free(out);
  assert_non_null(root_obj);
  return root_obj;
}

/* Number of objects of kind ("chain", "rule", ...) in the listing, only
 * those whose "chain" member is chain when chain is not NULL. */
static size_t count(json_t *listing, const char *kind, const char *chain) {
  size_t n = 0, i;
  json_t *item;
  json_array_foreach(json_object_get(listing, "nftables"), i, item) {
    json_t *obj = json_object_get(item, kind);
    if (!obj)
      continue;
    const char *in = json_string_value(json_object_get(obj, "chain"));
    if (!chain || (in && strcmp(in, chain) == 0))
      n++;
  }
  return n;
}

static bool has_chain(json_t *listing, const char *name) {
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(listing, "nftables"), i, item) {
    const char *n = json_string_value(json_object_get(json_object_get(item, "chain"), "name"));
    if (n && strcmp(n, name) == 0)
      return true;
  }
  return false;
}

static size_t bridges_in_set(json_t *listing) {
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(listing, "nftables"), i, item) {
    json_t *set = json_object_get(item, "set");
    if (set && strcmp(json_string_value(json_object_get(set, "name")), "bridges") == 0)
      return json_array_size(json_object_get(set, "elem"));
  }
  return 0;
}

static void test_apply_replace_delete(void **state) {
  (void)state;
  if (!root())
    skip(); /* nftables needs CAP_NET_ADMIN */
  struct xerr err = {0};
  struct fw_model m = full_model();
  if (fw_apply(&m, &err) < 0)
    fail_msg("fw_apply: %s", err.msg);
  json_t *listing = list_table();
  assert_non_null(listing);
  const char *chains[] = {"prerouting", "output", "ports", "postrouting", "forward"};
  for (size_t i = 0; i < 5; i++)
    assert_true(has_chain(listing, chains[i]));
  assert_int_equal(count(listing, "rule", "ports"), 3);
  assert_int_equal(count(listing, "rule", "postrouting"), 5);
  assert_int_equal(count(listing, "rule", "forward"), 5);
  assert_int_equal(bridges_in_set(listing), 2);
  json_decref(listing);

  /* A second model replaces the first entirely. */
  const struct fw_network one = {.bridge = "xtfwbr2", .subnet = "10.203.0.0/24"};
  struct fw_model second = {.table = table_name, .networks = &one, .n_networks = 1,
                            .ports = three_ports, .n_ports = 1};
  if (fw_apply(&second, &err) < 0)
    fail_msg("fw_apply: %s", err.msg);
  listing = list_table();
  assert_non_null(listing);
  assert_int_equal(count(listing, "rule", "ports"), 1);
  assert_int_equal(count(listing, "rule", "postrouting"), 3);
  assert_int_equal(count(listing, "rule", "forward"), 2);
  assert_int_equal(count(listing, "chain", NULL), 5);
  assert_int_equal(bridges_in_set(listing), 1);
  json_decref(listing);

  /* Nothing left to do: the table goes away, twice without complaint. */
  struct fw_model empty = {.table = table_name};
  assert_int_equal(fw_apply(&empty, &err), 0);
  assert_null(list_table());
  assert_int_equal(fw_apply(&empty, &err), 0);
  assert_int_equal(fw_delete_table(table_name, &err), 0);
}

static void test_delete_missing_table_is_ok(void **state) {
  (void)state;
  if (!root())
    skip(); /* nftables needs CAP_NET_ADMIN */
  struct xerr err = {0};
  assert_int_equal(fw_delete_table(table_name, &err), 0);
  assert_null(list_table());
}

static void test_nft_error_text(void **state) {
  (void)state;
  if (!root())
    skip(); /* nftables needs CAP_NET_ADMIN */
  struct xerr err = {0};
  char cmd[96];
  snprintf(cmd, sizeof cmd, "add chain ip %s c", table_name);
  assert_int_equal(xnft_run(cmd, 0, NULL, &err), -1);
  /* nft's words, without its echo of the input and its carets. */
  assert_non_null(strstr(err.msg, "No such file or directory"));
  assert_null(strstr(err.msg, "^"));
  assert_null(strstr(err.msg, "\n"));
}

/* nft's own refusal reaches the caller, naming the table: a keyword is a
 * valid name by character set but not in nft's grammar. */
static void test_apply_error_carries_nft_text(void **state) {
  (void)state;
  if (!root())
    skip(); /* nftables needs CAP_NET_ADMIN */
  struct xerr err = {0};
  struct fw_model m = full_model();
  m.table = "counter";
  assert_int_equal(fw_apply(&m, &err), -1);
  assert_non_null(strstr(err.msg, "nftables table counter: syntax error"));
  assert_int_equal(fw_delete_table("counter", &err), -1);
  assert_non_null(strstr(err.msg, "nftables table counter: syntax error"));
}

static int delete_table(void **state) {
  (void)state;
  struct xerr err = {0};
  if (root() && fw_delete_table(table_name, &err) < 0)
    fprintf(stderr, "teardown: %s\n", err.msg);
  return 0;
}

int main(void) {
  snprintf(table_name, sizeof table_name, "xtfw%d", (int)getpid());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render_rules),
      cmocka_unit_test(test_render_dedups_bridges_and_empty_set),
      cmocka_unit_test(test_invalid_values_are_refused),
      cmocka_unit_test(test_missing_library_is_an_error),
      cmocka_unit_test_teardown(test_apply_replace_delete, delete_table),
      cmocka_unit_test_teardown(test_delete_missing_table_is_ok, delete_table),
      cmocka_unit_test_teardown(test_nft_error_text, delete_table),
      cmocka_unit_test(test_apply_error_carries_nft_text),
  };
  return cmocka_run_group_tests(tests, NULL, delete_table);
}
