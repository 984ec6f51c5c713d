/* xrun: an OCI runtime with runc's command line.  main() parses the
 * global options and hands over to one command. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/state.h"

#define XRUN_VERSION "0.1.0"

static const struct xrun_command commands[] = {
    {"create", "create a container", cmd_create},
    {"start", "execute the user process in a created container", cmd_start},
    {"run", "create and run a container", cmd_run},
    {"state", "output the state of a container", cmd_state},
    {"kill", "send a signal to the container's init process", cmd_kill},
    {"delete", "delete any resources held by the container", cmd_delete},
    {"list", "list containers started by xrun with the given root", cmd_list},
    {"exec", "execute a new process inside the container", cmd_exec},
    {"pause", "pause all processes inside the container", cmd_pause},
    {"resume", "resume all processes that have been previously paused", cmd_resume},
    {"ps", "show processes running inside the container", cmd_ps},
    {"spec", "create a new specification file", cmd_spec},
    {"features", "show the enabled features", cmd_features},
    {"update", "update container resource constraints", cmd_update},
    {"events", "display container events: OOM kills and cpu, memory, pids and IO usage",
     cmd_events},
};

int cli_fail(const struct xerr *err) {
  xlog_error("%s", err->msg);
  return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  xlog_error("%s%s%s", cmd ? cmd : "", cmd ? ": " : "", msg);
  return 1;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts) {
  int c = getopt_long(argc, argv, shortopts, longopts, NULL);
  if (c == '?' || c == ':') {
    const char *bad = argv[optind - 1];
    if (c == ':' || (optopt && strchr(shortopts, optopt)))
      cli_usage_error(argv[0], "flag needs an argument: %s", bad);
    else
      cli_usage_error(argv[0], "flag provided but not defined: %s", bad);
    return '?';
  }
  return c;
}

int cli_require_id(const char *cmd, int argc, char **argv, const char **id) {
  if (optind >= argc)
    return cli_usage_error(cmd, "requires a container id");
  *id = argv[optind++];
  return 0;
}

void cli_print_json(void *json) {
  char *s = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (s) {
    puts(s);
    free(s);
  }
}

static void usage(FILE *out) {
  fprintf(out, "usage: xrun [global options] command [command options] [arguments...]\n\n"
               "An OCI container runtime with runc's command line.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nGlobal options:\n"
               "   --root DIR            state directory (default " XRUN_DEFAULT_ROOT ")\n"
               "   --log FILE            log file (default stderr)\n"
               "   --log-format FORMAT   text or json\n"
               "   --debug               debug output\n"
               "   --systemd-cgroup      use systemd for cgroups (unsupported)\n"
               "   --version, -v         print the version\n");
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"criu", required_argument, NULL, OPT_CRIU},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct xrun_globals g = {.root = XRUN_DEFAULT_ROOT};
  const char *log_path = NULL;
  enum xlog_format format = XLOG_TEXT;
  bool systemd = false, root_given = false;
  struct xerr err = {0};
  /* A hook or console peer that goes away must not kill us mid-operation. */
  signal(SIGPIPE, SIG_IGN);
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT: g.root = optarg; root_given = true; break;
    case OPT_LOG: log_path = optarg; break;
    case OPT_LOG_FORMAT:
      if (strcmp(optarg, "json") == 0)
        format = XLOG_JSON;
      else if (strcmp(optarg, "text") == 0)
        format = XLOG_TEXT;
      else
        return cli_usage_error(NULL, "invalid log format \"%s\": use text or json", optarg);
      break;
    case OPT_DEBUG: g.debug = true; break;
    case OPT_SYSTEMD: systemd = true; break;
    case OPT_ROOTLESS: case OPT_CRIU: break; /* accepted for compatibility */
    case 'v': printf("xrun version %s\nspec: %s\n", XRUN_VERSION, OCI_VERSION); return 0;
    case 'h': usage(stdout); return 0;
    default:
      return cli_usage_error(NULL, "flag provided but not defined: %s", argv[optind - 1]);
    }
  }
  char rootless_root[256];
  if (!root_given && geteuid() != 0) {
    /* runc's choice for rootless callers: their runtime dir. */
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg)
      snprintf(rootless_root, sizeof rootless_root, "%s/xrun", xdg);
    else
      snprintf(rootless_root, sizeof rootless_root, "/tmp/xrun-%u", (unsigned)geteuid());
    g.root = rootless_root;
  }
  if (xlog_init(log_path, format, g.debug, &err) < 0)
    return cli_fail(&err);
  if (systemd)
    return cli_usage_error(NULL, "--systemd-cgroup is not supported: xrun manages cgroupfs "
                                 "directly and this host has no systemd to delegate to");
  if (optind >= argc) {
    usage(stderr);
    return 1;
  }
  const char *name = argv[optind];
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) != 0)
      continue;
    optind++;
    /* Each command parses its own flags from argv[0] = its name. */
    int cargc = argc - optind + 1;
    char **cargv = argv + optind - 1;
    optind = 1;
    int ret = commands[i].run(&g, cargc, cargv);
    xlog_close();
    return ret;
  }
  return cli_usage_error(NULL, "unknown command \"%s\"; run 'xrun --help'", name);
}
