/* The cache of compiled seccomp programs, and the SHA-256 that keys it.
 *
 * An entry is a small header and the BPF instructions:
 *   "XRSCBPF1" | u32 flags | u32 bits (1 = has SCMP_ACT_NOTIFY) | u64 checksum | insns
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
#include <sys/utsname.h>
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

static void sha256_block(uint32_t h[8], const uint8_t *p) {
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

int seccomp_cache_key(json_t *seccomp, char key[SECCOMP_CACHE_KEY_LEN + 1]) {
  char *text = json_dumps(seccomp, JSON_SORT_KEYS | JSON_COMPACT);
  if (text == NULL)
    return -1;
  /* The kernel decides which flags are supported and libseccomp which
   * syscalls exist: a cache kept across an upgrade must not mix them. */
  const struct scmp_version *v = seccomp_version();
  struct utsname u;
  if (uname(&u) < 0)
    memset(&u, 0, sizeof u);
  char head[sizeof u.release + sizeof u.version + 128];
  int n = snprintf(head, sizeof head, "%s\n%u.%u.%u\n%u\n%s\n%s\n", CACHE_FORMAT,
                   v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_arch_native(),
                   u.release, u.version);
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, head, (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
  sha256_update(&c, text, strlen(text));
  free(text);
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
static int open_dir(const char *dir) {
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
    xlog_debug("seccomp cache %s: not used (owner %u, mode %o)", dir, st.st_uid,
               st.st_mode & 07777);
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- entries ---- */

#define CACHE_MAGIC "XRSCBPF1"
#define HEADER_SIZE 24
#define ENTRY_NOTIFY 1u

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

int seccomp_cache_read(const char *key, struct seccomp_program *p) {
  char dir[PATH_MAX];
  if (seccomp_cache_dir(dir, sizeof dir) < 0)
    return -1;
  cleanup_close int dfd = open_dir(dir);
  if (dfd < 0)
    return -1;
  cleanup_close int fd = openat(dfd, key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return -1;
  size_t size = (size_t)st.st_size;
  if (!S_ISREG(st.st_mode) || size < HEADER_SIZE + sizeof(struct sock_filter) ||
      (size - HEADER_SIZE) % sizeof(struct sock_filter) != 0 ||
      (size - HEADER_SIZE) / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    xlog_debug("seccomp cache %s/%s: bad size %zu, rebuilding", dir, key, size);
    return -1;
  }
  cleanup_free uint8_t *buf = malloc(size);
  if (buf == NULL || read_all(fd, buf, size) != (ssize_t)size)
    return -1;
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
    xlog_debug("seccomp cache %s/%s: corrupt entry, rebuilding", dir, key);
    free(insns);
    return -1;
  }
  p->insns = insns;
  p->n_insns = n;
  p->flags = flags;
  p->has_notify = bits & ENTRY_NOTIFY;
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
  cleanup_close int dfd = open_dir(dir);
  if (dfd < 0)
    return;
  size_t size = HEADER_SIZE + p->n_insns * sizeof *p->insns;
  cleanup_free uint8_t *buf = malloc(size);
  if (buf == NULL)
    return;
  uint32_t bits = p->has_notify ? ENTRY_NOTIFY : 0;
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
