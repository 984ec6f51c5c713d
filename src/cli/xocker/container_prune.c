/* xocker container prune [-f] [--filter until=|label=]: removes every
 * stopped container (created, exited, dead), as Docker does, after asking
 * unless -f. */
#include <errno.h>
#include <ftw.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "storage/container.h"
#include "storage/driver.h"

struct prune_filter {
  int64_t until;   /* unix seconds, 0: none */
  char **labels;   /* label=k[=v] */
  char **not_labels; /* label!=k[=v] */
};

static bool has_label(json_t *labels, const char *want) {
  const char *eq = strchr(want, '=');
  size_t klen = eq ? (size_t)(eq - want) : strlen(want);
  char key[512];
  snprintf(key, sizeof key, "%.*s", (int)klen, want);
  const char *v = json_string_value(json_object_get(labels, key));
  return v && (!eq || !strcmp(v, eq + 1));
}

static bool selected(const struct container_record *c, const struct prune_filter *f) {
  if (f->until && c->created >= f->until)
    return false;
  json_t *doc = engine_record_config(c);
  json_t *labels = json_object_get(json_object_get(doc, "Config"), "Labels");
  bool ok = true;
  for (size_t i = 0; ok && f->labels && f->labels[i]; i++)
    ok = has_label(labels, f->labels[i]);
  for (size_t i = 0; ok && f->not_labels && f->not_labels[i]; i++)
    ok = !has_label(labels, f->not_labels[i]);
  json_decref(doc);
  return ok;
}

static int64_t walked_bytes;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)path, (void)ftw;
  if (flag == FTW_F)
    walked_bytes += st->st_size;
  return 0;
}

/* The bytes of the container's writable part (what removing frees). */
static int64_t writable_size(struct xstore *s, const struct container_record *c) {
  const struct storage_driver *d;
  struct xerr err = {0};
  if (container_driver(c, &d, &err) < 0)
    return 0;
  char dir[4096];
  d->rw_path(s, c->id, dir, sizeof dir);
  walked_bytes = 0;
  nftw(dir, add_size, 16, FTW_PHYS);
  return walked_bytes;
}

static int prune(const struct xocker_globals *g, const struct prune_filter *f) {
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  struct container_record *all = NULL;
  size_t n = 0;
  struct xerr err = {0};
  if (container_list(s, &all, &n, &err) < 0) {
    store_close(s);
    return cli_error(&err);
  }
  int64_t reclaimed = 0;
  bool any = false;
  int ret = 0;
  for (size_t i = 0; i < n; i++) {
    struct cstate st;
    if (cstate_load(s, all[i].id, &st, &err) < 0 || cstate_running(&st) || !selected(&all[i], f))
      continue;
    int64_t size = writable_size(s, &all[i]);
    if (engine_remove(s, &all[i], false, false, &err) < 0) {
      ret = cli_error(&err);
      continue;
    }
    if (!any)
      printf("Deleted Containers:\n");
    any = true;
    printf("%s\n", all[i].id);
    reclaimed += size;
  }
  char human[32];
  human_size(reclaimed, human, sizeof human);
  printf("%sTotal reclaimed space: %s\n", any ? "\n" : "", human);
  container_list_free(all, n);
  store_close(s);
  return ret;
}

static bool confirmed(void) {
  printf("WARNING! This will remove all stopped containers.\n"
         "Are you sure you want to continue? [y/N] ");
  fflush(stdout);
  char answer[64] = "";
  if (!fgets(answer, sizeof answer, stdin))
    return false;
  answer[strcspn(answer, "\r\n")] = '\0';
  return !strcasecmp(answer, "y") || !strcasecmp(answer, "yes");
}

static int add_filter(struct prune_filter *f, const char *arg) {
  if (!strncmp(arg, "until=", 6)) {
    int64_t nanos;
    if (cli_parse_time_nanos(arg + 6, &nanos) < 0)
      return cli_daemon_errorf("failed to parse value as time or duration: "
                        "\"%s\"", arg + 6);
    f->until = nanos / 1000000000;
  } else if (!strncmp(arg, "label=", 6)) {
    strv_append(&f->labels, arg + 6);
  } else if (!strncmp(arg, "label!=", 7)) {
    strv_append(&f->not_labels, arg + 7);
  } else {
    return cli_daemon_errorf("invalid filter '%.*s'",
                      (int)strcspn(arg, "!="), arg);
  }
  return 0;
}

int cmd_container_prune(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
                                           {"filter", required_argument, NULL, 'F'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct prune_filter f = {0};
  bool force = false;
  int c, ret = 0;
  while (ret == 0 && (c = cli_getopt(argc, argv, "f", longopts)) != -1) {
    if (c == 'f') {
      force = true;
    } else if (c == 'F') {
      if (!strchr(optarg, '='))
        ret = cli_usage(argv[0], "invalid argument \"%s\" for \"--filter\" flag: bad format of "
                        "filter (expected name=value)", optarg);
      else if (add_filter(&f, optarg) != 0)
        ret = 1;
    } else if (c == 'h') {
      printf("\nUsage:  xocker container prune [OPTIONS]\n\nRemove all stopped containers\n\n"
             "Options:\n      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"
             "  -f, --force           Do not prompt for confirmation\n");
      goto out;
    } else {
      ret = 125;
    }
  }
  if (ret == 0 && optind < argc)
    ret = cli_usage("container prune", "\"prune\" accepts no arguments.");
  if (ret == 0 && (force || confirmed()))
    ret = prune(g, &f);
out:
  cleanup_strv_fn(&f.labels);
  cleanup_strv_fn(&f.not_labels);
  return ret;
}
