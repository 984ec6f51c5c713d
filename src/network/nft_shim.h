/* libnftables, loaded with dlopen() on first use (image/dynlib.h).
 *
 * Linked, libnftables and what it brings along (libnftnl, libxtables,
 * libgmp) would be loaded and relocated by every xocker process, while
 * only the commands that change networks or published ports touch the
 * firewall.  Call the functions through the
 * table as the libnftables functions of the same names. */
#ifndef XOCKER_NETWORK_NFT_SHIM_H
#define XOCKER_NETWORK_NFT_SHIM_H

#include <nftables/libnftables.h>

#include "common/xerr.h"

#define XNFT_SONAME "libnftables.so.1"

struct xnft {
  struct nft_ctx *(*ctx_new)(uint32_t flags);
  void (*ctx_free)(struct nft_ctx *ctx);
  void (*ctx_output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
  int (*ctx_buffer_output)(struct nft_ctx *ctx);
  const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
  int (*ctx_buffer_error)(struct nft_ctx *ctx);
  const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
  int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
};

/* Load soname into api (for tests of a missing library); -1 with err
 * naming soname when it cannot be loaded or lacks a function. */
int xnft_open(const char *soname, struct xnft *api, struct xerr *err);

/* The process's libnftables, loaded once (thread-safe).  NULL with err
 * filled when it cannot be loaded; every later call then fails the same
 * way. */
const struct xnft *xnft_get(struct xerr *err);

/* Run nft commands (one transaction: all or nothing) in a fresh context
 * with the given NFT_CTX_OUTPUT_* flags.  When output is not NULL it gets
 * what the commands printed (a list, JSON with NFT_CTX_OUTPUT_JSON); the
 * caller frees it.  On failure err holds nft's own text of the first
 * error, without its source position and echo of the input, and how many
 * more errors followed. */
int xnft_run(const char *commands, unsigned int output_flags, char **output, struct xerr *err);

#endif
