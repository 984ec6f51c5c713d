/* OpenSSL's libcrypto, loaded with dlopen() on first use (image/dynlib.h).
 *
 * Only the digests (image/digest.h) and the base64 of credentials
 * (image/auth.h) need it, but linked it is the largest library of the
 * process: thousands of symbol relocations on every start of every xocker
 * command, even `xocker ps`.  Call the functions through this table as
 * the OpenSSL functions of the same names. */
#ifndef XOCKER_IMAGE_CRYPTO_SHIM_H
#define XOCKER_IMAGE_CRYPTO_SHIM_H

#include <openssl/evp.h>

#include "common/xerr.h"

#define XCRYPTO_SONAME "libcrypto.so.3"

struct xcrypto {
  EVP_MD_CTX *(*md_ctx_new)(void);
  void (*md_ctx_free)(EVP_MD_CTX *ctx);
  const EVP_MD *(*sha256)(void);
  int (*digest_init_ex)(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
  int (*digest_update)(EVP_MD_CTX *ctx, const void *d, size_t cnt);
  int (*digest_final_ex)(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
  int (*encode_block)(unsigned char *t, const unsigned char *f, int n);
  int (*decode_block)(unsigned char *t, const unsigned char *f, int n);
};

/* The process's libcrypto, loaded once (thread-safe).  NULL with err
 * filled (naming libcrypto.so.3 and the loader's reason) when it cannot be
 * loaded; every later call then fails the same way. */
const struct xcrypto *xcrypto_get(struct xerr *err);

#endif
