/* The layer store: each layer unpacked once under ROOT/layers/<chain hex>/diff,
 * keyed by its chain id and shared by every image that has it, with a
 * row in the `layers` table written only when the layer is complete. */
#ifndef XOCKER_STORAGE_LAYERS_H
#define XOCKER_STORAGE_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"

struct xstore;
struct xerr;

/* chain(L0) = diffid(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diffid(Ln)) */
int layer_chain_id(const char *parent_chain, const char *diff_id, char out[DIGEST_BUF_LEN],
                   struct xerr *err);

/* Make sure the layer (parent_chain, diff_id) is unpacked: if absent, unpack
 * blob_digest (a blob in the store: tar, tar+gzip or tar+zstd, whatever
 * media_type says, the compression also sniffed) safely (no entry lands
 * outside the layer), turn whiteouts into overlayfs form, check that the
 * uncompressed stream hashes to diff_id, and record it.  parent_chain is
 * NULL for a base layer.  chain_out receives the chain id. */
int layer_ensure(struct xstore *s, const char *parent_chain, const char *blob_digest,
                 const char *media_type, const char *diff_id, char chain_out[DIGEST_BUF_LEN],
                 struct xerr *err);
bool layer_exists(struct xstore *s, const char *chain_id);
/* ROOT/layers/<hex>/diff */
void layer_diff_path(struct xstore *s, const char *chain_id, char *buf, size_t len);
/* Unpacked bytes of this layer alone; -1 if unknown. */
int64_t layer_size(struct xstore *s, const char *chain_id);
/* Unpacked bytes of the layer and every layer below it. */
int64_t layer_chain_size(struct xstore *s, const char *chain_id);
/* Remove a layer's files and row (GC; the caller knows it is unused). */
int layer_remove(struct xstore *s, const char *chain_id, struct xerr *err);

#endif
