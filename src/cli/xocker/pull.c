/* xocker pull [-q] [--platform P] NAME[:TAG|@DIGEST] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/log.h"
#include "common/xerr.h"
#include "image/manifest.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "progress.h"

struct pull_view {
  struct progress *progress;
  const char *header; /* "latest: Pulling from library/busybox", printed before the layers */
  bool header_done;
};

static void pull_header(struct pull_view *v) {
  if (!v->header_done && v->progress) {
    progress_line(v->progress, "%s", v->header);
    v->header_done = true;
  }
}

static void on_event(void *ctx, const char *digest, enum pull_event ev, int64_t cur,
                     int64_t total) {
  struct pull_view *v = ctx;
  char id[13];
  short_id(digest, id);
  pull_header(v);
  switch (ev) {
  case PULL_WAITING: progress_status(v->progress, id, "Pulling fs layer"); break;
  case PULL_EXISTS: progress_status(v->progress, id, "Already exists"); break;
  case PULL_DOWNLOADING: progress_bar(v->progress, id, "Downloading", cur, total); break;
  case PULL_VERIFYING: progress_status(v->progress, id, "Verifying Checksum"); break;
  case PULL_DOWNLOADED: progress_status(v->progress, id, "Download complete"); break;
  case PULL_EXTRACTING: progress_status(v->progress, id, "Extracting"); break;
  case PULL_COMPLETE: progress_status(v->progress, id, "Pull complete"); break;
  default: break;
  }
}

static void pull_usage(FILE *out) {
  fprintf(out, "\nUsage:  xocker pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
               "Download an image from a registry\n\n"
               "Options:\n"
               "      --platform string   Set platform if server is multi-platform capable\n"
               "  -q, --quiet             Suppress verbose output\n");
}

int cmd_pull(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_PLATFORM = 256, OPT_TRUST, OPT_HELP };
  static const struct option opts[] = {
      {"quiet", no_argument, NULL, 'q'},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"all-tags", no_argument, NULL, 'a'},
      {"disable-content-trust", optional_argument, NULL, OPT_TRUST},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  bool quiet = false;
  const char *platform_arg = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "+qa", opts)) != -1) {
    switch (c) {
    case 'q': quiet = true; break;
    case 'a': return cli_errorf("pull --all-tags is not supported");
    case OPT_PLATFORM: platform_arg = optarg; break;
    case OPT_TRUST: break;
    case OPT_HELP: pull_usage(stdout); return 0;
    case '?': return 125;
    default: return 125;
    }
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"xocker pull\" requires exactly 1 argument.");
  const char *name = argv[optind];
  struct xerr err = {0};
  char platform[128];
  if (platform_arg && platform_normalise(platform_arg, platform, sizeof platform, &err) < 0)
    return cli_error(&err);
  struct image_ref ref;
  if (ref_parse(name, false, &ref, &err) < 0)
    return cli_error(&err);
  bool default_tag = !ref.tag[0] && !ref.digest[0];
  if (default_tag)
    snprintf(ref.tag, sizeof ref.tag, "latest");
  char header[1024], familiar[1024];
  snprintf(header, sizeof header, "%s: Pulling from %s", ref.digest[0] ? ref.digest : ref.tag,
           ref.path);
  ref_familiar(&ref, familiar, sizeof familiar);
  if (!quiet && default_tag)
    printf("Using default tag: latest\n");
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct pull_view view = {.progress = quiet ? NULL : progress_new(stdout), .header = header};
  struct pull_options o = {.platform = platform_arg ? platform : NULL, .event = on_event,
                           .ctx = &view};
  struct pull_result res;
  int ret = image_pull(s, familiar, &o, &res, &err);
  store_close(s);
  if (ret < 0) {
    progress_free(view.progress);
    fflush(stdout);
    return cli_error(&err);
  }
  if (!quiet) {
    pull_header(&view);
    printf("Digest: %s\n", res.digest);
    printf("Status: %s for %s\n",
           res.up_to_date ? "Image is up to date" : "Downloaded newer image", familiar);
  }
  printf("%s\n", res.name);
  progress_free(view.progress);
  xlog_debug("pull %s: unpacked %lld compressed bytes of layers in %.3f s", res.name,
             (long long)res.unpack_bytes, res.unpack_seconds);
  return 0;
}
