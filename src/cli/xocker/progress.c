/* Per-layer progress lines (see progress.h). */
#include "progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 50

struct progress_row {
  char id[80];
  char text[256];
  double last_bar; /* when its bar was last drawn */
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress {
  FILE *out;
  bool tty;
  struct progress_row *rows;
  size_t n, cap;
};

struct progress *progress_new(FILE *out) {
  struct progress *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->out = out;
  p->tty = isatty(fileno(out));
  return p;
}

void progress_free(struct progress *p) {
  if (!p)
    return;
  free(p->rows);
  free(p);
}

static struct progress_row *row_for(struct progress *p, const char *id, bool *is_new) {
  *is_new = false;
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->rows[i].id, id) == 0)
      return &p->rows[i];
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    struct progress_row *r = realloc(p->rows, cap * sizeof *r);
    if (!r)
      return NULL;
    p->rows = r;
    p->cap = cap;
  }
  struct progress_row *r = &p->rows[p->n++];
  snprintf(r->id, sizeof r->id, "%s", id);
  r->text[0] = '\0';
  r->last_bar = 0;
  *is_new = true;
  return r;
}

/* Draw row r: a new one below the others, an old one in place. */
static void draw(struct progress *p, struct progress_row *r, bool is_new) {
  if (is_new || !p->tty) {
    fprintf(p->out, "%s: %s\n", r->id, r->text);
  } else {
    size_t up = p->n - (size_t)(r - p->rows);
    fprintf(p->out, "\033[%zuA\r\033[2K%s: %s\r\033[%zuB", up, r->id, r->text, up);
  }
  fflush(p->out);
}

void progress_status(struct progress *p, const char *id, const char *status) {
  if (!p)
    return;
  bool is_new;
  struct progress_row *r = row_for(p, id, &is_new);
  if (!r || (!is_new && strcmp(r->text, status) == 0))
    return;
  snprintf(r->text, sizeof r->text, "%s", status);
  draw(p, r, is_new);
}

void progress_bar(struct progress *p, const char *id, const char *action, int64_t cur,
                  int64_t total) {
  if (!p)
    return;
  if (!p->tty) { /* a log gets the action once, not every byte count */
    bool is_new;
    struct progress_row *r = row_for(p, id, &is_new);
    if (r && (is_new || strncmp(r->text, action, strlen(action)) != 0)) {
      snprintf(r->text, sizeof r->text, "%s", action);
      draw(p, r, is_new);
    }
    return;
  }
  /* A redraw per received chunk would flood the terminal: ten a second. */
  bool is_new;
  struct progress_row *row = row_for(p, id, &is_new);
  if (!row)
    return;
  if (is_new) { /* give it its line first; it is redrawn in place below */
    snprintf(row->text, sizeof row->text, "%s", action);
    draw(p, row, true);
  }
  double now = now_seconds();
  if (!is_new && strncmp(row->text, action, strlen(action)) == 0 && now - row->last_bar < 0.1 &&
      (total <= 0 || cur < total))
    return;
  row->last_bar = now;
  char text[256], have[32], want[32];
  human_size(cur, have, sizeof have);
  if (total > 0) {
    if (cur > total)
      cur = total;
    int filled = (int)(BAR_WIDTH * cur / total);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
      bar[i] = i < filled - 1 ? '=' : i == filled - 1 ? '>' : ' ';
    bar[BAR_WIDTH] = '\0';
    human_size(total, want, sizeof want);
    snprintf(text, sizeof text, "%s [%s] %8s/%s", action, bar, have, want);
  } else {
    snprintf(text, sizeof text, "%s %8s", action, have);
  }
  progress_status(p, id, text);
}

void progress_line(struct progress *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(p ? p->out : stdout, fmt, ap);
  va_end(ap);
  fputc('\n', p ? p->out : stdout);
}
