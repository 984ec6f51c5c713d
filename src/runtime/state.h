/* The runtime state of one container: <root>/<id>/state.json (written
 * atomically), a copy of the config it was created from, and the exec.fifo
 * that holds the init process between create and start. */
#ifndef XOCKER_RUNTIME_STATE_H
#define XOCKER_RUNTIME_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/proc.h"

struct xerr;

#define XRUN_DEFAULT_ROOT "/run/xrun"
#define OCI_VERSION "1.0.2-dev"

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_PAUSED, STATUS_STOPPED };

struct container_state {
  char *id;
  char *bundle;
  char *rootfs;
  char *cgroup_path;
  char *created;        /* RFC 3339 */
  pid_t pid;
  uint64_t start_time;  /* field 22 of /proc/PID/stat, to tell a reused pid */
  uid_t owner;
  json_t *annotations;  /* owned, may be NULL */
  bool has_user_ns;     /* exec must join it first */
  bool has_pid_ns_new;
};

const char *status_name(enum container_status s);

/* Check an id: not empty, at most 1024 bytes, only [A-Za-z0-9_+.-], and
 * not "." or "..". */
int container_id_validate(const char *id, struct xerr *err);

/* <root>/<id> */
int state_dir_path(const char *root, const char *id, char *buf, size_t len, struct xerr *err);
int state_save(const char *root, const struct container_state *st, struct xerr *err);
/* "container ID does not exist" when missing. */
int state_load(const char *root, const char *id, struct container_state **out, struct xerr *err);
void state_free(struct container_state *st);
/* created / running / paused / stopped, from the process and the fifo. */
enum container_status state_status(const char *root, const struct container_state *st);
/* Whether st->pid is still our init (alive and same start time). */
bool state_process_alive(const struct container_state *st);
/* The spec's state JSON (ociVersion, id, status, pid, bundle, annotations,
 * plus runc's rootfs, created, owner). */
json_t *state_to_json(const struct container_state *st, enum container_status status);
/* --pid-file: the pid as text, written atomically (runc's format). */
int pid_file_write(const char *path, pid_t pid, struct xerr *err);

static inline void state_freep(struct container_state **s) { state_free(*s); }
#define cleanup_state __attribute__((cleanup(state_freep)))

#endif
