/* A small Go-template renderer for --format flags (see template.h). */
#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xerr.h"

struct buf {
  char *data;
  size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *d = realloc(b->data, cap);
    if (!d)
      return;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void print_value(struct buf *b, json_t *v);

static void print_number(struct buf *b, json_t *v) {
  char tmp[64];
  if (json_is_integer(v))
    snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
  else
    snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
  buf_add(b, tmp, strlen(tmp));
}

static void print_value(struct buf *b, json_t *v) {
  if (!v) {
    buf_add(b, "<no value>", 10);  /* a field that is not there */
  } else if (json_is_null(v)) {
    buf_add(b, "<nil>", 5);        /* Docker's nil pointers and slices */
  } else if (json_is_string(v)) {
    buf_add(b, json_string_value(v), json_string_length(v));
  } else if (json_is_number(v)) {
    print_number(b, v);
  } else if (json_is_boolean(v)) {
    buf_add(b, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
  } else if (json_is_array(v)) {
    size_t i;
    json_t *e;
    buf_add(b, "[", 1);
    json_array_foreach(v, i, e) {
      if (i)
        buf_add(b, " ", 1);
      print_value(b, e);
    }
    buf_add(b, "]", 1);
  } else {
    const char *k;
    json_t *e;
    int first = 1;
    buf_add(b, "map[", 4);
    json_object_foreach(v, k, e) {
      if (!first)
        buf_add(b, " ", 1);
      first = 0;
      buf_add(b, k, strlen(k));
      buf_add(b, ":", 1);
      print_value(b, e);
    }
    buf_add(b, "]", 1);
  }
}

/* Resolve ".A.B" against root; "." is root itself. */
static json_t *resolve(json_t *root, const char *path, size_t n) {
  if (n == 1 && path[0] == '.')
    return root;
  json_t *cur = root;
  size_t i = 0;
  while (i < n && cur) {
    if (path[i] != '.')
      return NULL;
    size_t start = ++i;
    while (i < n && path[i] != '.')
      i++;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(i - start), path + start);
    cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
  }
  return cur;
}

/* Split an action into words (a quoted string is one word). */
static int split_words(const char *s, size_t n, char words[4][256], int *count) {
  *count = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && isspace((unsigned char)s[i]))
      i++;
    if (i >= n)
      break;
    if (*count == 4)
      return -1;
    size_t start = i;
    if (s[i] == '"') {
      i++;
      while (i < n && s[i] != '"')
        i++;
      if (i >= n)
        return -1;
      snprintf(words[*count], 256, "%.*s", (int)(i - start - 1), s + start + 1);
      i++;
    } else {
      while (i < n && !isspace((unsigned char)s[i]))
        i++;
      snprintf(words[*count], 256, "%.*s", (int)(i - start), s + start);
    }
    (*count)++;
  }
  return 0;
}

static int run_action(struct buf *b, json_t *root, const char *act, size_t n, struct xerr *err) {
  char w[4][256];
  int count;
  if (split_words(act, n, w, &count) < 0 || count == 0)
    return xerr_make(err, EINVAL, "template: malformed action {{%.*s}}", (int)n, act);
  if (w[0][0] == '.' && count == 1) {
    print_value(b, resolve(root, w[0], strlen(w[0])));
    return 0;
  }
  if (count >= 2 && w[1][0] == '.') {
    json_t *v = resolve(root, w[1], strlen(w[1]));
    if (strcmp(w[0], "json") == 0 && count == 2) {
      char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
      buf_add(b, s ? s : "null", s ? strlen(s) : 4);
      free(s);
      return 0;
    }
    if ((strcmp(w[0], "upper") == 0 || strcmp(w[0], "lower") == 0) && count == 2) {
      struct buf tmp = {0};
      print_value(&tmp, v);
      for (size_t i = 0; i < tmp.len; i++)
        tmp.data[i] = (char)(w[0][0] == 'u' ? toupper((unsigned char)tmp.data[i])
                                            : tolower((unsigned char)tmp.data[i]));
      if (tmp.data)
        buf_add(b, tmp.data, tmp.len);
      free(tmp.data);
      return 0;
    }
    if (strcmp(w[0], "index") == 0 && count == 3) {
      json_t *e = json_is_object(v) ? json_object_get(v, w[2]) : NULL;
      if (json_is_array(v))
        e = json_array_get(v, (size_t)strtoul(w[2], NULL, 10));
      print_value(b, e);
      return 0;
    }
  }
  return xerr_make(err, EINVAL, "template: function \"%s\" not defined", w[0]);
}

int template_is_table(const char *tmpl) { return strncmp(tmpl, "table", 5) == 0; }

int template_render(const char *tmpl, void *root, char **out, struct xerr *err) {
  struct buf b = {0};
  buf_add(&b, "", 0);
  const char *p = tmpl;
  while (*p) {
    const char *open = strstr(p, "{{");
    const char *lit_end = open ? open : p + strlen(p);
    for (const char *q = p; q < lit_end; q++) {
      if (q[0] == '\\' && q + 1 < lit_end && (q[1] == 't' || q[1] == 'n')) {
        buf_add(&b, q[1] == 't' ? "\t" : "\n", 1);
        q++;
      } else {
        buf_add(&b, q, 1);
      }
    }
    if (!open)
      break;
    const char *close = strstr(open + 2, "}}");
    if (!close) {
      free(b.data);
      return xerr_make(err, EINVAL, "template: unclosed action in \"%s\"", tmpl);
    }
    const char *a = open + 2, *e = close;
    if (*a == '-')
      a++;
    if (e > a && e[-1] == '-')
      e--;
    if (run_action(&b, root, a, (size_t)(e - a), err) < 0) {
      free(b.data);
      return -1;
    }
    p = close + 2;
  }
  *out = b.data;
  return 0;
}

/* A `table` column's header: its template with each {{.Field}} replaced by
 * the name Docker gives that field. */
void template_table_header(const char *cell, const struct template_header *names, char *out,
                           size_t len) {
  size_t n = 0;
  out[0] = '\0';
  while (*cell && n + 1 < len) {
    const char *open = strstr(cell, "{{");
    const char *close = open ? strstr(open, "}}") : NULL;
    if (!open || !close) {
      n += (size_t)snprintf(out + n, len - n, "%s", cell);
      break;
    }
    n += (size_t)snprintf(out + n, len - n, "%.*s", (int)(open - cell), cell);
    char field[64] = "";
    sscanf(open + 2, " .%63[A-Za-z]", field);
    const char *name = field;
    for (size_t i = 0; names[i].field; i++)
      if (!strcmp(field, names[i].field))
        name = names[i].header;
    if (n < len)
      n += (size_t)snprintf(out + n, len - n, "%s", name);
    cell = close + 2;
  }
}
