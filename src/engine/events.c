/* The engine's event log (events.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "engine/container.h"
#include "engine/events.h"
#include "image/store.h"
#include "storage/container.h"

void engine_events_path(struct xstore *s, char *buf, size_t len) {
  snprintf(buf, len, "%s/events.log", s->root);
}

/* image, name, the container's labels, then the caller's extras. */
static json_t *actor_attributes(const struct container_record *c, json_t *extra) {
  json_t *attrs = json_object();
  json_t *doc = engine_record_config(c);
  json_t *labels = json_object_get(json_object_get(doc, "Config"), "Labels");
  const char *key;
  json_t *val;
  json_object_foreach(labels, key, val) {
    if (json_is_string(val))
      json_object_set(attrs, key, val);
  }
  json_decref(doc);
  json_object_set_new(attrs, "image", json_string(c->image_name[0] ? c->image_name : c->image_id));
  json_object_set_new(attrs, "name", json_string(c->name));
  if (extra)
    json_object_update(attrs, extra);
  return attrs;
}

static char *event_line(const char *action, const struct container_record *c, json_t *extra) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const char *image = c->image_name[0] ? c->image_name : c->image_id;
  json_t *ev = json_pack("{ss ss ss ss ss s{ss so} ss sI sI}", "status", action, "id", c->id,
                         "from", image, "Type", "container", "Action", action, "Actor", "ID",
                         c->id, "Attributes", actor_attributes(c, extra), "scope", "local",
                         "time", (json_int_t)now.tv_sec, "timeNano",
                         (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec);
  if (!ev)
    return NULL;
  char *text = json_dumps(ev, JSON_COMPACT);
  json_decref(ev);
  if (!text)
    return NULL;
  size_t n = strlen(text);
  char *line = realloc(text, n + 2);
  if (!line) {
    free(text);
    return NULL;
  }
  line[n] = '\n';
  line[n + 1] = '\0';
  return line;
}

/* Keep the last EVENTS_KEEP_LINES lines: written to a new file renamed
 * over the log (a reader following it reopens on the inode change). */
static void trim_log(const char *path) {
  cleanup_file FILE *in = fopen(path, "re");
  if (!in)
    return;
  struct stat st;
  if (fstat(fileno(in), &st) < 0 || st.st_size <= EVENTS_MAX_BYTES)
    return;  /* another writer trimmed it already */
  cleanup_free char *buf = malloc((size_t)st.st_size);
  if (!buf || fread(buf, 1, (size_t)st.st_size, in) != (size_t)st.st_size)
    return;
  size_t len = (size_t)st.st_size, lines = 0, start = len;
  while (start > 0) {
    if (buf[start - 1] == '\n' && start != len && ++lines == EVENTS_KEEP_LINES)
      break;
    start--;
  }
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid()) >= sizeof tmp)
    return;
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write(fd, buf + start, len - start) != (ssize_t)(len - start) || rename(tmp, path) < 0)
    unlink(tmp);
}

void engine_event(struct xstore *s, const char *action, const struct container_record *c,
                  json_t *extra_attributes) {
  cleanup_free char *line = event_line(action, c, extra_attributes);
  if (!line)
    return;
  char path[4096];
  engine_events_path(s, path, sizeof path);
  cleanup_close int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  size_t n = strlen(line);
  if (write(fd, line, n) != (ssize_t)n)
    return;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > EVENTS_MAX_BYTES && flock(fd, LOCK_EX | LOCK_NB) == 0)
    trim_log(path);
}

void engine_event_code(struct xstore *s, const char *action, const struct container_record *c,
                       const char *key, int value) {
  char text[16];
  snprintf(text, sizeof text, "%d", value);
  json_t *attrs = json_pack("{ss}", key, text);
  engine_event(s, action, c, attrs);
  json_decref(attrs);
}
