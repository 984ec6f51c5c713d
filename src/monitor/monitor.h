/* xocker-monitor: one small process per running container (the engine's
 * conmon). It creates and starts the container with xrun, owns its stdio
 * or pty, writes the json-file log, serves attach clients, records the
 * exit, applies the restart policy, and at the end runs the engine's
 * cleanup command. It links nothing but libc so that it stays under about
 * 1 MiB of RSS; see ARCHITECTURE.md, "The engine". */
#ifndef XOCKER_MONITOR_MONITOR_H
#define XOCKER_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum restart_policy { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED, RESTART_ON_FAILURE };

struct monitor_opts {
  const char *id, *bundle, *xrun, *xrun_root, *rundir, *state_path;
  const char *log_path;      /* NULL: --log-driver none */
  int64_t log_max_size;      /* bytes, 0: no rotation */
  int log_max_file;
  bool tty, stdin_open, stdin_once;
  enum restart_policy restart;
  int restart_max;           /* on-failure:N, 0: no limit */
  const char *oom_files[2];  /* memory.oom_control (v1) or memory.events (v2) */
  char **cleanup_argv;       /* run (exec) at the very end; may be NULL */
};

/* ---- the json-file log (jsonlog.c) ---- */
struct jsonlog;
struct jsonlog *jsonlog_open(const char *path, int64_t max_size, int max_file);
/* Add output of stream ("stdout"/"stderr"); whole lines are written as
 * Docker's {"log":...,"stream":...,"time":...} lines. */
void jsonlog_write(struct jsonlog *l, int stream, const char *buf, size_t len);
/* Write what is left of an unfinished line. */
void jsonlog_flush(struct jsonlog *l);
void jsonlog_close(struct jsonlog *l);

/* ---- attach clients (attach.c) ---- */
struct attach_server;
struct attach_server *attach_listen(const char *path);
int attach_listen_fd(const struct attach_server *a);
/* Accept one client (after poll said the listening socket is readable). */
void attach_accept(struct attach_server *a);
/* Accept everyone already waiting, with their first byte: the clients
 * that connected before the container starts must see all its output. */
void attach_accept_pending(struct attach_server *a);
/* Poll set of the clients: fills fds (at most max), returns how many. */
size_t attach_poll_fds(const struct attach_server *a, int *fds, size_t max);
/* Handle input from client fd: stdin data goes to stdin_fd (closed and set
 * to -1 on EOF when stdin_once), resizes to the pty. */
void attach_client_input(struct attach_server *a, int fd, int *stdin_fd, bool stdin_once, int pty);
void attach_broadcast(struct attach_server *a, int type, const char *buf, size_t len);
/* Send the exit frame to everyone and hang up; how many got it. */
size_t attach_finish(struct attach_server *a, int exit_code);

/* ---- state.json (state.c) ---- */
struct monitor_state {
  const char *status;        /* running, restarting, exited */
  pid_t pid;
  int exit_code;
  bool oom_killed;
  char error[512];
  char started_at[40], finished_at[40];
  int restart_count;
};
int state_write(const char *path, const struct monitor_state *st);

#endif
