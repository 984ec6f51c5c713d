/* libxrun: the OCI runtime operations behind xrun's commands.  Each takes
 * the state root and a container id and reports failure through xerr. */
#ifndef XOCKER_RUNTIME_XRUN_H
#define XOCKER_RUNTIME_XRUN_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct xerr;

struct xrun_create_opts {
  const char *root;            /* state root, e.g. /run/xrun */
  const char *id;
  const char *bundle;          /* absolute */
  const char *console_socket;  /* --console-socket path, or NULL */
  int console_fd;              /* an already connected console socket, or -1 */
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
};

/* Build the whole container and leave its init waiting for start. */
int xrun_create(const struct xrun_create_opts *o, pid_t *pid, struct xerr *err);
int xrun_start(const char *root, const char *id, struct xerr *err);
/* create + start; in the foreground wait for the init, forwarding signals
 * (and the terminal), then delete; *exit_code is the shell-style status. */
int xrun_run(const struct xrun_create_opts *o, bool detach, int *exit_code, struct xerr *err);
int xrun_kill(const char *root, const char *id, int sig, bool all, struct xerr *err);
int xrun_delete(const char *root, const char *id, bool force, struct xerr *err);
int xrun_state(const char *root, const char *id, json_t **out, struct xerr *err);
/* Array of state objects of every container under root. */
int xrun_list(const char *root, json_t **out, struct xerr *err);
int xrun_pause(const char *root, const char *id, struct xerr *err);
int xrun_resume(const char *root, const char *id, struct xerr *err);
int xrun_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct xerr *err);

struct xrun_exec_opts {
  const char *root;
  const char *id;
  struct oci_process *process;
  const char *console_socket;
  const char *pid_file;
  bool detach;
  int preserve_fds;
};
/* The container's saved config.process, as a base for `exec ARGS`. */
int xrun_exec_default_process(const char *root, const char *id, json_t **out, struct xerr *err);
int xrun_exec(const struct xrun_exec_opts *o, int *exit_code, struct xerr *err);

/* Wait for pid in the foreground: forward signals, pump the terminal
 * (master >= 0), reap every child; returns the shell-style exit code. */
int foreground_wait(pid_t pid, int master, int *exit_code, struct xerr *err);
/* Signals foreground_wait forwards, blocked before the child is made. */
void foreground_block_signals(void);
/* In a child: undo what xrun changed in the signal state before exec. */
void reset_signals_for_exec(void);

/* update: change linux.resources of a created, running or paused
 * container.  resources holds what changes, as a linux.resources object
 * (0 and "" leave a field as it is, as runc reads them).  Checked whole
 * before the first cgroup write, undone if the kernel refuses part of it,
 * then merged into the saved config.json. */
int xrun_update(const char *root, const char *id, json_t *resources, struct xerr *err);
/* A memory size as runc's and docker's flags read it: "512m", "1g",
 * "1.5GiB", "4096" (bytes, binary units, any case) or "-1" (unlimited).
 * Returns -1 when s is not one. */
int xrun_parse_memory_size(const char *s, int64_t *out);

/* events: runc's event objects {"type","id","data"}.  xrun_stats gives
 * the "data" of a stats event (cgroup_stats) of a live container. */
int xrun_stats(const char *root, const char *id, json_t **out, struct xerr *err);
/* A new event object; data (may be NULL) is taken over. */
json_t *xrun_event_new(const char *type, const char *id, json_t *data);
/* The event stream of one container: a "stats" event every interval_ms
 * and an "oom" event for each process the OOM killer kills. */
struct xrun_events;
int xrun_events_open(const char *root, const char *id, unsigned interval_ms,
                     struct xrun_events **out, struct xerr *err);
/* Wait for the next event: returns 1 with *event (a new reference), 0
 * once the container has stopped (after its last "oom" event), -1 on
 * error. */
int xrun_events_next(struct xrun_events *ev, json_t **event, struct xerr *err);
void xrun_events_free(struct xrun_events *ev);

#endif
