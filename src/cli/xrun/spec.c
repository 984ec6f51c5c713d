/* spec and features: documents xrun writes. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "runtime/spec.h"

int cmd_spec(const struct xrun_globals *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", no_argument, NULL, 'r'},
                                       {NULL, 0, NULL, 0}};
  const char *bundle = ".";
  bool rootless = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+b:", opts)) != -1) {
    if (c == 'b')
      bundle = optarg;
    else if (c == 'r')
      rootless = true;
    else
      return 1;
  }
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/config.json", bundle);
  if (access(path, F_OK) == 0)
    return cli_usage_error(NULL, "File %s exists. Remove it first", path);
  json_t *spec = spec_default(rootless);
  char *text = json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(spec);
  struct xerr err = {0};
  int ret = 0;
  if (text == NULL)
    ret = cli_usage_error(argv[0], "out of memory");
  else if (write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
    ret = cli_fail(&err);
  free(text);
  return ret;
}

int cmd_features(const struct xrun_globals *g, int argc, char **argv) {
  (void)g;
  static const struct option none[] = {{NULL, 0, NULL, 0}};
  if (cli_getopt(argc, argv, "+", none) != -1)
    return 1;
  json_t *doc = spec_features();
  cli_print_json(doc);
  json_decref(doc);
  return 0;
}
