/* xocker events: the engine's event log (engine/events.h) read back as
 * Docker prints it: past events within --since/--until, then new ones as
 * they are written until --until passes or ^C.  Without --since only new
 * events are shown, as with Docker. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/events.h"
#include "image/store.h"
#include "template.h"

struct events_opts {
  int64_t since, until;  /* unix nanoseconds, 0: unset */
  char **filters;        /* key=value */
  const char *format;
};

static const char *const FILTER_KEYS[] = {"type", "event", "container", "image", "label",
                                          "volume", "network", "daemon", "plugin", "node",
                                          "service", "secret", "config", "scope", NULL};

static bool known_filter(const char *f) {
  size_t n = strcspn(f, "=");
  for (size_t i = 0; FILTER_KEYS[i]; i++)
    if (strlen(FILTER_KEYS[i]) == n && !strncmp(f, FILTER_KEYS[i], n))
      return true;
  return false;
}

static bool label_matches(json_t *attrs, const char *want) {
  const char *eq = strchr(want, '=');
  size_t klen = eq ? (size_t)(eq - want) : strlen(want);
  char key[512];
  snprintf(key, sizeof key, "%.*s", (int)klen, want);
  const char *v = json_string_value(json_object_get(attrs, key));
  return v && (!eq || !strcmp(v, eq + 1));
}

static bool one_matches(json_t *ev, const char *key, const char *want) {
  json_t *actor = json_object_get(ev, "Actor");
  json_t *attrs = json_object_get(actor, "Attributes");
  if (!strcmp(key, "type"))
    return !strcmp(want, json_string_value(json_object_get(ev, "Type")));
  if (!strcmp(key, "event"))
    return !strcmp(want, json_string_value(json_object_get(ev, "Action")));
  if (!strcmp(key, "container")) {
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const char *name = json_string_value(json_object_get(attrs, "name"));
    return (name && !strcmp(want, name)) || (id && *want && !strncmp(id, want, strlen(want)));
  }
  if (!strcmp(key, "image")) {
    const char *img = json_string_value(json_object_get(attrs, "image"));
    const char *from = json_string_value(json_object_get(ev, "from"));
    return (img && !strcmp(img, want)) || (from && !strcmp(from, want));
  }
  if (!strcmp(key, "label"))
    return label_matches(attrs, want);
  if (!strcmp(key, "scope"))
    return !strcmp(want, "local");
  return false;  /* volume, network, ...: events the engine does not log yet */
}

/* Docker's filters: values of one key are alternatives, keys all apply. */
static bool matches(json_t *ev, char **filters) {
  for (size_t i = 0; filters && filters[i]; i++) {
    size_t klen = strcspn(filters[i], "=");
    bool any = false;
    for (size_t j = 0; filters[j] && !any; j++)
      if (strcspn(filters[j], "=") == klen && !strncmp(filters[i], filters[j], klen)) {
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)klen, filters[j]);
        any = one_matches(ev, key, filters[j] + klen + 1);
      }
    if (!any)
      return false;
  }
  return true;
}

static int compare_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "2026-11-23T14:00:00.123456789Z container start <id> (image=busybox, name=x)" */
static void print_default(json_t *ev) {
  int64_t nanos = json_integer_value(json_object_get(ev, "timeNano"));
  time_t secs = (time_t)(nanos / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char when[40];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  json_t *actor = json_object_get(ev, "Actor");
  printf("%s.%09lldZ %s %s %s", when, (long long)(nanos % 1000000000),
         json_string_value(json_object_get(ev, "Type")),
         json_string_value(json_object_get(ev, "Action")),
         json_string_value(json_object_get(actor, "ID")));
  json_t *attrs = json_object_get(actor, "Attributes");
  const char **keys = calloc(json_object_size(attrs) + 1, sizeof *keys);
  size_t n = 0;
  const char *key;
  json_t *val;
  json_object_foreach(attrs, key, val) keys[n++] = key;
  qsort(keys, n, sizeof *keys, compare_keys);
  for (size_t i = 0; i < n; i++)
    printf("%s%s=%s", i ? ", " : " (", keys[i],
           json_string_value(json_object_get(attrs, keys[i])));
  printf("%s\n", n ? ")" : "");
  free(keys);
}

/* The template sees Go's field names (Status, ID, From, Type, Action,
 * Actor, Scope, Time, TimeNano); {{json .}} prints the line as logged. */
static int print_event(json_t *ev, const char *line, const char *format) {
  if (!format) {
    print_default(ev);
    return 0;
  }
  char trimmed[64];
  snprintf(trimmed, sizeof trimmed, "%s", format);
  if (!strcmp(trimmed, "{{json .}}")) {
    fputs(line, stdout);
    if (!*line || line[strlen(line) - 1] != '\n')
      putchar('\n');
    return 0;
  }
  json_t *go = json_pack("{sO sO sO sO sO sO sO sO sO}", "Status", json_object_get(ev, "status"),
                         "ID", json_object_get(ev, "id"), "From", json_object_get(ev, "from"),
                         "Type", json_object_get(ev, "Type"), "Action",
                         json_object_get(ev, "Action"), "Actor", json_object_get(ev, "Actor"),
                         "Scope", json_object_get(ev, "scope"), "Time",
                         json_object_get(ev, "time"), "TimeNano", json_object_get(ev, "timeNano"));
  if (!go)
    return 0;  /* a line of another shape: skipped */
  char *out = NULL;
  struct xerr err = {0};
  int r = template_render(format, go, &out, &err);
  json_decref(go);
  if (r < 0)
    return cli_error(&err);
  puts(out);
  free(out);
  return 0;
}

static int64_t now_nanos(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The lines of f from where it is; *last is the newest timeNano printed
 * (a trimmed and reopened log repeats older lines, which are skipped).
 * 1 when --until has passed. */
static int read_lines(FILE *f, const struct events_opts *o, int64_t *last, int *status) {
  char *line = NULL;
  size_t cap = 0;
  int done = 0;
  while (!done && getline(&line, &cap, f) > 0) {
    json_t *ev = json_loads(line, 0, NULL);
    int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
    if (ev && t > *last && (!o->since || t >= o->since)) {
      if (o->until && t > o->until)
        done = 1;
      else if (matches(ev, o->filters) && print_event(ev, line, o->format) != 0)
        *status = done = 1;
      *last = t > *last ? t : *last;
    }
    json_decref(ev);
  }
  free(line);
  fflush(stdout);
  return done;
}

static FILE *open_log(const char *path, ino_t *ino) {
  FILE *f = fopen(path, "re");
  struct stat st;
  if (f && fstat(fileno(f), &st) == 0)
    *ino = st.st_ino;
  return f;
}

static int stream(const char *path, const struct events_opts *o) {
  ino_t ino = 0;
  cleanup_file FILE *f = open_log(path, &ino);
  int64_t last = 0;
  int status = 0;
  if (!o->since && !o->until && f)
    fseek(f, 0, SEEK_END);  /* only what happens from now on */
  for (;;) {
    if (f && read_lines(f, o, &last, &status))
      return status;
    if (o->until && now_nanos() > o->until)
      return status;
    struct timespec nap = {0, 100 * 1000 * 1000};
    nanosleep(&nap, NULL);
    struct stat st;
    if (stat(path, &st) == 0 && (!f || st.st_ino != ino)) {
      if (f)
        read_lines(f, o, &last, &status);  /* the old file's last lines */
      if (f)
        fclose(f);
      f = open_log(path, &ino);
    } else if (f) {
      clearerr(f);
    }
  }
}

static void usage(void) {
  printf("\nUsage:  xocker events [OPTIONS]\n\nGet real time events from the server\n\n"
         "Options:\n"
         "  -f, --filter filter   Filter output based on conditions provided\n"
         "      --format string   Format output using a custom template:\n"
         "                        'json':             Print in JSON format\n"
         "                        'TEMPLATE':         Print output using the given Go template.\n"
         "      --since string    Show all events created since timestamp\n"
         "      --until string    Stream events until this timestamp\n");
}

int cmd_events(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"filter", required_argument, NULL, 'f'},
                                           {"format", required_argument, NULL, 'F'},
                                           {"since", required_argument, NULL, 'S'},
                                           {"until", required_argument, NULL, 'U'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct events_opts o = {0};
  cleanup_strv char **filters = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "f:", longopts)) != -1) {
    switch (c) {
    case 'f':
      if (!strchr(optarg, '='))
        return cli_usage(argv[0], "invalid argument \"%s\" for \"-f, --filter\" flag: bad format "
                         "of filter (expected name=value)", optarg);
      if (!known_filter(optarg))
        return cli_daemon_errorf("invalid filter '%.*s'",
                          (int)strcspn(optarg, "="), optarg);
      strv_append(&filters, optarg);
      break;
    case 'F':
      o.format = !strcmp(optarg, "json") ? "{{json .}}" : optarg;
      break;
    case 'S':
    case 'U':
      if (cli_parse_time_nanos(optarg, c == 'S' ? &o.since : &o.until) < 0)
        return cli_daemon_errorf("failed to parse value as time or "
                          "duration: \"%s\"", optarg);
      break;
    case 'h':
      usage();
      return 0;
    default:
      return 125;
    }
  }
  if (optind < argc)
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  if (o.since && o.until && o.since > o.until)
    return cli_daemon_errorf("`since` time (%lld) cannot be after `until` "
                      "time (%lld)", (long long)(o.since / 1000000000),
                      (long long)(o.until / 1000000000));
  o.filters = filters;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  char path[4096];
  engine_events_path(s, path, sizeof path);
  store_close(s);
  return stream(path, &o);
}
