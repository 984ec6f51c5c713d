/* After a reboot (the run directory is new) or when asked (`xocker system
 * boot`): containers whose monitors are gone are recorded as exited, and
 * those with restart policy always, or unless-stopped and not stopped by
 * the user, are started again, as dockerd does when it starts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"

static bool wants_restart(struct xstore *s, const struct container_record *c) {
  json_t *rec = engine_record_config(c);
  const char *policy = json_string_value(
      json_object_get(json_object_get(json_object_get(rec, "HostConfig"), "RestartPolicy"), "Name"));
  bool always = policy && strcmp(policy, "always") == 0;
  bool unless = policy && strcmp(policy, "unless-stopped") == 0;
  json_decref(rec);
  if (always)
    return true;
  if (!unless)
    return false;
  char marker[4200];
  engine_container_dir(s, c->id, marker, sizeof marker);
  strncat(marker, "/stopped", sizeof marker - strlen(marker) - 1);
  return access(marker, F_OK) != 0;
}

int engine_boot(struct xstore *s, int *restarted, struct xerr *err) {
  struct container_record *all = NULL;
  size_t n = 0;
  *restarted = 0;
  if (container_list(s, &all, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n; i++) {
    struct cstate st;
    struct xerr one = {0};
    if (cstate_load(s, all[i].id, &st, &one) < 0 || cstate_running(&st))
      continue;
    if (strcmp(st.status, "exited") != 0 || !wants_restart(s, &all[i]))
      continue;
    if (engine_start(s, &all[i], &one) < 0) {
      *err = one;
      ret = -1;
      continue;
    }
    (*restarted)++;
  }
  container_list_free(all, n);
  return ret;
}

int engine_boot_once(struct xstore *s, struct xerr *err) {
  char marker[4200];
  snprintf(marker, sizeof marker, "%s/booted", s->runroot);
  if (access(marker, F_OK) == 0)
    return 0;
  if (mkdir_p(s->runroot, 0700, err) < 0)
    return -1;
  int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno == EEXIST ? 0 : xerr_make(err, errno, "create %s", marker);
  close(fd);
  int restarted;
  return engine_boot(s, &restarted, err);
}
