/* xocker rmi / image rm, and image prune: untag and delete images with
 * Docker's messages (Untagged: / Deleted:) and its conflict rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "image/image.h"
#include "image/reference.h"
#include "image/store.h"

static void print_deleted(const char *what, int64_t bytes, void *ctx) {
  (void)bytes;
  (void)ctx;
  printf("Deleted: %s\n", what);
}

/* image prune counts what the removed layers held. */
static void add_freed(const char *what, int64_t bytes, void *ctx) {
  (void)what;
  *(int64_t *)ctx += bytes;
}

static void print_untagged(const char *normalised) {
  char f[1024];
  ref_familiarize(normalised, f, sizeof f);
  printf("Untagged: %s\n", f);
}

/* The tag name arg resolved to, when arg is a name rather than an id. */
static bool arg_names_tag(const char *arg, const struct image_record *r, char *tag, size_t len) {
  struct image_ref ref;
  struct xerr err = {0};
  if (strncmp(arg, "sha256:", 7) == 0 || ref_parse(arg, true, &ref, &err) < 0 || ref.digest[0])
    return false;
  ref_string(&ref, tag, len);
  for (char **t = r->tags; t && *t; t++)
    if (strcmp(*t, tag) == 0)
      return true;
  return false;
}

/* Untag every tag and repo digest of r, printing them. */
static int untag_all(struct xstore *s, const struct image_record *r, struct xerr *err) {
  for (char **t = r->tags; t && *t; t++) {
    if (image_untag(s, *t, err) < 0)
      return -1;
    print_untagged(*t);
  }
  for (char **d = r->digests; d && *d; d++)
    print_untagged(*d);
  return 0;
}

static int remove_one(struct xstore *s, const char *arg, bool force, struct xerr *err) {
  struct image_record r;
  if (image_lookup(s, arg, &r, err) < 0)
    return -1;
  int ret = -1;
  char tag[1024];
  size_t ntags = strv_length(r.tags);
  char sid[13];
  short_id(r.id, sid);
  if (arg_names_tag(arg, &r, tag, sizeof tag) && ntags > 1) {
    /* A name with other names left: only that name goes. */
    if (image_untag(s, tag, err) == 0) {
      print_untagged(tag);
      ret = 0;
    }
    goto out;
  }
  if (!arg_names_tag(arg, &r, tag, sizeof tag) && ntags > 1 && !force) {
    xerr_make(err, EBUSY, "conflict: unable to delete %s (must be forced) - image is referenced "
              "in multiple repositories", sid);
    goto out;
  }
  char user[65] = "";
  int users = image_users(s, r.id, user, err);
  if (users < 0)
    goto out;
  if (users > 0 && !force) {
    xerr_make(err, EBUSY, "conflict: unable to delete %s (must be forced) - image is being used "
              "by stopped container %.12s", sid, user);
    goto out;
  }
  if (untag_all(s, &r, err) < 0)
    goto out;
  ret = users > 0 ? 0 : image_delete(s, r.id, force, print_deleted, NULL, err);
out:
  image_record_clear(&r);
  return ret;
}

int cmd_rmi(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"force", no_argument, NULL, 'f'},
      {"no-prune", no_argument, NULL, 'P'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  bool force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "fh", longopts)) != -1) {
    switch (c) {
    case 'f': force = true; break;
    case 'P': break; /* parents are never kept as separate images here */
    case 'h': printf("\nUsage:  xocker rmi [OPTIONS] IMAGE [IMAGE...]\n"); return 0;
    default: return 125;
    }
  }
  if (optind >= argc)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct xerr err = {0};
    if (remove_one(s, argv[i], force, &err) < 0) {
      fflush(stdout);
      ret = cli_error(&err);
    }
  }
  store_close(s);
  return ret;
}

/* ---- image prune ---- */

static bool confirm(const char *what) {
  fprintf(stderr, "WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ", what);
  char line[16];
  if (!fgets(line, sizeof line, stdin))
    return false;
  return line[0] == 'y' || line[0] == 'Y';
}

int cmd_image_prune(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'},
      {"force", no_argument, NULL, 'f'},
      {"filter", required_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  bool all = false, force = false;
  int c;
  while ((c = cli_getopt(argc, argv, "afh", longopts)) != -1) {
    switch (c) {
    case 'a': all = true; break;
    case 'f': force = true; break;
    case 'F': return cli_errorf("image prune: filters are not supported yet (%s)", optarg);
    case 'h': printf("\nUsage:  xocker image prune [OPTIONS]\n"); return 0;
    default: return 125;
    }
  }
  if (optind < argc)
    return cli_usage(argv[0], "\"%s\" accepts no arguments.", argv[0]);
  if (!force && !confirm(all ? "all images without at least one container associated to them"
                             : "all dangling images"))
    return 0;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct image_record *list = NULL;
  size_t n = 0;
  struct xerr err = {0};
  int ret = 0;
  int64_t freed = 0;
  bool header = false;
  if (image_list(s, &list, &n, &err) < 0) {
    store_close(s);
    return cli_error(&err);
  }
  for (size_t i = 0; i < n; i++) {
    struct image_record *r = &list[i];
    bool dangling = strv_length(r->tags) == 0;
    if ((!all && !dangling) || image_users(s, r->id, NULL, &err) != 0)
      continue;
    if (!header) {
      printf("Deleted Images:\n");
      header = true;
    }
    for (char **t = r->tags; t && *t; t++) {
      char f[1024];
      ref_familiarize(*t, f, sizeof f);
      printf("untagged: %s\n", f);
    }
    if (image_delete(s, r->id, false, add_freed, &freed, &err) < 0) {
      ret = cli_error(&err);
      continue;
    }
    printf("deleted: %s\n", r->id);
  }
  char size[32];
  human_size(freed, size, sizeof size);
  printf("%sTotal reclaimed space: %s\n", header ? "\n" : "", size);
  image_list_free(list, n);
  store_close(s);
  return ret;
}
