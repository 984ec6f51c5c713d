/* xocker import [-c CHANGE]... [-m MSG] [--platform P] FILE|URL|- [REPOSITORY[:TAG]] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"
#include "image/curl_shim.h"
#include "image/import.h"
#include "image/reference.h"
#include "image/store.h"

#define MAX_CHANGES 256

static void import_usage(void) {
  printf("\nUsage:  xocker import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]\n\n"
         "Import the contents from a tarball to create a filesystem image\n\n"
         "Options:\n"
         "  -c, --change list         Apply Dockerfile instruction to the created image\n"
         "  -m, --message string      Set commit message for imported image\n"
         "      --platform string     Set platform if server is multi-platform capable\n");
}

/* Only this machine is reachable: http:// on the loopback. */
static bool url_allowed(const char *url) {
  static const char *const ok[] = {"http://127.0.0.1", "http://localhost", "http://[::1]"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    size_t n = strlen(ok[i]);
    if (strncmp(url, ok[i], n) == 0 && (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
      return true;
  }
  return false;
}

static size_t write_to_fd(char *data, size_t size, size_t nmemb, void *fdp) {
  return write_all(*(int *)fdp, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* Download url into an anonymous file under the store's blobs/tmp; its fd. */
static int fetch_url(struct xstore *s, const char *url, struct xerr *err) {
  if (!url_allowed(url))
    return xerr_make(err, 0, "import from %s: only http:// URLs on this machine "
                                 "(127.0.0.1, localhost) can be imported", url);
  char tmpdir[4096];
  snprintf(tmpdir, sizeof tmpdir, "%s/blobs/tmp", s->root);
  cleanup_close int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return xerr_make(err, errno, "import: temporary file in %s", tmpdir);
  const struct xcurl *lib = xcurl_get(err);
  if (!lib)
    return xerr_wrap(err, "import from %s", url);
  CURL *curl = lib->easy_init();
  if (!curl)
    return xerr_make(err, ENOMEM, "import: curl");
  char curl_err[CURL_ERROR_SIZE] = "";
  lib->easy_setopt(curl, CURLOPT_URL, url);
  lib->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
  lib->easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  lib->easy_setopt(curl, CURLOPT_NOPROXY, "*");
  lib->easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_to_fd);
  lib->easy_setopt(curl, CURLOPT_WRITEDATA, &fd);
  lib->easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
  CURLcode rc = lib->easy_perform(curl);
  lib->easy_cleanup(curl);
  if (rc != CURLE_OK)
    return xerr_make(err, 0, "import from %s: %s", url,
                     curl_err[0] ? curl_err : lib->easy_strerror(rc));
  if (lseek(fd, 0, SEEK_SET) < 0)
    return xerr_make(err, errno, "import from %s", url);
  return take_fd(&fd);
}

static int open_source(struct xstore *s, const char *src, struct xerr *err) {
  if (strcmp(src, "-") == 0) {
    int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    return fd < 0 ? xerr_make(err, errno, "stdin") : fd;
  }
  if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0)
    return fetch_url(s, src, err);
  int fd = open(src, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open %s", src);
  return fd;
}

int cmd_import(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_PLATFORM = 256, OPT_HELP };
  static const struct option opts[] = {
      {"change", required_argument, NULL, 'c'},
      {"message", required_argument, NULL, 'm'},
      {"platform", required_argument, NULL, OPT_PLATFORM},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  const char *changes[MAX_CHANGES];
  struct import_options o = {.changes = changes};
  int c;
  while ((c = cli_getopt(argc, argv, "c:m:", opts)) != -1) {
    switch (c) {
    case 'c':
      if (o.n_changes == MAX_CHANGES)
        return cli_usage(argv[0], "too many --change options (at most %d)", MAX_CHANGES);
      changes[o.n_changes++] = optarg;
      break;
    case 'm': o.message = optarg; break;
    case OPT_PLATFORM: o.platform = optarg; break;
    case OPT_HELP: import_usage(); return 0;
    default: return 125;
    }
  }
  int nargs = argc - optind;
  if (nargs < 1 || nargs > 2)
    return cli_usage(argv[0], "\"%s\" requires at least 1 and at most 2 arguments.", argv[0]);
  o.source = argv[optind];
  char tag[REF_NAME_MAX * 2 + REF_TAG_MAX];
  if (nargs == 2) {
    struct image_ref r;
    struct xerr perr = {0};
    if (ref_parse(argv[optind + 1], true, &r, &perr) < 0)
      return cli_error(&perr);
    if (r.digest[0])
      return cli_errorf("refusing to create a tag with a digest reference");
    ref_string(&r, tag, sizeof tag);
    o.tag = tag;
  }
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct xerr err = {0};
  char id[DIGEST_BUF_LEN];
  int fd = open_source(s, o.source, &err);
  int ret = fd < 0 ? -1 : image_import(s, fd, &o, id, &err);
  if (fd >= 0)
    close(fd);
  store_close(s);
  if (ret < 0)
    return cli_error(&err);
  printf("%s\n", id);
  return 0;
}
