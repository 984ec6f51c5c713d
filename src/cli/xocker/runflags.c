/* The flags of `run` and `create`, as Docker's CLI takes them, into
 * Docker's Config and HostConfig (engine/container.h). The limits and
 * confinement flags go to engine/hostconfig.h, the mount flags to
 * engine/mounts.h; the rest are handled here. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"
#include "engine/hostconfig.h"
#include "engine/mounts.h"
#include "engine/netsetup.h"
#include "network/ipam.h"
#include "runflags.h"
#include "runtime/names.h"

enum { ARG_NONE = no_argument, ARG_REQ = required_argument, ARG_BOOL = optional_argument };

struct flag {
  const char *name;
  int has_arg;
  char short_name;
};

/* Every flag of run/create. Booleans take an optional "=false". */
static const struct flag FLAGS[] = {
    {"detach", ARG_BOOL, 'd'}, {"interactive", ARG_BOOL, 'i'}, {"tty", ARG_BOOL, 't'},
    {"name", ARG_REQ, 0}, {"rm", ARG_BOOL, 0}, {"env", ARG_REQ, 'e'}, {"env-file", ARG_REQ, 0},
    {"workdir", ARG_REQ, 'w'}, {"user", ARG_REQ, 'u'}, {"entrypoint", ARG_REQ, 0},
    {"hostname", ARG_REQ, 'h'}, {"domainname", ARG_REQ, 0}, {"restart", ARG_REQ, 0},
    {"label", ARG_REQ, 'l'}, {"label-file", ARG_REQ, 0}, {"stop-signal", ARG_REQ, 0},
    {"stop-timeout", ARG_REQ, 0}, {"log-driver", ARG_REQ, 0}, {"log-opt", ARG_REQ, 0},
    {"cidfile", ARG_REQ, 0}, {"pull", ARG_REQ, 0}, {"network", ARG_REQ, 0}, {"net", ARG_REQ, 0},
    {"add-host", ARG_REQ, 0}, {"dns", ARG_REQ, 0}, {"dns-search", ARG_REQ, 0},
    {"dns-option", ARG_REQ, 0}, {"attach", ARG_REQ, 'a'}, {"sig-proxy", ARG_BOOL, 0},
    {"detach-keys", ARG_REQ, 0}, {"platform", ARG_REQ, 0}, {"publish", ARG_REQ, 'p'},
    {"publish-all", ARG_BOOL, 'P'}, {"expose", ARG_REQ, 0}, {"ip", ARG_REQ, 0},
    {"mac-address", ARG_REQ, 0}, {"network-alias", ARG_REQ, 0}, {"pod", ARG_REQ, 0},
    {"help", ARG_NONE, 0}, {"quiet", ARG_BOOL, 'q'},
    /* engine/hostconfig.h */
    {"memory", ARG_REQ, 'm'}, {"memory-swap", ARG_REQ, 0}, {"memory-reservation", ARG_REQ, 0},
    {"memory-swappiness", ARG_REQ, 0}, {"oom-kill-disable", ARG_BOOL, 0},
    {"oom-score-adj", ARG_REQ, 0}, {"cpu-shares", ARG_REQ, 'c'}, {"cpus", ARG_REQ, 0},
    {"cpu-period", ARG_REQ, 0}, {"cpu-quota", ARG_REQ, 0}, {"cpuset-cpus", ARG_REQ, 0},
    {"cpuset-mems", ARG_REQ, 0}, {"pids-limit", ARG_REQ, 0}, {"blkio-weight", ARG_REQ, 0},
    {"blkio-weight-device", ARG_REQ, 0}, {"device-read-bps", ARG_REQ, 0},
    {"device-write-bps", ARG_REQ, 0}, {"device-read-iops", ARG_REQ, 0},
    {"device-write-iops", ARG_REQ, 0}, {"device", ARG_REQ, 0}, {"device-cgroup-rule", ARG_REQ, 0},
    {"cap-add", ARG_REQ, 0}, {"cap-drop", ARG_REQ, 0}, {"privileged", ARG_BOOL, 0},
    {"read-only", ARG_BOOL, 0}, {"security-opt", ARG_REQ, 0}, {"ulimit", ARG_REQ, 0},
    {"init", ARG_BOOL, 0}, {"shm-size", ARG_REQ, 0}, {"ipc", ARG_REQ, 0}, {"pid", ARG_REQ, 0},
    {"uts", ARG_REQ, 0}, {"userns", ARG_REQ, 0}, {"sysctl", ARG_REQ, 0}, {"cgroupns", ARG_REQ, 0},
    {"cgroup-parent", ARG_REQ, 0}, {"group-add", ARG_REQ, 0},
    /* engine/mounts.h */
    {"volume", ARG_REQ, 'v'}, {"mount", ARG_REQ, 0}, {"tmpfs", ARG_REQ, 0},
    {"volumes-from", ARG_REQ, 0},
};
#define NFLAGS (sizeof FLAGS / sizeof FLAGS[0])
#define FLAG_BASE 1000

static bool bool_value(const char *v) { return !v || strcmp(v, "false") != 0; }

static void append(json_t *obj, const char *key, json_t *value) {
  json_t *arr = json_object_get(obj, key);
  if (!json_is_array(arr)) {
    arr = json_array();
    json_object_set_new(obj, key, arr);
  }
  json_array_append_new(arr, value);
}

/* -e KEY=VALUE, or -e KEY: the caller's value, left out when unset. */
static void add_env(json_t *cfg, const char *kv) {
  if (strchr(kv, '=')) {
    append(cfg, "Env", json_string(kv));
    return;
  }
  const char *v = getenv(kv);
  if (v) {
    char *line;
    if (asprintf(&line, "%s=%s", kv, v) > 0) {
      append(cfg, "Env", json_string(line));
      free(line);
    }
  }
}

static int read_lines(const char *path, json_t *cfg, bool env, struct xerr *err) {
  FILE *f = fopen(path, "re");
  if (!f)
    return xerr_make(err, errno, "open %s", path);
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (isspace((unsigned char)*p))
      p++;
    if (!*p || *p == '#')
      continue;
    if (env) {
      add_env(cfg, p);
    } else {
      char *eq = strchr(p, '=');
      if (eq)
        *eq = '\0';
      json_object_set_new(json_object_get(cfg, "Labels"), p, json_string(eq ? eq + 1 : ""));
    }
  }
  fclose(f);
  return 0;
}

static int parse_restart(json_t *hc, const char *v, struct xerr *err) {
  char name[32];
  long max = 0;
  const char *colon = strchr(v, ':');
  snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
  if (colon) {
    char *end;
    max = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || max < 0)
      return xerr_set(err, EINVAL, "invalid restart policy format: maximum retry count must be an integer");
  }
  if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "on-failure") &&
      strcmp(name, "unless-stopped"))
    return xerr_set(err, EINVAL, "invalid restart policy %s", name);
  if (colon && strcmp(name, "on-failure") != 0)
    return xerr_set(err, EINVAL, "maximum retry count cannot be used with restart policy '%s'",
                    name);
  json_object_set_new(hc, "RestartPolicy",
                      json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", (int)max));
  return 0;
}

static int parse_log_opt(json_t *hc, const char *v, struct xerr *err) {
  const char *eq = strchr(v, '=');
  if (!eq)
    return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"--log-opt\" flag: invalid key value pair format", v);
  char key[64];
  snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
  if (strcmp(key, "max-size") && strcmp(key, "max-file") && strcmp(key, "compress") &&
      strcmp(key, "labels") && strcmp(key, "env") && strcmp(key, "tag"))
    return xerr_set(err, EINVAL, "unknown log opt '%s' for json-file log driver", key);
  json_object_set_new(json_object_get(json_object_get(hc, "LogConfig"), "Config"), key,
                      json_string(eq + 1));
  return 0;
}

/* The flags this file handles; 1 when name is not one of them. */
static json_t *object_member(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_object(v)) {
    v = json_object();
    json_object_set_new(obj, key, v);
  }
  return v;
}

static json_t *exposed_ports(json_t *cfg) { return object_member(cfg, "ExposedPorts"); }
static json_t *port_bindings(json_t *hc) { return object_member(hc, "PortBindings"); }

/* --expose 80, 80/udp, 8000-8010: Config.ExposedPorts only. */
static int parse_expose(json_t *cfg, const char *v, struct xerr *err) {
  unsigned lo, hi;
  char proto[8] = "tcp";
  int n = sscanf(v, "%u-%u/%7s", &lo, &hi, proto);
  if (n < 2) {
    hi = 0;
    n = sscanf(v, "%u/%7s", &lo, proto);
    hi = lo;
  }
  if (n < 1 || lo < 1 || hi > 65535 || hi < lo ||
      (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
    return xerr_set(err, EINVAL, "invalid range format for --expose: %s", v);
  for (unsigned p = lo; p <= hi; p++) {
    char key[32];
    snprintf(key, sizeof key, "%u/%s", p, proto);
    json_object_set_new(exposed_ports(cfg), key, json_object());
  }
  return 0;
}

static int core_flag(struct run_request *r, const char *name, const char *v, struct xerr *err) {
  json_t *cfg = r->config, *hc = r->host_config;
  if (!strcmp(name, "detach")) r->detach = bool_value(v);
  else if (!strcmp(name, "interactive")) json_object_set_new(cfg, "OpenStdin", json_boolean(bool_value(v)));
  else if (!strcmp(name, "tty")) json_object_set_new(cfg, "Tty", json_boolean(bool_value(v)));
  else if (!strcmp(name, "name")) r->name = v;
  else if (!strcmp(name, "rm")) json_object_set_new(hc, "AutoRemove", json_boolean(bool_value(v)));
  else if (!strcmp(name, "env")) add_env(cfg, v);
  else if (!strcmp(name, "env-file")) return read_lines(v, cfg, true, err);
  else if (!strcmp(name, "workdir")) json_object_set_new(cfg, "WorkingDir", json_string(v));
  else if (!strcmp(name, "user")) json_object_set_new(cfg, "User", json_string(v));
  else if (!strcmp(name, "entrypoint"))
    json_object_set_new(cfg, "Entrypoint", *v ? json_pack("[s]", v) : json_array());
  else if (!strcmp(name, "hostname")) json_object_set_new(cfg, "Hostname", json_string(v));
  else if (!strcmp(name, "domainname")) json_object_set_new(cfg, "Domainname", json_string(v));
  else if (!strcmp(name, "restart")) return parse_restart(hc, v, err);
  else if (!strcmp(name, "label")) {
    const char *eq = strchr(v, '=');
    char key[1024];
    snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - v) : (int)strlen(v), v);
    json_object_set_new(json_object_get(cfg, "Labels"), key, json_string(eq ? eq + 1 : ""));
  } else if (!strcmp(name, "label-file")) return read_lines(v, cfg, false, err);
  else if (!strcmp(name, "stop-signal")) {
    int sig;
    if (signal_parse(v, &sig, err) < 0)
      return xerr_set(err, EINVAL, "Invalid signal: %s", v);
    json_object_set_new(cfg, "StopSignal", json_string(v));
  } else if (!strcmp(name, "stop-timeout")) {
    char *end;
    long t = strtol(v, &end, 10);
    if (*end || !*v)
      return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"--stop-timeout\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax", v, v);
    json_object_set_new(cfg, "StopTimeout", json_integer(t));
  } else if (!strcmp(name, "log-driver")) {
    if (strcmp(v, "json-file") && strcmp(v, "none"))
      return xerr_set(err, EINVAL, "logger: no log driver named '%s' is registered", v);
    json_object_set_new(json_object_get(hc, "LogConfig"), "Type", json_string(v));
  } else if (!strcmp(name, "log-opt")) return parse_log_opt(hc, v, err);
  else if (!strcmp(name, "cidfile")) r->cidfile = v;
  else if (!strcmp(name, "pull")) {
    if (strcmp(v, "missing") && strcmp(v, "always") && strcmp(v, "never"))
      return xerr_set(err, EINVAL, "invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"", v);
    r->pull = v;
  } else if (!strcmp(name, "network") || !strcmp(name, "net")) {
    json_object_set_new(hc, "NetworkMode", json_string(v));
  } else if (!strcmp(name, "add-host")) {
    if (!strchr(v, ':'))
      return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: bad format for add-host: \"%s\"", v, v);
    append(hc, "ExtraHosts", json_string(v));
  } else if (!strcmp(name, "dns")) append(hc, "Dns", json_string(v));
  else if (!strcmp(name, "dns-search")) append(hc, "DnsSearch", json_string(v));
  else if (!strcmp(name, "dns-option")) append(hc, "DnsOptions", json_string(v));
  else if (!strcmp(name, "attach")) {
    if (strcasecmp(v, "stdin") && strcasecmp(v, "stdout") && strcasecmp(v, "stderr"))
      return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", v);
    r->attach_given = true;
    if (!strcasecmp(v, "stdin")) r->attach_stdin = true;
    if (!strcasecmp(v, "stdout")) r->attach_stdout = true;
    if (!strcasecmp(v, "stderr")) r->attach_stderr = true;
  } else if (!strcmp(name, "sig-proxy")) r->sig_proxy = bool_value(v);
  else if (!strcmp(name, "detach-keys")) r->detach_keys = v;
  else if (!strcmp(name, "platform") || !strcmp(name, "quiet")) {
    if (!strcmp(name, "quiet")) r->quiet = bool_value(v);
  } else if (!strcmp(name, "publish")) {
    return netports_parse(v, exposed_ports(r->config), port_bindings(hc), err);
  } else if (!strcmp(name, "publish-all")) {
    json_object_set_new(hc, "PublishAllPorts", json_boolean(bool_value(v)));
  } else if (!strcmp(name, "expose")) {
    return parse_expose(r->config, v, err);
  } else if (!strcmp(name, "ip")) {
    uint32_t addr;
    if (ipam_parse_addr(v, &addr, err) < 0)
      return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"--ip\" flag: invalid IP address", v);
    r->ip = v;
  } else if (!strcmp(name, "mac-address")) {
    unsigned b[6];
    char extra;
    if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
      return xerr_set(err, EINVAL, "%s is not a valid mac address", v);
    json_object_set_new(r->config, "MacAddress", json_string(v));
  } else if (!strcmp(name, "network-alias")) {
    if (!r->aliases)
      r->aliases = json_array();
    json_array_append_new(r->aliases, json_string(v));
  } else if (!strcmp(name, "pod")) {
    r->pod = v;
  } else return 1;
  return 0;
}

static int apply_flag(struct run_request *r, const struct flag *f, const char *v,
                      struct xerr *err) {
  if (f->has_arg == ARG_BOOL) {
    if (v && strcmp(v, "true") && strcmp(v, "false"))
      return xerr_set(err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax", v, f->name, v);
    if (!v)
      v = "true";
  }
  int c = core_flag(r, f->name, v, err);
  if (c <= 0)
    return c;
  if (hostconfig_has_flag(f->name))
    return hostconfig_set_flag(r->host_config, f->name, v, err);
  if (mounts_has_flag(f->name))
    return mounts_set_flag(r->host_config, f->name, v, err);
  return xerr_set(err, ENOTSUP, "--%s is not supported yet", f->name);
}

void run_request_init(struct run_request *r) {
  *r = (struct run_request){.sig_proxy = true, .pull = "missing"};
  r->config = json_pack("{s:b, s:b, s:{}}", "Tty", 0, "OpenStdin", 0, "Labels");
  r->host_config = hostconfig_new();
  json_object_set_new(r->host_config, "RestartPolicy",
                      json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
  json_object_set_new(r->host_config, "AutoRemove", json_false());
  json_object_set_new(r->host_config, "LogConfig",
                      json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
  json_object_set_new(r->host_config, "NetworkMode", json_string("default"));
}

void run_request_clear(struct run_request *r) {
  json_decref(r->aliases);
  json_decref(r->networking);
  json_decref(r->config);
  json_decref(r->host_config);
}

static void usage(const char *cmd) {
  printf("\nUsage:  xocker %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n%s\n\nOptions:\n", cmd,
         strcmp(cmd, "run") == 0 ? "Run a command in a new container" : "Create a new container");
  for (size_t i = 0; i < NFLAGS; i++) {
    if (FLAGS[i].short_name)
      printf("  -%c, --%s\n", FLAGS[i].short_name, FLAGS[i].name);
    else
      printf("      --%s\n", FLAGS[i].name);
  }
}

int run_flags_parse(int argc, char **argv, struct run_request *r) {
  static struct option longopts[NFLAGS + 1];
  char shortopts[128] = "+";
  size_t ns = 1;
  for (size_t i = 0; i < NFLAGS; i++) {
    longopts[i] = (struct option){FLAGS[i].name, FLAGS[i].has_arg, NULL, (int)(FLAG_BASE + i)};
    if (FLAGS[i].short_name && strcmp(FLAGS[i].name, "help")) {
      shortopts[ns++] = FLAGS[i].short_name;
      if (FLAGS[i].has_arg == ARG_REQ)
        shortopts[ns++] = ':';
    }
  }
  shortopts[ns] = '\0';
  int c;
  while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
    const struct flag *f = NULL;
    if (c >= FLAG_BASE && c < FLAG_BASE + (int)NFLAGS) {
      f = &FLAGS[c - FLAG_BASE];
    } else {
      for (size_t i = 0; i < NFLAGS && !f; i++)
        if (FLAGS[i].short_name == c && strcmp(FLAGS[i].name, "help"))
          f = &FLAGS[i];
    }
    if (!f)
      return 125;
    if (!strcmp(f->name, "help")) {
      usage(argv[0]);
      return 0;
    }
    /* A short boolean (-d, -i, -t) takes no value. */
    const char *v = f->has_arg == ARG_BOOL && c < FLAG_BASE ? NULL : optarg;
    struct xerr err = {0};
    if (apply_flag(r, f, v, &err) < 0) {
      fprintf(stderr, "%s\nSee 'xocker %s --help'.\n", err.msg, argv[0]);
      return 125;
    }
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  r->image = argv[optind];
  if (r->ip || r->aliases) {
    /* Docker's NetworkingConfig: the endpoint settings of the run's network. */
    const char *net = json_string_value(json_object_get(r->host_config, "NetworkMode"));
    json_t *ec = json_object();
    if (r->ip)
      json_object_set_new(ec, "IPAMConfig", json_pack("{s:s}", "IPv4Address", r->ip));
    if (r->aliases)
      json_object_set(ec, "Aliases", r->aliases);
    r->networking = json_pack("{s:{s:o}}", "EndpointsConfig", net ? net : "default", ec);
  }
  if (argc - optind > 1) {
    json_t *cmd = json_array();
    for (int i = optind + 1; i < argc; i++)
      json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(r->config, "Cmd", cmd);
  }
  return -1;
}
