#include "cli.h"
#include "common/xerr.h"

int cmd_run(const struct xrun_globals *g, int argc, char **argv) {
  struct create_flags f;
  int ret = parse_create_flags(g, argc, argv, true, &f);
  if (ret != 0)
    return ret;
  struct xerr err = {0};
  int code = 0;
  if (xrun_run(&f.opts, f.detach, &code, &err) < 0)
    return cli_fail(&err);
  return code;
}
