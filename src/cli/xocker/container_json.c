/* A container as `docker inspect` shows it, and as a row of `docker ps`
 * (the fields its --format templates name). */
#include "container_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"

static void unix_to_rfc3339(int64_t t, char *buf, size_t len) {
  struct tm tm;
  time_t tt = (time_t)t;
  gmtime_r(&tt, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000000000Z", &tm);
}

static json_t *state_json(const struct cstate *st) {
  bool running = cstate_running(st);
  return json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", st->status,
                   "Running", running, "Paused", strcmp(st->status, "paused") == 0, "Restarting",
                   strcmp(st->status, "restarting") == 0, "OOMKilled", st->oom_killed, "Dead",
                   strcmp(st->status, "dead") == 0, "Pid", running ? (int)st->pid : 0, "ExitCode",
                   st->exit_code, "Error", st->error, "StartedAt", st->started_at, "FinishedAt",
                   st->finished_at);
}

static json_t *graph_driver(struct xstore *s, const struct container_record *c) {
  char dir[4096], path[4200];
  engine_container_dir(s, c->id, dir, sizeof dir);
  json_t *data = json_object();
  const char *keys[][2] = {{"MergedDir", "merged"}, {"UpperDir", "diff"}, {"WorkDir", "work"}};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, keys[i][1]);
    json_object_set_new(data, keys[i][0], json_string(path));
  }
  return json_pack("{s:o, s:s}", "Data", data, "Name", c->driver);
}

json_t *container_inspect_json(struct xstore *s, const struct container_record *c,
                               const struct cstate *st) {
  json_t *rec = engine_record_config(c);
  char created[64], dir[4096], path[4300];
  unix_to_rfc3339(c->created, created, sizeof created);
  engine_container_dir(s, c->id, dir, sizeof dir);
  json_t *doc = json_object();
  json_object_set_new(doc, "Id", json_string(c->id));
  json_object_set_new(doc, "Created", json_string(created));
  json_object_set_new(doc, "Path", json_or(json_object_get(rec, "Path"), json_string("")));
  json_object_set_new(doc, "Args", json_or(json_object_get(rec, "Args"), json_array()));
  json_object_set_new(doc, "State", state_json(st));
  json_object_set_new(doc, "Image", json_string(c->image_id));
  snprintf(path, sizeof path, "%s/resolv.conf", dir);
  json_object_set_new(doc, "ResolvConfPath", json_string(path));
  snprintf(path, sizeof path, "%s/hostname", dir);
  json_object_set_new(doc, "HostnamePath", json_string(path));
  snprintf(path, sizeof path, "%s/hosts", dir);
  json_object_set_new(doc, "HostsPath", json_string(path));
  snprintf(path, sizeof path, "%s/%s-json.log", dir, c->id);
  json_object_set_new(doc, "LogPath", json_string(path));
  char name[CONTAINER_NAME_MAX + 2];
  snprintf(name, sizeof name, "/%s", c->name);
  json_object_set_new(doc, "Name", json_string(name));
  json_object_set_new(doc, "RestartCount", json_integer(st->restart_count));
  json_object_set_new(doc, "Driver", json_string(c->driver));
  json_object_set_new(doc, "Platform", json_string("linux"));
  json_object_set_new(doc, "MountLabel", json_string(""));
  json_object_set_new(doc, "ProcessLabel", json_string(""));
  json_object_set_new(doc, "AppArmorProfile", json_string(""));
  json_object_set_new(doc, "ExecIDs", json_null());
  json_object_set(doc, "HostConfig", json_object_get(rec, "HostConfig"));
  json_object_set_new(doc, "GraphDriver", graph_driver(s, c));
  json_object_set_new(doc, "Mounts", json_or(json_object_get(rec, "Mounts"), json_array()));
  json_object_set(doc, "Config", json_object_get(rec, "Config"));
  json_t *net = json_object_get(rec, "NetworkSettings");
  json_object_set_new(doc, "NetworkSettings",
                      net ? json_incref(net)
                          : json_pack("{s:s, s:b, s:{}, s:s, s:{}}", "Bridge", "", "HairpinMode", 0,
                                      "Ports", "SandboxKey", "", "Networks"));
  json_decref(rec);
  return doc;
}

/* "Up 3 seconds", "Exited (137) 15 seconds ago", "Up 2 minutes (Paused)". */
void container_status_text(const struct cstate *st, char *buf, size_t len) {
  char when[64];
  if (strcmp(st->status, "created") == 0) {
    snprintf(buf, len, "Created");
  } else if (strcmp(st->status, "exited") == 0 || strcmp(st->status, "dead") == 0) {
    int64_t t = parse_rfc3339(st->finished_at);
    human_since(t, when, sizeof when);
    if (strcmp(st->status, "dead") == 0)
      snprintf(buf, len, "Dead");
    else
      snprintf(buf, len, "Exited (%d) %s", st->exit_code, when);
  } else if (strcmp(st->status, "restarting") == 0) {
    human_since(parse_rfc3339(st->finished_at), when, sizeof when);
    snprintf(buf, len, "Restarting (%d) %s", st->exit_code, when);
  } else {
    int64_t started = parse_rfc3339(st->started_at);
    human_duration(started > 0 ? (int64_t)time(NULL) - started : 0, when, sizeof when);
    snprintf(buf, len, "Up %s%s", when, strcmp(st->status, "paused") == 0 ? " (Paused)" : "");
  }
}

/* Path and Args as one string; ps shows it quoted. */
static char *command_text(json_t *rec) {
  size_t cap = 256, n = 0;
  char *s = malloc(cap);
  s[0] = '\0';
  json_t *parts[2] = {json_object_get(rec, "Path"), NULL};
  json_t *args = json_object_get(rec, "Args");
  for (size_t i = 0; i <= json_array_size(args); i++) {
    const char *v = i == 0 ? json_string_value(parts[0]) : json_string_value(json_array_get(args, i - 1));
    if (!v)
      continue;
    /* Docker quotes an argument with a space in it: sh -c 'exit 0'. */
    bool quote_it = i > 0 && strchr(v, ' ');
    size_t l = strlen(v) + (quote_it ? 2 : 0);
    while (n + l + 2 > cap)
      s = realloc(s, cap *= 2);
    if (n)
      s[n++] = ' ';
    n += (size_t)sprintf(s + n, quote_it ? "'%s'" : "%s", v);
  }
  return s;
}

/* Go's strconv.Quote for the text we show (ASCII escapes only). */
static void quote(const char *in, char *out, size_t len) {
  size_t n = 0;
  out[n++] = '"';
  for (; *in && n + 3 < len; in++) {
    if (*in == '"' || *in == '\\')
      out[n++] = '\\';
    out[n++] = *in;
  }
  out[n++] = '"';
  out[n] = '\0';
}

/* Docker's ellipsis at 20 characters (UTF-8 aware enough for ASCII). */
static void truncate_command(char *s, size_t max) {
  if (strlen(s) <= max)
    return;
  strcpy(s + max - 1, "\u2026");
}

static json_t *labels_text(json_t *labels) {
  char buf[4096];
  size_t n = 0;
  const char *k;
  json_t *v;
  buf[0] = '\0';
  json_object_foreach(labels, k, v) {
    if (n < sizeof buf)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s=%s", n ? "," : "", k,
                            json_string_value(v) ? json_string_value(v) : "");
  }
  return json_string(buf);
}

/* ps's PORTS: "0.0.0.0:8080->80/tcp, 443/tcp" (published while running,
 * exposed ports alone otherwise), in the order the record keeps them. */
static void ports_text(json_t *rec, bool running, char *buf, size_t len) {
  json_t *ports = json_object_get(json_object_get(rec, "NetworkSettings"), "Ports");
  size_t n = 0;
  buf[0] = '\0';
  const char *key;
  json_t *list;
  json_object_foreach(ports, key, list) {
    size_t i;
    json_t *b;
    if (!running)
      return;
    if (!json_array_size(list)) {
      if (n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", key);
      continue;
    }
    json_array_foreach(list, i, b) {
      const char *ip = json_string_value(json_object_get(b, "HostIp"));
      const char *hp = json_string_value(json_object_get(b, "HostPort"));
      if (n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s%s:%s->%s", n ? ", " : "", ip ? ip : "",
                              hp ? hp : "", key);
    }
  }
}

/* ps's NETWORKS: the names the container is attached to, comma-separated. */
static void networks_text(json_t *rec, char *buf, size_t len) {
  size_t n = 0;
  buf[0] = '\0';
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"), key, v) {
    if (n < len)
      n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", key);
  }
}

json_t *container_ps_row(struct xstore *s, const struct container_record *c,
                         const struct cstate *st, bool no_trunc, const char *size) {
  (void)s;
  json_t *rec = engine_record_config(c);
  char *cmd = command_text(rec);
  char cmdq[8192], id[65], status[128], created[64], created_at[64];
  if (!no_trunc)
    truncate_command(cmd, 20);
  quote(cmd, cmdq, sizeof cmdq);
  free(cmd);
  snprintf(id, sizeof id, no_trunc ? "%s" : "%.12s", c->id);
  container_status_text(st, status, sizeof status);
  human_since(c->created, created, sizeof created);
  time_t t = (time_t)c->created;
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(created_at, sizeof created_at, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  json_t *cfg = json_object_get(rec, "Config");
  char ports[2048], networks[1024];
  ports_text(rec, cstate_running(st), ports, sizeof ports);
  networks_text(rec, networks, sizeof networks);
  json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
                          "Image", c->image_name, "Command", cmdq, "CreatedAt", created_at,
                          "RunningFor", created, "Ports", ports, "Status", status, "Size",
                          size ? size : "", "Names", c->name, "State", st->status, "Networks",
                          networks, "Mounts", "");
  json_object_set_new(row, "Labels", labels_text(json_object_get(cfg, "Labels")));
  json_decref(rec);
  return row;
}
