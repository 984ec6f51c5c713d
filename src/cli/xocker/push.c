/* xocker push [-q] NAME[:TAG] */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/push.h"
#include "image/store.h"
#include "progress.h"

struct push_view {
  struct progress *progress;
  const char *repository;
  bool header_done;
};

/* "The push refers to repository [...]" once the image was found. */
static void push_header(struct push_view *v) {
  if (v->progress && !v->header_done) {
    progress_line(v->progress, "The push refers to repository [%s]", v->repository);
    v->header_done = true;
  }
}

static void on_event(void *ctx, const char *digest, enum push_event ev, int64_t cur,
                     int64_t total, const char *from) {
  struct push_view *v = ctx;
  struct progress *p = v->progress;
  char id[13], text[512];
  push_header(v);
  short_id(digest, id);
  switch (ev) {
  case PUSH_PREPARING: progress_status(p, id, "Preparing"); break;
  case PUSH_PUSHING: progress_bar(p, id, "Pushing", cur, total); break;
  case PUSH_PUSHED: progress_status(p, id, "Pushed"); break;
  case PUSH_EXISTS: progress_status(p, id, "Layer already exists"); break;
  case PUSH_MOUNTED:
    snprintf(text, sizeof text, "Mounted from %s", from ? from : "");
    progress_status(p, id, text);
    break;
  default: break;
  }
}

static void push_usage(FILE *out) {
  fprintf(out, "\nUsage:  xocker push [OPTIONS] NAME[:TAG]\n\n"
               "Upload an image to a registry\n\n"
               "Options:\n"
               "  -q, --quiet   Suppress verbose output\n");
}

int cmd_push(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_TRUST = 256, OPT_HELP };
  static const struct option opts[] = {
      {"quiet", no_argument, NULL, 'q'},
      {"all-tags", no_argument, NULL, 'a'},
      {"disable-content-trust", optional_argument, NULL, OPT_TRUST},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  bool quiet = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+qa", opts)) != -1) {
    switch (c) {
    case 'q': quiet = true; break;
    case 'a': return cli_errorf("push --all-tags is not supported");
    case OPT_TRUST: break;
    case OPT_HELP: push_usage(stdout); return 0;
    default: return 125;
    }
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"xocker push\" requires exactly 1 argument.");
  struct xerr err = {0};
  struct push_result res;
  if (push_target(argv[optind], &res, &err) < 0)
    return cli_error(&err);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct push_view v = {.progress = quiet ? NULL : progress_new(stdout),
                        .repository = res.repository};
  struct push_options o = {.event = v.progress ? on_event : NULL, .ctx = &v};
  int ret = image_push(s, argv[optind], &o, &res, &err);
  store_close(s);
  if (ret == 0)
    push_header(&v);
  progress_free(v.progress);
  if (ret < 0) {
    fflush(stdout);
    return cli_error(&err);
  }
  if (quiet)
    printf("%s\n", res.name);
  else
    printf("%s: digest: %s size: %lld\n", res.tag, res.digest, (long long)res.size);
  return 0;
}
