/* Placeholder: implemented in its own change. */
#include "cli.h"

int cmd_images(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_image_inspect(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_tag(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_rmi(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_history(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_image_prune(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

int cmd_inspect(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  (void)argc;
  return cli_errorf("%s: not implemented yet", argv[0]);
}

