/* cgroup v2 (unified): one hierarchy, controllers enabled top-down through
 * cgroup.subtree_control, a core freezer (cgroup.freeze) and cgroup.kill. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

static bool word_in(const char *words, const char *word) {
  size_t len = strlen(word);
  for (const char *p = words; (p = strstr(p, word)) != NULL; p += len) {
    bool start = p == words || p[-1] == ' ' || p[-1] == '\n';
    bool end = p[len] == '\0' || p[len] == ' ' || p[len] == '\n';
    if (start && end)
      return true;
  }
  return false;
}

/* Enable in dir's subtree_control every controller dir offers and has not
 * enabled yet.  When the batch write fails (one controller refused, e.g.
 * cpu with realtime tasks around, or EBUSY in a cgroup with processes),
 * try them one by one and go on: a controller that stays off shows up
 * later as a missing knob naming its file. */
static int enable_level(const char *dir, struct xerr *err) {
  cleanup_free char *avail = NULL, *enabled = NULL;
  struct xerr ignored;
  if (cgroup_read(dir, "cgroup.controllers", &avail, &ignored) < 0 ||
      cgroup_read(dir, "cgroup.subtree_control", &enabled, &ignored) < 0)
    return 0; /* a scratch level without the files */
  char want[512] = "";
  size_t used = 0;
  char *save = NULL;
  for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
    if (word_in(enabled, c))
      continue;
    int n = snprintf(want + used, sizeof want - used, "%s+%s", used ? " " : "", c);
    if (n < 0 || (size_t)n >= sizeof want - used)
      break;
    used += (size_t)n;
  }
  if (used == 0)
    return 0;
  if (cgroup_write(dir, "cgroup.subtree_control", want, &ignored) == 0)
    return 0;
  save = NULL;
  for (char *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save))
    if (cgroup_write(dir, "cgroup.subtree_control", c, &ignored) < 0)
      xlog_debug("cgroup %s: cannot enable %s: %s", dir, c + 1, ignored.msg);
  (void)err;
  return 0;
}

/* Controllers must be enabled at every level above the container's
 * cgroup, from the root down, for its knobs to exist. */
static int v2_prepare(struct cgroup *cg, struct xerr *err) {
  struct cgroup_hier *h = cgroup_unified_hier(cg);
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", h->dir);
  char *last = strrchr(buf, '/');
  for (char *p = buf + strlen(h->mount);; p = strchr(p + 1, '/')) {
    char saved = *p;
    *p = '\0';
    int r = enable_level(buf, err);
    *p = saved;
    if (r < 0)
      return -1;
    if (p == last)
      break;
  }
  return 0;
}

static int v2_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err) {
  (void)creating;
  struct cgroup_hier *h = cgroup_unified_hier(cg);
  if (r->unified && json_object_size(r->unified) > 0)
    return cgroup_v2_write_unified(h->dir, r->unified, err);
  return 0;
}

/* ------------------------------------------------------------- unified */

int cgroup_v2_write_unified(const char *dir, json_t *unified, struct xerr *err) {
  const char *key;
  json_t *value;
  json_object_foreach(unified, key, value) {
    /* The key is a file name in the container's own cgroup, nothing else. */
    if (key[0] == '\0' || key[0] == '.' || strchr(key, '/') != NULL)
      return xerr_make(err, EINVAL, "linux.resources.unified.%s: invalid cgroup file name", key);
    if (!json_is_string(value))
      return xerr_make(err, EINVAL, "linux.resources.unified.%s: expected a string", key);
    if (cgroup_write(dir, key, json_string_value(value), err) < 0) {
      if (err && err->errnum == ENOENT)
        return xerr_make(err, ENOENT,
                         "linux.resources.unified.%s: no such cgroup file (is its controller "
                         "enabled?)",
                         key);
      return xerr_wrap(err, "linux.resources.unified.%s", key);
    }
  }
  return 0;
}

/* ------------------------------------------------------------- freezer */

static int events_frozen(const char *dir, bool *frozen, struct xerr *err) {
  cleanup_free char *events = NULL;
  if (cgroup_read(dir, "cgroup.events", &events, err) < 0)
    return -1;
  const char *f = strstr(events, "frozen ");
  *frozen = f != NULL && f[7] == '1';
  return 0;
}

int cgroup_v2_freeze_dir(const char *dir, bool frozen, struct xerr *err) {
  if (!cgroup_file_exists(dir, "cgroup.freeze"))
    return xerr_make(err, ENOTSUP, "%s: the kernel has no cgroup.freeze", dir);
  if (cgroup_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  /* cgroup.events says "frozen 1" once every task has stopped. */
  long wait = 100;
  for (int i = 0; i < 60; i++) {
    bool now;
    if (events_frozen(dir, &now, err) < 0)
      return -1;
    if (now == frozen)
      return 0;
    cgroup_sleep_us(wait);
    wait = wait * 2 > 50000 ? 50000 : wait * 2;
  }
  if (frozen) {
    struct xerr ignored;
    cgroup_write(dir, "cgroup.freeze", "0", &ignored);
  }
  return xerr_make(err, EBUSY, "%s/cgroup.events: timed out waiting for frozen %d", dir,
                   frozen ? 1 : 0);
}

int cgroup_v2_is_frozen_dir(const char *dir, bool *frozen, struct xerr *err) {
  cleanup_free char *value = NULL;
  if (!cgroup_file_exists(dir, "cgroup.freeze")) {
    *frozen = false;
    return 0;
  }
  /* The requested state, as runc reports it: "paused" right after pause. */
  if (cgroup_read(dir, "cgroup.freeze", &value, err) < 0)
    return -1;
  *frozen = strcmp(value, "1") == 0;
  return 0;
}

static bool v2_can_freeze(struct cgroup *cg) {
  return cgroup_file_exists(cgroup_unified_hier(cg)->dir, "cgroup.freeze");
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  return cgroup_v2_freeze_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v2_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  return cgroup_v2_is_frozen_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

/* cgroup.kill (5.14+) kills the whole subtree at once, forks included. */
static int v2_kill_fast(struct cgroup *cg, int sig, struct xerr *err) {
  const char *dir = cgroup_unified_hier(cg)->dir;
  if (sig != SIGKILL || !cgroup_file_exists(dir, "cgroup.kill"))
    return 0;
  if (cgroup_write(dir, "cgroup.kill", "1", err) < 0)
    return -1;
  return 1;
}

static struct cgroup_hier *v2_pids_hier(struct cgroup *cg) { return cgroup_unified_hier(cg); }

static int v2_stats(struct cgroup *cg, json_t *data, struct xerr *err) {
  (void)cg, (void)data, (void)err;
  return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
    .prepare = v2_prepare,
    .set_resources = v2_set_resources,
    .can_freeze = v2_can_freeze,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill_fast = v2_kill_fast,
    .pids_hier = v2_pids_hier,
    .stats = v2_stats,
};
