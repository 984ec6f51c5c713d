#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"

static size_t format_map(const struct oci_idmap *maps, size_t n, char *buf, size_t len) {
  size_t used = 0;
  for (size_t i = 0; i < n && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%u %u %u\n", maps[i].container_id,
                             maps[i].host_id, maps[i].size);
  return used < len ? used : len;
}

/* An unprivileged process may write a single line mapping its own id. */
static bool maps_only_self(const struct oci_idmap *maps, size_t n, unsigned self) {
  return n == 1 && maps[0].size == 1 && maps[0].host_id == self;
}

static int run_helper(const char *helper, pid_t pid, const struct oci_idmap *maps, size_t n,
                      const char *field, struct xerr *err) {
  char args[64][16];
  char *argv[70];
  size_t argc = 0;
  argv[argc++] = (char *)helper;
  snprintf(args[0], sizeof args[0], "%d", pid);
  argv[argc++] = args[0];
  for (size_t i = 0, a = 1; i < n && a + 3 < 64; i++) {
    snprintf(args[a], sizeof args[a], "%u", maps[i].container_id);
    snprintf(args[a + 1], sizeof args[a + 1], "%u", maps[i].host_id);
    snprintf(args[a + 2], sizeof args[a + 2], "%u", maps[i].size);
    argv[argc++] = args[a];
    argv[argc++] = args[a + 1];
    argv[argc++] = args[a + 2];
    a += 3;
  }
  argv[argc] = NULL;
  pid_t child = fork();
  if (child < 0)
    return xerr_make(err, errno, "%s: fork %s", field, helper);
  if (child == 0) {
    execvp(helper, argv);
    _exit(127);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return xerr_make(err, errno, "%s: wait for %s", field, helper);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return xerr_make(err, 0, "%s: %s failed (exit %d); check /etc/subuid and /etc/subgid", field,
                     helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}

static int write_one(pid_t pid, const char *file, const char *helper, const char *field,
                     const struct oci_idmap *maps, size_t n, unsigned self, struct xerr *err) {
  if (n == 0)
    return 0;
  if (geteuid() != 0 && !maps_only_self(maps, n, self))
    return run_helper(helper, pid, maps, n, field, err);
  char buf[4096], path[64];
  size_t len = format_map(maps, n, buf, sizeof buf);
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  if (write_file_at(AT_FDCWD, path, buf, len, err) < 0)
    return xerr_wrap(err, "%s", field);
  return 0;
}

int idmap_write(pid_t pid, const struct oci_config *c, struct xerr *err) {
  if (geteuid() != 0 && maps_only_self(c->gid_mappings, c->n_gid_mappings, getegid())) {
    /* The kernel lets an unprivileged process write its own gid map only
     * once setgroups is denied in the namespace. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    if (write_file_at(AT_FDCWD, path, "deny", 4, err) < 0)
      return xerr_wrap(err, "linux.gidMappings");
  }
  if (write_one(pid, "uid_map", "newuidmap", "linux.uidMappings", c->uid_mappings,
                c->n_uid_mappings, geteuid(), err) < 0 ||
      write_one(pid, "gid_map", "newgidmap", "linux.gidMappings", c->gid_mappings,
                c->n_gid_mappings, getegid(), err) < 0)
    return -1;
  return 0;
}
