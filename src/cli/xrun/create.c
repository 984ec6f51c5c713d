#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/xerr.h"

enum { OPT_BUNDLE = 256, OPT_PID_FILE, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE,
       OPT_NO_SUBREAPER, OPT_KEEP };

int parse_create_flags(const struct xrun_globals *g, int argc, char **argv, bool allow_detach,
                       struct create_flags *f) {
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
      {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"detach", no_argument, NULL, 'd'},
      {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
      {"keep", no_argument, NULL, OPT_KEEP},
      {NULL, 0, NULL, 0},
  };
  const char *bundle = ".";
  memset(f, 0, sizeof *f);
  f->opts.root = g->root;
  f->opts.console_fd = -1;
  int c;
  while ((c = cli_getopt(argc, argv, allow_detach ? "+b:d" : "+b:", opts)) != -1) {
    switch (c) {
    case 'b': bundle = optarg; break;
    case OPT_PID_FILE: f->opts.pid_file = optarg; break;
    case OPT_CONSOLE: f->opts.console_socket = optarg; break;
    case OPT_NO_PIVOT: f->opts.no_pivot = true; break;
    case OPT_NO_KEYRING: f->opts.no_new_keyring = true; break;
    case OPT_PRESERVE: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 0 || n > 65536)
        return cli_usage_error(argv[0], "invalid --preserve-fds value \"%s\"", optarg);
      f->opts.preserve_fds = (int)n;
      break;
    }
    case 'd':
      if (!allow_detach)
        return cli_usage_error(argv[0], "flag provided but not defined: -d");
      f->detach = true;
      break;
    case OPT_NO_SUBREAPER: case OPT_KEEP: break;
    default: return 1;
    }
  }
  if (cli_require_id(argv[0], argc, argv, &f->opts.id) != 0)
    return 1;
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
  if (realpath(bundle, f->bundle_abs) == NULL)
    return cli_usage_error(argv[0], "bundle %s: %m", bundle);
  f->opts.bundle = f->bundle_abs;
  return 0;
}

int cmd_create(const struct xrun_globals *g, int argc, char **argv) {
  struct create_flags f;
  int ret = parse_create_flags(g, argc, argv, false, &f);
  if (ret != 0)
    return ret;
  struct xerr err = {0};
  pid_t pid;
  if (xrun_create(&f.opts, &pid, &err) < 0)
    return cli_fail(&err);
  return 0;
}
