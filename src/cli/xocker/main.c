/* xocker: the container engine's Docker-compatible command line.  main()
 * parses the global options and hands over to one command; "image X" and
 * "container X" name the same commands as Docker's management groups. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine/container.h"
#include "common/log.h"
#include "common/xerr.h"
#include "image/store.h"

#define XOCKER_VERSION "0.1.0"

static const struct xocker_command commands[] = {
    {"images", "List images", cmd_images},
    {"pull", "Download an image from a registry", cmd_pull},
    {"push", "Upload an image to a registry", cmd_push},
    {"tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", cmd_tag},
    {"rmi", "Remove one or more images", cmd_rmi},
    {"history", "Show the history of an image", cmd_history},
    {"save", "Save one or more images to a tar archive", cmd_save},
    {"load", "Load an image from a tar archive or STDIN", cmd_load},
    {"import", "Import the contents from a tarball to create a filesystem image", cmd_import},
    {"login", "Log in to a registry", cmd_login},
    {"logout", "Log out from a registry", cmd_logout},
    {"inspect", "Return low-level information on objects", cmd_inspect},
    {"create", "Create a new container", cmd_create},
    {"mount", "Mount a container's root filesystem", cmd_mount},
    {"umount", "Unmount a container's root filesystem", cmd_umount},
    {"diff", "Inspect changes to files or directories on a container's filesystem", cmd_diff},
    {"commit", "Create a new image from a container's changes", cmd_commit},
    {"rm", "Remove one or more containers", cmd_rm},
    {"run", "Run a command in a new container", cmd_run},
    {"ps", "List containers", cmd_ps},
    {"logs", "Fetch the logs of a container", cmd_logs},
    {"attach", "Attach local standard input, output, and error streams to a running container", cmd_attach},
    {"exec", "Run a command in a running container", cmd_exec},
    {"start", "Start one or more stopped containers", cmd_start},
    {"stop", "Stop one or more running containers", cmd_stop},
    {"restart", "Restart one or more containers", cmd_restart},
    {"kill", "Kill one or more running containers", cmd_kill},
    {"pause", "Pause all processes within one or more containers", cmd_pause},
    {"unpause", "Unpause all processes within one or more containers", cmd_unpause},
    {"wait", "Block until one or more containers stop, then print their exit codes", cmd_wait},
    {"update", "Update configuration of one or more containers", cmd_update},
    {"top", "Display the running processes of a container", cmd_top},
    {"stats", "Display a live stream of container(s) resource usage statistics", cmd_stats},
    {"cp", "Copy files/folders between a container and the local filesystem", cmd_cp},
    {"port", "List port mappings or a specific mapping for the container", cmd_port},
    {"rename", "Rename a container", cmd_rename},
    {"export", "Export a container's filesystem as a tar archive", cmd_export},
    {"events", "Get real time events from the server", cmd_events},
};

/* Docker's management groups: "image ls" is "images", and so on. */
static const struct {
  const char *group, *name;
  xocker_cmd_fn run;
} group_commands[] = {
    {"volume", "create", cmd_volume_create}, {"volume", "ls", cmd_volume_ls},
    {"volume", "list", cmd_volume_ls},       {"volume", "inspect", cmd_volume_inspect},
    {"volume", "rm", cmd_volume_rm},         {"volume", "remove", cmd_volume_rm},
    {"volume", "prune", cmd_volume_prune},
    {"image", "ls", cmd_images},         {"image", "list", cmd_images},
    {"image", "pull", cmd_pull},         {"image", "push", cmd_push},
    {"image", "tag", cmd_tag},           {"image", "rm", cmd_rmi},
    {"image", "remove", cmd_rmi},        {"image", "history", cmd_history},
    {"image", "save", cmd_save},         {"image", "load", cmd_load},
    {"image", "import", cmd_import},     {"image", "inspect", cmd_image_inspect},
    {"image", "prune", cmd_image_prune}, {"container", "create", cmd_create},
    {"container", "mount", cmd_mount},   {"container", "umount", cmd_umount},
    {"container", "unmount", cmd_umount}, {"container", "diff", cmd_diff},
    {"container", "commit", cmd_commit}, {"container", "rm", cmd_rm},
    {"container", "remove", cmd_rm},     {"container", "run", cmd_run},
    {"container", "start", cmd_start},   {"container", "stop", cmd_stop},
    {"container", "restart", cmd_restart}, {"container", "kill", cmd_kill},
    {"container", "pause", cmd_pause},   {"container", "unpause", cmd_unpause},
    {"container", "ls", cmd_ps},         {"container", "list", cmd_ps},
    {"container", "ps", cmd_ps},         {"container", "logs", cmd_logs},
    {"container", "attach", cmd_attach}, {"container", "exec", cmd_exec},
    {"container", "wait", cmd_wait},     {"container", "inspect", cmd_container_inspect},
    {"container", "cleanup", cmd_container_cleanup},
    {"container", "update", cmd_update},
    {"system", "boot", cmd_system_boot},
    {"container", "top", cmd_top},
    {"container", "stats", cmd_stats},
    {"container", "cp", cmd_cp},
    {"container", "port", cmd_port},
    {"container", "rename", cmd_rename},
    {"container", "export", cmd_export},
    {"container", "prune", cmd_container_prune},
    {"system", "events", cmd_events},
    {"network", "create", cmd_network_create},
    {"network", "ls", cmd_network_ls},
    {"network", "list", cmd_network_ls},
    {"network", "inspect", cmd_network_inspect},
    {"network", "rm", cmd_network_rm},
    {"network", "remove", cmd_network_rm},
    {"network", "prune", cmd_network_prune},
    {"network", "connect", cmd_network_connect},
    {"network", "disconnect", cmd_network_disconnect},
    {"pod", "create", cmd_pod_create},
    {"pod", "ls", cmd_pod_ls},
    {"pod", "list", cmd_pod_ls},
    {"pod", "ps", cmd_pod_ls},
    {"pod", "inspect", cmd_pod_inspect},
    {"pod", "start", cmd_pod_start},
    {"pod", "stop", cmd_pod_stop},
    {"pod", "rm", cmd_pod_rm},
    {"pod", "remove", cmd_pod_rm},
    {"container", "net-up", cmd_container_net_up},
    {"container", "net-down", cmd_container_net_down},
};

struct xstore *cli_open_store(const struct xocker_globals *g) {
  struct xstore *s = NULL;
  struct xerr err = {0};
  if (store_open(g->root, g->runroot, &s, &err) < 0) {
    cli_error(&err);
    return NULL;
  }
  /* The first command after a reboot brings back restart=always containers. */
  if (engine_boot_once(s, &err) < 0)
    fprintf(stderr, "warning: restarting containers after boot: %s\n", err.msg);
  return s;
}

int cmd_system_boot(const struct xocker_globals *g, int argc, char **argv) {
  (void)argc, (void)argv;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  int restarted, ret = 0;
  if (engine_boot(s, &restarted, &err) < 0)
    ret = cli_error(&err);
  store_close(s);
  return ret;
}

int cli_error(const struct xerr *err) {
  fprintf(stderr, "Error: %s\n", err->msg);
  return 1;
}

int cli_daemon_error(const struct xerr *err) {
  fprintf(stderr, "Error response from daemon: %s\n", err->msg);
  return 1;
}

int cli_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("Error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nSee 'xocker %s --help'.\n", cmd ? cmd : "");
  return 125;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts) {
  int c = getopt_long(argc, argv, shortopts, longopts, NULL);
  if (c == '?' || c == ':') {
    const char *bad = argv[optind - 1];
    if (c == ':' || (optopt && strchr(shortopts, optopt) && optopt != '?'))
      cli_usage(argv[0], "flag needs an argument: %s", bad);
    else if (bad[0] == '-' && bad[1] == '-')
      cli_usage(argv[0], "unknown flag: %s", bad);
    else
      cli_usage(argv[0], "unknown shorthand flag: '%c' in %s", optopt ? optopt : '?', bad);
    return '?';
  }
  return c;
}

void cli_print_json(void *json) {
  char *s = json_dumps(json, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  if (s) {
    puts(s);
    free(s);
  }
}

static void usage(FILE *out) {
  fprintf(out, "\nUsage:  xocker [OPTIONS] COMMAND\n\nA Docker-compatible container engine\n\n"
               "Commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nManagement Commands:\n  image      Manage images\n"
               "  container  Manage containers\n  volume     Manage volumes\n\nGlobal Options:\n"
               "      --root string      Store directory (default \"" XOCKER_DEFAULT_ROOT "\")\n"
               "      --runroot string   Runtime state directory (default \"" XOCKER_DEFAULT_RUNROOT "\")\n"
               "  -D, --debug            Enable debug mode\n"
               "  -v, --version          Print version information and quit\n");
}

static bool is_group(const char *name) {
  for (size_t i = 0; i < sizeof group_commands / sizeof group_commands[0]; i++)
    if (strcmp(group_commands[i].group, name) == 0)
      return true;
  return false;
}

static int run_group(const struct xocker_globals *g, const char *group, int argc, char **argv) {
  if (argc < 1 || strcmp(argv[0], "--help") == 0) {
    fprintf(argc < 1 ? stderr : stdout, "\nUsage:  xocker %s COMMAND\n\nCommands:\n", group);
    for (size_t i = 0; i < sizeof group_commands / sizeof group_commands[0]; i++)
      if (strcmp(group_commands[i].group, group) == 0)
        fprintf(argc < 1 ? stderr : stdout, "  %s\n", group_commands[i].name);
    return argc < 1 ? 125 : 0;
  }
  for (size_t i = 0; i < sizeof group_commands / sizeof group_commands[0]; i++)
    if (strcmp(group_commands[i].group, group) == 0 &&
        strcmp(group_commands[i].name, argv[0]) == 0) {
      /* Error messages name the command the way the user typed it. */
      char name[64];
      snprintf(name, sizeof name, "%s %s", group, argv[0]);
      argv[0] = name;
      return group_commands[i].run(g, argc, argv);
    }
  return cli_usage(group, "xocker: '%s %s' is not a xocker command.", group, argv[0]);
}

enum { OPT_ROOT = 256, OPT_RUNROOT, OPT_LOG_LEVEL };

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"runroot", required_argument, NULL, OPT_RUNROOT},
      {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
      {"debug", no_argument, NULL, 'D'},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct xocker_globals g = {.root = getenv("XOCKER_ROOT"), .runroot = getenv("XOCKER_RUNROOT")};
  if (!g.root || !*g.root)
    g.root = XOCKER_DEFAULT_ROOT;
  if (!g.runroot || !*g.runroot)
    g.runroot = XOCKER_DEFAULT_RUNROOT;
  signal(SIGPIPE, SIG_IGN);
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+Dvh", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT: g.root = optarg; break;
    case OPT_RUNROOT: g.runroot = optarg; break;
    case OPT_LOG_LEVEL: g.debug = strcmp(optarg, "debug") == 0; break;
    case 'D': g.debug = true; break;
    case 'v': printf("xocker version %s\n", XOCKER_VERSION); return 0;
    case 'h': usage(stdout); return 0;
    default: return cli_usage(NULL, "unknown flag: %s", argv[optind - 1]);
    }
  }
  struct xerr err = {0};
  if (xlog_init(NULL, XLOG_TEXT, g.debug, &err) < 0)
    return cli_error(&err);
  if (optind >= argc) {
    usage(stderr);
    return 0;
  }
  int cargc = argc - optind;
  char **cargv = argv + optind;
  /* Each command parses its own flags from its argv.  0, not 1: glibc then
   * starts afresh, forgetting the "+" (stop at the first argument) of the
   * global options, so flags may follow arguments as with Docker. */
  optind = 0;
  if (is_group(cargv[0]))
    return run_group(&g, cargv[0], cargc - 1, cargv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].name, cargv[0]) == 0)
      return commands[i].run(&g, cargc, cargv);
  fprintf(stderr, "xocker: '%s' is not a xocker command.\nSee 'xocker --help'\n", cargv[0]);
  return 1;
}
