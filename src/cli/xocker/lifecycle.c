/* start, stop, kill, restart, pause, unpause, wait, and the monitor's
 * `container cleanup`: Docker's flags, each container named in turn. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_client.h"
#include "cli.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/monitor_proto.h"
#include "image/store.h"
#include "runtime/names.h"
#include "storage/container.h"

static int print_arg(const char *arg) {
  printf("%s\n", arg);
  return 0;
}

static bool wants_help(int argc, char **argv, const char *usage) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      break;
    if (strcmp(argv[i], "--help") == 0) {
      printf("%s", usage);
      return true;
    }
  }
  return false;
}

/* ---- start ---- */
struct start_ctx {
  bool attach, interactive;
  const char *detach_keys;
  int exit_code;
};

static int start_attached(struct xstore *s, struct container_record *rec, struct start_ctx *sc,
                          struct xerr *err) {
  json_t *doc = engine_record_config(rec);
  json_t *cfg = json_object_get(doc, "Config");
  bool tty = json_is_true(json_object_get(cfg, "Tty"));
  bool in = sc->interactive && json_is_true(json_object_get(cfg, "OpenStdin"));
  json_decref(doc);
  struct start_handle h;
  if (engine_start_begin(s, rec, &h, err) < 0)
    return -1;
  int want = ATTACH_WANT_STDOUT | ATTACH_WANT_STDERR | (in ? ATTACH_WANT_STDIN : 0);
  int fd = attach_connect(s, rec->id, want, err);
  if (fd < 0 || engine_start_finish(&h, err) < 0)
    return -1;
  struct attach_opts o = {.stdin = in, .tty = tty, .sig_proxy = true,
                          .detach_keys = sc->detach_keys};
  if (attach_session(s, rec->id, fd, &o, &sc->exit_code) == 1)
    engine_wait(s, rec, &sc->exit_code, err);
  return 0;
}

static int start_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                     struct xerr *err) {
  struct start_ctx *sc = ctx;
  if (sc->attach || sc->interactive) {
    struct cstate st;
    if (cstate_load(s, rec->id, &st, err) < 0)
      return -1;
    if (!cstate_running(&st))
      return start_attached(s, rec, sc, err);
  }
  if (engine_start(s, rec, err) < 0)
    return -1;
  return sc->attach ? 0 : print_arg(arg);
}

int cmd_start(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"attach", no_argument, NULL, 'a'},
                                           {"interactive", no_argument, NULL, 'i'},
                                           {"detach-keys", required_argument, NULL, 'k'},
                                           {"help", no_argument, NULL, 'H'},
                                           {NULL, 0, NULL, 0}};
  struct start_ctx sc = {0};
  int c;
  while ((c = cli_getopt(argc, argv, "ai", longopts)) != -1) {
    if (c == 'a') sc.attach = true;
    else if (c == 'i') sc.interactive = true;
    else if (c == 'k') sc.detach_keys = optarg;
    else if (c == 'H') {
      printf("\nUsage:  xocker start [OPTIONS] CONTAINER [CONTAINER...]\n\nStart one or more "
             "stopped containers\n\nOptions:\n  -a, --attach               Attach STDOUT/STDERR "
             "and forward signals\n      --detach-keys string   Override the key sequence for "
             "detaching a container\n  -i, --interactive          Attach container's STDIN\n");
      return 0;
    } else return 125;
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  if ((sc.attach || sc.interactive) && argc - optind > 1)
    return cli_errorf("you cannot start and attach multiple containers at once");
  int ret = cli_for_each_container(g, argc, argv, start_one, &sc, false);
  return ret == 0 && (sc.attach || sc.interactive) ? sc.exit_code : ret;
}

/* ---- stop, restart ---- */
static int stop_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                    struct xerr *err) {
  if (engine_stop(s, rec, *(int *)ctx, err) < 0)
    return -1;
  return print_arg(arg);
}

static int restart_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                       struct xerr *err) {
  if (engine_stop(s, rec, *(int *)ctx, err) < 0 || engine_start(s, rec, err) < 0)
    return -1;
  return print_arg(arg);
}

static int stop_or_restart(const struct xocker_globals *g, int argc, char **argv, bool restart) {
  static const struct option longopts[] = {{"time", required_argument, NULL, 't'},
                                           {"help", no_argument, NULL, 'H'},
                                           {NULL, 0, NULL, 0}};
  int timeout = -1, c;
  while ((c = cli_getopt(argc, argv, "t:", longopts)) != -1) {
    if (c == 't') {
      char *end;
      timeout = (int)strtol(optarg, &end, 10);
      if (*end || !*optarg)
        return cli_usage(argv[0], "invalid argument \"%s\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax", optarg, optarg);
    } else if (c == 'H') {
      printf("\nUsage:  xocker %s [OPTIONS] CONTAINER [CONTAINER...]\n\n%s one or more "
             "containers\n\nOptions:\n  -t, --time int   Seconds to wait for stop before killing "
             "it (default 10)\n", argv[0], restart ? "Restart" : "Stop");
      return 0;
    } else return 125;
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  return cli_for_each_container(g, argc, argv, restart ? restart_one : stop_one, &timeout, false);
}

int cmd_stop(const struct xocker_globals *g, int argc, char **argv) {
  return stop_or_restart(g, argc, argv, false);
}

int cmd_restart(const struct xocker_globals *g, int argc, char **argv) {
  return stop_or_restart(g, argc, argv, true);
}

/* ---- kill ---- */
static int kill_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                    struct xerr *err) {
  if (engine_kill(s, rec, *(int *)ctx, err) < 0)
    return -1;
  return print_arg(arg);
}

int cmd_kill(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"signal", required_argument, NULL, 's'},
                                           {"help", no_argument, NULL, 'H'},
                                           {NULL, 0, NULL, 0}};
  int sig = 9, c;
  while ((c = cli_getopt(argc, argv, "s:", longopts)) != -1) {
    if (c == 's') {
      struct xerr err = {0};
      if (signal_parse(optarg, &sig, &err) < 0)
        return cli_errorf("Invalid signal: %s", optarg);
    } else if (c == 'H') {
      printf("\nUsage:  xocker kill [OPTIONS] CONTAINER [CONTAINER...]\n\nKill one or more "
             "running containers\n\nOptions:\n  -s, --signal string   Signal to send to the "
             "container (default \"KILL\")\n");
      return 0;
    } else return 125;
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  return cli_for_each_container(g, argc, argv, kill_one, &sig, false);
}

/* ---- pause, unpause ---- */
static int pause_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                     struct xerr *err) {
  if (engine_pause(s, rec, *(bool *)ctx, err) < 0)
    return -1;
  return print_arg(arg);
}

static int pause_cmd(const struct xocker_globals *g, int argc, char **argv, bool pause) {
  char usage[256];
  snprintf(usage, sizeof usage, "\nUsage:  xocker %s CONTAINER [CONTAINER...]\n\n%s all processes "
           "within one or more containers\n", argv[0], pause ? "Pause" : "Unpause");
  if (wants_help(argc, argv, usage))
    return 0;
  static const struct option longopts[] = {{NULL, 0, NULL, 0}};
  if (cli_getopt(argc, argv, "", longopts) != -1)
    return 125;
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  return cli_for_each_container(g, argc, argv, pause_one, &pause, false);
}

int cmd_pause(const struct xocker_globals *g, int argc, char **argv) {
  return pause_cmd(g, argc, argv, true);
}

int cmd_unpause(const struct xocker_globals *g, int argc, char **argv) {
  return pause_cmd(g, argc, argv, false);
}

/* ---- wait ---- */
static int wait_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                    struct xerr *err) {
  (void)arg, (void)ctx;
  int code;
  if (engine_wait(s, rec, &code, err) < 0)
    return -1;
  printf("%d\n", code);
  fflush(stdout);
  return 0;
}

int cmd_wait(const struct xocker_globals *g, int argc, char **argv) {
  if (wants_help(argc, argv, "\nUsage:  xocker wait CONTAINER [CONTAINER...]\n\nBlock until one "
                             "or more containers stop, then print their exit codes\n"))
    return 0;
  static const struct option longopts[] = {{NULL, 0, NULL, 0}};
  if (cli_getopt(argc, argv, "", longopts) != -1)
    return 125;
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  return cli_for_each_container(g, argc, argv, wait_one, NULL, false);
}

/* ---- container cleanup (run by a monitor when its container is done) ---- */
static int cleanup_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                       struct xerr *err) {
  (void)arg, (void)ctx;
  return engine_cleanup(s, rec, err);
}

int cmd_container_cleanup(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{NULL, 0, NULL, 0}};
  if (cli_getopt(argc, argv, "", longopts) != -1)
    return 125;
  return cli_for_each_container(g, argc, argv, cleanup_one, NULL, true);
}
