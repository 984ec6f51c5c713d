#include "mountopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/xerr.h"

enum opt_kind {
  OPT_SET,         /* MS_* flag on */
  OPT_CLEAR,       /* MS_* flag off */
  OPT_PROPAGATION, /* MS_SHARED, MS_PRIVATE|MS_REC, ... */
  OPT_BIND,
  OPT_RBIND,
  OPT_RSET,        /* MOUNT_ATTR_* on, for the whole tree (mount_setattr) */
  OPT_RCLEAR,      /* MOUNT_ATTR_* off, for the whole tree */
  OPT_RATIME,      /* one of the MOUNT_ATTR_* atime modes, for the whole tree */
  OPT_EXTENSION,   /* ours to act on (tmpcopyup, idmap): never mount data */
};

struct mount_option {
  const char *name;
  enum opt_kind kind;
  unsigned long value;
};

/* Sorted by name (strcmp), for bsearch.  Names are case-sensitive, as in
 * mount(8) and runc. */
static const struct mount_option options[] = {
    {"acl", OPT_SET, MS_POSIXACL},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"bind", OPT_BIND, MS_BIND},
    {"defaults", OPT_SET, 0},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"idmap", OPT_EXTENSION, 0},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"noacl", OPT_CLEAR, MS_POSIXACL},
    {"noatime", OPT_SET, MS_NOATIME},
    {"nodev", OPT_SET, MS_NODEV},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"ratime", OPT_RATIME, MOUNT_ATTR_RELATIME},
    {"rbind", OPT_RBIND, MS_BIND | MS_REC},
    {"rdev", OPT_RCLEAR, MOUNT_ATTR_NODEV},
    {"rdiratime", OPT_RCLEAR, MOUNT_ATTR_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"remount", OPT_SET, MS_REMOUNT},
    {"rexec", OPT_RCLEAR, MOUNT_ATTR_NOEXEC},
    {"ridmap", OPT_EXTENSION, 0},
    {"rnoatime", OPT_RATIME, MOUNT_ATTR_NOATIME},
    {"rnodev", OPT_RSET, MOUNT_ATTR_NODEV},
    {"rnodiratime", OPT_RSET, MOUNT_ATTR_NODIRATIME},
    {"rnoexec", OPT_RSET, MOUNT_ATTR_NOEXEC},
    /* "no relatime" means every access updates atime: strictatime.
     * ("norelatime" alone is a no-op for mount(2), whose default is
     * relatime; a recursive attribute has to name a mode.) */
    {"rnorelatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_RATIME, MOUNT_ATTR_RELATIME},
    {"rnosuid", OPT_RSET, MOUNT_ATTR_NOSUID},
    {"rnosymfollow", OPT_RSET, MOUNT_ATTR_NOSYMFOLLOW},
    {"ro", OPT_SET, MS_RDONLY},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"rrelatime", OPT_RATIME, MOUNT_ATTR_RELATIME},
    {"rro", OPT_RSET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_RCLEAR, MOUNT_ATTR_RDONLY},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"rstrictatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME},
    {"rsuid", OPT_RCLEAR, MOUNT_ATTR_NOSUID},
    {"rsymfollow", OPT_RCLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"silent", OPT_SET, MS_SILENT},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"tmpcopyup", OPT_EXTENSION, 0},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* Per-mount-point flags: the only ones a bind remount changes.  Others
 * (sync, mand, ...) belong to the superblock, which a bind shares. */
#define BIND_REMOUNT_FLAGS                                                                 \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
   MS_STRICTATIME | MS_NOSYMFOLLOW)

static int compare_option(const void *key, const void *elem) {
  return strcmp(key, ((const struct mount_option *)elem)->name);
}

static const struct mount_option *find_option(const char *name) {
  return bsearch(name, options, N_OPTIONS, sizeof options[0], compare_option);
}

/* Unknown options are filesystem data ("size=64m", "mode=755"): join
 * them with ',' in their order.  NULL when there are none. */
static int join_data(char **opts, char **out, struct xerr *err) {
  size_t len = 0;
  for (char **p = opts; p && *p; p++)
    if (find_option(*p) == NULL)
      len += strlen(*p) + 1;
  *out = NULL;
  if (len == 0)
    return 0;
  char *data = malloc(len);
  if (data == NULL)
    return xerr_make(err, ENOMEM, "mount data");
  char *w = data;
  for (char **p = opts; p && *p; p++) {
    if (find_option(*p) != NULL)
      continue;
    if (w != data)
      *w++ = ',';
    size_t n = strlen(*p);
    memcpy(w, *p, n);
    w += n;
  }
  *w = '\0';
  *out = data;
  return 0;
}

static void apply_option(struct oci_mount *m, const struct mount_option *o) {
  switch (o->kind) {
  case OPT_SET:
    m->flags |= o->value;
    m->clear_flags &= ~o->value;
    break;
  case OPT_CLEAR:
    m->flags &= ~o->value;
    m->clear_flags |= o->value;
    break;
  case OPT_PROPAGATION:
    /* One propagation type per mount(2) call: the last one wins. */
    m->propagation = o->value;
    break;
  case OPT_RBIND:
    m->recursive_bind = true;
    m->bind = true;
    m->flags |= o->value;
    break;
  case OPT_BIND:
    m->bind = true;
    m->flags |= o->value;
    break;
  case OPT_RSET:
  case OPT_RCLEAR:
  case OPT_RATIME:
  case OPT_EXTENSION:
    break; /* read by their own accessors below */
  default:
    break;
  }
}

/* An idmapped mount needs both maps, each with ranges that map something. */
static int check_idmaps(const struct oci_mount *m, struct xerr *err) {
  if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
    return xerr_make(err, EINVAL, "mount %s: uidMappings and gidMappings must be given together",
                     m->destination);
  for (size_t i = 0; i < m->n_uid_mappings; i++)
    if (m->uid_mappings[i].size == 0)
      return xerr_make(err, EINVAL, "mount %s: uidMappings[%zu].size is 0", m->destination, i);
  for (size_t i = 0; i < m->n_gid_mappings; i++)
    if (m->gid_mappings[i].size == 0)
      return xerr_make(err, EINVAL, "mount %s: gidMappings[%zu].size is 0", m->destination, i);
  return 0;
}

int mount_options_parse(struct oci_mount *m, struct xerr *err) {
  m->flags = m->clear_flags = m->propagation = 0;
  m->bind = m->recursive_bind = false;
  if (m->type && strcmp(m->type, "bind") == 0) {
    m->bind = true;
    m->flags |= MS_BIND;
  }
  for (char **p = m->options; p && *p; p++) {
    const struct mount_option *o = find_option(*p);
    if (o)
      apply_option(m, o);
  }
  m->has_flag_changes = m->bind && (m->flags & BIND_REMOUNT_FLAGS) != 0;
  if (check_idmaps(m, err) < 0)
    return -1;
  char *data;
  if (join_data(m->options, &data, err) < 0)
    return xerr_wrap(err, "mount %s", m->destination ? m->destination : "");
  free(m->data);
  m->data = data;
  return 0;
}

int mount_options_recursive_attrs(const struct oci_mount *m, uint64_t *set, uint64_t *clr) {
  uint64_t s = 0, c = 0;
  bool any = false;
  for (char **p = m->options; p && *p; p++) {
    const struct mount_option *o = find_option(*p);
    if (o == NULL)
      continue;
    switch (o->kind) {
    case OPT_RSET:
      s |= o->value;
      c &= ~(uint64_t)o->value;
      any = true;
      break;
    case OPT_RCLEAR:
      c |= o->value;
      s &= ~(uint64_t)o->value;
      any = true;
      break;
    case OPT_RATIME:
      /* The atime modes are a small enum inside MOUNT_ATTR__ATIME:
       * mount_setattr wants the whole field cleared and one mode set. */
      s = (s & ~(uint64_t)MOUNT_ATTR__ATIME) | o->value;
      c |= MOUNT_ATTR__ATIME;
      any = true;
      break;
    case OPT_SET:
    case OPT_CLEAR:
    case OPT_PROPAGATION:
    case OPT_BIND:
    case OPT_RBIND:
    case OPT_EXTENSION:
      break;
    default:
      break;
    }
  }
  *set = s;
  *clr = c;
  return any ? 1 : 0;
}

bool mount_options_has(const struct oci_mount *m, const char *name) {
  for (char **p = m->options; p && *p; p++)
    if (strcmp(*p, name) == 0)
      return true;
  return false;
}

enum mount_idmap mount_options_idmap(const struct oci_mount *m) {
  /* The last of idmap/ridmap counts; mappings alone ask for idmap, as the
   * runtime spec says. */
  enum mount_idmap kind = MOUNT_IDMAP_NONE;
  for (char **p = m->options; p && *p; p++) {
    if (strcmp(*p, "idmap") == 0)
      kind = MOUNT_IDMAP;
    else if (strcmp(*p, "ridmap") == 0)
      kind = MOUNT_IDMAP_RECURSIVE;
  }
  if (kind == MOUNT_IDMAP_NONE && (m->n_uid_mappings > 0 || m->n_gid_mappings > 0))
    kind = MOUNT_IDMAP;
  return kind;
}

int propagation_parse(const char *name, unsigned long *out, struct xerr *err) {
  const struct mount_option *o = name ? find_option(name) : NULL;
  if (o == NULL || o->kind != OPT_PROPAGATION)
    return xerr_make(err, EINVAL, "unknown propagation \"%s\"", name ? name : "");
  *out = o->value;
  return 0;
}

const char *const *mount_option_names(void) {
  static const char *names[N_OPTIONS + 1];
  /* Filled once, first entry last, so a complete list is never seen
   * half-made. */
  if (names[0] == NULL)
    for (size_t i = N_OPTIONS; i-- > 0;)
      names[i] = options[i].name;
  return names;
}

bool mount_options_table_sorted(void) {
  for (size_t i = 1; i < N_OPTIONS; i++)
    if (strcmp(options[i - 1].name, options[i].name) >= 0)
      return false;
  return true;
}
