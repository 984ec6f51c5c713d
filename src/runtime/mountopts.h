/* Mount options of config.json ("ro", "nosuid", "rbind", "rprivate",
 * "size=64m", ...) turned into mount(2) flags, propagation and data. */
#ifndef XOCKER_RUNTIME_MOUNTOPTS_H
#define XOCKER_RUNTIME_MOUNTOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct xerr;

/* Fill m->flags, clear_flags, propagation, data, bind, recursive_bind,
 * has_flag_changes from m->options (and m->type: type "bind" means a bind
 * mount).  Unknown options go to data, as runc does.  Fails only on
 * memory errors or malformed idmap options, naming the mount. */
int mount_options_parse(struct oci_mount *m, struct xerr *err);

/* For rootfsPropagation: "shared", "rslave", ... -> MS_* flags. */
int propagation_parse(const char *name, unsigned long *out, struct xerr *err);

/* Option names supported, for the features document (NULL-terminated). */
const char *const *mount_option_names(void);

/* The recursive attributes of m->options ("rro", "rnosuid", "rnoatime",
 * ...) as MOUNT_ATTR_* masks for mount_setattr(AT_RECURSIVE): *set to turn
 * on, *clr to turn off (an atime option clears all of MOUNT_ATTR__ATIME
 * and sets its mode, as the kernel wants).  Returns 1 when there are any,
 * 0 when there are none (both masks 0). */
int mount_options_recursive_attrs(const struct oci_mount *m, uint64_t *set, uint64_t *clr);

/* Whether the option `name` (e.g. "tmpcopyup") is listed. */
bool mount_options_has(const struct oci_mount *m, const char *name);

enum mount_idmap {
  MOUNT_IDMAP_NONE,      /* not idmapped */
  MOUNT_IDMAP,           /* "idmap", or uid/gidMappings given: the top mount */
  MOUNT_IDMAP_RECURSIVE, /* "ridmap": every mount of an rbind */
};
/* Whether m is idmapped.  Its maps are m->uid_mappings/gid_mappings; when
 * an idmap option comes without them, the container's user namespace
 * maps apply (the caller's choice). */
enum mount_idmap mount_options_idmap(const struct oci_mount *m);

/* For the unit tests: the option table is in bsearch order. */
bool mount_options_table_sorted(void);

#endif
