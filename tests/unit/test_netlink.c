/* Unit tests of network/netlink against the real kernel (root only): a
 * bridge on the host, and a veth pair into the network namespace of a
 * child process that unshare(CLONE_NEWNET)s and waits.  Link names carry
 * the test's pid ("xtnl1234") and the subnet 10.<a>.<b>.0/24 is derived
 * from it; the only traffic is one ping to the child through our bridge.
 * The group teardown kills the children and deletes every link the tests
 * may have made, whatever failed; a child dies with us (PDEATHSIG), which
 * takes its namespace and the veth pairs in it along. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "network/netlink.h"

/* ------------------------------------------------------------ fixture */

struct netns_child {
  pid_t pid;
  int release_fd; /* closing it lets the child exit */
};

static struct {
  char bridge[16];  /* the network's bridge */
  char bridge2[16]; /* made by two processes at once */
  char other[16];   /* a non-bridge link (veth) whose name clashes */
  char other_peer[16];
  char veth[16];    /* host end of the container's pair */
  char veth2[16];   /* host end of pairs that must not survive */
  int a, b;         /* subnet 10.a.b.0/24 */
  char gw_cidr[40]; /* 10.a.b.1/24 */
  char gw[32];
  char addr_cidr[40]; /* 10.a.b.2/24 */
  char addr[32];
  struct netns_child child;
} fx;

#define SKIP(...)                                                                            \
  do {                                                                                       \
    print_message(__VA_ARGS__);                                                              \
    print_message("\n");                                                                     \
    skip();                                                                                  \
  } while (0)

/* A child in a network namespace of its own, blocked until released. */
static int spawn_netns_child(struct netns_child *ch) {
  int ready[2], release[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
    return -1;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(1);
    close(release[1]);
    char ok = unshare(CLONE_NEWNET) == 0 ? '1' : '0';
    if (write(ready[1], &ok, 1) != 1)
      _exit(1);
    char c;
    while (read(release[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  close(ready[1]);
  close(release[0]);
  char ok = '0';
  if (read(ready[0], &ok, 1) != 1)
    ok = '0';
  close(ready[0]);
  ch->pid = pid;
  ch->release_fd = release[1];
  return ok == '1' ? 0 : -1;
}

static void stop_netns_child(struct netns_child *ch) {
  if (ch->pid > 0) {
    kill(ch->pid, SIGKILL);
    waitpid(ch->pid, NULL, 0);
  }
  if (ch->release_fd >= 0)
    close(ch->release_fd);
  ch->pid = -1;
  ch->release_fd = -1;
}

static void delete_test_links(void) {
  const char *names[] = {fx.veth, fx.veth2, fx.other, fx.bridge2, fx.bridge};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct xerr err;
    if (names[i][0] != '\0' && nl_link_delete(names[i], &err) < 0)
      print_message("teardown: %s\n", err.msg);
  }
}

/* Killed (a time limit, ^C, stdout closed by `| head`): the group
 * teardown will not run, so delete the links here with what is safe in a
 * signal handler (fork, execve, waitpid), then die of the signal. */
static const char *ip_path;

static void cleanup_on_signal(int sig) {
  if (fx.child.pid > 0)
    kill(fx.child.pid, SIGKILL);
  const char *names[] = {fx.veth, fx.veth2, fx.other, fx.bridge2, fx.bridge};
  for (size_t i = 0; ip_path != NULL && i < sizeof names / sizeof names[0]; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      char *const argv[] = {(char *)"ip", (char *)"link", (char *)"del", (char *)names[i], NULL};
      char *const envp[] = {NULL};
      execve(ip_path, argv, envp);
      _exit(127);
    }
    if (pid > 0)
      waitpid(pid, NULL, 0);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_signal_cleanup(void) {
  const char *candidates[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && ip_path == NULL; i++) {
    if (access(candidates[i], X_OK) == 0)
      ip_path = candidates[i];
  }
  int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    signal(sigs[i], cleanup_on_signal);
}

static int group_setup(void **state) {
  (void)state;
  pid_t me = getpid();
  int n = me % 10000;
  snprintf(fx.bridge, sizeof fx.bridge, "xtnl%d", n);
  snprintf(fx.bridge2, sizeof fx.bridge2, "xtnc%d", n);
  snprintf(fx.other, sizeof fx.other, "xtnd%d", n);
  snprintf(fx.other_peer, sizeof fx.other_peer, "xtne%d", n);
  snprintf(fx.veth, sizeof fx.veth, "xtnv%d", n);
  snprintf(fx.veth2, sizeof fx.veth2, "xtnw%d", n);
  fx.a = 200 + (me >> 8) % 50;
  fx.b = me & 0xff;
  snprintf(fx.gw, sizeof fx.gw, "10.%d.%d.1", fx.a, fx.b);
  snprintf(fx.gw_cidr, sizeof fx.gw_cidr, "%s/24", fx.gw);
  snprintf(fx.addr, sizeof fx.addr, "10.%d.%d.2", fx.a, fx.b);
  snprintf(fx.addr_cidr, sizeof fx.addr_cidr, "%s/24", fx.addr);
  fx.child.pid = -1;
  fx.child.release_fd = -1;
  /* ip(8) and the checks run through sh; root's tools live in sbin. */
  const char *path = getenv("PATH");
  char newpath[4096];
  snprintf(newpath, sizeof newpath, "/usr/sbin:/sbin:/usr/bin:/bin:%s", path ? path : "");
  setenv("PATH", newpath, 1);
  if (geteuid() != 0)
    return 0;
  install_signal_cleanup();
  return spawn_netns_child(&fx.child);
}

static int group_teardown(void **state) {
  (void)state;
  stop_netns_child(&fx.child);
  if (geteuid() == 0)
    delete_test_links();
  return 0;
}

#define NEED_ROOT()                                                                          \
  do {                                                                                       \
    if (geteuid() != 0)                                                                      \
      SKIP("needs root: creates links and network namespaces");                             \
  } while (0)

/* ------------------------------------------------------------ checks */

/* The JSON a command prints (ip -j ...), or NULL. */
static json_t *run_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *run_json(const char *fmt, ...) {
  char cmd[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "re");
  if (p == NULL)
    return NULL;
  json_error_t jerr;
  json_t *j = json_loadf(p, 0, &jerr);
  if (pclose(p) != 0) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* The one link of `ip -j addr show dev NAME` (in the netns of pid when > 0). */
static json_t *link_json(pid_t pid, const char *name) {
  json_t *arr = pid > 0 ? run_json("nsenter -t %d -n ip -j addr show dev %s", (int)pid, name)
                        : run_json("ip -j -d addr show dev %s", name);
  if (arr == NULL || !json_is_array(arr) || json_array_size(arr) != 1) {
    json_decref(arr);
    return NULL;
  }
  json_t *link = json_incref(json_array_get(arr, 0));
  json_decref(arr);
  return link;
}

static bool has_flag(json_t *link, const char *flag) {
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(link, "flags"), i, f) {
    if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
      return true;
  }
  return false;
}

/* True when link has inet addr/prefix (with the broadcast address brd when non-NULL). */
static bool has_inet(json_t *link, const char *addr, int prefix, const char *brd) {
  size_t i;
  json_t *ai;
  int count = 0;
  json_array_foreach(json_object_get(link, "addr_info"), i, ai) {
    const char *family = json_string_value(json_object_get(ai, "family"));
    const char *local = json_string_value(json_object_get(ai, "local"));
    if (family && strcmp(family, "inet") == 0 && local && strcmp(local, addr) == 0 &&
        json_integer_value(json_object_get(ai, "prefixlen")) == prefix) {
      const char *b = json_string_value(json_object_get(ai, "broadcast"));
      if (brd == NULL || (b && strcmp(b, brd) == 0))
        count++;
    }
  }
  return count == 1;
}

static const char *str_of(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "";
}

static void ensure_bridge(void) {
  struct xerr err = {0};
  if (nl_bridge_ensure(fx.bridge, fx.gw_cidr, 1500, &err) < 0)
    fail_msg("nl_bridge_ensure(%s): %s", fx.bridge, err.msg);
}

static struct nl_veth container_veth(void) {
  static char mac[18];
  snprintf(mac, sizeof mac, "02:42:0a:%02x:%02x:02", fx.a, fx.b);
  struct nl_veth v = {
      .host_name = fx.veth,
      .bridge = fx.bridge,
      .netns_pid = fx.child.pid,
      .ifname = "eth0",
      .address_cidr = fx.addr_cidr,
      .gateway = fx.gw,
      .mac = mac,
      .mtu = 1400,
  };
  return v;
}

/* Poll the file until it reads want (carrier comes through linkwatch, a
 * moment after the port is up). */
static bool wait_file(const char *path, const char *want, int ms) {
  for (int waited = 0; waited <= ms; waited += 20) {
    cleanup_free char *s = NULL;
    struct xerr err;
    if (read_file_at(AT_FDCWD, path, &s, NULL, &err) == 0 && strncmp(s, want, strlen(want)) == 0)
      return true;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return false;
}

/* ------------------------------------------------------------ tests */

static void test_bridge_ensure(void **state) {
  (void)state;
  NEED_ROOT();
  ensure_bridge();
  json_t *br = link_json(0, fx.bridge);
  assert_non_null(br);
  char brd[32];
  snprintf(brd, sizeof brd, "10.%d.%d.255", fx.a, fx.b);
  assert_true(has_inet(br, fx.gw, 24, brd));
  assert_true(has_flag(br, "UP"));
  assert_string_equal(str_of(json_object_get(br, "linkinfo"), "info_kind"), "bridge");
  json_decref(br);
  char path[128];
  snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/route_localnet", fx.bridge);
  assert_true(wait_file(path, "1", 0));
  assert_true(nl_link_exists(fx.bridge));

  /* Again: nothing to do, nothing doubled. */
  ensure_bridge();
  br = link_json(0, fx.bridge);
  assert_non_null(br);
  assert_true(has_inet(br, fx.gw, 24, brd));
  json_decref(br);
}

/* Two processes making one bridge at once (two networks' first containers
 * starting together) must both succeed. */
static void test_bridge_ensure_concurrent(void **state) {
  (void)state;
  NEED_ROOT();
  char cidr[32];
  snprintf(cidr, sizeof cidr, "10.%d.%d.129/25", fx.a, fx.b);
  int go[2];
  assert_int_equal(pipe2(go, O_CLOEXEC), 0);
  pid_t pids[2];
  for (int i = 0; i < 2; i++) {
    pids[i] = fork();
    assert_true(pids[i] >= 0);
    if (pids[i] == 0) {
      close(go[1]);
      char c;
      (void)!read(go[0], &c, 1);
      struct xerr err = {0};
      int rc = nl_bridge_ensure(fx.bridge2, cidr, 0, &err);
      if (rc < 0)
        fprintf(stderr, "child %d: %s\n", i, err.msg);
      _exit(rc < 0 ? 1 : 0);
    }
  }
  close(go[0]);
  close(go[1]); /* both start now */
  for (int i = 0; i < 2; i++) {
    int status;
    assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
  json_t *br = link_json(0, fx.bridge2);
  assert_non_null(br);
  snprintf(cidr, sizeof cidr, "10.%d.%d.129", fx.a, fx.b);
  assert_true(has_inet(br, cidr, 25, NULL));
  json_decref(br);
  struct xerr err = {0};
  assert_int_equal(nl_link_delete(fx.bridge2, &err), 0);
  assert_false(nl_link_exists(fx.bridge2));
}

/* An IPv6 gateway address is usable at once (no duplicate address
 * detection on our own bridge). */
static void test_bridge_ensure_ipv6(void **state) {
  (void)state;
  NEED_ROOT();
  char cidr[80], addr[64];
  snprintf(addr, sizeof addr, "fd00:%x:%x::1", fx.a, fx.b);
  snprintf(cidr, sizeof cidr, "%s/64", addr);
  struct xerr err = {0};
  int rc = nl_bridge_ensure(fx.bridge2, cidr, 0, &err);
  json_t *br = link_json(0, fx.bridge2);
  struct xerr derr;
  nl_link_delete(fx.bridge2, &derr);
  if (rc < 0)
    fail_msg("nl_bridge_ensure(%s, %s): %s", fx.bridge2, cidr, err.msg);
  assert_non_null(br);
  size_t i;
  json_t *ai;
  int found = 0;
  json_array_foreach(json_object_get(br, "addr_info"), i, ai) {
    if (strcmp(str_of(ai, "local"), addr) == 0) {
      found++;
      assert_int_equal(json_integer_value(json_object_get(ai, "prefixlen")), 64);
      assert_null(json_object_get(ai, "tentative"));
    }
  }
  json_decref(br);
  assert_int_equal(found, 1);
}

static void test_bridge_name_clash(void **state) {
  (void)state;
  NEED_ROOT();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "ip link add %s type veth peer name %s", fx.other, fx.other_peer);
  assert_int_equal(system(cmd), 0);
  struct xerr err = {0};
  assert_int_equal(nl_bridge_ensure(fx.other, fx.gw_cidr, 0, &err), -1);
  assert_non_null(strstr(err.msg, fx.other));
  assert_non_null(strstr(err.msg, "not a bridge"));
  json_t *link = link_json(0, fx.other);
  assert_non_null(link);
  assert_string_equal(str_of(json_object_get(link, "linkinfo"), "info_kind"), "veth");
  assert_false(has_inet(link, fx.gw, 24, NULL)); /* untouched */
  json_decref(link);
  assert_int_equal(nl_link_delete(fx.other, &err), 0);
  assert_false(nl_link_exists(fx.other));
  assert_false(nl_link_exists(fx.other_peer));
}

static void check_host_end(void) {
  json_t *link = link_json(0, fx.veth);
  assert_non_null(link);
  assert_string_equal(str_of(link, "master"), fx.bridge);
  assert_true(has_flag(link, "UP"));
  assert_int_equal(json_integer_value(json_object_get(link, "mtu")), 1400);
  json_decref(link);
  char path[128];
  snprintf(path, sizeof path, "/sys/class/net/%s/brport/hairpin_mode", fx.veth);
  assert_true(wait_file(path, "1", 0));
}

static void check_inside(const struct nl_veth *v) {
  pid_t pid = fx.child.pid;
  json_t *eth = link_json(pid, "eth0");
  assert_non_null(eth);
  char brd[32];
  snprintf(brd, sizeof brd, "10.%d.%d.255", fx.a, fx.b);
  assert_true(has_inet(eth, fx.addr, 24, brd));
  assert_string_equal(str_of(eth, "address"), v->mac);
  assert_int_equal(json_integer_value(json_object_get(eth, "mtu")), 1400);
  assert_true(has_flag(eth, "UP"));
  json_decref(eth);
  json_t *lo = link_json(pid, "lo");
  assert_non_null(lo);
  assert_true(has_flag(lo, "UP"));
  json_decref(lo);
  json_t *routes = run_json("nsenter -t %d -n ip -j route show default", (int)pid);
  assert_non_null(routes);
  assert_int_equal(json_array_size(routes), 1);
  json_t *r = json_array_get(routes, 0);
  assert_string_equal(str_of(r, "gateway"), fx.gw);
  assert_string_equal(str_of(r, "dev"), "eth0");
  json_decref(routes);
}

static void test_veth_add(void **state) {
  (void)state;
  NEED_ROOT();
  ensure_bridge();
  struct nl_veth v = container_veth();
  struct xerr err = {0};
  if (nl_veth_add(&v, &err) < 0)
    fail_msg("nl_veth_add: %s", err.msg);
  check_host_end();
  check_inside(&v);

  /* The host reaches the container through the bridge. */
  char path[128];
  snprintf(path, sizeof path, "/sys/class/net/%s/operstate", fx.bridge);
  assert_true(wait_file(path, "up", 3000));
  char cmd[128];
  snprintf(cmd, sizeof cmd, "busybox ping -c1 -W1 %s >/dev/null", fx.addr);
  assert_int_equal(system(cmd), 0);
}

/* A host end left over by a crash is replaced, not an error. */
static void test_veth_add_replaces_leftover(void **state) {
  (void)state;
  NEED_ROOT();
  ensure_bridge();
  struct nl_veth v = container_veth();
  struct xerr err = {0};
  if (!nl_link_exists(fx.veth) && nl_veth_add(&v, &err) < 0)
    fail_msg("first nl_veth_add: %s", err.msg);
  if (nl_veth_add(&v, &err) < 0)
    fail_msg("nl_veth_add over a leftover: %s", err.msg);
  check_host_end();
  check_inside(&v);
}

static void test_veth_bad_pid(void **state) {
  (void)state;
  NEED_ROOT();
  ensure_bridge();
  struct nl_veth v = container_veth();
  v.host_name = fx.veth2;
  v.netns_pid = INT_MAX;
  struct xerr err = {0};
  assert_int_equal(nl_veth_add(&v, &err), -1);
  assert_non_null(strstr(err.msg, fx.veth2));
  assert_non_null(strstr(err.msg, "netns of pid 2147483647"));
  assert_non_null(strstr(err.msg, "No such file or directory"));
  assert_false(nl_link_exists(fx.veth2));
}

static void test_veth_missing_bridge(void **state) {
  (void)state;
  NEED_ROOT();
  struct nl_veth v = container_veth();
  v.host_name = fx.veth2;
  v.bridge = fx.bridge2; /* deleted by its own test, or never made */
  struct xerr err = {0};
  assert_int_equal(nl_veth_add(&v, &err), -1);
  assert_non_null(strstr(err.msg, fx.bridge2));
  assert_false(nl_link_exists(fx.veth2));
}

/* A failure after the pair exists (here the default route: its gateway is
 * outside the subnet, so the kernel refuses it and nothing is sent)
 * deletes the pair on both sides. */
static void test_veth_failure_removes_pair(void **state) {
  (void)state;
  NEED_ROOT();
  ensure_bridge();
  char gw[32];
  snprintf(gw, sizeof gw, "10.%d.%d.1", fx.a, fx.b ^ 1);
  struct nl_veth v = container_veth();
  v.host_name = fx.veth2;
  v.ifname = "eth9";
  v.gateway = gw;
  struct xerr err = {0};
  assert_int_equal(nl_veth_add(&v, &err), -1);
  assert_non_null(strstr(err.msg, "default route"));
  assert_non_null(strstr(err.msg, gw));
  assert_false(nl_link_exists(fx.veth2));
  json_t *links = run_json("nsenter -t %d -n ip -j link show", (int)fx.child.pid);
  assert_non_null(links);
  size_t i;
  json_t *l;
  json_array_foreach(links, i, l) { assert_string_not_equal(str_of(l, "ifname"), "eth9"); }
  json_decref(links);
}

static void test_netns_lo_up(void **state) {
  (void)state;
  NEED_ROOT();
  struct netns_child ch = {-1, -1};
  assert_int_equal(spawn_netns_child(&ch), 0);
  json_t *lo = link_json(ch.pid, "lo");
  bool was_up = lo && has_flag(lo, "UP");
  json_decref(lo);
  struct xerr err = {0};
  int rc = nl_netns_lo_up(ch.pid, &err);
  lo = link_json(ch.pid, "lo");
  bool is_up = lo && has_flag(lo, "UP");
  json_decref(lo);
  stop_netns_child(&ch);
  if (rc < 0)
    fail_msg("nl_netns_lo_up: %s", err.msg);
  assert_false(was_up);
  assert_true(is_up);
  assert_int_equal(nl_netns_lo_up(INT_MAX, &err), -1);
  assert_non_null(strstr(err.msg, "netns of pid 2147483647"));
}

static void test_link_delete_missing(void **state) {
  (void)state;
  NEED_ROOT();
  struct xerr err = {0};
  assert_false(nl_link_exists(fx.veth2));
  assert_int_equal(nl_link_delete(fx.veth2, &err), 0);
}

static void test_bad_input(void **state) {
  (void)state;
  struct xerr err = {0};
  assert_int_equal(nl_bridge_ensure("xtn-name-far-too-long", NULL, 0, &err), -1);
  assert_non_null(strstr(err.msg, "invalid interface name"));
  assert_int_equal(nl_bridge_ensure(fx.bridge2, "10.1.2.3", 0, &err), -1);
  assert_non_null(strstr(err.msg, "10.1.2.3"));
  assert_int_equal(nl_bridge_ensure(fx.bridge2, "10.1.2.3/33", 0, &err), -1);
  assert_non_null(strstr(err.msg, "prefix"));
  assert_false(nl_link_exists(fx.bridge2));
  struct nl_veth v = container_veth();
  v.host_name = fx.veth2;
  v.netns_pid = getpid(); /* valid, so the MAC is what fails */
  v.mac = "02:42:zz:00:00:01";
  assert_int_equal(nl_veth_add(&v, &err), -1);
  assert_non_null(strstr(err.msg, "invalid MAC address 02:42:zz:00:00:01"));
  v = container_veth();
  v.host_name = fx.veth2;
  v.netns_pid = getpid();
  v.gateway = "fd00::1";
  assert_int_equal(nl_veth_add(&v, &err), -1);
  assert_non_null(strstr(err.msg, "family"));
  assert_false(nl_link_exists(fx.veth2));
  assert_false(nl_link_exists(NULL));
  assert_false(nl_link_exists(""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_bridge_ensure),
      cmocka_unit_test(test_bridge_ensure_concurrent),
      cmocka_unit_test(test_bridge_ensure_ipv6),
      cmocka_unit_test(test_bridge_name_clash),
      cmocka_unit_test(test_veth_add),
      cmocka_unit_test(test_veth_add_replaces_leftover),
      cmocka_unit_test(test_veth_bad_pid),
      cmocka_unit_test(test_veth_missing_bridge),
      cmocka_unit_test(test_veth_failure_removes_pair),
      cmocka_unit_test(test_netns_lo_up),
      cmocka_unit_test(test_link_delete_missing),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
