/* Mount options of config.json ("ro", "nosuid", "rbind", "rprivate",
 * "size=64m", ...) turned into mount(2) flags, propagation and data. */
#ifndef XOCKER_RUNTIME_MOUNTOPTS_H
#define XOCKER_RUNTIME_MOUNTOPTS_H

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

#endif
