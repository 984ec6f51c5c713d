/* xocker rename OLD NEW: Docker's checks (empty, same name, the name's
 * pattern, a name another container has), then the record's new name and
 * a `rename` event. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/xerr.h"
#include "engine/events.h"
#include "image/store.h"
#include "storage/container.h"

/* Docker's pattern for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static bool valid_name(const char *name) {
  static const char *const extra = "_.-";
  size_t n = strlen(name);
  if (n < 2)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)name[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!alnum && (i == 0 || !strchr(extra, ch)))
      return false;
  }
  return true;
}

static int do_rename(struct xstore *s, struct container_record *rec, const char *new_name) {
  if (strcmp(rec->name, new_name) == 0)
    return cli_daemon_errorf("Renaming a container with the same name as "
                      "its current name");
  if (!valid_name(new_name))
    return cli_daemon_errorf("Invalid container name (%s), only "
                      "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", new_name);
  struct xerr err = {0};
  struct container_record other;
  if (container_lookup(s, new_name, &other, &err) == 0) {
    bool taken = strcmp(other.name, new_name) == 0;
    if (taken)
      cli_daemon_errorf("Error when allocating new name: "
              "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
              "You have to remove (or rename) that container to be able to reuse that name.",
              new_name, other.id);
    container_record_clear(&other);
    if (taken)
      return 1;
  }
  xerr_clear(&err);
  if (container_rename(s, rec->id, new_name, &err) < 0)
    return cli_daemon_error(&err);
  json_t *attrs = json_pack("{ss}", "oldName", rec->name);
  snprintf(rec->name, sizeof rec->name, "%s", new_name);
  engine_event(s, "rename", rec, attrs);
  json_decref(attrs);
  return 0;
}

int cmd_rename(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "", longopts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  xocker rename CONTAINER NEW_NAME\n\nRename a container\n");
      return 0;
    }
    return 125;
  }
  if (argc - optind != 2)
    return cli_usage(argv[0], "\"%s\" requires exactly 2 arguments.", argv[0]);
  const char *old = argv[optind], *new_name = argv[optind + 1];
  if (!*old || !*new_name)
    return cli_errorf("Neither old nor new names may be empty");
  struct container_record rec;
  struct xstore *s = cli_open_container(g, old, &rec);
  if (!s)
    return 1;
  int ret = do_rename(s, &rec, new_name);
  container_record_clear(&rec);
  store_close(s);
  return ret;
}
