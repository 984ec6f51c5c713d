/* ps: the container's processes, in the host's `ps` output filtered to
 * the pids of its cgroup (runc's behaviour), or as a JSON array. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"

static bool has_pid(const pid_t *pids, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Column index of PID in ps's header line. */
static int pid_column(const char *header) {
  int col = 0;
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", header);
  char *save = NULL;
  for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), col++)
    if (strcmp(w, "PID") == 0)
      return col;
  return -1;
}

static long field_at(const char *line, int col) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", line);
  char *save = NULL;
  char *w = strtok_r(copy, " \t\n", &save);
  for (int i = 0; w && i < col; i++)
    w = strtok_r(NULL, " \t\n", &save);
  return w ? strtol(w, NULL, 10) : -1;
}

static int run_ps(char **ps_args, int nargs, const pid_t *pids, size_t n) {
  char cmd[4096] = "ps";
  size_t used = 2;
  for (int i = 0; i < nargs; i++) {
    /* Quote each argument for the shell popen uses. */
    used += (size_t)snprintf(cmd + used, sizeof cmd - used, " '");
    for (const char *p = ps_args[i]; *p && used + 5 < sizeof cmd; p++) {
      if (*p == '\'')
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, "'\\''");
      else
        cmd[used++] = *p;
    }
    used += (size_t)snprintf(cmd + used, sizeof cmd - used, "'");
  }
  if (nargs == 0)
    snprintf(cmd, sizeof cmd, "ps -ef");
  FILE *f = popen(cmd, "r");
  if (f == NULL)
    return cli_usage_error("ps", "run %s: %m", cmd);
  char line[4096];
  int col = -1;
  bool header = true;
  while (fgets(line, sizeof line, f)) {
    if (header) {
      col = pid_column(line);
      fputs(line, stdout);
      header = false;
      if (col < 0) {
        pclose(f);
        return cli_usage_error("ps", "couldn't find PID field in ps output");
      }
      continue;
    }
    if (has_pid(pids, n, field_at(line, col)))
      fputs(line, stdout);
  }
  int status = pclose(f);
  return status == 0 ? 0 : 1;
}

int cmd_ps(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  int c;
  while ((c = cli_getopt(argc, argv, "+f:", opts)) != -1) {
    if (c != 'f')
      return 1;
    format = optarg;
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return cli_usage_error(argv[0], "invalid format option \"%s\": use table or json", format);
  const char *id;
  if (cli_require_id(argv[0], argc, argv, &id) != 0)
    return 1;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (xrun_pids(g->root, id, &pids, &n, &err) < 0)
    return cli_fail(&err);
  if (strcmp(format, "json") == 0) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, json_integer(pids[i]));
    char *text = json_dumps(arr, JSON_COMPACT);
    puts(text);
    free(text);
    json_decref(arr);
    return 0;
  }
  return run_ps(argv + optind, argc - optind, pids, n);
}
