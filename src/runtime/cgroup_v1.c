/* cgroup v1, and hybrid hosts: v1 controllers do the work; the cgroup2
 * tree at <root>/unified (no controllers, or only a few) just tracks the
 * container's processes, and takes linux.resources.unified. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

/* A new cpuset cgroup starts with empty cpus and mems, and no task can
 * join it until they are set: copy them down from the nearest ancestor
 * that has them, top-down, as crun does. */
static int cpuset_fill(const char *mount, const char *dir, const char *file, struct xerr *err) {
  cleanup_free char *value = NULL;
  if (cgroup_read(dir, file, &value, err) < 0) {
    /* A scratch tree without the knob: nothing to copy. */
    return err && err->errnum == ENOENT ? 0 : -1;
  }
  if (value[0] != '\0' || strcmp(dir, mount) == 0)
    return 0;
  char parent[4096];
  snprintf(parent, sizeof parent, "%s", dir);
  char *slash = strrchr(parent, '/');
  if (slash == NULL)
    return 0;
  *slash = '\0';
  if (cpuset_fill(mount, parent, file, err) < 0)
    return -1;
  cleanup_free char *from_parent = NULL;
  if (cgroup_read(parent, file, &from_parent, err) < 0)
    return -1;
  if (from_parent[0] == '\0')
    return 0;
  return cgroup_write(dir, file, from_parent, err);
}

static int v1_prepare(struct cgroup *cg, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "cpuset");
  if (h == NULL)
    return 0;
  if (cpuset_fill(h->mount, h->dir, "cpuset.cpus", err) < 0 ||
      cpuset_fill(h->mount, h->dir, "cpuset.mems", err) < 0)
    return -1;
  return 0;
}

static int v1_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err);

static int hybrid_set_resources(struct cgroup *cg, const struct cgroup_resources *r,
                                bool creating, struct xerr *err) {
  if (v1_set_resources(cg, r, creating, err) < 0)
    return -1;
  struct cgroup_hier *u = cgroup_unified_hier(cg);
  if (r->unified && json_object_size(r->unified) > 0)
    return cgroup_v2_write_unified(u->dir, r->unified, err);
  return 0;
}

/* ------------------------------------------------------------- freezer */

static bool v1_can_freeze(struct cgroup *cg) { return cgroup_find_hier(cg, "freezer") != NULL; }

static bool hybrid_can_freeze(struct cgroup *cg) {
  /* cgroup2's core freezer works even in a tree without controllers. */
  return v1_can_freeze(cg) || cgroup_unified_hier(cg) != NULL;
}

static int freezer_state(const char *dir, char **state, struct xerr *err) {
  return cgroup_read(dir, "freezer.state", state, err);
}

static int v1_freeze_dir(const char *dir, bool frozen, struct xerr *err) {
  const char *want = frozen ? "FROZEN" : "THAWED";
  if (cgroup_write(dir, "freezer.state", want, err) < 0)
    return -1;
  /* Freezing takes effect task by task; the state reads FREEZING until
   * the last one is frozen.  A task stuck in the kernel can hold it there
   * for a while: writing FROZEN again re-kicks it.  ~2 s in all. */
  long wait = 100;
  for (int i = 0; i < 60; i++) {
    cleanup_free char *state = NULL;
    if (freezer_state(dir, &state, err) < 0)
      return -1;
    if (strcmp(state, want) == 0)
      return 0;
    cgroup_sleep_us(wait);
    wait = wait * 2 > 50000 ? 50000 : wait * 2;
    if (i % 10 == 9 && cgroup_write(dir, "freezer.state", want, err) < 0)
      return -1;
  }
  if (frozen) {
    struct xerr ignored;
    cgroup_write(dir, "freezer.state", "THAWED", &ignored);
  }
  return xerr_make(err, EBUSY, "%s/freezer.state: timed out waiting for %s", dir, want);
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "freezer");
  if (h == NULL)
    return xerr_make(err, ENOTSUP, "the freezer cgroup controller is not mounted");
  return v1_freeze_dir(h->dir, frozen, err);
}

static int hybrid_freeze(struct cgroup *cg, bool frozen, struct xerr *err) {
  if (v1_can_freeze(cg))
    return v1_freeze(cg, frozen, err);
  return cgroup_v2_freeze_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v1_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "freezer");
  if (h == NULL) {
    *frozen = false;
    return 0;
  }
  cleanup_free char *state = NULL;
  if (freezer_state(h->dir, &state, err) < 0)
    return -1;
  /* FREEZING counts as paused: a pause was asked for and not undone. */
  *frozen = strcmp(state, "THAWED") != 0;
  return 0;
}

static int hybrid_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err) {
  if (v1_can_freeze(cg))
    return v1_is_frozen(cg, frozen, err);
  return cgroup_v2_is_frozen_dir(cgroup_unified_hier(cg)->dir, frozen, err);
}

static int v1_kill_fast(struct cgroup *cg, int sig, struct xerr *err) {
  (void)cg, (void)sig, (void)err;
  return 0;
}

/* pids lists exactly the container's processes; freezer too; failing
 * both, any hierarchy the container was entered into will do. */
static struct cgroup_hier *v1_pids_hier(struct cgroup *cg) {
  struct cgroup_hier *h = cgroup_find_hier(cg, "pids");
  if (h == NULL)
    h = cgroup_find_hier(cg, "freezer");
  if (h == NULL)
    h = cgroup_find_hier(cg, "memory");
  if (h == NULL)
    h = cgroup_unified_hier(cg);
  if (h == NULL && cg->n_hier > 0)
    h = &cg->hier[0];
  return h;
}

/* ----------------------------------------------------------- resources */

static int v1_set_resources(struct cgroup *cg, const struct cgroup_resources *r, bool creating,
                            struct xerr *err) {
  (void)cg, (void)creating, (void)err;
  if (r->unified && json_object_size(r->unified) > 0 && cg->layout == CGROUP_LAYOUT_V1)
    return xerr_make(err, ENOTSUP,
                     "linux.resources.unified: cgroup v2 is not available on this host");
  return 0;
}

static int v1_stats(struct cgroup *cg, json_t *data, struct xerr *err) {
  (void)cg, (void)data, (void)err;
  return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
    .prepare = v1_prepare,
    .set_resources = v1_set_resources,
    .can_freeze = v1_can_freeze,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill_fast = v1_kill_fast,
    .pids_hier = v1_pids_hier,
    .stats = v1_stats,
};

const struct cgroup_ops cgroup_hybrid_ops = {
    .prepare = v1_prepare,
    .set_resources = hybrid_set_resources,
    .can_freeze = hybrid_can_freeze,
    .freeze = hybrid_freeze,
    .is_frozen = hybrid_is_frozen,
    .kill_fast = v1_kill_fast,
    .pids_hier = v1_pids_hier,
    .stats = v1_stats,
};
