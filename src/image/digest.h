/* Content digests ("sha256:<64 lowercase hex>") and incremental SHA-256
 * through OpenSSL's EVP interface. */
#ifndef XOCKER_IMAGE_DIGEST_H
#define XOCKER_IMAGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

struct xerr;

#define DIGEST_PREFIX "sha256:"
#define DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define DIGEST_BUF_LEN 72

struct digester {
  void *ctx; /* EVP_MD_CTX */
};

int digester_init(struct digester *h, struct xerr *err);
void digester_update(struct digester *h, const void *buf, size_t len);
/* Writes "sha256:<hex>" into out and releases the context. */
void digester_final(struct digester *h, char out[DIGEST_BUF_LEN]);
/* Release without a result (error paths); NULL-safe, idempotent. */
void digester_free(struct digester *h);
int digest_buffer(const void *buf, size_t len, char out[DIGEST_BUF_LEN], struct xerr *err);

/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool digest_valid(const char *digest);
/* The hex part of a valid digest. */
const char *digest_hex(const char *digest);

#endif
