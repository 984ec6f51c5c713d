/* xocker logs: a container's json-file log (rotated files oldest first),
 * with -f, --tail, -t, --since and --until as Docker takes them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"

struct logs_opts {
  bool follow, timestamps;
  long tail;             /* -1: all */
  double since, until;   /* unix seconds, 0: unset */
};

/* Fractional unix seconds of an RFC 3339 time with nanoseconds. */
static double rfc3339_seconds(const char *s) {
  int64_t whole = parse_rfc3339(s);
  if (whole < 0)
    return -1;
  const char *dot = strchr(s, '.');
  double frac = dot ? strtod(dot, NULL) : 0;
  return (double)whole + (frac < 1 ? frac : 0);
}

/* --since/--until as fractional unix seconds (cli_parse_time_nanos). */
static int parse_when(const char *v, double *out) {
  int64_t nanos;
  if (cli_parse_time_nanos(v, &nanos) < 0)
    return -1;
  *out = (double)nanos / 1e9;
  return 0;
}

/* One log line out; false when past --until. */
static bool emit(const struct logs_opts *o, const char *line) {
  json_t *doc = json_loads(line, 0, NULL);
  if (!doc)
    return true;
  const char *text = json_string_value(json_object_get(doc, "log"));
  const char *stream = json_string_value(json_object_get(doc, "stream"));
  const char *when = json_string_value(json_object_get(doc, "time"));
  double t = when ? rfc3339_seconds(when) : 0;
  bool go_on = true;
  if (o->until > 0 && t > o->until) {
    go_on = false;
  } else if (text && (o->since <= 0 || t >= o->since)) {
    FILE *out = stream && strcmp(stream, "stderr") == 0 ? stderr : stdout;
    if (o->timestamps)
      fprintf(out, "%s ", when ? when : "");
    fputs(text, out);
    fflush(out);
  }
  json_decref(doc);
  return go_on;
}

/* The log files, oldest first: <log>.N ... <log>.1, <log>. */
static char **log_files(const char *path) {
  if (strlen(path) > 4300)
    return NULL;
  char **files = NULL;
  char buf[4400];
  int n = 1;
  for (;; n++) {
    snprintf(buf, sizeof buf, "%s.%d", path, n);
    if (access(buf, F_OK) != 0)
      break;
  }
  for (int i = n - 1; i >= 1; i--) {
    snprintf(buf, sizeof buf, "%s.%d", path, i);
    strv_append(&files, buf);
  }
  strv_append(&files, path);
  return files;
}

/* All lines of the files, keeping only the last `tail` when asked. */
static char **read_lines(char **files, long tail) {
  char **lines = NULL;
  size_t n = 0, start = 0;
  for (size_t f = 0; files && files[f]; f++) {
    FILE *in = fopen(files[f], "re");
    if (!in)
      continue;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
      strv_append(&lines, line);
      n++;
    }
    free(line);
    fclose(in);
  }
  if (tail >= 0 && (size_t)tail < n)
    start = n - (size_t)tail;
  for (size_t i = 0; i < start; i++) {
    free(lines[i]);
    lines[i] = NULL;
  }
  if (start > 0) {
    memmove(lines, lines + start, (n - start + 1) * sizeof *lines);
  }
  return lines;
}

/* -f: new lines as they come, until the container is not running and the
 * file has nothing more. */
static void follow(struct xstore *s, const char *id, const char *path, off_t offset,
                   const struct logs_opts *o) {
  FILE *in = fopen(path, "re");
  if (!in)
    return;
  fseeko(in, offset, SEEK_SET);
  char *line = NULL;
  size_t cap = 0;
  struct stat at_open;
  fstat(fileno(in), &at_open);
  for (;;) {
    ssize_t n;
    bool got = false;
    while ((n = getline(&line, &cap, in)) > 0) {
      if (line[n - 1] != '\n') {  /* half written: read it again whole */
        fseeko(in, -n, SEEK_CUR);
        break;
      }
      got = true;
      if (!emit(o, line))
        goto done;
    }
    clearerr(in);
    struct stat now;
    if (stat(path, &now) == 0 && now.st_ino != at_open.st_ino) {  /* rotated */
      fclose(in);
      in = fopen(path, "re");
      if (!in)
        break;
      fstat(fileno(in), &at_open);
      continue;
    }
    if (!got) {
      struct cstate st;
      struct xerr err = {0};
      if (cstate_load(s, id, &st, &err) < 0 || !cstate_running(&st)) {
        /* one last read for what came with the exit */
        while ((n = getline(&line, &cap, in)) > 0)
          if (!emit(o, line))
            break;
        break;
      }
      struct timespec nap = {0, 50 * 1000 * 1000};
      nanosleep(&nap, NULL);
    }
  }
done:
  free(line);
  if (in)
    fclose(in);
}

static int show_logs(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                     struct xerr *err) {
  (void)arg;
  const struct logs_opts *o = ctx;
  json_t *doc = engine_record_config(rec);
  const char *type = json_string_value(
      json_object_get(json_object_get(json_object_get(doc, "HostConfig"), "LogConfig"), "Type"));
  bool none = type && strcmp(type, "none") == 0;
  json_decref(doc);
  if (none)
    return xerr_set(err, ENOTSUP,
                    "Error response from daemon: configured logging driver does not support reading");
  char dir[4096], path[4300];
  engine_container_dir(s, rec->id, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s-json.log", dir, rec->id);
  char **files = log_files(path);
  char **lines = read_lines(files, o->tail);
  for (size_t i = 0; lines && lines[i]; i++)
    if (!emit(o, lines[i]))
      break;
  struct stat st;
  off_t end = stat(path, &st) == 0 ? st.st_size : 0;
  cleanup_strv_fn(&lines);
  cleanup_strv_fn(&files);
  if (o->follow)
    follow(s, rec->id, path, end, o);
  return 0;
}

int cmd_logs(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"follow", no_argument, NULL, 'f'},    {"timestamps", no_argument, NULL, 't'},
      {"tail", required_argument, NULL, 'n'}, {"since", required_argument, NULL, 'S'},
      {"until", required_argument, NULL, 'U'}, {"details", no_argument, NULL, 'D'},
      {"help", no_argument, NULL, 'H'},      {NULL, 0, NULL, 0}};
  struct logs_opts o = {.tail = -1};
  int c;
  while ((c = cli_getopt(argc, argv, "ftn:", longopts)) != -1) {
    switch (c) {
    case 'f': o.follow = true; break;
    case 't': o.timestamps = true; break;
    case 'D': break;
    case 'n': {
      char *end;
      o.tail = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, &end, 10);
      if (strcmp(optarg, "all") != 0 && (*end || !*optarg))
        return cli_errorf("invalid value for \"tail\": %s", optarg);
      break;
    }
    case 'S':
    case 'U':
      if (parse_when(optarg, c == 'S' ? &o.since : &o.until) < 0)
        return cli_errorf("invalid value for \"%s\": failed to parse value as time or duration: \"%s\"",
                          c == 'S' ? "since" : "until", optarg);
      break;
    case 'H':
      printf("\nUsage:  xocker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n\n"
             "Options:\n      --details        Show extra details provided to logs\n"
             "  -f, --follow         Follow log output\n"
             "      --since string   Show logs since timestamp or relative (e.g. 42m)\n"
             "  -n, --tail string    Number of lines to show from the end of the logs (default \"all\")\n"
             "  -t, --timestamps     Show timestamps\n"
             "      --until string   Show logs before a timestamp or relative (e.g. 42m)\n");
      return 0;
    default:
      return 125;
    }
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", argv[0]);
  return cli_for_each_container(g, argc, argv, show_logs, &o, false);
}
