/* Docker's user resolution against the container's /etc/passwd and /etc/group. */
#include "engine/user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootpath.h"
#include "common/xerr.h"

/* A whole decimal number (no sign, no spaces). */
static bool parse_id(const char *s, unsigned long *out) {
  if (!*s || strspn(s, "0123456789") != strlen(s))
    return false;
  errno = 0;
  *out = strtoul(s, NULL, 10);
  return errno == 0 && *out <= 0xfffffffeUL;
}

/* The container's file (passwd or group) opened inside the rootfs; NULL when missing. */
static FILE *open_in_root(const char *rootfs, const char *path) {
  cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return NULL;
  struct xerr ignored = {0};
  int fd = root_open(rootfd, path, O_RDONLY | O_CLOEXEC, 0, &ignored);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, "r");
  if (!f)
    close(fd);
  return f;
}

/* Split a passwd/group line into its colon-separated fields in place. */
static size_t split_fields(char *line, char **fields, size_t max) {
  size_t n = 0;
  line[strcspn(line, "\n")] = '\0';
  while (n < max) {
    fields[n++] = line;
    char *colon = strchr(line, ':');
    if (!colon)
      break;
    *colon = '\0';
    line = colon + 1;
  }
  return n;
}

/* Find a passwd entry by name (or by uid when name is NULL). */
static bool find_passwd(const char *rootfs, const char *name, unsigned long uid, uid_t *uid_out,
                        gid_t *gid_out, char *name_out, size_t name_len, char *home_out,
                        size_t home_len) {
  cleanup_file FILE *f = open_in_root(rootfs, "/etc/passwd");
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    char *fld[7];
    unsigned long u, g;
    size_t nf = split_fields(line, fld, 7);
    if (nf < 4 || !parse_id(fld[2], &u) || !parse_id(fld[3], &g))
      continue;
    if ((name && strcmp(fld[0], name) == 0) || (!name && u == uid)) {
      if (nf >= 6)
        snprintf(home_out, home_len, "%s", fld[5]);
      *uid_out = (uid_t)u;
      *gid_out = (gid_t)g;
      snprintf(name_out, name_len, "%s", fld[0]);
      return true;
    }
  }
  return false;
}

/* A group by name; and the groups whose member list has user. */
static int scan_groups(const char *rootfs, const char *group, gid_t *gid_out, bool *found,
                       const char *user, struct container_user *out) {
  cleanup_file FILE *f = open_in_root(rootfs, "/etc/group");
  char line[4096];
  *found = false;
  while (f && fgets(line, sizeof line, f)) {
    char *fld[4];
    unsigned long g;
    if (split_fields(line, fld, 4) < 3 || !parse_id(fld[2], &g))
      continue;
    if (group && strcmp(fld[0], group) == 0) {
      *gid_out = (gid_t)g;
      *found = true;
    }
    if (user && *user && fld[3] && out->n_additional < 32)
      for (char *m = strtok(fld[3], ","); m; m = strtok(NULL, ","))
        if (strcmp(m, user) == 0 && (gid_t)g != out->gid)
          out->additional[out->n_additional++] = (gid_t)g;
  }
  return 0;
}

int user_resolve(const char *rootfs, const char *spec, struct container_user *out,
                 struct xerr *err) {
  memset(out, 0, sizeof *out);
  if (!spec || !*spec)
    spec = "0";
  char user[256], group[256] = "";
  const char *colon = strchr(spec, ':');
  snprintf(user, sizeof user, "%.*s", (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
  if (colon)
    snprintf(group, sizeof group, "%s", colon + 1);
  char name[256] = "", home[256] = "";
  unsigned long id;
  if (parse_id(user, &id)) {
    /* A numeric uid need not exist; its primary group comes from passwd if it does. */
    out->uid = (uid_t)id;
    out->gid = 0;
    if (!find_passwd(rootfs, NULL, id, &out->uid, &out->gid, name, sizeof name, home, sizeof home))
      out->uid = (uid_t)id;
  } else if (!find_passwd(rootfs, user, 0, &out->uid, &out->gid, name, sizeof name, home,
                          sizeof home)) {
    return xerr_set(err, ENOENT, "unable to find user %s: no matching entries in passwd file",
                    user);
  }
  bool found = false;
  gid_t gid = out->gid;
  bool numeric_group = group[0] && parse_id(group, &id);
  if (numeric_group)
    gid = (gid_t)id;
  scan_groups(rootfs, group[0] && !numeric_group ? group : NULL, &gid, &found, name, out);
  if (group[0] && !numeric_group && !found)
    return xerr_set(err, ENOENT, "unable to find group %s: no matching entries in group file",
                    group);
  out->gid = gid;
  /* As runc does: the passwd entry's home, "/" without one. */
  snprintf(out->home, sizeof out->home, "%s", home[0] ? home : "/");
  return 0;
}
