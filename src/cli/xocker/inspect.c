/* xocker inspect / image inspect / container inspect: Docker's JSON array,
 * or -f/--format per object; a name is looked up as a container first. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/store.h"
#include "container_json.h"
#include "engine/container.h"
#include "image_json.h"
#include "storage/container.h"
#include "template.h"

enum inspect_kind { KIND_ANY, KIND_IMAGE, KIND_CONTAINER };

/* One object's document: a container first (as Docker looks), then an
 * image. */
static json_t *inspect_one(struct xstore *s, const char *name, enum inspect_kind kind,
                           struct xerr *err) {
  if (kind != KIND_IMAGE) {
    struct container_record c;
    if (container_lookup(s, name, &c, err) == 0) {
      struct cstate st;
      json_t *doc = NULL;
      if (cstate_load(s, c.id, &st, err) == 0)
        doc = container_inspect_json(s, &c, &st);
      container_record_clear(&c);
      return doc;
    }
    if (err->errnum != ENOENT)
      return NULL;
    if (kind == KIND_CONTAINER)
      return NULL;
  }
  xerr_clear(err);
  struct image_record r = {0};
  json_t *doc = NULL;
  if (image_lookup(s, name, &r, err) < 0 || image_inspect_json(s, &r, (void **)&doc, err) < 0)
    doc = NULL;
  image_record_clear(&r);
  if (!doc && kind == KIND_ANY && err->errnum == ENOENT)
    xerr_set(err, ENOENT, "No such object: %s", name);
  return doc;
}

int cli_inspect_each(struct xstore *s, int argc, char **argv, const char *format,
                     cli_inspect_doc doc_for, void *ctx) {
  json_t *all = json_array();
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    json_t *doc = doc_for(s, argv[i], ctx, &err);
    if (!doc) {
      ret = cli_error(&err);
      continue;
    }
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
  return ret;
}

static void *inspect_doc(struct xstore *s, const char *name, void *ctx, struct xerr *err) {
  return inspect_one(s, name, *(enum inspect_kind *)ctx, err);
}

static int inspect_objects(const struct xocker_globals *g, int argc, char **argv,
                           const char *format, enum inspect_kind kind) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = cli_inspect_each(s, argc, argv, format, inspect_doc, &kind);
  store_close(s);
  return ret;
}

static int inspect_main(const struct xocker_globals *g, int argc, char **argv,
                        enum inspect_kind kind) {
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
  if (kind == KIND_ANY && type) {
    if (strcmp(type, "image") == 0)
      kind = KIND_IMAGE;
    else if (strcmp(type, "container") == 0)
      kind = KIND_CONTAINER;
    else
      return cli_errorf("\"%s\" is not a valid value for --type", type);
  }
  return inspect_objects(g, argc, argv, format, kind);
}

int cmd_image_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return inspect_main(g, argc, argv, KIND_IMAGE);
}

int cmd_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return inspect_main(g, argc, argv, KIND_ANY);
}

int cmd_container_inspect(const struct xocker_globals *g, int argc, char **argv) {
  return inspect_main(g, argc, argv, KIND_CONTAINER);
}
