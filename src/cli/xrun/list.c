#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"

static void print_table(json_t *arr) {
  printf("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
         "OWNER");
  size_t i;
  json_t *s;
  json_array_foreach(arr, i, s) {
    const char *owner = json_string_value(json_object_get(s, "owner"));
    printf("%-12s %-8lld %-10s %-40s %-32s %s\n", json_string_value(json_object_get(s, "id")),
           (long long)json_integer_value(json_object_get(s, "pid")),
           json_string_value(json_object_get(s, "status")),
           json_string_value(json_object_get(s, "bundle")),
           json_string_value(json_object_get(s, "created")),
           owner && *owner ? owner : "root");
  }
}

int cmd_list(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  bool quiet = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+f:q", opts)) != -1) {
    if (c == 'f')
      format = optarg;
    else if (c == 'q')
      quiet = true;
    else
      return 1;
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return cli_usage_error(argv[0], "invalid format option \"%s\": use table or json", format);
  json_t *arr;
  struct xerr err = {0};
  if (xrun_list(g->root, &arr, &err) < 0)
    return cli_fail(&err);
  if (quiet) {
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s) puts(json_string_value(json_object_get(s, "id")));
  } else if (strcmp(format, "json") == 0) {
    char *text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(text ? text : "[]");
    free(text);
  } else {
    print_table(arr);
  }
  json_decref(arr);
  return 0;
}
