/* cgroups for one container, on v1, v2 (unified) or hybrid hosts (v1
 * controllers plus a cgroup2 tree at <root>/unified, as on our machines).
 * Each layout is one implementation of the same small table of functions
 * (cgroup_v1.c, cgroup_v2.c; hybrid = both), picked once by
 * cgroup_detect_layout().  We only ever create, populate and remove our
 * own cgroups and never move any process but the container's. */
#ifndef XOCKER_RUNTIME_CGROUP_H
#define XOCKER_RUNTIME_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xerr;

enum cgroup_layout { CGROUP_LAYOUT_V1, CGROUP_LAYOUT_V2, CGROUP_LAYOUT_HYBRID };

/* Where cgroup filesystems are looked for: "/sys/fs/cgroup" normally; tests
 * point it at a scratch tree.  The environment variable XRUN_CGROUP_ROOT
 * overrides the default. */
const char *cgroup_mount_root(void);

int cgroup_detect_layout(const char *mount_root, enum cgroup_layout *out, struct xerr *err);

/* The cgroup path of a container from config.json's linux.cgroupsPath:
 * absolute paths are used as is; relative ones go under "/xrun/"; NULL or
 * empty gives "/xrun/<id>".  "..", empty components and anything that
 * would leave the hierarchy are an error. */
int cgroup_path_for(const char *cgroups_path, const char *id, char **out, struct xerr *err);

struct cgroup;  /* one container's cgroup in every hierarchy */

/* Create the cgroup (mkdir -p in every hierarchy of the layout) and apply
 * linux.resources (may be NULL).  On failure nothing is left behind. */
int cgroup_create(const char *path, json_t *resources, struct cgroup **out, struct xerr *err);
/* Open an existing container's cgroup (for kill --all, pause, ps, delete). */
int cgroup_open(const char *path, struct cgroup **out, struct xerr *err);
/* Put pid into the cgroup in every hierarchy. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct xerr *err);
/* Apply or change linux.resources of a created/running container. */
int cgroup_set_resources(struct cgroup *cg, json_t *resources, struct xerr *err);
/* Freeze (pause) or thaw (resume); waits until the state is reached. */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct xerr *err);
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct xerr *err);
/* All pids in the cgroup and its descendants (v1: from the pids or freezer
 * hierarchy; v2: unified), in host pid numbers. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct xerr *err);
/* Send sig to every process of the cgroup (kill --all, delete --force).
 * With SIGKILL, freezes first so nothing can fork past it, then thaws. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct xerr *err);
/* Usage figures for `events --stats`, as runc's JSON "data" object. */
int cgroup_stats(struct cgroup *cg, json_t **out, struct xerr *err);
/* How many processes of the cgroup the kernel's OOM killer has killed so
 * far (v1 memory.oom_control, v2 memory.events "oom_kill"); 0 when the
 * kernel does not say.  `events` reports an "oom" event when it grows. */
int cgroup_oom_kills(struct cgroup *cg, uint64_t *count, struct xerr *err);
/* rmdir in every hierarchy (children first); retries briefly on EBUSY
 * while the last processes exit.  Missing directories are fine. */
int cgroup_destroy(struct cgroup *cg, struct xerr *err);
/* The directory of one v1 controller or the unified dir ("" = unified),
 * e.g. for bind-mounting into the container; NULL when absent. */
const char *cgroup_dir(struct cgroup *cg, const char *controller);
enum cgroup_layout cgroup_layout_of(struct cgroup *cg);
const char *cgroup_path(struct cgroup *cg);
void cgroup_free(struct cgroup *cg);

static inline void cgroup_freep(struct cgroup **cg) { cgroup_free(*cg); }
#define cleanup_cgroup __attribute__((cleanup(cgroup_freep)))

#endif
