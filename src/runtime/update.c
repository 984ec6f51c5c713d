/* `update`: change linux.resources of a created, running or paused
 * container.  The request holds only what changes.  It is checked whole
 * before any cgroup file is written; a write the kernel refuses half way
 * puts back what was already written; the saved config.json gets the new
 * values (merged) only once the cgroup has them, so `events` and later
 * updates see the container as it is. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "cgroup.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "state.h"
#include "xrun.h"

/* Fields where 0 (or "") means "leave as it is", the way runc reads an
 * update (its documented -r template is all zeros). */
static const char *const zero_means_unset[] = {
    "memory.limit",     "memory.reservation", "memory.swap",
    "memory.kernel",    "memory.kernelTCP",   "cpu.shares",
    "cpu.quota",        "cpu.period",         "cpu.realtimeRuntime",
    "cpu.realtimePeriod", "cpu.cpus",         "cpu.mems",
    "pids.limit",       "blockIO.weight",     "blockIO.leafWeight",
};

/* What an unset field of a fresh cgroup holds, to put a field back when
 * the saved config never named it.  Fields not listed here (cpus and mems
 * inherit the parent's, blkio weights depend on the scheduler, ...) are
 * not put back. */
static const struct {
  const char *path, *json;
} kernel_defaults[] = {
    {"memory.limit", "-1"},        {"memory.reservation", "-1"}, {"memory.swap", "-1"},
    {"memory.disableOOMKiller", "false"}, {"cpu.shares", "1024"}, {"cpu.quota", "-1"},
    {"cpu.period", "100000"},      {"cpu.realtimePeriod", "1000000"}, {"cpu.burst", "0"},
    {"cpu.idle", "0"},             {"pids.limit", "-1"},
};

static bool in_list(const char *path, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(path, list[i]) == 0)
      return true;
  return false;
}

static bool is_zero(json_t *v) {
  return (json_is_integer(v) && json_integer_value(v) == 0) ||
         (json_is_real(v) && json_real_value(v) == 0.0) ||
         (json_is_string(v) && json_string_length(v) == 0);
}

/* The value at a dotted path ("memory.limit") of an object, or NULL. */
static json_t *json_at(json_t *obj, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  for (char *k = strtok_r(buf, ".", &save); k && obj; k = strtok_r(NULL, ".", &save))
    obj = json_member(obj, k);
  return obj;
}

/* Set a dotted path, making the objects on the way. */
static int json_set_at(json_t *obj, const char *path, json_t *value) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  char *k = strtok_r(buf, ".", &save);
  for (char *next; k && (next = strtok_r(NULL, ".", &save)) != NULL; k = next) {
    json_t *child = json_object_get(obj, k);
    if (!json_is_object(child)) {
      child = json_object();
      if (child == NULL || json_object_set_new(obj, k, child) < 0) {
        json_decref(value);
        return -1;
      }
    }
    obj = child;
  }
  return k ? json_object_set_new(obj, k, value) : (json_decref(value), -1);
}

/* A saved value that counts: present, not null, and not a "0 = unset". */
static json_t *saved_value(json_t *saved, const char *path) {
  json_t *v = json_at(saved, path);
  if (v && is_zero(v) &&
      in_list(path, zero_means_unset, sizeof zero_means_unset / sizeof zero_means_unset[0]))
    return NULL;
  return v;
}

/* The request without what does not change anything: nulls, the zeros of
 * zero_means_unset, empty objects; and without what update does not do.
 * *out is a new object. */
static int normalize(json_t *in, const char *where, json_t **out, struct xerr *err) {
  json_t *o = json_object();
  if (o == NULL)
    return xerr_make(err, ENOMEM, "update");
  const char *key;
  json_t *v;
  json_object_foreach(in, key, v) {
    char path[256];
    json_path_join(path, sizeof path, where, key);
    if (json_is_null(v))
      continue;
    if (strcmp(path, "devices") == 0) {
      /* As runc: the device rules of a live container are not rewritten
       * (that would briefly deny everything). */
      xlog_warn("linux.resources.devices cannot be changed by update; ignored");
      continue;
    }
    if ((strcmp(path, "memory.kernel") == 0 || strcmp(path, "memory.kernelTCP") == 0) &&
        !is_zero(v)) {
      xlog_warn("linux.resources.%s is ignored (kernel memory limits are obsolete)", path);
      continue;
    }
    if (in_list(path, zero_means_unset, sizeof zero_means_unset / sizeof zero_means_unset[0]) &&
        is_zero(v))
      continue;
    json_t *copy;
    if (json_is_object(v) && strcmp(path, "unified") != 0) {
      if (normalize(v, path, &copy, err) < 0) {
        json_decref(o);
        return -1;
      }
      if (json_object_size(copy) == 0) {
        json_decref(copy);
        continue;
      }
    } else {
      copy = json_deep_copy(v);
    }
    if (copy == NULL || json_object_set_new(o, key, copy) < 0) {
      json_decref(o);
      return xerr_make(err, ENOMEM, "update");
    }
  }
  *out = o;
  return 0;
}

/* Every leaf path of an object (arrays and linux.resources.unified's
 * entries count as leaves), for fn. */
static int for_each_leaf(json_t *obj, const char *where,
                         int (*fn)(const char *path, json_t *value, void *ctx), void *ctx) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    char path[256];
    json_path_join(path, sizeof path, where, key);
    int r = json_is_object(v) && strcmp(path, "unified") != 0 ? for_each_leaf(v, path, fn, ctx)
                                                               : fn(path, v, ctx);
    if (r < 0)
      return r;
  }
  return 0;
}

struct undo_ctx {
  json_t *saved; /* the saved linux.resources, may be NULL */
  json_t *undo;  /* being built */
};

static int add_undo(const char *path, json_t *value, void *p) {
  (void)value;
  struct undo_ctx *u = p;
  json_t *old = saved_value(u->saved, path);
  if (old != NULL)
    return json_set_at(u->undo, path, json_deep_copy(old));
  for (size_t i = 0; i < sizeof kernel_defaults / sizeof kernel_defaults[0]; i++)
    if (strcmp(path, kernel_defaults[i].path) == 0)
      return json_set_at(u->undo, path, json_loads(kernel_defaults[i].json, JSON_DECODE_ANY, NULL));
  xlog_debug("update: no known previous value of linux.resources.%s to restore", path);
  return 0;
}

/* Objects merge key by key; anything else replaces. */
static int merge_into(json_t *dst, json_t *src) {
  const char *key;
  json_t *v;
  json_object_foreach(src, key, v) {
    json_t *d = json_object_get(dst, key);
    if (json_is_object(v) && json_is_object(d)) {
      if (merge_into(d, v) < 0)
        return -1;
    } else if (json_object_set_new(dst, key, json_deep_copy(v)) < 0) {
      return -1;
    }
  }
  return 0;
}

static int64_t int_at(json_t *obj, const char *path) {
  json_t *v = json_at(obj, path);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Values that constrain each other travel together, so the cgroup code
 * can order the writes (memory before or after memory+swap; period and
 * quota): add the saved partner of a field that changes alone. */
static int add_partners(json_t *apply, json_t *saved, struct xerr *err) {
  static const struct {
    const char *field, *partner;
  } pairs[] = {
      {"memory.limit", "memory.swap"},
      {"memory.swap", "memory.limit"},
      {"cpu.quota", "cpu.period"},
      {"cpu.period", "cpu.quota"},
  };
  /* A new memory limit above the memory+swap limit the container keeps:
   * say which value to change too, rather than the cgroup code's "swap
   * below limit" about a value the request did not name. */
  int64_t limit = int_at(apply, "memory.limit");
  json_t *old_swap = saved_value(saved, "memory.swap");
  if (limit > 0 && json_at(apply, "memory.swap") == NULL && json_is_integer(old_swap) &&
      json_integer_value(old_swap) > 0 && json_integer_value(old_swap) < limit) {
    xerr_make(err, 0,
              "linux.resources.memory.limit: %" PRId64
              " is above the container's memory+swap limit %" PRId64
              " (memory.swap); change memory.swap too",
              limit, (int64_t)json_integer_value(old_swap));
    if (err)
      err->errnum = EINVAL;
    return -1;
  }
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    if (json_at(apply, pairs[i].field) == NULL || json_at(apply, pairs[i].partner) != NULL)
      continue;
    json_t *old = saved_value(saved, pairs[i].partner);
    /* Memory made unlimited with swap unnamed means both unlimited (runc). */
    if (old == NULL || (strcmp(pairs[i].field, "memory.limit") == 0 && limit == -1))
      continue;
    if (json_set_at(apply, pairs[i].partner, json_deep_copy(old)) < 0)
      return xerr_make(err, ENOMEM, "update");
  }
  return 0;
}

/* runtime-spec's memory.checkBeforeUpdate: refuse a limit below what the
 * container uses now instead of letting the kernel reclaim or OOM-kill. */
static int check_before_update(struct cgroup *cg, json_t *apply, struct xerr *err) {
  json_t *check = json_at(apply, "memory.checkBeforeUpdate");
  int64_t limit = int_at(apply, "memory.limit");
  if (!json_is_true(check) || limit <= 0)
    return 0;
  json_t *stats = NULL;
  if (cgroup_stats(cg, &stats, err) < 0)
    return -1;
  json_t *usage = json_at(stats, "memory.usage.usage");
  int64_t used = json_is_integer(usage) ? (int64_t)json_integer_value(usage) : 0;
  json_decref(stats);
  if (used > limit) {
    xerr_make(err, 0,
              "linux.resources.memory.limit: %" PRId64
              " is below the container's current memory usage %" PRId64,
              limit, used);
    if (err)
      err->errnum = EINVAL;
    return -1;
  }
  return 0;
}

/* Put back the previous values, section by section so that one refusal
 * does not keep the others from being restored. */
static void undo_changes(struct cgroup *cg, json_t *undo) {
  const char *key;
  json_t *v;
  json_object_foreach(undo, key, v) {
    json_auto_t *one = json_object();
    struct xerr e = {0};
    json_object_set(one, key, v);
    int r = cgroup_set_resources(cg, one, &e);
    /* Without swap accounting the memory+swap knob does not exist: the
     * memory limit alone still goes back. */
    if (r < 0 && strcmp(key, "memory") == 0 && json_object_get(v, "swap") != NULL) {
      json_auto_t *no_swap = json_deep_copy(v);
      json_object_del(no_swap, "swap");
      json_object_set(one, key, no_swap);
      r = cgroup_set_resources(cg, one, NULL);
    }
    if (r < 0)
      xlog_warn("update: could not restore linux.resources.%s: %s", key, e.msg);
  }
}

static int load_config(const char *path, json_t **out, struct xerr *err) {
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *j = json_loads(text, 0, &jerr);
  if (!json_is_object(j)) {
    json_decref(j);
    return xerr_make(err, EINVAL, "%s: not a JSON object (line %d: %s)", path, jerr.line,
                     jerr.text);
  }
  *out = j;
  return 0;
}

static int save_config(const char *path, json_t *config, json_t *changes, struct xerr *err) {
  json_t *linux = json_object_get(config, "linux");
  if (!json_is_object(linux)) {
    linux = json_object();
    json_object_set_new(config, "linux", linux);
  }
  json_t *res = json_object_get(linux, "resources");
  if (!json_is_object(res)) {
    res = json_object();
    json_object_set_new(linux, "resources", res);
  }
  if (res == NULL || merge_into(res, changes) < 0)
    return xerr_make(err, ENOMEM, "update %s", path);
  cleanup_free char *text = json_dumps(config, JSON_COMPACT);
  if (text == NULL)
    return xerr_make(err, ENOMEM, "update %s", path);
  return write_state_file(path, text, strlen(text), 0600, err);
}

int xrun_update(const char *root, const char *id, json_t *resources, struct xerr *err) {
  if (!json_is_object(resources))
    return xerr_make(err, EINVAL, "linux.resources: expected a JSON object");
  cleanup_state struct container_state *st = NULL;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  char dir[PATH_MAX], cfg_path[PATH_MAX + 16];
  if (state_dir_path(root, id, dir, sizeof dir, err) < 0)
    return -1;
  snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
  /* One update at a time per container: each reads, merges and rewrites
   * the saved config. */
  cleanup_close int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0)
    return xerr_make(err, errno, "open %s", dir);
  if (flock(lock, LOCK_EX) < 0)
    return xerr_make(err, errno, "lock %s", dir);
  enum container_status s = state_status(root, st);
  if (s != STATUS_CREATED && s != STATUS_RUNNING && s != STATUS_PAUSED)
    return xerr_make(err, 0, "container not running");
  if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
    return xerr_make(err, ENOENT, "container %s has no cgroup", id);

  json_auto_t *changes = NULL, *config = NULL, *apply = NULL, *undo = NULL;
  if (normalize(resources, "", &changes, err) < 0)
    return -1;
  if (load_config(cfg_path, &config, err) < 0)
    return -1;
  json_t *saved = json_at(config, "linux.resources");
  if (json_object_size(changes) == 0)
    return 0; /* nothing to change (runc succeeds too) */
  apply = json_deep_copy(changes);
  undo = json_object();
  if (apply == NULL || undo == NULL)
    return xerr_make(err, ENOMEM, "update");
  if (add_partners(apply, saved, err) < 0)
    return -1;
  /* Memory made unlimited with swap unnamed: the cgroup code lifts the
   * memory+swap limit too (where the kernel has one); record that. */
  if (int_at(changes, "memory.limit") == -1 && json_at(changes, "memory.swap") == NULL &&
      json_set_at(changes, "memory.swap", json_integer(-1)) < 0)
    return xerr_make(err, ENOMEM, "update");
  struct undo_ctx u = {.saved = saved, .undo = undo};
  if (for_each_leaf(apply, "", add_undo, &u) < 0 || for_each_leaf(changes, "", add_undo, &u) < 0)
    return xerr_make(err, ENOMEM, "update");

  cleanup_cgroup struct cgroup *cg = NULL;
  if (cgroup_open(st->cgroup_path, &cg, err) < 0)
    return -1;
  if (check_before_update(cg, apply, err) < 0)
    return -1;
  /* cgroup_set_resources checks the whole request before its first
   * write; a refusal after that leaves earlier writes to undo. */
  if (cgroup_set_resources(cg, apply, err) < 0) {
    undo_changes(cg, undo);
    return -1;
  }
  if (save_config(cfg_path, config, changes, err) < 0) {
    undo_changes(cg, undo);
    return xerr_wrap(err, "save the new resources of %s", id);
  }
  return 0;
}

/* ------------------------------------------------------- size strings */

int xrun_parse_memory_size(const char *s, int64_t *out) {
  if (strcmp(s, "-1") == 0) {
    *out = -1;
    return 0;
  }
  /* docker/go-units RAMInBytes: "<number>[ ][kmgtp][i][b]", binary units,
   * case-insensitive; the number may have a fraction. */
  const char *p = s;
  if (*p < '0' || *p > '9')
    return -1;
  while (*p >= '0' && *p <= '9')
    p++;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return -1;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  size_t numlen = (size_t)(p - s);
  if (*p == ' ')
    p++;
  static const char units[] = "kmgtp";
  long double mult = 1;
  const char *u = *p ? strchr(units, *p | 0x20) : NULL;
  if (u != NULL) {
    for (const char *q = units; q <= u; q++)
      mult *= 1024;
    p++;
    if ((*p | 0x20) == 'i')
      p++;
  }
  if ((*p | 0x20) == 'b')
    p++;
  if (*p != '\0' || numlen >= 64)
    return -1;
  char num[64];
  memcpy(num, s, numlen);
  num[numlen] = '\0';
  long double v = strtold(num, NULL) * mult;
  if (!isfinite(v) || v >= 9223372036854775807.0L)
    return -1;
  *out = (int64_t)v;
  return 0;
}
