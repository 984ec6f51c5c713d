/* xrun's command line: global options, then one command per file. */
#ifndef XOCKER_CLI_XRUN_CLI_H
#define XOCKER_CLI_XRUN_CLI_H

#include <getopt.h>
#include <stdbool.h>

struct xerr;

struct xrun_globals {
  const char *root;
  bool debug;
};

struct xrun_command {
  const char *name;
  const char *summary;
  int (*run)(const struct xrun_globals *g, int argc, char **argv);
};

/* Each returns the process exit code.  argv[0] is the command name. */
int cmd_create(const struct xrun_globals *g, int argc, char **argv);
int cmd_start(const struct xrun_globals *g, int argc, char **argv);
int cmd_run(const struct xrun_globals *g, int argc, char **argv);
int cmd_state(const struct xrun_globals *g, int argc, char **argv);
int cmd_kill(const struct xrun_globals *g, int argc, char **argv);
int cmd_delete(const struct xrun_globals *g, int argc, char **argv);
int cmd_list(const struct xrun_globals *g, int argc, char **argv);
int cmd_exec(const struct xrun_globals *g, int argc, char **argv);
int cmd_pause(const struct xrun_globals *g, int argc, char **argv);
int cmd_resume(const struct xrun_globals *g, int argc, char **argv);
int cmd_ps(const struct xrun_globals *g, int argc, char **argv);
int cmd_spec(const struct xrun_globals *g, int argc, char **argv);
int cmd_features(const struct xrun_globals *g, int argc, char **argv);
int cmd_update(const struct xrun_globals *g, int argc, char **argv);
int cmd_events(const struct xrun_globals *g, int argc, char **argv);

/* Print err once (stderr and the log) and return 1. */
int cli_fail(const struct xerr *err);
/* Print a usage error ("xrun create: ...") and return 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long over argv for a command: prints runc-style errors for an
 * unknown flag or a missing value.  Returns the option, -1 at the end,
 * '?' on a bad flag (already reported). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* The one positional container id after the flags. */
int cli_require_id(const char *cmd, int argc, char **argv, const char **id);
/* Print a JSON value indented, as runc does. */
void cli_print_json(void *json);

#endif

#include "runtime/xrun.h"

/* Flags shared by create and run; run adds --detach/-d. */
struct create_flags {
  struct xrun_create_opts opts;
  bool detach;
  char bundle_abs[4096];
};
/* Returns 0, or the exit code for a usage error. */
int parse_create_flags(const struct xrun_globals *g, int argc, char **argv, bool allow_detach,
                       struct create_flags *f);
