/* Devices in the OCI config: Docker's device cgroup rules, --device nodes
 * (a file or every node below a directory) and, for --privileged, every
 * device node of the host's /dev. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/hostconfig_internal.h"

static json_t *rule(bool allow, const char *type, int64_t major, int64_t minor, const char *access) {
  json_t *r = json_object();
  json_object_set_new(r, "allow", json_boolean(allow));
  if (type)
    json_object_set_new(r, "type", json_string(type));
  if (major >= 0)
    json_object_set_new(r, "major", json_integer(major));
  if (minor >= 0)
    json_object_set_new(r, "minor", json_integer(minor));
  json_object_set_new(r, "access", json_string(access));
  return r;
}

/* Deny everything, then what a container needs: mknod of any node, the
 * standard character devices, ptys, tun; fuse stays denied (Docker's list
 * plus the ones runc adds to every container). */
json_t *hc_default_device_rules(bool privileged) {
  static const struct {
    const char *type;
    int64_t major, minor; /* -1 = any */
    const char *access;
  } allowed[] = {
      {"c", -1, -1, "m"},   {"b", -1, -1, "m"},    {"c", 1, 3, "rwm"},  {"c", 1, 8, "rwm"},
      {"c", 1, 7, "rwm"},   {"c", 5, 0, "rwm"},    {"c", 1, 5, "rwm"},  {"c", 1, 9, "rwm"},
      {"c", 136, -1, "rwm"}, {"c", 5, 2, "rwm"},   {"c", 10, 200, "rwm"}, {"c", 5, 1, "rwm"},
  };
  json_t *rules = json_array();
  json_array_append_new(rules, rule(false, NULL, -1, -1, "rwm"));
  if (privileged) {
    json_array_append_new(rules, rule(true, NULL, -1, -1, "rwm"));
    return rules;
  }
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    json_array_append_new(rules, rule(true, allowed[i].type, allowed[i].major, allowed[i].minor,
                                      allowed[i].access));
  json_array_append_new(rules, rule(false, "c", 10, 229, "rwm"));
  return rules;
}

/* "c 1:3 rwm" (checked by the flag parser) -> a rule; * is any. */
json_t *hc_rule_from_string(const char *s) {
  char type[2] = {s[0], '\0'};
  const char *p = s + 2;
  int64_t num[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    if (*p == '*')
      p++;
    else
      num[i] = strtoll(p, (char **)&p, 10);
    p++; /* ':' or ' ' */
  }
  return rule(true, type[0] == 'a' ? NULL : type, num[0], num[1], p);
}

static bool has_device_path(json_t *devices, const char *path) {
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d) if (strcmp(json_string_value(json_object_get(d, "path")), path) == 0) return true;
  return false;
}

static void add_node(json_t *devices, const char *path, const struct stat *st) {
  if (has_device_path(devices, path))
    return;
  json_t *d = json_object();
  json_object_set_new(d, "path", json_string(path));
  json_object_set_new(d, "type", json_string(S_ISBLK(st->st_mode) ? "b" : "c"));
  json_object_set_new(d, "major", json_integer(major(st->st_rdev)));
  json_object_set_new(d, "minor", json_integer(minor(st->st_rdev)));
  json_object_set_new(d, "fileMode", json_integer(st->st_mode & 07777));
  json_object_set_new(d, "uid", json_integer(st->st_uid));
  json_object_set_new(d, "gid", json_integer(st->st_gid));
  json_array_append_new(devices, d);
}

/* Directories the host's device walk leaves out, as runc's does. */
static bool skipped_dir(const char *name) {
  static const char *const skip[] = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev", NULL};
  for (const char *const *s = skip; *s; s++)
    if (strcmp(name, *s) == 0)
      return true;
  return false;
}

/* Every device node below host_dir, named below ctr_dir in the container;
 * perms non-NULL adds a cgroup rule for each. */
static int walk_devices(const char *host_dir, const char *ctr_dir, bool top, json_t *devices,
                        json_t *rules, const char *perms, struct xerr *err) {
  cleanup_dir DIR *dir = opendir(host_dir);
  if (!dir)
    return xerr_make(err, errno, "open %s", host_dir);
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char host[4096], ctr[4096];
    struct stat st;
    snprintf(host, sizeof host, "%s/%s", host_dir, e->d_name);
    snprintf(ctr, sizeof ctr, "%s/%s", ctr_dir, e->d_name);
    if (lstat(host, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      if ((!top || !skipped_dir(e->d_name)) &&
          walk_devices(host, ctr, false, devices, rules, perms, err) < 0)
        return -1;
      continue;
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
      continue;
    if (top && strcmp(e->d_name, "console") == 0)
      continue;
    add_node(devices, ctr, &st);
    if (perms)
      json_array_append_new(rules, rule(true, S_ISBLK(st.st_mode) ? "b" : "c", major(st.st_rdev),
                                        minor(st.st_rdev), perms));
  }
  return 0;
}

int hc_add_host_devices(json_t *devices, struct xerr *err) {
  return walk_devices("/dev", "/dev", true, devices, NULL, NULL, err);
}

int hc_add_device(json_t *mapping, json_t *devices, json_t *rules, struct xerr *err) {
  const char *host = json_string_value(json_object_get(mapping, "PathOnHost"));
  const char *ctr = json_string_value(json_object_get(mapping, "PathInContainer"));
  const char *perms = json_string_value(json_object_get(mapping, "CgroupPermissions"));
  struct stat st;
  if (!host || !ctr)
    return xerr_set(err, EINVAL, "invalid device mapping");
  if (!perms || !*perms)
    perms = "rwm";
  if (stat(host, &st) < 0) {
    /* Go's words for the errno: lower case. */
    char cause[128];
    snprintf(cause, sizeof cause, "%s", strerror(errno));
    cause[0] = (char)tolower((unsigned char)cause[0]);
    return xerr_set(err, errno, "error gathering device information while adding custom device \"%s\": %s",
                    host, cause);
  }
  if (S_ISDIR(st.st_mode))
    return walk_devices(host, ctr, false, devices, rules, perms, err);
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return xerr_set(err, EINVAL,
                    "error gathering device information while adding custom device \"%s\": not a device node",
                    host);
  add_node(devices, ctr, &st);
  json_array_append_new(rules, rule(true, S_ISBLK(st.st_mode) ? "b" : "c", major(st.st_rdev),
                                    minor(st.st_rdev), perms));
  return 0;
}

int hc_block_device(const char *path, int64_t *maj, int64_t *min, struct xerr *err) {
  struct stat st;
  if (stat(path, &st) < 0)
    return xerr_make(err, errno, "%s", path);
  if (!S_ISBLK(st.st_mode))
    return xerr_set(err, EINVAL, "%s: not a block device", path);
  *maj = major(st.st_rdev);
  *min = minor(st.st_rdev);
  return 0;
}
