/* Internals of the seccomp module (seccomp*.c and its unit tests). */
#ifndef XOCKER_RUNTIME_SECCOMP_INTERNAL_H
#define XOCKER_RUNTIME_SECCOMP_INTERNAL_H

#include <jansson.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seccomp_program {
  struct sock_filter *insns;
  size_t n_insns;
  uint32_t flags;          /* SECCOMP_FILTER_FLAG_* of the profile (NEW_LISTENER added at load) */
  bool has_notify;         /* some rule is SCMP_ACT_NOTIFY */
  bool spec_allow_implicit; /* SPEC_ALLOW set because "flags" was absent */
  bool from_cache;
  char *listener_path;     /* NULL when absent */
  char *listener_metadata; /* NULL when absent */
};

/* ---- seccomp_cache.c ---- */

struct sha256_ctx {
  uint32_t h[8];
  uint64_t len;      /* bytes hashed so far */
  uint8_t buf[64];
  size_t used;
};
/* -1 = not decided yet, 1 = use the CPU's SHA extensions, 0 = portable
 * code (tests set it to compare both). */
extern int sha256_use_ni;
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[32]);

#define SECCOMP_CACHE_KEY_LEN 64 /* hex characters */

/* The cache key of a profile (see seccomp.h), as lowercase hex. */
int seccomp_cache_key(json_t *seccomp, char key[SECCOMP_CACHE_KEY_LEN + 1]);
/* The cache directory, or -1 when caching is off. */
int seccomp_cache_dir(char *buf, size_t len);
/* Fill p->insns, n_insns, flags and has_notify from the entry: 0 on a
 * hit, -1 when the entry is missing, unusable or corrupt. */
int seccomp_cache_read(const char *key, struct seccomp_program *p);
/* Store p's program under key; failures are only logged (debug). */
void seccomp_cache_write(const char *key, const struct seccomp_program *p);

#endif
