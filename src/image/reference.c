/* Docker-style image reference parsing (see reference.h for the grammar). */
#include "image/reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/xerr.h"

static int bad_ref(struct xerr *err, const char *why) {
  return xerr_set(err, EINVAL, "invalid reference format%s%s", why ? ": " : "", why ? why : "");
}

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* One path component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t n) {
  size_t i = 0;
  if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
    return false;
  while (i < n) {
    if (is_lower_alnum(s[i])) {
      i++;
      continue;
    }
    size_t sep = i;
    if (s[i] == '.' || s[i] == '_') {
      i++;
      if (s[sep] == '_' && i < n && s[i] == '_')
        i++;
    } else if (s[i] == '-') {
      while (i < n && s[i] == '-')
        i++;
    } else {
      return false;
    }
    if (i >= n || !is_lower_alnum(s[i]))
      return false;
  }
  return true;
}

static bool path_valid(const char *path, bool *has_upper) {
  *has_upper = false;
  for (const char *p = path; *p; p++)
    if (isupper((unsigned char)*p))
      *has_upper = true;
  if (*has_upper)
    return false;
  const char *start = path;
  for (;;) {
    const char *slash = strchr(start, '/');
    size_t n = slash ? (size_t)(slash - start) : strlen(start);
    if (!path_component_valid(start, n))
      return false;
    if (!slash)
      return true;
    start = slash + 1;
  }
}

/* host[:port], host being dot-separated labels of [A-Za-z0-9-], or [ipv6]. */
static bool domain_valid(const char *d) {
  const char *port = NULL;
  if (d[0] == '[') {
    const char *end = strchr(d, ']');
    if (!end || end == d + 1)
      return false;
    for (const char *p = d + 1; p < end; p++)
      if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
        return false;
    if (end[1] == '\0')
      return true;
    if (end[1] != ':')
      return false;
    port = end + 2;
  } else {
    const char *colon = strchr(d, ':');
    size_t n = colon ? (size_t)(colon - d) : strlen(d);
    if (n == 0)
      return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
      char c = d[i];
      if (c == '.') {
        if (label == 0 || d[i - 1] == '-')
          return false;
        label = 0;
      } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
        label++;
      } else {
        return false;
      }
    }
    if (label == 0 || d[n - 1] == '-')
      return false;
    if (colon)
      port = colon + 1;
  }
  if (port) {
    size_t n = strspn(port, "0123456789");
    if (n == 0 || port[n] != '\0')
      return false;
  }
  return true;
}

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool tag_valid(const char *t) {
  size_t n = strlen(t);
  if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
      return false;
  return true;
}

/* algorithm:hex, sha256 needing 64 lowercase hex digits. */
static bool digest_ref_valid(const char *d) {
  const char *colon = strchr(d, ':');
  if (!colon || colon == d)
    return false;
  for (const char *p = d; p < colon; p++)
    if (!is_lower_alnum(*p) && *p != '+' && *p != '.' && *p != '_' && *p != '-')
      return false;
  const char *hex = colon + 1;
  size_t n = strspn(hex, "0123456789abcdef");
  if (hex[n] != '\0' || n < 32)
    return false;
  if (strncmp(d, "sha256:", 7) == 0 && n != 64)
    return false;
  return true;
}

static int copy_part(char *dst, size_t cap, const char *src, size_t n, struct xerr *err) {
  if (n >= cap)
    return bad_ref(err, "repository name must not be more than 255 characters");
  memcpy(dst, src, n);
  dst[n] = '\0';
  return 0;
}

int ref_parse(const char *s, bool add_latest, struct image_ref *r, struct xerr *err) {
  memset(r, 0, sizeof *r);
  if (!s || !*s)
    return bad_ref(err, NULL);
  const char *at = strchr(s, '@');
  size_t name_end = at ? (size_t)(at - s) : strlen(s);
  if (at) {
    if (strlen(at + 1) >= sizeof r->digest || !digest_ref_valid(at + 1))
      return bad_ref(err, NULL);
    strcpy(r->digest, at + 1);
  }
  /* A tag is after the last ':' that follows the last '/'. */
  const char *last_slash = memrchr(s, '/', name_end);
  const char *search = last_slash ? last_slash + 1 : s;
  const char *colon = memchr(search, ':', name_end - (size_t)(search - s));
  size_t repo_end = name_end;
  if (colon) {
    repo_end = (size_t)(colon - s);
    size_t tn = name_end - repo_end - 1;
    if (tn >= sizeof r->tag)
      return bad_ref(err, NULL);
    memcpy(r->tag, colon + 1, tn);
    r->tag[tn] = '\0';
    if (!tag_valid(r->tag))
      return bad_ref(err, NULL);
  }
  if (repo_end == 0)
    return bad_ref(err, NULL);
  if (repo_end > 255)
    return bad_ref(err, "repository name must not be more than 255 characters");
  /* Split the domain from the path. */
  const char *slash = memchr(s, '/', repo_end);
  const char *path = s;
  size_t path_len = repo_end;
  if (slash) {
    size_t dn = (size_t)(slash - s);
    bool is_domain = memchr(s, '.', dn) || memchr(s, ':', dn) ||
                     (dn == 9 && strncmp(s, "localhost", 9) == 0);
    for (size_t i = 0; i < dn && !is_domain; i++)
      if (isupper((unsigned char)s[i]))
        is_domain = true;
    if (is_domain) {
      if (copy_part(r->domain, sizeof r->domain, s, dn, err) < 0)
        return -1;
      if (!domain_valid(r->domain))
        return bad_ref(err, NULL);
      path = slash + 1;
      path_len = repo_end - dn - 1;
    }
  }
  if (!r->domain[0])
    strcpy(r->domain, REF_DEFAULT_DOMAIN);
  if (strcmp(r->domain, "index.docker.io") == 0)
    strcpy(r->domain, REF_DEFAULT_DOMAIN);
  if (copy_part(r->path, sizeof r->path, path, path_len, err) < 0)
    return -1;
  bool has_upper;
  if (!path_valid(r->path, &has_upper))
    return bad_ref(err, has_upper ? "repository name must be lowercase" : NULL);
  if (strcmp(r->domain, REF_DEFAULT_DOMAIN) == 0 && !strchr(r->path, '/')) {
    char tmp[REF_NAME_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "library/%s", r->path) >= sizeof tmp)
      return bad_ref(err, "repository name must not be more than 255 characters");
    strcpy(r->path, tmp);
  }
  if (add_latest && !r->tag[0] && !r->digest[0])
    strcpy(r->tag, "latest");
  return 0;
}

void ref_repository(const struct image_ref *r, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", r->domain, r->path);
}

void ref_string(const struct image_ref *r, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "", r->tag,
           r->digest[0] ? "@" : "", r->digest);
}

void ref_familiarize(const char *normalised, char *buf, size_t len) {
  const char *p = normalised;
  if (strncmp(p, REF_DEFAULT_DOMAIN "/", sizeof REF_DEFAULT_DOMAIN) == 0) {
    p += sizeof REF_DEFAULT_DOMAIN;
    if (strncmp(p, "library/", 8) == 0 && !strchr(p + 8, '/'))
      p += 8;
  }
  snprintf(buf, len, "%s", p);
}

void ref_familiar(const struct image_ref *r, char *buf, size_t len) {
  char full[REF_NAME_MAX * 2 + REF_TAG_MAX + REF_DIGEST_MAX];
  ref_string(r, full, sizeof full);
  ref_familiarize(full, buf, len);
}

const char *ref_registry_host(const struct image_ref *r) {
  return strcmp(r->domain, REF_DEFAULT_DOMAIN) == 0 ? "registry-1.docker.io" : r->domain;
}
