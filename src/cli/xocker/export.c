/* xocker export [-o FILE] CONTAINER: the container's root filesystem as
 * a tar (its mounted rootfs; one that was not mounted is mounted for the
 * walk and unmounted after).  Like Docker, it refuses to write a tar to
 * a terminal. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"
#include "tarstream.h"

static int export_to(struct xstore *s, const struct container_record *rec, int fd,
                     struct xerr *err) {
  bool was_mounted = container_mounted(s, rec);
  char rootfs[4096];
  if (container_mount(s, rec, rootfs, sizeof rootfs, err) < 0)
    return -1;
  int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct archive *a = rootfd < 0 ? NULL : tar_writer_fd(fd, err);
  int r = -1;
  if (rootfd < 0)
    xerr_make(err, errno, "open %s", rootfs);
  if (a) {
    r = tar_add_fd(a, rootfd, "", err);
    if (tar_writer_close(a, r < 0 ? &(struct xerr){0} : err) < 0)
      r = -1;
  }
  if (rootfd >= 0)
    close(rootfd);
  struct cstate st;
  struct xerr ignored = {0};
  if (!was_mounted && cstate_load(s, rec->id, &st, &ignored) == 0 && !cstate_running(&st))
    container_unmount(s, rec, &ignored);
  return r;
}

int cmd_export(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *output = NULL;
  int c;
  while ((c = cli_getopt(argc, argv, "o:", longopts)) != -1) {
    if (c == 'o') {
      output = optarg;
    } else if (c == 'h') {
      printf("\nUsage:  xocker export [OPTIONS] CONTAINER\n\n"
             "Export a container's filesystem as a tar archive\n\nOptions:\n"
             "  -o, --output string   Write to a file, instead of STDOUT\n");
      return 0;
    } else {
      return 125;
    }
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", argv[0]);
  if (!output && isatty(STDOUT_FILENO))
    return cli_errorf("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  struct container_record rec;
  struct xstore *s = cli_open_container(g, argv[optind], &rec);
  if (!s)
    return 1;
  struct xerr err = {0};
  int ret = 0;
  cleanup_close int fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                                : dup(STDOUT_FILENO);
  if (fd < 0)
    ret = cli_errorf("failed to export container: open %s: %s", output ? output : "stdout",
                     strerror(errno));
  else if (export_to(s, &rec, fd, &err) < 0)
    ret = cli_error(&err);
  container_record_clear(&rec);
  store_close(s);
  return ret;
}
