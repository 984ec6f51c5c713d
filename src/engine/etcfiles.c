/* /etc/hostname, /etc/hosts and /etc/resolv.conf of a container. */
#include "engine/etcfiles.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xerr.h"

static int write_file(const char *dir, const char *name, const char *text, char *path,
                      size_t len, struct xerr *err) {
  snprintf(path, len, "%s/%s", dir, name);
  FILE *f = fopen(path, "we");
  if (!f)
    return xerr_make(err, errno, "create %s", path);
  fputs(text, f);
  if (fclose(f) != 0)
    return xerr_make(err, errno, "write %s", path);
  return 0;
}

static void add_bind(json_t *spec, const char *source, const char *dest, bool read_only) {
  json_t *m = json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", dest, "type", "bind",
                        "source", source, "options", "rbind", "rprivate", "nosuid",
                        read_only ? "ro" : "rw");
  json_array_append_new(json_object_get(spec, "mounts"), m);
}

const char *etcfiles_host_resolv_conf(void) {
  const char *p = getenv("XOCKER_RESOLV_CONF");
  return p && *p ? p : "/etc/resolv.conf";
}

/* Docker's hosts file for a container without a network of its own, plus
 * --add-host entries (HostConfig.ExtraHosts "name:ip"). */
static void hosts_text(json_t *hc, const char *hostname, const char *address, char *buf,
                       size_t len) {
  size_t n = (size_t)snprintf(buf, len,
                              "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                              "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
                              "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(hc, "ExtraHosts"), i, e) {
    const char *entry = json_string_value(e);
    const char *colon = entry ? strchr(entry, ':') : NULL;
    if (colon && n < len)
      n += (size_t)snprintf(buf + n, len - n, "%s\t%.*s\n", colon + 1, (int)(colon - entry), entry);
  }
  if (address && *address && n < len)
    snprintf(buf + n, len - n, "%s\t%s\n", address, hostname ? hostname : "localhost");
}

/* The host's resolv.conf without loopback servers (they mean nothing in
 * the container's own network), or --dns/--dns-search/--dns-option; on a
 * user network the nameserver is the network's own (its gateway), and the
 * host's search and options lines stay. */
static void resolv_text(json_t *hc, const char *nameserver, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = '\0';
  json_t *dns = json_object_get(hc, "Dns"), *search = json_object_get(hc, "DnsSearch"),
         *opts = json_object_get(hc, "DnsOptions");
  size_t i;
  json_t *e;
  bool custom = json_array_size(dns) || json_array_size(search) || json_array_size(opts);
  if (!custom) {
    FILE *f = fopen(etcfiles_host_resolv_conf(), "re");
    char line[512];
    if (nameserver && *nameserver)
      n += (size_t)snprintf(buf, len, "nameserver %s\n", nameserver);
    while (f && fgets(line, sizeof line, f)) {
      if (strncmp(line, "nameserver", 10) == 0 &&
          (strstr(line, " 127.") || strstr(line, " ::1") || (nameserver && *nameserver)))
        continue;
      if (n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s", line);
    }
    if (f)
      fclose(f);
    return;
  }
  json_array_foreach(dns, i, e) if (n < len) n +=
      (size_t)snprintf(buf + n, len - n, "nameserver %s\n", json_string_value(e));
  if (json_array_size(search) && n < len) {
    n += (size_t)snprintf(buf + n, len - n, "search");
    json_array_foreach(search, i, e) if (n < len) n +=
        (size_t)snprintf(buf + n, len - n, " %s", json_string_value(e));
    if (n < len)
      n += (size_t)snprintf(buf + n, len - n, "\n");
  }
  if (json_array_size(opts) && n < len) {
    n += (size_t)snprintf(buf + n, len - n, "options");
    json_array_foreach(opts, i, e) if (n < len) n +=
        (size_t)snprintf(buf + n, len - n, " %s", json_string_value(e));
    if (n < len)
      snprintf(buf + n, len - n, "\n");
  }
}

int etcfiles_setup(const char *dir, json_t *cfg, json_t *hc, const struct net_etc *net,
                   json_t *spec, struct xerr *err) {
  char path[4200], text[16384];
  const char *hostname = json_string_value(json_object_get(cfg, "Hostname"));
  if (net->share_dir[0]) {
    /* Another container's network: its names and resolver, as Docker. */
    static const char *const files[] = {"hostname", "hosts", "resolv.conf"};
    for (int i = 0; i < 3; i++) {
      snprintf(path, sizeof path, "%s/%s", net->share_dir, files[i]);
      snprintf(text, sizeof text, "/etc/%s", files[i]);
      add_bind(spec, path, text, false);
    }
    return 0;
  }
  snprintf(text, sizeof text, "%s\n", hostname ? hostname : "localhost");
  if (write_file(dir, "hostname", text, path, sizeof path, err) < 0)
    return -1;
  add_bind(spec, path, "/etc/hostname", false);
  if (net->host) {
    add_bind(spec, "/etc/hosts", "/etc/hosts", true);
  } else {
    hosts_text(hc, hostname, net->address, text, sizeof text);
    if (write_file(dir, "hosts", text, path, sizeof path, err) < 0)
      return -1;
    add_bind(spec, path, "/etc/hosts", false);
  }
  resolv_text(hc, net->nameserver, text, sizeof text);
  if (write_file(dir, "resolv.conf", text, path, sizeof path, err) < 0)
    return -1;
  add_bind(spec, path, "/etc/resolv.conf", false);
  return 0;
}
