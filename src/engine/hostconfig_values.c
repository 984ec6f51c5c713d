/* Parsers for the values of Docker's run flags, each failing with the text
 * Docker's CLI gives (its Go library's words: strconv, go-units, opts). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/hostconfig_internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---- numbers ---- */

/* go-units' parseSize: the number is everything up to the last digit,
 * dot or space; what follows is the suffix (b, k, kb, kib, ... p). */
int hc_parse_size(const char *s, int64_t *out, char *msg, size_t len) {
  const char *sep = NULL;
  for (const char *p = s; *p; p++)
    if (strchr("0123456789. ", *p))
      sep = p;
  if (!sep) {
    snprintf(msg, len, "invalid size: '%s'", s);
    return -1;
  }
  char number[64];
  size_t nlen = (size_t)(sep - s) + (*sep == ' ' ? 0 : 1);
  snprintf(number, sizeof number, "%.*s", (int)(nlen < sizeof number ? nlen : sizeof number - 1), s);
  const char *suffix = sep + 1;
  char *end;
  double v = strtod(number, &end);
  if (!*number || *end || isspace((unsigned char)*number)) {
    snprintf(msg, len, "strconv.ParseFloat: parsing \"%s\": invalid syntax", number);
    return -1;
  }
  if (v < 0) {
    snprintf(msg, len, "invalid size: '%s'", s);
    return -1;
  }
  char sfx[8] = "";
  size_t slen = strlen(suffix);
  for (size_t i = 0; i < slen && i < sizeof sfx - 1; i++)
    sfx[i] = (char)tolower((unsigned char)suffix[i]);
  const char *units = "kmgtp";
  const char *u = slen ? strchr(units, sfx[0]) : NULL;
  bool ok = slen == 0 || (slen == 1 && (sfx[0] == 'b' || u)) ||
            (slen == 2 && u && sfx[1] == 'b') || (slen == 3 && u && strcmp(sfx + 1, "ib") == 0);
  if (!ok) {
    snprintf(msg, len, "invalid suffix: '%s'", slen > 3 ? suffix : sfx);
    return -1;
  }
  if (u && sfx[0])
    v *= pow(1024.0, (double)(u - units + 1));
  if (v >= 9.2e18) {
    snprintf(msg, len, "invalid size: '%s'", s);
    return -1;
  }
  *out = (int64_t)v;
  return 0;
}

static int go_num_error(const char *fn, const char *s, bool range, char *msg, size_t len) {
  snprintf(msg, len, "strconv.%s: parsing \"%s\": %s", fn, s, range ? "value out of range" : "invalid syntax");
  return -1;
}

int hc_parse_int(const char *s, int bits, int64_t *out, char *msg, size_t len) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*s == '\0' || isspace((unsigned char)*s) || *end)
    return go_num_error("ParseInt", s, false, msg, len);
  long long max = bits >= 64 ? LLONG_MAX : (1LL << (bits - 1)) - 1;
  if (errno == ERANGE || v > max || v < -max - 1)
    return go_num_error("ParseInt", s, true, msg, len);
  *out = v;
  return 0;
}

int hc_parse_uint(const char *s, int bits, uint64_t *out, char *msg, size_t len) {
  char *end;
  errno = 0;
  if (!isdigit((unsigned char)*s))
    return go_num_error("ParseUint", s, false, msg, len);
  unsigned long long v = strtoull(s, &end, 10);
  if (*end)
    return go_num_error("ParseUint", s, false, msg, len);
  unsigned long long max = bits >= 64 ? ULLONG_MAX : (1ULL << bits) - 1;
  if (errno == ERANGE || v > max)
    return go_num_error("ParseUint", s, true, msg, len);
  *out = v;
  return 0;
}

int hc_parse_bool(const char *s, bool *out, char *msg, size_t len) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < 6; i++) {
    if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
      *out = strcmp(s, yes[i]) == 0;
      return 0;
    }
  }
  snprintf(msg, len, "strconv.ParseBool: parsing \"%s\": invalid syntax", s);
  return -1;
}

/* Exact decimal arithmetic, as Docker's big.Rat: at most 9 fractional
 * digits that matter. */
int hc_parse_nanocpus(const char *s, int64_t *out, char *msg, size_t len) {
  const char *p = s;
  bool negative = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  int64_t whole = 0, frac = 0;
  int digits = 0, frac_digits = 0;
  bool too_precise = false;
  for (; isdigit((unsigned char)*p); p++, digits++) {
    if (whole > INT64_MAX / 10 - 10)
      goto bad;
    whole = whole * 10 + (*p - '0');
  }
  if (*p == '.') {
    for (p++; isdigit((unsigned char)*p); p++, digits++) {
      if (frac_digits < 9) {
        frac = frac * 10 + (*p - '0');
        frac_digits++;
      } else if (*p != '0') {
        too_precise = true;
      }
    }
  }
  if (*p || digits == 0)
    goto bad;
  if (too_precise) {
    snprintf(msg, len, "value is too precise");
    return -1;
  }
  while (frac_digits++ < 9)
    frac *= 10;
  if (whole > INT64_MAX / 1000000000 - 1)
    goto bad;
  *out = (whole * 1000000000 + frac) * (negative ? -1 : 1);
  return 0;
bad:
  snprintf(msg, len, "failed to parse %s as a rational number", s);
  return -1;
}

/* ---- ulimits ---- */

static const char *const ulimit_names[] = {
    "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
    "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",    NULL,
};

int hc_parse_ulimit(const char *s, json_t **out, char *msg, size_t len) {
  const char *eq = strchr(s, '=');
  if (!eq) {
    snprintf(msg, len, "invalid ulimit argument: %s", s);
    return -1;
  }
  char name[32];
  snprintf(name, sizeof name, "%.*s", (int)(eq - s < 31 ? eq - s : 31), s);
  bool known = false;
  for (const char *const *n = ulimit_names; *n; n++)
    known |= (size_t)(eq - s) == strlen(*n) && strcmp(*n, name) == 0;
  if (!known) {
    snprintf(msg, len, "invalid ulimit type: %.*s", (int)(eq - s), s);
    return -1;
  }
  const char *limits = eq + 1;
  const char *colon = strchr(limits, ':');
  if (colon && strchr(colon + 1, ':')) {
    snprintf(msg, len, "too many limit value arguments - %s, can only have up to two, `soft[:hard]`",
             limits);
    return -1;
  }
  char soft_s[64];
  snprintf(soft_s, sizeof soft_s, "%.*s", (int)(colon ? colon - limits : (long)strlen(limits)), limits);
  int64_t soft, hard;
  if (hc_parse_int(soft_s, 64, &soft, msg, len) < 0)
    return -1;
  hard = soft;
  if (colon && hc_parse_int(colon + 1, 64, &hard, msg, len) < 0)
    return -1;
  if (soft > hard) {
    snprintf(msg, len, "ulimit soft limit must be less than or equal to hard limit: %" PRId64 " > %" PRId64,
             soft, hard);
    return -1;
  }
  json_t *u = json_object();
  json_object_set_new(u, "Name", json_string(name));
  json_object_set_new(u, "Hard", json_integer(hard));
  json_object_set_new(u, "Soft", json_integer(soft));
  *out = u;
  return 0;
}

/* ---- block IO devices ---- */

int hc_parse_weight_device(const char *s, json_t **out, char *msg, size_t len) {
  const char *colon = strchr(s, ':');
  if (!colon || colon == s) {
    snprintf(msg, len, "bad format: %s", s);
    return -1;
  }
  if (strncmp(s, "/dev/", 5) != 0) {
    snprintf(msg, len, "bad format for device path: %s", s);
    return -1;
  }
  uint64_t weight;
  char ignored[128];
  if (hc_parse_uint(colon + 1, 16, &weight, ignored, sizeof ignored) < 0 ||
      (weight > 0 && (weight < 10 || weight > 1000))) {
    snprintf(msg, len, "invalid weight for device: %s", s);
    return -1;
  }
  json_t *w = json_object();
  json_object_set_new(w, "Path", json_stringn(s, (size_t)(colon - s)));
  json_object_set_new(w, "Weight", json_integer((json_int_t)weight));
  *out = w;
  return 0;
}

int hc_parse_throttle(const char *s, bool iops, json_t **out, char *msg, size_t len) {
  const char *colon = strchr(s, ':');
  if (!colon) {
    snprintf(msg, len, "bad format: %s", s);
    return -1;
  }
  if (strncmp(s, "/dev/", 5) != 0) {
    snprintf(msg, len, "bad format for device path: %s", s);
    return -1;
  }
  int64_t rate;
  uint64_t count;
  char ignored[128];
  if (iops) {
    if (hc_parse_uint(colon + 1, 64, &count, ignored, sizeof ignored) < 0 || count > INT64_MAX) {
      snprintf(msg, len,
               "invalid rate for device: %s. The correct format is <device-path>:<number>. "
               "Number must be a positive integer",
               s);
      return -1;
    }
    rate = (int64_t)count;
  } else if (hc_parse_size(colon + 1, &rate, ignored, sizeof ignored) < 0) {
    snprintf(msg, len,
             "invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. "
             "Number must be a positive integer. Unit is optional and can be kb, mb, or gb",
             s);
    return -1;
  }
  json_t *t = json_object();
  json_object_set_new(t, "Path", json_stringn(s, (size_t)(colon - s)));
  json_object_set_new(t, "Rate", json_integer(rate));
  *out = t;
  return 0;
}

/* ---- --device ---- */

/* r, w, m, each at most once, at least one. */
static bool device_mode_valid(const char *mode) {
  if (!*mode)
    return false;
  bool seen[3] = {false, false, false};
  for (const char *c = mode; *c; c++) {
    const char *at = strchr("rwm", *c);
    if (!at || seen[at - "rwm"])
      return false;
    seen[at - "rwm"] = true;
  }
  return true;
}

int hc_parse_device(const char *s, json_t **out, char *msg, size_t len) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", s);
  char *parts[4] = {NULL};
  size_t n = 0;
  for (char *p = buf, *c; n < 4; p = c + 1) {
    parts[n++] = p;
    if (!(c = strchr(p, ':')))
      break;
    *c = '\0';
  }
  if (n > 3 || parts[0][0] == '\0') {
    snprintf(msg, len, "bad format for path: %s", s);
    return -1;
  }
  const char *host = parts[0], *dst = host, *perms = "rwm";
  if (n == 2) {
    if (device_mode_valid(parts[1]))
      perms = parts[1];
    else
      dst = parts[1];
  } else if (n == 3) {
    dst = parts[1];
    perms = parts[2];
    if (!device_mode_valid(perms)) {
      snprintf(msg, len, "bad mode specified: %s", perms);
      return -1;
    }
  }
  if (dst[0] != '/') {
    snprintf(msg, len, "%s is not an absolute path", dst);
    return -1;
  }
  json_t *d = json_object();
  json_object_set_new(d, "PathOnHost", json_string(host));
  json_object_set_new(d, "PathInContainer", json_string(dst));
  json_object_set_new(d, "CgroupPermissions", json_string(perms));
  *out = d;
  return 0;
}

/* "type major:minor access": type a, b or c; numbers or *; rwm letters. */
int hc_check_device_cgroup_rule(const char *s, char *msg, size_t len) {
  const char *p = s;
  bool ok = (*p == 'a' || *p == 'b' || *p == 'c') && p[1] == ' ';
  p += 2;
  for (int field = 0; ok && field < 2; field++) {
    if (*p == '*') {
      p++;
    } else if (isdigit((unsigned char)*p)) {
      while (isdigit((unsigned char)*p))
        p++;
    } else {
      ok = false;
    }
    if (ok && *p != (field == 0 ? ':' : ' '))
      ok = false;
    p++;
  }
  size_t n = ok ? strlen(p) : 0;
  ok = ok && n >= 1 && n <= 3 && strspn(p, "rwm") == n;
  if (!ok) {
    snprintf(msg, len, "invalid device cgroup format '%s'", s);
    return -1;
  }
  return 0;
}

/* The namespaced sysctls Docker lets a container set. */
int hc_check_sysctl(const char *s, char *msg, size_t len) {
  static const char *const exact[] = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
  };
  const char *eq = strchr(s, '=');
  if (eq) {
    size_t k = (size_t)(eq - s);
    for (const char *const *e = exact; *e; e++)
      if (strlen(*e) == k && strncmp(s, *e, k) == 0)
        return 0;
    if (strncmp(s, "net.", 4) == 0 || strncmp(s, "fs.mqueue.", 10) == 0)
      return 0;
  }
  snprintf(msg, len, "sysctl '%s' is not allowed", s);
  return -1;
}

void hc_cap_name(const char *in, char *out, size_t len) {
  char up[128];
  size_t i = 0;
  for (; in[i] && i < sizeof up - 1; i++)
    up[i] = (char)toupper((unsigned char)in[i]);
  up[i] = '\0';
  if (strcmp(up, "ALL") == 0 || strncmp(up, "CAP_", 4) == 0)
    snprintf(out, len, "%s", up);
  else
    snprintf(out, len, "CAP_%s", up);
}

int hc_cpuset_max(const char *s, long *max) {
  *max = -1;
  const char *p = s;
  while (*p) {
    char *end;
    if (!isdigit((unsigned char)*p))
      return -1;
    long a = strtol(p, &end, 10), b = a;
    if (*end == '-') {
      if (!isdigit((unsigned char)end[1]))
        return -1;
      b = strtol(end + 1, &end, 10);
      if (b < a)
        return -1;
    }
    if (b > *max)
      *max = b;
    if (*end == ',' && end[1])
      end++;
    else if (*end)
      return -1;
    p = end;
  }
  return *max >= 0 ? 0 : -1;
}

long hc_online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? n : 1;
}

bool hc_cgroup_v2(void) {
  struct statfs st;
  return statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

bool hc_blkio_weight_supported(void) {
  static const char *const files[] = {"/sys/fs/cgroup/blkio/blkio.weight", "/sys/fs/cgroup/blkio/blkio.bfq.weight",
                                      "/sys/fs/cgroup/io.weight", "/sys/fs/cgroup/io.bfq.weight", NULL};
  for (const char *const *f = files; *f; f++)
    if (access(*f, F_OK) == 0)
      return true;
  /* cgroup v2 has the files only below the root: the io controller says. */
  char *controllers = NULL;
  struct xerr ignored = {0};
  bool io = false;
  if (hc_cgroup_v2() && read_file_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &controllers, NULL, &ignored) == 0)
    io = strstr(controllers, "io") != NULL;
  free(controllers);
  return io;
}
