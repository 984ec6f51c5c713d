/* xocker commit [-a AUTHOR] [-m MESSAGE] [-c CHANGE]... CONTAINER
 * [REPOSITORY[:TAG]]: prints the new image's id. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "common/xerr.h"
#include "image/store.h"
#include "storage/commit.h"
#include "storage/container.h"

int cmd_commit(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"author", required_argument, NULL, 'a'}, {"message", required_argument, NULL, 'm'},
      {"change", required_argument, NULL, 'c'}, {"pause", no_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
  struct commit_options opts = {0};
  const char **changes = calloc((size_t)argc + 1, sizeof *changes);
  if (!changes)
    return cli_errorf("out of memory");
  opts.changes = changes;
  int c;
  while ((c = cli_getopt(argc, argv, "a:m:c:ph", longopts)) != -1) {
    switch (c) {
    case 'a':
      opts.author = optarg;
      break;
    case 'm':
      opts.message = optarg;
      break;
    case 'c':
      changes[opts.n_changes++] = optarg;
      break;
    case 'p':
      break; /* nothing runs yet, so there is nothing to pause */
    case 'h':
      printf("\nUsage:  xocker commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
             "Create a new image from a container's changes\n\nOptions:\n"
             "  -a, --author string    Author (e.g., \"John Hannibal Smith "
             "<hannibal@a-team.com>\")\n"
             "  -c, --change list      Apply Dockerfile instruction to the created image\n"
             "  -m, --message string   Commit message\n"
             "  -p, --pause            Pause container during commit (default true)\n");
      free(changes);
      return 0;
    default:
      free(changes);
      return 125;
    }
  }
  int n = argc - optind;
  if (n < 1 || n > 2) {
    free(changes);
    return cli_usage(argv[0], "\"%s\" requires at least 1 and at most 2 arguments.", argv[0]);
  }
  opts.reference = n == 2 ? argv[optind + 1] : NULL;
  struct xstore *s = cli_open_store(g);
  if (!s) {
    free(changes);
    return 1;
  }
  struct xerr err = {0};
  struct container_record rec;
  char id[DIGEST_BUF_LEN];
  int ret = 0;
  if (container_lookup(s, argv[optind], &rec, &err) < 0) {
    ret = cli_error(&err);
  } else {
    if (container_commit(s, &rec, &opts, id, &err) < 0)
      ret = cli_error(&err);
    else
      printf("%s\n", id);
    container_record_clear(&rec);
  }
  store_close(s);
  free(changes);
  return ret;
}
