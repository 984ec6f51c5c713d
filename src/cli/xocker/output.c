/* Output helpers shared by the xocker commands: Docker's sizes, durations and
 * aligned tables. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void human_size(int64_t bytes, char *buf, size_t len) {
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1000.0;
    u++;
  }
  snprintf(buf, len, "%.3g%s", v, units[u]);
}

void human_duration(int64_t seconds, char *buf, size_t len) {
  int64_t minutes = seconds / 60;
  int64_t hours = (int64_t)((double)seconds / 3600.0 + 0.5);
  if (seconds < 1)
    snprintf(buf, len, "Less than a second");
  else if (seconds == 1)
    snprintf(buf, len, "1 second");
  else if (seconds < 60)
    snprintf(buf, len, "%lld seconds", (long long)seconds);
  else if (minutes == 1)
    snprintf(buf, len, "About a minute");
  else if (minutes < 60)
    snprintf(buf, len, "%lld minutes", (long long)minutes);
  else if (hours == 1)
    snprintf(buf, len, "About an hour");
  else if (hours < 48)
    snprintf(buf, len, "%lld hours", (long long)hours);
  else if (hours < 24 * 7 * 2)
    snprintf(buf, len, "%lld days", (long long)(hours / 24));
  else if (hours < 24 * 30 * 2)
    snprintf(buf, len, "%lld weeks", (long long)(hours / 24 / 7));
  else if (hours < 24 * 365 * 2)
    snprintf(buf, len, "%lld months", (long long)(hours / 24 / 30));
  else
    snprintf(buf, len, "%lld years", (long long)(seconds / 3600 / 24 / 365));
}

void human_since(int64_t unix_time, char *buf, size_t len) {
  char d[64];
  int64_t now = (int64_t)time(NULL);
  human_duration(now > unix_time ? now - unix_time : 0, d, sizeof d);
  snprintf(buf, len, "%s ago", d);
}

int64_t parse_rfc3339(const char *s) {
  struct tm tm = {0};
  if (!s || !*s)
    return -1;
  const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest)
    return -1;
  if (*rest == '.')
    for (rest++; *rest >= '0' && *rest <= '9'; rest++)
      ;
  int64_t t = (int64_t)timegm(&tm);
  if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (sscanf(rest + 1, "%d:%d", &hh, &mm) >= 1)
      t -= (*rest == '+' ? 1 : -1) * (int64_t)(hh * 3600 + mm * 60);
  }
  return t;
}

void short_id(const char *id, char out[13]) {
  const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
  snprintf(out, 13, "%s", hex);
}

struct table {
  size_t columns, rows, cap;
  char **cells; /* rows * columns */
};

struct table *table_new(size_t columns) {
  struct table *t = calloc(1, sizeof *t);
  if (t)
    t->columns = columns;
  return t;
}

void table_add(struct table *t, const char *const *cells) {
  if (!t)
    return;
  if (t->rows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    char **n = realloc(t->cells, cap * t->columns * sizeof *n);
    if (!n)
      return;
    t->cells = n;
    t->cap = cap;
  }
  for (size_t c = 0; c < t->columns; c++)
    t->cells[t->rows * t->columns + c] = strdup(cells[c] ? cells[c] : "");
  t->rows++;
}

/* Width on the terminal: UTF-8 characters, as Go's tabwriter counts them. */
static size_t display_width(const char *s) {
  size_t n = 0;
  for (; s && *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

void table_print(struct table *t) {
  if (!t)
    return;
  size_t *width = calloc(t->columns, sizeof *width);
  if (!width)
    return;
  for (size_t r = 0; r < t->rows; r++)
    for (size_t c = 0; c < t->columns; c++) {
      const char *cell = t->cells[r * t->columns + c];
      size_t n = display_width(cell);
      if (n > width[c])
        width[c] = n;
    }
  for (size_t r = 0; r < t->rows; r++) {
    for (size_t c = 0; c < t->columns; c++) {
      const char *cell = t->cells[r * t->columns + c];
      if (c + 1 == t->columns) {
        fputs(cell ? cell : "", stdout);
      } else {
        size_t w = width[c] + 3 < 10 ? 10 : width[c] + 3;
        fputs(cell ? cell : "", stdout);
        for (size_t pad = display_width(cell); pad < w; pad++)
          putchar(' ');
      }
    }
    putchar('\n');
  }
  free(width);
}

void table_free(struct table *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->rows * t->columns; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}

void cli_put_key_value(void *obj, const char *kv) {
  const char *eq = strchr(kv, '=');
  char *key = eq ? strndup(kv, (size_t)(eq - kv)) : strdup(kv);
  if (key)
    json_object_set_new(obj, key, json_string(eq ? eq + 1 : ""));
  free(key);
}

bool cli_confirm(const char *warning) {
  printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin))
    return false;
  return line[0] == 'y' || line[0] == 'Y';
}
