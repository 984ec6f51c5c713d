/* xocker exec: a new process in a running container, through `xrun exec`
 * (which keeps the container's confinement and proxies a terminal), with
 * Docker's -d -i -t -e --env-file -u -w --privileged. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/capability.h>
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
#include "engine/user.h"
#include "image/store.h"
#include "runtime/names.h"
#include "storage/container.h"

struct exec_opts {
  bool detach, interactive, tty, privileged;
  char **env;
  const char *user, *workdir;
};

static int add_env_file(struct exec_opts *o, const char *path) {
  FILE *f = fopen(path, "re");
  if (!f)
    return cli_errorf("open %s: %s", path, strerror(errno));
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] && line[0] != '#')
      strv_append(&o->env, line);
  }
  fclose(f);
  return 0;
}

/* -u NAME[:GROUP] resolved in the container's own /etc/passwd. */
static int user_arg(struct xstore *s, const struct container_record *c, const char *user,
                    char *buf, size_t len, char *gids, size_t glen, struct xerr *err) {
  char rootfs[4096];
  if (container_mount(s, c, rootfs, sizeof rootfs, err) < 0)
    return -1;
  struct container_user u;
  if (user_resolve(rootfs, user, &u, err) < 0)
    return -1;
  snprintf(buf, len, "%u:%u", (unsigned)u.uid, (unsigned)u.gid);
  size_t n = 0;
  gids[0] = '\0';
  for (size_t i = 0; i < u.n_additional && n < glen; i++)
    n += (size_t)snprintf(gids + n, glen - n, "%s%u", i ? "," : "", (unsigned)u.additional[i]);
  return 0;
}

static bool runtime_failed(const char *log) {
  FILE *f = fopen(log, "re");
  if (!f)
    return false;
  char line[2048];
  bool failed = false;
  while (!failed && fgets(line, sizeof line, f))
    failed = strstr(line, "level=error") != NULL;
  fclose(f);
  return failed;
}

static void push_all_caps(char ***argv) {
  for (int cap = 0; cap <= capability_last(); cap++) {
    const char *name = capability_name(cap);
    if (name) {
      strv_append(argv, "--cap");
      strv_append(argv, name);
    }
  }
}

static int run_exec(struct xstore *s, const struct container_record *c, const char *name,
                    const struct exec_opts *o, char **cmd) {
  struct xerr err = {0};
  struct cstate st;
  if (cstate_load(s, c->id, &st, &err) < 0)
    return cli_error(&err);
  if (!cstate_running(&st) || strcmp(st.status, "restarting") == 0)
    return fprintf(stderr, "Error response from daemon: Container %s is not running\n", c->id) ? 1 : 1;
  if (strcmp(st.status, "paused") == 0)
    return fprintf(stderr, "Error response from daemon: Container %s is paused, unpause the "
                   "container before exec\n", name) ? 1 : 1;
  char xrun[4096], root[4096], user[64], gids[1024];
  if (engine_bin_path("xrun", xrun, sizeof xrun, &err) < 0)
    return cli_error(&err);
  engine_xrun_root(s, root, sizeof root);
  cleanup_strv char **argv = NULL;
  char log[4300];
  engine_rundir(s, c->id, log, sizeof log);
  size_t len = strlen(log);
  snprintf(log + len, sizeof log - len, "/exec-%d.log", (int)getpid());
  strv_append(&argv, xrun);
  strv_append(&argv, "--root");
  strv_append(&argv, root);
  strv_append(&argv, "--log");
  strv_append(&argv, log);
  strv_append(&argv, "exec");
  if (o->tty)
    strv_append(&argv, "--tty");
  if (o->detach)
    strv_append(&argv, "--detach");
  for (size_t i = 0; o->env && o->env[i]; i++) {
    strv_append(&argv, "--env");
    strv_append(&argv, o->env[i]);
  }
  if (o->workdir) {
    strv_append(&argv, "--cwd");
    strv_append(&argv, o->workdir);
  }
  if (o->user) {
    if (user_arg(s, c, o->user, user, sizeof user, gids, sizeof gids, &err) < 0)
      return cli_error(&err);
    strv_append(&argv, "--user");
    strv_append(&argv, user);
    if (gids[0]) {
      strv_append(&argv, "--additional-gids");
      strv_append(&argv, gids);
    }
  }
  if (o->privileged)
    push_all_caps(&argv);
  strv_append(&argv, c->id);
  for (size_t i = 0; cmd[i]; i++)
    strv_append(&argv, cmd[i]);
  pid_t pid = fork();
  if (pid < 0)
    return cli_errorf("fork: %s", strerror(errno));
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);  /* ignored by our main(); not for the command */
    if (!o->interactive && !o->tty) {
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  /* xrun's own failure (the command is not there, a bad user...) is in its
   * log, and Docker's exec exits 126 for it; otherwise the code is the
   * command's. */
  if (code != 0 && runtime_failed(log))
    code = 126;
  unlink(log);
  return code;
}

static int exec_container(const struct xocker_globals *g, const struct exec_opts *o,
                          const char *name, char **cmd) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct container_record c;
  struct xerr err = {0};
  int ret;
  if (container_lookup(s, name, &c, &err) < 0) {
    ret = cli_daemon_error(&err);
  } else {
    ret = run_exec(s, &c, name, o, cmd);
    container_record_clear(&c);
  }
  store_close(s);
  return ret;
}

int cmd_exec(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"detach", no_argument, NULL, 'd'},  {"interactive", no_argument, NULL, 'i'},
      {"tty", no_argument, NULL, 't'},     {"env", required_argument, NULL, 'e'},
      {"env-file", required_argument, NULL, 'E'}, {"user", required_argument, NULL, 'u'},
      {"workdir", required_argument, NULL, 'w'}, {"privileged", no_argument, NULL, 'P'},
      {"detach-keys", required_argument, NULL, 'K'}, {"help", no_argument, NULL, 'H'},
      {NULL, 0, NULL, 0}};
  struct exec_opts o = {0};
  int c, ret = 0;
  while ((c = cli_getopt(argc, argv, "+dite:u:w:", longopts)) != -1) {
    switch (c) {
    case 'd': o.detach = true; break;
    case 'i': o.interactive = true; break;
    case 't': o.tty = true; break;
    case 'e': strv_append(&o.env, optarg); break;
    case 'E': ret = add_env_file(&o, optarg); break;
    case 'u': o.user = optarg; break;
    case 'w': o.workdir = optarg; break;
    case 'P': o.privileged = true; break;
    case 'K': break;
    case 'H':
      printf("\nUsage:  xocker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun a command in a "
             "running container\n\nOptions:\n  -d, --detach               Detached mode: run "
             "command in the background\n  -e, --env list             Set environment variables\n"
             "      --env-file list        Read in a file of environment variables\n"
             "  -i, --interactive          Keep STDIN open even if not attached\n"
             "      --privileged           Give extended privileges to the command\n"
             "  -t, --tty                  Allocate a pseudo-TTY\n"
             "  -u, --user string          Username or UID (format: <name|uid>[:<group|gid>])\n"
             "  -w, --workdir string       Working directory inside the container\n");
      cleanup_strv_fn(&o.env);
      return 0;
    default:
      cleanup_strv_fn(&o.env);
      return 125;
    }
  }
  if (ret == 0 && argc - optind < 2)
    ret = cli_usage(argv[0], "\"%s\" requires at least 2 arguments.", argv[0]);
  if (ret == 0 && o.tty && o.interactive && !o.detach && !isatty(0))
    ret = cli_errorf("the input device is not a TTY");
  if (ret == 0)
    ret = exec_container(g, &o, argv[optind], argv + optind + 1);
  cleanup_strv_fn(&o.env);
  return ret;
}
