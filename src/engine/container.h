/* The engine's containers: what `xocker create/start/stop/kill/rm/...`
 * do, on top of a container's storage (storage/container.h), its OCI
 * config (ocispec.h, hostconfig.h, mounts.h), the runtime (libxrun) and
 * its monitor (src/monitor).
 *
 * Where things are (ARCHITECTURE.md, "The engine"):
 *   ROOT/containers/<id>/config.json      the OCI config; the dir is the bundle
 *   ROOT/containers/<id>/state.json       status, pid, exit code, times (the monitor writes it)
 *   ROOT/containers/<id>/<id>-json.log    the json-file log
 *   ROOT/containers/<id>/{hostname,hosts,resolv.conf}
 *   RUNROOT/containers/<id>/              attach socket, monitor.pid, `stopped` marker
 *   RUNROOT/xrun/                         the runtime's root
 * The containers table keeps {"Config","HostConfig","Mounts",...} as JSON. */
#ifndef XOCKER_ENGINE_CONTAINER_H
#define XOCKER_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xstore;
struct xerr;
struct container_record;

/* ---- paths (paths.c) ---- */
void engine_container_dir(struct xstore *s, const char *id, char *buf, size_t len);
void engine_rundir(struct xstore *s, const char *id, char *buf, size_t len);
void engine_xrun_root(struct xstore *s, char *buf, size_t len);
/* A program installed next to the running xocker binary (xrun, xocker-monitor). */
int engine_bin_path(const char *name, char *buf, size_t len, struct xerr *err);

/* ---- state (cstate.c) ---- */
struct cstate {
  char status[16];          /* created, running, paused, restarting, exited, dead */
  pid_t pid;                /* the init, 0 when not running */
  int exit_code;
  bool oom_killed;
  char error[512];
  char started_at[40], finished_at[40];  /* RFC 3339, "0001-01-01T00:00:00Z" when never */
  int restart_count;
  pid_t monitor_pid;
  uint64_t monitor_start;
};
#define ZERO_TIME "0001-01-01T00:00:00Z"

/* The state as it is now: a container whose monitor is gone (a reboot, a
 * killed monitor) is put right to "exited" here, its processes killed. */
int cstate_load(struct xstore *s, const char *id, struct cstate *out, struct xerr *err);
int cstate_save(struct xstore *s, const char *id, const struct cstate *st, struct xerr *err);
/* Whether its monitor still runs (it also runs the clean-up after an exit). */
bool cstate_monitor_alive(const struct cstate *st);
/* Wait (up to 30 s) until the last monitor has finished its clean-up, so
 * that a new start does not race it. */
int cstate_wait_monitor_gone(struct xstore *s, const char *id, struct xerr *err);
/* running, paused or restarting: what Docker calls running. */
bool cstate_running(const struct cstate *st);

/* The record's config JSON (Config, HostConfig, Mounts, ...), parsed. */
json_t *engine_record_config(const struct container_record *c);

/* ---- create (create.c) ---- */
struct create_request {
  const char *image;        /* as the user gave it */
  const char *name;         /* NULL: a random name */
  json_t *config;           /* Docker's Config: Cmd, Entrypoint, Env, ... (borrowed) */
  json_t *host_config;      /* Docker's HostConfig (borrowed) */
  json_t *networking;       /* Docker's NetworkingConfig (EndpointsConfig), NULL or borrowed */
  bool keep_mounted;        /* run starts it at once; create leaves it unmounted */
};
int engine_create(struct xstore *s, const struct create_request *req,
                  struct container_record *out, struct xerr *err);

/* The init pid of the running container ref (its full id into id when not
 * NULL); Docker's "cannot join WHAT of a non running container" else. */
int engine_joinable_pid(struct xstore *s, const char *ref, const char *what, pid_t *pid,
                        char id[65], struct xerr *err);
/* Point the bundle's joined namespaces (container:NAME modes) at the other
 * container's current init; an error when it does not run (nsrefresh.c). */
int engine_refresh_joined_namespaces(struct xstore *s, const struct container_record *c,
                                     struct xerr *err);

/* ---- start (start.c) ---- */
struct start_handle {
  int sync_fd;
  pid_t pid;
  char id[65];
  bool engine_cleans;  /* set before engine_start_finish: the caller stays attached
                          and calls engine_cleanup after the exit (run --rm) */
};
/* Spawn the monitor, which creates the container (not yet started). The
 * caller may attach now, then calls engine_start_finish. */
int engine_start_begin(struct xstore *s, const struct container_record *c,
                       struct start_handle *h, struct xerr *err);
int engine_start_finish(struct start_handle *h, struct xerr *err);
/* Both at once; a running container is fine (Docker's start is idempotent). */
int engine_start(struct xstore *s, const struct container_record *c, struct xerr *err);

/* ---- stop, kill, pause (stop.c) ---- */
/* SIGTERM (or the image's StopSignal), SIGKILL after timeout seconds
 * (-1: the container's StopTimeout or 10). A stopped one is fine. */
int engine_stop(struct xstore *s, const struct container_record *c, int timeout, struct xerr *err);
int engine_kill(struct xstore *s, const struct container_record *c, int sig, struct xerr *err);
int engine_pause(struct xstore *s, const struct container_record *c, bool pause, struct xerr *err);
/* Wait until it is no longer running; its exit code. */
int engine_wait(struct xstore *s, const struct container_record *c, int *exit_code,
                struct xerr *err);

/* ---- remove (remove.c) ---- */
/* rm: a running one needs force (then it is killed); volumes: rm -v. */
int engine_remove(struct xstore *s, const struct container_record *c, bool force, bool volumes,
                  struct xerr *err);
/* The monitor's last act: unmount, and remove an AutoRemove container. */
int engine_cleanup(struct xstore *s, const struct container_record *c, struct xerr *err);

/* ---- boot (boot.c) ---- */
/* Put right the containers whose monitors are gone and start again those
 * whose restart policy says so; *restarted counts them. */
int engine_boot(struct xstore *s, int *restarted, struct xerr *err);
/* engine_boot the first time a command runs with this run directory
 * (RUNROOT/booted): after a reboot, /run is new. */
int engine_boot_once(struct xstore *s, struct xerr *err);

/* ---- names (names.c) ---- */
/* Docker's style: adjective_surname. */
void engine_random_name(char *buf, size_t len);

#endif
