#include "image/crypto_shim.h"

#include <pthread.h>

#include "image/dynlib.h"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct xcrypto loaded;
static struct xerr load_err;
static int load_ret = -1;

static void load(void) {
  const struct dynlib_symbol symbols[] = {
      {"EVP_MD_CTX_new", &loaded.md_ctx_new},
      {"EVP_MD_CTX_free", &loaded.md_ctx_free},
      {"EVP_sha256", &loaded.sha256},
      {"EVP_DigestInit_ex", &loaded.digest_init_ex},
      {"EVP_DigestUpdate", &loaded.digest_update},
      {"EVP_DigestFinal_ex", &loaded.digest_final_ex},
      {"EVP_EncodeBlock", &loaded.encode_block},
      {"EVP_DecodeBlock", &loaded.decode_block},
  };
  load_ret = dynlib_open(XCRYPTO_SONAME, "OpenSSL libcrypto, needed for sha256", symbols,
                         sizeof symbols / sizeof symbols[0], &load_err);
}

const struct xcrypto *xcrypto_get(struct xerr *err) {
  pthread_once(&load_once, load);
  if (load_ret < 0) {
    *err = load_err;
    return NULL;
  }
  return &loaded;
}
