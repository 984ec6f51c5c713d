/* xocker's command line: global options, a table of commands (main.c), one
 * file per command or command group, and the output helpers every command
 * shares (errors, tables, sizes, durations). */
#ifndef XOCKER_CLI_XOCKER_CLI_H
#define XOCKER_CLI_XOCKER_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xerr;
struct xstore;

struct xocker_globals {
  const char *root;    /* --root / XOCKER_ROOT */
  const char *runroot; /* --runroot / XOCKER_RUNROOT */
  bool debug;
};

typedef int (*xocker_cmd_fn)(const struct xocker_globals *g, int argc, char **argv);

struct xocker_command {
  const char *name;
  const char *summary;
  xocker_cmd_fn run;
};

/* Commands: each returns the exit code; argv[0] is the command name
 * ("images", or "image ls" given as "ls" with the group in g). */
int cmd_images(const struct xocker_globals *g, int argc, char **argv);
int cmd_image_inspect(const struct xocker_globals *g, int argc, char **argv);
int cmd_tag(const struct xocker_globals *g, int argc, char **argv);
int cmd_rmi(const struct xocker_globals *g, int argc, char **argv);
int cmd_history(const struct xocker_globals *g, int argc, char **argv);
int cmd_image_prune(const struct xocker_globals *g, int argc, char **argv);
int cmd_inspect(const struct xocker_globals *g, int argc, char **argv);
/* volumes (volume.c) */
int cmd_volume_create(const struct xocker_globals *g, int argc, char **argv);
int cmd_volume_ls(const struct xocker_globals *g, int argc, char **argv);
int cmd_volume_inspect(const struct xocker_globals *g, int argc, char **argv);
int cmd_volume_rm(const struct xocker_globals *g, int argc, char **argv);
int cmd_volume_prune(const struct xocker_globals *g, int argc, char **argv);
/* registry (pull.c, push.c, login.c) */
int cmd_pull(const struct xocker_globals *g, int argc, char **argv);
int cmd_push(const struct xocker_globals *g, int argc, char **argv);
int cmd_login(const struct xocker_globals *g, int argc, char **argv);
int cmd_logout(const struct xocker_globals *g, int argc, char **argv);
/* archives (save.c, load.c, import.c) */
int cmd_save(const struct xocker_globals *g, int argc, char **argv);
int cmd_load(const struct xocker_globals *g, int argc, char **argv);
int cmd_import(const struct xocker_globals *g, int argc, char **argv);
/* container storage (create.c, mount.c, diff.c, commit.c, rm.c) */
int cmd_create(const struct xocker_globals *g, int argc, char **argv);
int cmd_mount(const struct xocker_globals *g, int argc, char **argv);
int cmd_umount(const struct xocker_globals *g, int argc, char **argv);
int cmd_diff(const struct xocker_globals *g, int argc, char **argv);
int cmd_commit(const struct xocker_globals *g, int argc, char **argv);
int cmd_rm(const struct xocker_globals *g, int argc, char **argv);
/* containers (create.c, lifecycle.c, ps.c, logs.c, attach.c, exec.c) */
int cmd_run(const struct xocker_globals *g, int argc, char **argv);
int cmd_start(const struct xocker_globals *g, int argc, char **argv);
int cmd_stop(const struct xocker_globals *g, int argc, char **argv);
int cmd_restart(const struct xocker_globals *g, int argc, char **argv);
int cmd_kill(const struct xocker_globals *g, int argc, char **argv);
int cmd_pause(const struct xocker_globals *g, int argc, char **argv);
int cmd_unpause(const struct xocker_globals *g, int argc, char **argv);
int cmd_wait(const struct xocker_globals *g, int argc, char **argv);
int cmd_ps(const struct xocker_globals *g, int argc, char **argv);
int cmd_logs(const struct xocker_globals *g, int argc, char **argv);
int cmd_attach(const struct xocker_globals *g, int argc, char **argv);
int cmd_exec(const struct xocker_globals *g, int argc, char **argv);
int cmd_container_inspect(const struct xocker_globals *g, int argc, char **argv);
/* xocker system boot (main.c): engine_boot by hand. */
int cmd_system_boot(const struct xocker_globals *g, int argc, char **argv);
int cmd_container_cleanup(const struct xocker_globals *g, int argc, char **argv);
/* resources of existing containers (update.c) */
int cmd_update(const struct xocker_globals *g, int argc, char **argv);
/* more container commands (top.c, stats.c, port.c, cp.c, rename.c, export.c,
 * container_prune.c, events.c) */
int cmd_top(const struct xocker_globals *g, int argc, char **argv);
int cmd_stats(const struct xocker_globals *g, int argc, char **argv);
int cmd_port(const struct xocker_globals *g, int argc, char **argv);
int cmd_cp(const struct xocker_globals *g, int argc, char **argv);
int cmd_rename(const struct xocker_globals *g, int argc, char **argv);
int cmd_export(const struct xocker_globals *g, int argc, char **argv);
int cmd_container_prune(const struct xocker_globals *g, int argc, char **argv);
int cmd_events(const struct xocker_globals *g, int argc, char **argv);

/* networks (network.c) */
int cmd_network_create(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_ls(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_inspect(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_rm(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_prune(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_connect(const struct xocker_globals *g, int argc, char **argv);
int cmd_network_disconnect(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_create(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_ls(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_inspect(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_start(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_stop(const struct xocker_globals *g, int argc, char **argv);
int cmd_pod_rm(const struct xocker_globals *g, int argc, char **argv);
int cmd_container_net_up(const struct xocker_globals *g, int argc, char **argv);
int cmd_container_net_down(const struct xocker_globals *g, int argc, char **argv);

/* ---- shared helpers (main.c, output.c) ---- */

/* Open the store named by the globals; on failure prints the error and
 * returns NULL. */
struct xstore *cli_open_store(const struct xocker_globals *g);
/* "Error: <msg>" on stderr; returns 1. */
int cli_error(const struct xerr *err);
/* What Docker's daemon would have refused: "Error response from daemon:
 * <msg>" on stderr; returns 1. */
int cli_daemon_error(const struct xerr *err);
int cli_daemon_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Docker's usage error: "<msg>\nSee 'xocker CMD --help'." and exit 125. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long for a command (options may follow arguments, as with
 * Docker's CLI, until "--"): '?' after printing Docker's message for an
 * unknown flag or a missing value. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* prune's question: "WARNING! <warning>" and "Are you sure you want to
 * continue? [y/N] " on stdout; true when the answer starts with y or Y. */
bool cli_confirm(const char *warning);
/* "k=v" into obj as a string member ("k" alone is k=""): Docker's --label
 * and --opt values. */
void cli_put_key_value(void *obj, const char *kv);
/* inspect's loop (inspect.c) over the names argv[optind..]: each one's
 * document from doc_for (a json_t *; NULL with err filled is "Error: <msg>"
 * on stderr, exit code 1, and the next name), printed with the --format
 * template or gathered into one JSON array printed at the end. */
typedef void *(*cli_inspect_doc)(struct xstore *s, const char *name, void *ctx, struct xerr *err);
int cli_inspect_each(struct xstore *s, int argc, char **argv, const char *format,
                     cli_inspect_doc doc_for, void *ctx);
/* Print a JSON value indented by 4, as `docker inspect` does. */
void cli_print_json(void *json);

/* Docker's human sizes: 4.26MB, 128kB (decimal units, 3 significant digits). */
void human_size(int64_t bytes, char *buf, size_t len);
/* Docker's human durations: "Less than a second", "3 seconds", "About a
 * minute", "2 weeks". */
void human_duration(int64_t seconds, char *buf, size_t len);
/* "2 weeks ago" from a unix time. */
void human_since(int64_t unix_time, char *buf, size_t len);
/* Parse an RFC 3339 time ("2024-01-02T03:04:05.123Z") to unix seconds; -1
 * when it cannot. */
int64_t parse_rfc3339(const char *s);

/* Tables aligned like Docker's tabwriter (min width 10, padding 3). */
struct table;
struct table *table_new(size_t columns);
/* Add a row of `columns` strings (copied). */
void table_add(struct table *t, const char *const *cells);
void table_print(struct table *t);
void table_free(struct table *t);

/* Run action on each container named in argv[optind..]: the store is
 * opened once, each name looked up (full id, name, unique prefix); an error
 * is printed and the loop goes on.  A name that does not exist is skipped
 * silently with ignore_missing (rm -f).  Returns the exit code: 1 if any
 * name failed, else 0.  action returns 0 or -1 with err filled; arg is the
 * name as the user gave it. */
struct container_record;
typedef int (*container_action)(struct xstore *s, struct container_record *rec, const char *arg,
                                void *ctx, struct xerr *err);
int cli_for_each_container(const struct xocker_globals *g, int argc, char **argv,
                           container_action action, void *ctx, bool ignore_missing);

/* The store and the container named (printing the error: NULL). */
struct xstore *cli_open_container(const struct xocker_globals *g, const char *name,
                                  struct container_record *rec);
/* Docker's --since/--until values (an RFC 3339 time, a unix time, a
 * duration before now) as unix nanoseconds; -1 when it is none of them. */
int cli_parse_time_nanos(const char *v, int64_t *out);

/* A short (12 hex) id from "sha256:<hex>" or "<hex>". */
void short_id(const char *id, char out[13]);

#endif
