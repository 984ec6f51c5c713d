/* Placeholder: implemented in its own change. */
#include "cli.h"

int cmd_login(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_logout(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

