/* events: one stats event (--stats), or the stream of stats and OOM
 * events until the container stops, one JSON object per line as runc
 * prints them. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"

enum { OPT_STATS = 256, OPT_INTERVAL };

/* A Go duration ("5s", "1.5s", "500ms", "1m30s", "2h"), rounded up to
 * whole milliseconds.  Returns -1 when s is not one. */
static int parse_duration_ms(const char *s, double *ms) {
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"\xce\xbcs", 1e-3},
               {"ms", 1},    {"s", 1e3},   {"m", 60e3},         {"h", 3600e3}};
  const char *p = s;
  bool negative = false;
  if (*p == '+' || *p == '-')
    negative = *p++ == '-';
  if (strcmp(p, "0") == 0) {
    *ms = 0;
    return 0;
  }
  if (*p == '\0')
    return -1;
  double total = 0;
  while (*p) {
    size_t digits = strspn(p, "0123456789."), dots = 0;
    for (size_t i = 0; i < digits; i++)
      dots += p[i] == '.';
    if (digits == 0 || digits >= 32 || dots > 1 || (digits == 1 && dots == 1))
      return -1;
    char num[32];
    memcpy(num, p, digits);
    num[digits] = '\0';
    double v = strtod(num, NULL);
    p += digits;
    size_t best = 0, which = 0;
    /* The longest unit that matches ("ms" before "m"). */
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t n = strlen(units[i].unit);
      if (n > best && strncmp(p, units[i].unit, n) == 0) {
        best = n;
        which = i;
      }
    }
    if (best == 0)
      return -1;
    total += v * units[which].ms;
    p += best;
  }
  *ms = negative ? -total : total;
  return 0;
}

static int print_event(json_t *event) {
  char *text = json_dumps(event, JSON_COMPACT);
  int ret = text ? 0 : -1;
  if (text && (fputs(text, stdout) == EOF || putchar('\n') == EOF || fflush(stdout) == EOF))
    ret = -1;
  free(text);
  return ret;
}

int cmd_events(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"stats", no_argument, NULL, OPT_STATS},
                                       {"interval", required_argument, NULL, OPT_INTERVAL},
                                       {NULL, 0, NULL, 0}};
  bool stats = false;
  double interval = 5000;
  int c;
  while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
    if (c == OPT_STATS) {
      stats = true;
    } else if (c == OPT_INTERVAL) {
      if (parse_duration_ms(optarg, &interval) < 0)
        return cli_usage_error(argv[0],
                               "invalid value \"%s\" for flag --interval: not a duration "
                               "such as 5s, 500ms or 1m",
                               optarg);
    } else {
      return 1;
    }
  }
  const char *id;
  if (cli_require_id(argv[0], argc, argv, &id) != 0)
    return 1;
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
  if (interval <= 0)
    return cli_usage_error(NULL, "duration interval must be greater than 0");
  if (interval > 24 * 3600e3)
    interval = 24 * 3600e3;

  struct xerr err = {0};
  if (stats) {
    json_t *data;
    if (xrun_stats(g->root, id, &data, &err) < 0)
      return cli_fail(&err);
    json_t *event = xrun_event_new("stats", id, data);
    int ret = event ? print_event(event) : -1;
    json_decref(event);
    return ret < 0 ? cli_usage_error(argv[0], "write: %s", strerror(errno)) : 0;
  }

  struct xrun_events *ev;
  unsigned ms = (unsigned)interval;
  if (ms < interval)
    ms++;
  if (xrun_events_open(g->root, id, ms, &ev, &err) < 0)
    return cli_fail(&err);
  int ret;
  json_t *event;
  while ((ret = xrun_events_next(ev, &event, &err)) > 0) {
    int w = print_event(event);
    json_decref(event);
    if (w < 0) {
      /* The reader went away: nobody to stream to. */
      xrun_events_free(ev);
      return cli_usage_error(argv[0], "write: %s", strerror(errno));
    }
  }
  xrun_events_free(ev);
  return ret < 0 ? cli_fail(&err) : 0;
}
