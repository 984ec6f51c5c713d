/* xocker top CONTAINER [ps OPTIONS]: the host's `ps` (default -ef), its
 * rows kept to the container's processes (the runtime's cgroup pids), in
 * Docker's table (tab stops of 20, padding 3). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "runtime/xrun.h"
#include "storage/container.h"

extern char **environ;

/* The output of `ps args...`; NULL with err filled. */
static char *run_ps(char **args, struct xerr *err) {
  cleanup_strv char **argv = NULL;
  strv_append(&argv, "ps");
  for (size_t i = 0; args[i]; i++)
    strv_append(&argv, args[i]);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return xerr_make(err, errno, "pipe"), NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  pid_t pid;
  int rc = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return xerr_make(err, rc, "ps"), NULL;
  }
  cleanup_file FILE *in = fdopen(fds[0], "r");
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  char buf[8192];
  size_t n;
  while (in && mem && (n = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, n, mem);
  if (mem)
    fclose(mem);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    xerr_set(err, EINVAL, "ps: exit status %d",
             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    free(text);
    return NULL;
  }
  return text;
}

/* Fields of a line; the last title's column takes the rest (CMD). */
static char **split_row(char *line, size_t ncols) {
  char **cells = NULL;
  char *p = line;
  while (*p) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    if (ncols && strv_length(cells) == ncols - 1) {
      strv_append(&cells, p);
      break;
    }
    char *end = p + strcspn(p, " \t");
    char save = *end;
    *end = '\0';
    strv_append(&cells, p);
    *end = save;
    p = end;
  }
  return cells;
}

static bool has_pid(const pid_t *pids, size_t n, const char *text) {
  char *end;
  long v = strtol(text, &end, 10);
  for (size_t i = 0; !*end && i < n; i++)
    if (pids[i] == v)
      return true;
  return false;
}

/* Docker's tabwriter(minwidth 20, padding 3): every column but the last
 * padded to the widest cell + 3, at least 20. */
static void print_aligned(char ***rows, size_t nrows, size_t ncols) {
  size_t *width = calloc(ncols, sizeof *width);
  for (size_t r = 0; r < nrows; r++)
    for (size_t c = 0; c < ncols && rows[r][c]; c++)
      if (strlen(rows[r][c]) + 3 > width[c])
        width[c] = strlen(rows[r][c]) + 3;
  for (size_t r = 0; r < nrows; r++) {
    for (size_t c = 0; c < ncols && rows[r][c]; c++) {
      bool last = c + 1 == ncols || !rows[r][c + 1];
      if (last) {
        fputs(rows[r][c], stdout);
        break;
      }
      printf("%-*s", (int)(width[c] < 20 ? 20 : width[c]), rows[r][c]);
    }
    putchar('\n');
  }
  free(width);
}

static int show(char *text, const pid_t *pids, size_t npids, struct xerr *err) {
  char *save = NULL;
  char *line = strtok_r(text, "\n", &save);
  if (!line)
    return xerr_set(err, EINVAL, "ps: no output");
  cleanup_strv char **titles = split_row(line, 0);
  size_t ncols = strv_length(titles), pid_col = ncols;
  for (size_t i = 0; i < ncols; i++)
    if (!strcmp(titles[i], "PID"))
      pid_col = i;
  if (pid_col == ncols)
    return xerr_set(err, EINVAL, "Couldn't find PID field in ps output");
  char ***rows = calloc(1, sizeof *rows);
  size_t nrows = 1;
  rows[0] = steal_pointer(&titles);
  while ((line = strtok_r(NULL, "\n", &save))) {
    char **cells = split_row(line, ncols);
    if (strv_length(cells) > pid_col && has_pid(pids, npids, cells[pid_col])) {
      rows = realloc(rows, (nrows + 1) * sizeof *rows);
      rows[nrows++] = cells;
    } else {
      cleanup_strv_fn(&cells);
    }
  }
  print_aligned(rows, nrows, ncols);
  for (size_t r = 0; r < nrows; r++)
    cleanup_strv_fn(&rows[r]);
  free(rows);
  return 0;
}

static int top(struct xstore *s, const struct container_record *rec, char **ps_args,
               struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, rec->id, &st, err) < 0)
    return -1;
  if (!cstate_running(&st) || !strcmp(st.status, "restarting"))
    return xerr_set(err, EINVAL, "container %s is not running",
                    rec->id);
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  pid_t *pids = NULL;
  size_t npids = 0;
  if (xrun_pids(root, rec->id, &pids, &npids, err) < 0)
    return -1;
  cleanup_free char *text = run_ps(ps_args, err);
  int r = text ? show(text, pids, npids, err) : -1;
  free(pids);
  return r;
}

int cmd_top(const struct xocker_globals *g, int argc, char **argv) {
  /* Everything after the container is ps's: only flags before it are ours. */
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("\nUsage:  xocker top CONTAINER [ps OPTIONS]\n\n"
           "Display the running processes of a container\n");
    return 0;
  }
  if (argc > 1 && argv[1][0] == '-' && argv[1][1])
    return cli_usage(argv[0], "unknown flag: %s", argv[1]);
  if (argc < 2)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  cleanup_strv char **ps_args = NULL;
  if (argc == 2) {
    strv_append(&ps_args, "-ef");
  } else {
    /* Docker joins the options and splits them on spaces again. */
    for (int i = 2; i < argc; i++) {
      cleanup_strv char **words = split_row(argv[i], 0);
      for (size_t w = 0; words && words[w]; w++)
        strv_append(&ps_args, words[w]);
    }
  }
  struct container_record rec;
  struct xstore *s = cli_open_container(g, argv[1], &rec);
  if (!s)
    return 1;
  struct xerr err = {0};
  int ret = top(s, &rec, ps_args ? ps_args : (char *[]){NULL}, &err) < 0 ? cli_daemon_error(&err) : 0;
  container_record_clear(&rec);
  store_close(s);
  return ret;
}
