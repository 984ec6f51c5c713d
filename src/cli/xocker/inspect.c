/* xocker inspect / image inspect: Docker's JSON array, or -f/--format per object.
 * For now every object is an image; containers join in with the engine. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/store.h"
#include "image_json.h"
#include "template.h"

static int inspect_images(const struct xocker_globals *g, int argc, char **argv,
                          const char *format) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  json_t *all = json_array();
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct image_record r = {0};
    struct xerr err = {0};
    json_t *doc = NULL;
    if (image_lookup(s, argv[i], &r, &err) < 0 ||
        image_inspect_json(s, &r, (void **)&doc, &err) < 0) {
      fprintf(stderr, "Error: %s\n", err.msg);
      ret = 1;
      image_record_clear(&r);
      continue;
    }
    image_record_clear(&r);
    if (format) {
      char *line = NULL;
      if (template_render(format, doc, &line, &err) < 0) {
        json_decref(doc);
        ret = cli_error(&err);
        break;
      }
      puts(line);
      free(line);
      json_decref(doc);
    } else {
      json_array_append_new(all, doc);
    }
  }
  if (!format)
    cli_print_json(all);
  json_decref(all);
  store_close(s);
  return ret;
}

static int inspect_main(const struct xocker_globals *g, int argc, char **argv, bool image_only) {
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"type", required_argument, NULL, 't'},
      {"size", no_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *format = NULL, *type = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "f:sh", longopts)) != -1) {
    switch (c) {
    case 'f': format = optarg; break;
    case 't': type = optarg; break;
    case 's': break;
    case 'h': printf("\nUsage:  xocker %s [OPTIONS] NAME|ID [NAME|ID...]\n", argv[0]); return 0;
    default: return 125;
    }
  }
  if (optind >= argc)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  if (!image_only && type && strcmp(type, "image") != 0)
    return cli_errorf("\"%s\" is not a valid value for --type", type);
  return inspect_images(g, argc, argv, format);
}

int cmd_image_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return inspect_main(g, argc, argv, true);
}

int cmd_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return inspect_main(g, argc, argv, false);
}
