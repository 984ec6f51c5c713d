/* Docker's time arguments (--since, --until of events): an RFC 3339 time,
 * a unix time with an optional fraction, or a Go duration before now
 * ("10m", "1h30m", "500ms"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int64_t rfc3339_nanos(const char *s) {
  int64_t whole = parse_rfc3339(s);
  if (whole < 0)
    return -1;
  const char *dot = strchr(s, '.');
  double frac = dot ? strtod(dot, NULL) : 0;
  return whole * 1000000000 + (int64_t)(frac < 1 ? frac * 1e9 : 0);
}

static int duration_nanos(const char *v, int64_t *out) {
  double total = 0;
  const char *p = v;
  char *end;
  while (*p) {
    double n = strtod(p, &end);
    if (end == p)
      return -1;
    double unit = 0;
    size_t skip = 1;
    if (!strncmp(end, "ms", 2)) unit = 1e6, skip = 2;
    else if (!strncmp(end, "us", 2)) unit = 1e3, skip = 2;
    else if (!strncmp(end, "ns", 2)) unit = 1, skip = 2;
    else if (*end == 'h') unit = 3600e9;
    else if (*end == 'm') unit = 60e9;
    else if (*end == 's') unit = 1e9;
    if (unit == 0)
      return -1;
    total += n * unit;
    p = end + skip;
  }
  *out = (int64_t)total;
  return 0;
}

int cli_parse_time_nanos(const char *v, int64_t *out) {
  if (!v || !*v)
    return -1;
  char *end;
  double d = strtod(v, &end);
  if (!*end) {
    *out = (int64_t)(d * 1e9);
    return 0;
  }
  int64_t t = rfc3339_nanos(v);
  if (t >= 0) {
    *out = t;
    return 0;
  }
  int64_t ago;
  if (duration_nanos(v, &ago) < 0)
    return -1;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  *out = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - ago;
  return 0;
}
