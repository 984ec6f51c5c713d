/* The container's filesystem view, built inside its new mount namespace:
 * the rootfs bind, config mounts, devices, /dev links, the console, then
 * pivot_root, and last the read-only and masked parts. */
#ifndef XOCKER_RUNTIME_ROOTFS_H
#define XOCKER_RUNTIME_ROOTFS_H

#include <stdbool.h>

#include "config.h"

struct xerr;

struct rootfs_ctx {
  const struct oci_config *config;
  const char *bundle;
  bool no_pivot;
  bool in_user_ns;      /* a new user namespace: devices are bind-mounted, not made */
  int console_slave;    /* pty slave to bind on /dev/console, or -1 */
};

/* Before pivot_root: make / a slave tree, bind the rootfs, do every mount,
 * create devices and /dev links, bind the console. */
int rootfs_mount_all(struct rootfs_ctx *ctx, struct xerr *err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) into the rootfs. */
int rootfs_enter(struct rootfs_ctx *ctx, struct xerr *err);
/* After pivot_root: sysctls, rootfsPropagation, read-only root, masked
 * and read-only paths. */
int rootfs_finish(struct rootfs_ctx *ctx, struct xerr *err);

/* Create process.cwd inside the rootfs when it is missing, as runc does. */
int rootfs_make_cwd(const struct oci_config *config, struct xerr *err);

/* Bind the pty slave on the rootfs's /dev/console, before pivot_root. */
int rootfs_bind_console(const struct oci_config *config, int slave, struct xerr *err);

/* Open the rootfs's pty multiplexer (dev/pts/ptmx, else dev/ptmx) before
 * pivot_root; -1 with err when there is none. */
int rootfs_open_ptmx(const struct oci_config *config, struct xerr *err);

#endif
