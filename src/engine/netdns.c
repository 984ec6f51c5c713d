/* Name resolution on user-defined networks: one dnsmasq per network,
 * listening on the network's gateway address, answering the names, aliases
 * and short ids of the containers that are up on that network (a hosts file
 * we rewrite and signal it to re-read) and forwarding other names to the
 * host's resolvers (XOCKER_RESOLV_CONF or /etc/resolv.conf; with no
 * nameserver there, nothing is forwarded).  The default bridge has none,
 * as in Docker.  Files: RUNROOT/networks/<id>/{hosts,dnsmasq.pid,dnsmasq.log}. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/proc.h"
#include "common/xerr.h"
#include "engine/etcfiles.h"
#include "engine/network.h"
#include "engine/netsetup.h"
#include "engine/netsetup_internal.h"
#include "image/store.h"

static void dns_dir(struct xstore *s, const struct network *n, char *buf, size_t len) {
  snprintf(buf, len, "%s/networks/%s", s->runroot, n->id);
}

/* The dnsmasq serving this directory, or 0: the pid file's process must
 * still be a dnsmasq started with our hosts file. */
static pid_t running_pid(const char *dir) {
  char path[4200], cmdline[8192];
  snprintf(path, sizeof path, "%s/dnsmasq.pid", dir);
  FILE *f = fopen(path, "re");
  int pid = 0;
  if (!f)
    return 0;
  if (fscanf(f, "%d", &pid) != 1)
    pid = 0;
  fclose(f);
  if (pid <= 1)
    return 0;
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t got = read(fd, cmdline, sizeof cmdline - 1);
  close(fd);
  if (got <= 0)
    return 0;
  for (ssize_t i = 0; i < got; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  cmdline[got] = '\0';
  return strstr(cmdline, dir) ? (pid_t)pid : 0;
}

static int append_endpoint_line(struct xstore *s, const struct endpoint *e, FILE *out) {
  char name[300];
  netsetup_container_name(s, e->container_id, name, sizeof name);
  fprintf(out, "%s\t%s %.12s", e->address, name, e->container_id);
  size_t i;
  json_t *a;
  json_array_foreach(e->aliases, i, a) {
    const char *alias = json_string_value(a);
    if (alias && strcmp(alias, name) != 0 && strspn(alias, " \t\n#") == 0 &&
        !strpbrk(alias, " \t\n#"))
      fprintf(out, " %s", alias);
  }
  fputc('\n', out);
  return 0;
}

/* The hosts file of the endpoints that are up; *count of them. */
static int write_hosts(struct xstore *s, const struct network *n, const char *dir, size_t *count,
                       struct xerr *err) {
  struct endpoint *eps = NULL;
  size_t neps = 0;
  if (network_endpoints(s, n->id, NULL, &eps, &neps, err) < 0)
    return -1;
  cleanup_free char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  *count = 0;
  for (size_t i = 0; out && i < neps; i++) {
    if (!eps[i].up)
      continue;
    append_endpoint_line(s, &eps[i], out);
    (*count)++;
  }
  network_endpoints_free(eps, neps);
  if (!out || fclose(out) != 0)
    return xerr_make(err, ENOMEM, "network %s: DNS hosts", n->name);
  char path[4200];
  snprintf(path, sizeof path, "%s/hosts", dir);
  return write_file_atomic(path, text, len, 0644, err);
}

static int start_dnsmasq(const struct network *n, const char *dir, struct xerr *err) {
  char pidfile[4200], hosts[4200], logf[4200], listen[64], resolv[4200];
  snprintf(pidfile, sizeof pidfile, "--pid-file=%s/dnsmasq.pid", dir);
  snprintf(hosts, sizeof hosts, "--addn-hosts=%s/hosts", dir);
  snprintf(logf, sizeof logf, "--log-facility=%s/dnsmasq.log", dir);
  snprintf(listen, sizeof listen, "--listen-address=%s", n->gateway);
  snprintf(resolv, sizeof resolv, "--resolv-file=%s", etcfiles_host_resolv_conf());
  char *const argv[] = {"dnsmasq", "--conf-file=/dev/null", pidfile, hosts, logf, listen, resolv,
                        "--bind-interfaces", "--no-hosts", "--user=root", "--group=root",
                        "--local-ttl=0", "--no-negcache", "--except-interface=lo", NULL};
  pid_t pid = fork();
  if (pid < 0)
    return xerr_make(err, errno, "network %s: start dnsmasq", n->name);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    execvp("dnsmasq", argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* dnsmasq forks into the background once it listens; its first process
   * exits 0 then, or with its reason (port in use, bad address). */
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return xerr_set(err, EIO, "network %s: dnsmasq on %s:53 failed (status %d, see %s/dnsmasq.log)",
                    n->name, n->gateway, WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir);
  return 0;
}

void netdns_stop(struct xstore *s, const struct network *n) {
  char dir[4096];
  dns_dir(s, n, dir, sizeof dir);
  pid_t pid = running_pid(dir);
  if (pid > 1)
    kill(pid, SIGTERM);
  struct xerr ignored = {0};
  remove_tree(dir, &ignored);
}

int netdns_update(struct xstore *s, const struct network *n, struct xerr *err) {
  if (network_is_default(n))
    return 0;
  char dir[4096];
  dns_dir(s, n, dir, sizeof dir);
  if (mkdir_p(dir, 0755, err) < 0)
    return -1;
  size_t count = 0;
  if (write_hosts(s, n, dir, &count, err) < 0)
    return -1;
  if (count == 0) {
    netdns_stop(s, n);
    return 0;
  }
  pid_t pid = running_pid(dir);
  if (pid > 1 && kill(pid, SIGHUP) == 0)
    return 0;
  return start_dnsmasq(n, dir, err);
}
