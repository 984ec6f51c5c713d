/* xocker load [-i FILE|DIR] [-q] [--platform P]: a docker-archive, an
 * oci-archive or an OCI layout directory into the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/archive.h"
#include "image/reference.h"
#include "image/store.h"

static void load_usage(void) {
  printf("\nUsage:  xocker load [OPTIONS]\n\n"
         "Load an image from a tar archive or STDIN\n\n"
         "Options:\n"
         "  -i, --input string      Read from tar archive file, or an OCI layout directory,\n"
         "                          instead of STDIN\n"
         "      --platform string   Load this platform from a multi-platform index\n"
         "  -q, --quiet             Suppress the load output\n");
}

static void print_results(const struct load_result *res, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!res[i].names || !res[i].names[0]) {
      printf("Loaded image ID: %s\n", res[i].id);
      continue;
    }
    for (size_t t = 0; res[i].names[t]; t++) {
      char familiar[REF_NAME_MAX * 2];
      ref_familiarize(res[i].names[t], familiar, sizeof familiar);
      if (res[i].previous && res[i].previous[t][0])
        printf("The image %s already exists, renaming the old one with ID %s to empty string\n",
               familiar, res[i].previous[t]);
      printf("Loaded image: %s\n", familiar);
    }
  }
}

int cmd_load(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_PLATFORM = 256, OPT_HELP };
  static const struct option opts[] = {
      {"input", required_argument, NULL, 'i'},
      {"quiet", no_argument, NULL, 'q'},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  const char *input = NULL, *platform = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "i:q", opts)) != -1) {
    switch (c) {
    case 'i': input = optarg; break;
    case 'q': break; /* there is no progress output to suppress */
    case OPT_PLATFORM: platform = optarg; break;
    case OPT_HELP: load_usage(); return 0;
    default: return 125;
    }
  }
  if (optind < argc)
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  cleanup_close int fd = -1;
  const char *dir = NULL;
  struct stat st;
  if (input) {
    if (stat(input, &st) == 0 && S_ISDIR(st.st_mode)) {
      dir = input;
    } else if ((fd = open(input, O_RDONLY | O_CLOEXEC)) < 0) {
      return cli_errorf("open %s: %s", input, strerror(errno));
    }
  } else if (isatty(STDIN_FILENO)) {
    return cli_errorf("requested load from stdin, but stdin is empty");
  }
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  struct load_result *res = NULL;
  size_t n = 0;
  int ret = archive_load(s, dir ? -1 : fd >= 0 ? fd : STDIN_FILENO, dir, platform, &res, &n,
                         &err);
  store_close(s);
  if (ret < 0)
    return cli_error(&err);
  print_results(res, n);
  load_results_free(res, n);
  return 0;
}
