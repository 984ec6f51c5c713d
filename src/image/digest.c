/* SHA-256 digests with OpenSSL's EVP interface. */
#include "image/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "common/xerr.h"

int digester_init(struct digester *h, struct xerr *err) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    h->ctx = NULL;
    return xerr_make(err, ENOMEM, "sha256: cannot initialise the digest");
  }
  h->ctx = ctx;
  return 0;
}

void digester_update(struct digester *h, const void *buf, size_t len) {
  if (h->ctx && len)
    EVP_DigestUpdate(h->ctx, buf, len);
}

void digester_final(struct digester *h, char out[DIGEST_BUF_LEN]) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(h->ctx, md, &n);
  digester_free(h);
  memcpy(out, DIGEST_PREFIX, sizeof DIGEST_PREFIX - 1);
  char *p = out + sizeof DIGEST_PREFIX - 1;
  for (unsigned i = 0; i < 32; i++, p += 2)
    snprintf(p, 3, "%02x", md[i]);
}

void digester_free(struct digester *h) {
  if (h && h->ctx) {
    EVP_MD_CTX_free(h->ctx);
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
