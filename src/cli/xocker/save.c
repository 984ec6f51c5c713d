/* xocker save [-o FILE] [--format docker-archive|oci-archive] IMAGE... */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/archive.h"
#include "image/store.h"

static void save_usage(void) {
  printf("\nUsage:  xocker save [OPTIONS] IMAGE [IMAGE...]\n\n"
         "Save one or more images to a tar archive (streamed to STDOUT by default)\n\n"
         "Options:\n"
         "      --format string   docker-archive (default) or oci-archive\n"
         "  -o, --output string   Write to a file, instead of STDOUT\n");
}

/* -o FILE: write beside it and rename when complete, so FILE is never half
 * written (the way Docker's CLI does it). */
static int save_to_file(struct xstore *s, const char *const *names, size_t n,
                        enum archive_format format, const char *file, struct xerr *err) {
  cleanup_free char *copy = strdup(file);
  if (!copy)
    return xerr_make(err, ENOMEM, "save");
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s/.xocker-save-XXXXXX", dirname(copy));
  cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "failed to save image: create %s", tmp);
  mode_t mask = umask(0);
  umask(mask);
  if (archive_save(s, names, n, format, fd, err) < 0 || fchmod(fd, 0666 & ~mask) < 0 ||
      fsync(fd) < 0 || rename(tmp, file) < 0) {
    if (!err->msg[0])
      xerr_make(err, errno, "failed to save image: write %s", file);
    unlink(tmp);
    return -1;
  }
  return 0;
}

int cmd_save(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_FORMAT = 256, OPT_HELP };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, OPT_FORMAT},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  const char *output = NULL;
  enum archive_format format = ARCHIVE_DOCKER;
  int c;
  while ((c = cli_getopt(argc, argv, "o:", opts)) != -1) {
    switch (c) {
    case 'o': output = optarg; break;
    case OPT_FORMAT:
      if (strcmp(optarg, "docker-archive") == 0)
        format = ARCHIVE_DOCKER;
      else if (strcmp(optarg, "oci-archive") == 0)
        format = ARCHIVE_OCI;
      else
        return cli_usage(argv[0], "invalid format \"%s\": use docker-archive or oci-archive",
                         optarg);
      break;
    case OPT_HELP: save_usage(); return 0;
    default: return 125;
    }
  }
  if (optind >= argc)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  if (!output && isatty(STDOUT_FILENO))
    return cli_errorf("Cowardly refusing to save to a terminal. Use the -o flag or redirect");
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  const char *const *names = (const char *const *)argv + optind;
  size_t n = (size_t)(argc - optind);
  int ret = output ? save_to_file(s, names, n, format, output, &err)
                   : archive_save(s, names, n, format, STDOUT_FILENO, &err);
  store_close(s);
  return ret < 0 ? cli_error(&err) : 0;
}
