/* Removing a container, and the monitor's clean-up after it exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/events.h"
#include "engine/mounts.h"
#include "image/store.h"
#include "runtime/xrun.h"
#include "engine/netsetup.h"
#include "storage/container.h"

/* Storage, runtime leftovers, run directory, volumes it made. */
static int remove_all(struct xstore *s, const struct container_record *c, bool volumes,
                      struct xerr *err) {
  char root[4096], rundir[4096];
  engine_xrun_root(s, root, sizeof root);
  engine_rundir(s, c->id, rundir, sizeof rundir);
  struct xerr ignored = {0};
  xrun_delete(root, c->id, true, &ignored);
  netsetup_release(s, c->id, &ignored);
  json_t *rec = engine_record_config(c);
  int r = container_remove(s, c, err);
  if (r == 0) {
    engine_event(s, "destroy", c, NULL);
    remove_tree_at(AT_FDCWD, rundir, &ignored);
    json_t *mounts = json_object_get(rec, "Mounts");
    if (mounts && mounts_release(s, mounts, volumes, err) < 0)
      r = -1;
  }
  json_decref(rec);
  return r;
}

int engine_remove(struct xstore *s, const struct container_record *c, bool force, bool volumes,
                  struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  if (cstate_running(&st)) {
    if (!force) {
      if (strcmp(st.status, "paused") == 0)
        return xerr_set(err, EBUSY,
                        "You cannot remove a paused container %s. Unpause and then stop the "
                        "container before attempting removal or force remove",
                        c->id);
      return xerr_set(err, EBUSY,
                      "You cannot remove a running container %s. Stop the container before "
                      "attempting removal or force remove",
                      c->id);
    }
    if (engine_stop(s, c, 0, err) < 0)
      return -1;
  }
  return remove_all(s, c, volumes, err);
}

int engine_cleanup(struct xstore *s, const struct container_record *c, struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, c->id, &st, err) < 0)
    return -1;
  /* Started again meanwhile: nothing to clean. */
  if (cstate_running(&st))
    return 0;
  engine_event_code(s, "die", c, "exitCode", st.exit_code);
  json_t *rec = engine_record_config(c);
  bool auto_remove = json_is_true(json_object_get(json_object_get(rec, "HostConfig"), "AutoRemove"));
  json_decref(rec);
  if (auto_remove)
    return remove_all(s, c, true, err);
  return container_unmount(s, c, err);
}
