/* The cache of compiled seccomp programs, and the SHA-256 that keys it.
 *
 * An entry is a small header and the BPF instructions:
 *   "XRSCBPF1" | u32 flags | u32 bits | u64 checksum | insns
 * (bits: 1 = has SCMP_ACT_NOTIFY, 2 = SPEC_ALLOW only by default)
 * so its size is a multiple of 8.  The checksum (a word-wise FNV-1a over
 * the instructions) catches a damaged file; the key, a SHA-256, makes a
 * deliberately colliding profile infeasible, which a short hash would not:
 * a profile compiled for one container must never be loaded for another. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "seccomp.h"
#include "seccomp_internal.h"

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block_portable(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                  sha256_k[i] + w[i];
    uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The same compression with the x86 SHA extensions (SHA-NI), five times
 * faster: the state lives as ABEF/CDGH, each sha256rnds2 does two rounds,
 * sha256msg1/msg2 extend the message schedule four words at a time. */
__attribute__((target("sha,sse4.1"))) static void sha256_block_ni(uint32_t h[8],
                                                                  const uint8_t *p) {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  __m128i abef_in = abef, cdgh_in = cdgh;
  __m128i w[4];
  for (int g = 0; g < 16; g++) {
    __m128i m;
    if (g < 4) {
      m = w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
    } else {
      __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
      x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
      m = w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
    }
    m = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&sha256_k[4 * g]));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
  }
  abef = _mm_add_epi32(abef, abef_in);
  cdgh = _mm_add_epi32(cdgh, cdgh_in);
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

int sha256_use_ni = -1;

static void sha256_block(uint32_t h[8], const uint8_t *p) {
  if (sha256_use_ni < 0) {
    unsigned a, b, c, d;
    sha256_use_ni = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)) &&
                    __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1);
  }
  if (sha256_use_ni)
    sha256_block_ni(h, p);
  else
    sha256_block_portable(h, p);
}
#else
int sha256_use_ni = 0;

static void sha256_block(uint32_t h[8], const uint8_t *p) { sha256_block_portable(h, p); }
#endif

void sha256_init(struct sha256_ctx *c) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, iv, sizeof iv);
  c->len = 0;
  c->used = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len) {
  const uint8_t *p = data;
  c->len += len;
  if (c->used) {
    size_t take = 64 - c->used < len ? 64 - c->used : len;
    memcpy(c->buf + c->used, p, take);
    c->used += take;
    p += take;
    len -= take;
    if (c->used < 64)
      return;
    sha256_block(c->h, c->buf);
    c->used = 0;
  }
  for (; len >= 64; p += 64, len -= 64)
    sha256_block(c->h, p);
  memcpy(c->buf, p, len);
  c->used = len;
}

void sha256_final(struct sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->len * 8;
  uint8_t pad[72] = {0x80};
  size_t n = (c->used < 56 ? 56 : 120) - c->used;
  for (int i = 0; i < 8; i++)
    pad[n + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(c, pad, n + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)c->h[i];
  }
}

/* ---- key ---- */

/* Bump when the entry format or the way profiles are compiled changes. */
#define CACHE_FORMAT "xrun-seccomp-cache-1"

/* The profile is hashed in a canonical form of our own rather than as
 * json_dumps(JSON_SORT_KEYS) text, which costs as much as the hash itself:
 * every value is a type byte and a LEB128 number (the length of a string
 * or key, the size of an array or object, the bits of a number), followed
 * by the bytes of a string; object members are sorted by key.  Equal JSON
 * values give equal bytes whatever the key order or spacing of the file,
 * and the encoding is prefix-free, so different values cannot collide. */
static void hash_u64(struct sha256_ctx *c, char tag, uint64_t v) {
  uint8_t b[11] = {(uint8_t)tag};
  size_t n = 1;
  do {
    b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  sha256_update(c, b, n);
}

static int key_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int hash_json(struct sha256_ctx *c, json_t *j, int depth) {
  if (depth > 64)
    return -1;
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    size_t n = json_object_size(j), i = 0;
    const char *small[16];
    const char **keys = n <= 16 ? small : malloc(n * sizeof *keys);
    if (keys == NULL)
      return -1;
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, key_cmp);
    hash_u64(c, 'o', n);
    int r = 0;
    for (i = 0; i < n && r == 0; i++) {
      size_t len = strlen(keys[i]);
      hash_u64(c, 'k', len);
      sha256_update(c, keys[i], len);
      r = hash_json(c, json_object_get(j, keys[i]), depth + 1);
    }
    if (keys != small)
      free(keys);
    return r;
  }
  case JSON_ARRAY:
    hash_u64(c, 'a', json_array_size(j));
    for (size_t i = 0; i < json_array_size(j); i++)
      if (hash_json(c, json_array_get(j, i), depth + 1) < 0)
        return -1;
    return 0;
  case JSON_STRING:
    hash_u64(c, 's', json_string_length(j));
    sha256_update(c, json_string_value(j), json_string_length(j));
    return 0;
  case JSON_INTEGER:
    hash_u64(c, 'i', (uint64_t)json_integer_value(j));
    return 0;
  case JSON_REAL: {
    double d = json_real_value(j);
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    hash_u64(c, 'r', u);
    return 0;
  }
  case JSON_TRUE:
    hash_u64(c, 't', 0);
    return 0;
  case JSON_FALSE:
    hash_u64(c, 'f', 0);
    return 0;
  case JSON_NULL:
    hash_u64(c, 'n', 0);
    return 0;
  default:
    return -1;
  }
}

int seccomp_cache_key(json_t *seccomp, char key[SECCOMP_CACHE_KEY_LEN + 1]) {
  /* libseccomp decides which syscalls exist and how the BPF looks.  The
   * kernel only decides which flags are accepted, and the default cache
   * lives in /run, gone at the next boot; a profile whose flags a new
   * kernel refuses fails at load with the kernel's error. */
  const struct scmp_version *v = seccomp_version();
  char head[128];
  int n = snprintf(head, sizeof head, "%s\n%u.%u.%u\n%u\n", CACHE_FORMAT, v ? v->major : 0,
                   v ? v->minor : 0, v ? v->micro : 0, seccomp_arch_native());
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
  if (hash_json(&c, seccomp, 0) < 0)
    return -1;
  uint8_t sum[32];
  sha256_final(&c, sum);
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    key[2 * i] = hex[sum[i] >> 4];
    key[2 * i + 1] = hex[sum[i] & 15];
  }
  key[SECCOMP_CACHE_KEY_LEN] = '\0';
  return 0;
}

/* ---- directory ---- */

int seccomp_cache_dir(char *buf, size_t len) {
  const char *env = getenv("XRUN_SECCOMP_CACHE");
  int n;
  if (env)
    n = *env ? snprintf(buf, len, "%s", env) : -1;
  else if (geteuid() == 0)
    n = snprintf(buf, len, "/run/xrun/seccomp-cache");
  else if ((env = getenv("XDG_RUNTIME_DIR")) && *env == '/')
    n = snprintf(buf, len, "%s/xrun/seccomp-cache", env);
  else
    n = -1;
  return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Only a directory of our own that nobody else can write to is trusted:
 * its entries are loaded into containers as they are. */
static bool dir_trusted(const char *dir) {
  struct stat st;
  if (stat(dir, &st) < 0)
    return false;
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
    xlog_debug("seccomp cache %s: not used (owner %u, mode %o)", dir, st.st_uid,
               st.st_mode & 07777);
    return false;
  }
  return true;
}

/* ---- entries ---- */

#define CACHE_MAGIC "XRSCBPF1"
#define HEADER_SIZE 24
#define ENTRY_NOTIFY 1u
#define ENTRY_SPEC_ALLOW_IMPLICIT 2u

static uint64_t checksum(const struct sock_filter *insns, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    uint64_t w;
    memcpy(&w, &insns[i], sizeof w);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return h;
}

/* Four syscalls on a hit (stat, open, read, close): they cost more than
 * the hashing on some virtual machines. */
int seccomp_cache_read(const char *key, struct seccomp_program *p) {
  char dir[PATH_MAX], path[PATH_MAX + SECCOMP_CACHE_KEY_LEN + 2];
  if (seccomp_cache_dir(dir, sizeof dir) < 0 || !dir_trusted(dir))
    return -1;
  snprintf(path, sizeof path, "%s/%s", dir, key);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return -1;
  /* One read of the largest possible entry: a regular file comes whole. */
  size_t cap = HEADER_SIZE + BPF_MAXINSNS * sizeof(struct sock_filter) + 1;
  cleanup_free uint8_t *buf = malloc(cap);
  if (buf == NULL)
    return -1;
  ssize_t got;
  do
    got = read(fd, buf, cap);
  while (got < 0 && errno == EINTR);
  size_t size = got > 0 ? (size_t)got : 0;
  if (size < HEADER_SIZE + sizeof(struct sock_filter) || size == cap ||
      (size - HEADER_SIZE) % sizeof(struct sock_filter) != 0) {
    xlog_debug("seccomp cache %s: bad size %zd, rebuilding", path, got);
    return -1;
  }
  size_t n = (size - HEADER_SIZE) / sizeof(struct sock_filter);
  uint32_t flags, bits;
  uint64_t sum;
  memcpy(&flags, buf + 8, 4);
  memcpy(&bits, buf + 12, 4);
  memcpy(&sum, buf + 16, 8);
  struct sock_filter *insns = malloc(n * sizeof *insns);
  if (insns == NULL)
    return -1;
  memcpy(insns, buf + HEADER_SIZE, n * sizeof *insns);
  if (memcmp(buf, CACHE_MAGIC, 8) != 0 || checksum(insns, n) != sum) {
    xlog_debug("seccomp cache %s: corrupt entry, rebuilding", path);
    free(insns);
    return -1;
  }
  p->insns = insns;
  p->n_insns = n;
  p->flags = flags;
  p->has_notify = bits & ENTRY_NOTIFY;
  p->spec_allow_implicit = bits & ENTRY_SPEC_ALLOW_IMPLICIT;
  return 0;
}

void seccomp_cache_write(const char *key, const struct seccomp_program *p) {
  char dir[PATH_MAX], path[PATH_MAX + SECCOMP_CACHE_KEY_LEN + 2];
  struct xerr err = {0};
  if (seccomp_cache_dir(dir, sizeof dir) < 0)
    return;
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    int r = mkdir_p(dir, 0711, &err);
    *slash = '/';
    if (r < 0) {
      xlog_debug("seccomp cache: %s", err.msg);
      return;
    }
  }
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
    xlog_debug("seccomp cache: mkdir %s: %s", dir, strerror(errno));
    return;
  }
  if (!dir_trusted(dir))
    return;
  size_t size = HEADER_SIZE + p->n_insns * sizeof *p->insns;
  cleanup_free uint8_t *buf = malloc(size);
  if (buf == NULL)
    return;
  uint32_t bits = (p->has_notify ? ENTRY_NOTIFY : 0) |
                  (p->spec_allow_implicit ? ENTRY_SPEC_ALLOW_IMPLICIT : 0);
  uint64_t sum = checksum(p->insns, p->n_insns);
  memcpy(buf, CACHE_MAGIC, 8);
  memcpy(buf + 8, &p->flags, 4);
  memcpy(buf + 12, &bits, 4);
  memcpy(buf + 16, &sum, 8);
  memcpy(buf + HEADER_SIZE, p->insns, p->n_insns * sizeof *p->insns);
  snprintf(path, sizeof path, "%s/%s", dir, key);
  if (write_file_atomic(path, (const char *)buf, size, 0600, &err) < 0)
    xlog_debug("seccomp cache: %s", err.msg);
}
