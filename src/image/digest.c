/* SHA-256 digests with OpenSSL's EVP interface. */
#include "image/digest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/xerr.h"
#include "image/crypto_shim.h"

/* libcrypto, once a digester_init has loaded it. */
static const struct xcrypto *crypto(void) {
  struct xerr unused;
  return xcrypto_get(&unused);
}

int digester_init(struct digester *h, struct xerr *err) {
  h->ctx = NULL;
  const struct xcrypto *c = xcrypto_get(err);
  if (!c)
    return xerr_wrap(err, "sha256");
  EVP_MD_CTX *ctx = c->md_ctx_new();
  if (!ctx || c->digest_init_ex(ctx, c->sha256(), NULL) != 1) {
    c->md_ctx_free(ctx);
    h->ctx = NULL;
    return xerr_make(err, ENOMEM, "sha256: cannot initialise the digest");
  }
  h->ctx = ctx;
  return 0;
}

void digester_update(struct digester *h, const void *buf, size_t len) {
  if (h->ctx && len)
    crypto()->digest_update(h->ctx, buf, len);
}

void digester_final(struct digester *h, char out[DIGEST_BUF_LEN]) {
  unsigned char md[32];
  unsigned int n = 0;
  crypto()->digest_final_ex(h->ctx, md, &n);
  digester_free(h);
  memcpy(out, DIGEST_PREFIX, sizeof DIGEST_PREFIX - 1);
  char *p = out + sizeof DIGEST_PREFIX - 1;
  for (unsigned i = 0; i < 32; i++, p += 2)
    snprintf(p, 3, "%02x", md[i]);
}

void digester_free(struct digester *h) {
  if (h && h->ctx) {
    crypto()->md_ctx_free(h->ctx);
    h->ctx = NULL;
  }
}

int digest_buffer(const void *buf, size_t len, char out[DIGEST_BUF_LEN], struct xerr *err) {
  struct digester h;
  if (digester_init(&h, err) < 0)
    return -1;
  digester_update(&h, buf, len);
  digester_final(&h, out);
  return 0;
}

bool digest_valid(const char *digest) {
  if (!digest || strncmp(digest, DIGEST_PREFIX, sizeof DIGEST_PREFIX - 1) != 0)
    return false;
  const char *hex = digest + sizeof DIGEST_PREFIX - 1;
  size_t n = strspn(hex, "0123456789abcdef");
  return n == DIGEST_HEX_LEN && hex[n] == '\0';
}

const char *digest_hex(const char *digest) { return digest + sizeof DIGEST_PREFIX - 1; }
