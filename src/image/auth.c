/* Registry credentials in Docker's config.json, and WWW-Authenticate
 * challenges. */
#include "image/auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/jsonutil.h"
#include "common/xerr.h"
#include "image/crypto_shim.h"
#include "image/reference.h"

void credentials_clear(struct credentials *c) {
  free(c->user);
  if (c->pass)
    explicit_bzero(c->pass, strlen(c->pass));
  free(c->pass);
  c->user = c->pass = NULL;
}

static void config_dir(char *buf, size_t len) {
  const char *d = getenv("DOCKER_CONFIG");
  if (d && *d) {
    snprintf(buf, len, "%s", d);
    return;
  }
  const char *home = getenv("HOME");
  snprintf(buf, len, "%s/.docker", home && *home ? home : "/root");
}

void auth_config_path(char *buf, size_t len) {
  char dir[4000];
  config_dir(dir, sizeof dir);
  snprintf(buf, len, "%s/config.json", dir);
}

/* "https://host:port/v1/" -> "host:port" */
static void strip_server(const char *server, char *buf, size_t len) {
  const char *p = server;
  if (strncmp(p, "https://", 8) == 0)
    p += 8;
  else if (strncmp(p, "http://", 7) == 0)
    p += 7;
  size_t n = strcspn(p, "/");
  snprintf(buf, len, "%.*s", (int)n, p);
}

static bool is_docker_hub(const char *host) {
  return strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0 ||
         strcmp(host, "registry-1.docker.io") == 0;
}

void auth_server_key(const char *server, char *buf, size_t len) {
  char host[REF_NAME_MAX];
  strip_server(server ? server : "", host, sizeof host);
  if (!host[0] || is_docker_hub(host))
    snprintf(buf, len, "%s", AUTH_DOCKER_HUB_KEY);
  else
    snprintf(buf, len, "%s", host);
}

/* The config document, or a new empty object when there is no file. */
static json_t *config_load(struct xerr *err) {
  char path[4096];
  auth_config_path(path, sizeof path);
  cleanup_free char *data = NULL;
  size_t n = 0;
  struct xerr rerr = {0};
  if (read_file_at(AT_FDCWD, path, &data, &n, &rerr) < 0) {
    if (rerr.errnum == ENOENT)
      return json_object();
    *err = rerr;
    return NULL;
  }
  json_error_t jerr;
  json_t *doc = n ? json_loadb(data, n, 0, &jerr) : json_object();
  if (!doc) {
    xerr_make(err, EINVAL, "%s: malformed JSON at line %d: %s", path, jerr.line, jerr.text);
    return NULL;
  }
  if (!json_is_object(doc)) {
    json_decref(doc);
    xerr_make(err, EINVAL, "%s: expected a JSON object", path);
    return NULL;
  }
  return doc;
}

static int config_save(json_t *doc, struct xerr *err) {
  char dir[4000], path[4096];
  config_dir(dir, sizeof dir);
  auth_config_path(path, sizeof path);
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  cleanup_free char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  if (!text)
    return xerr_make(err, ENOMEM, "write %s", path);
  size_t n = strlen(text);
  text[n] = '\0';
  return write_file_atomic(path, text, n, 0600, err);
}

char *auth_basic_encode(const char *user, const char *pass) {
  struct xerr unused;
  const struct xcrypto *lib = xcrypto_get(&unused);
  if (!lib)
    return NULL;
  cleanup_free char *plain = NULL;
  if (asprintf(&plain, "%s:%s", user, pass) < 0)
    return NULL;
  size_t n = strlen(plain);
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out)
    lib->encode_block((unsigned char *)out, (const unsigned char *)plain, (int)n);
  explicit_bzero(plain, n);
  return out;
}

static int decode_auth(const char *key, const char *b64, struct credentials *c,
                       struct xerr *err) {
  const struct xcrypto *lib = xcrypto_get(err);
  if (!lib)
    return xerr_wrap(err, "credentials for %s", key);
  size_t n = strlen(b64);
  cleanup_free unsigned char *plain = malloc(n + 1);
  if (!plain)
    return xerr_make(err, ENOMEM, "credentials for %s", key);
  int got = lib->decode_block(plain, (const unsigned char *)b64, (int)n);
  if (got < 0)
    return xerr_make(err, EINVAL, "credentials for %s: \"auth\" is not valid base64", key);
  /* EVP_DecodeBlock counts the padding as zero bytes. */
  while (n > 0 && b64[n - 1] == '=' && got > 0) {
    n--;
    got--;
  }
  plain[got] = '\0';
  char *colon = strchr((char *)plain, ':');
  if (!colon)
    return xerr_make(err, EINVAL, "credentials for %s: \"auth\" is not user:password", key);
  *colon = '\0';
  c->user = strdup((char *)plain);
  c->pass = strdup(colon + 1);
  explicit_bzero(plain, (size_t)got);
  if (!c->user || !c->pass) {
    credentials_clear(c);
    return xerr_make(err, ENOMEM, "credentials for %s", key);
  }
  return 0;
}

int auth_lookup(const char *domain, struct credentials *c, struct xerr *err) {
  memset(c, 0, sizeof *c);
  json_t *doc = config_load(err);
  if (!doc)
    return -1;
  json_t *auths = json_object_get(doc, "auths");
  const char *key;
  json_t *entry;
  int ret = 0;
  bool hub = is_docker_hub(domain);
  json_object_foreach(auths, key, entry) {
    char host[REF_NAME_MAX];
    strip_server(key, host, sizeof host);
    if (!(hub ? is_docker_hub(host) : strcmp(host, domain) == 0))
      continue;
    const char *b64 = json_string_value(json_object_get(entry, "auth"));
    if (b64 && *b64) {
      ret = decode_auth(key, b64, c, err);
      break;
    }
  }
  json_decref(doc);
  return ret;
}

int auth_store(const char *key, const char *user, const char *pass, struct xerr *err) {
  json_t *doc = config_load(err);
  if (!doc)
    return -1;
  int ret = -1;
  cleanup_free char *b64 = auth_basic_encode(user, pass);
  json_t *auths = json_object_get(doc, "auths");
  if (!json_is_object(auths)) {
    auths = json_object();
    if (json_put(doc, "auths", auths) < 0)
      goto nomem;
  }
  json_t *entry = json_object();
  if (!b64 || json_put(entry, "auth", json_string(b64)) < 0 || json_put(auths, key, entry) < 0)
    goto nomem;
  ret = config_save(doc, err);
  json_decref(doc);
  return ret;
nomem:
  json_decref(doc);
  return xerr_make(err, ENOMEM, "store credentials for %s", key);
}

int auth_remove(const char *key, bool *found, struct xerr *err) {
  json_t *doc = config_load(err);
  if (!doc)
    return -1;
  json_t *auths = json_object_get(doc, "auths");
  *found = json_is_object(auths) && json_object_get(auths, key);
  int ret = 0;
  if (*found) {
    json_object_del(auths, key);
    ret = config_save(doc, err);
  }
  json_decref(doc);
  return ret;
}

/* Read one auth-param value (quoted or token) at *p into buf. */
static void read_param_value(const char **p, char *buf, size_t len) {
  const char *s = *p;
  size_t n = 0;
  if (*s == '"') {
    s++;
    while (*s && *s != '"') {
      if (*s == '\\' && s[1])
        s++;
      if (n + 1 < len)
        buf[n++] = *s;
      s++;
    }
    if (*s == '"')
      s++;
  } else {
    while (*s && *s != ',' && !isspace((unsigned char)*s)) {
      if (n + 1 < len)
        buf[n++] = *s;
      s++;
    }
  }
  buf[n] = '\0';
  *p = s;
}

int auth_parse_challenge(const char *header, struct auth_challenge *c) {
  memset(c, 0, sizeof *c);
  const char *p = header;
  while (isspace((unsigned char)*p))
    p++;
  size_t n = strcspn(p, " \t");
  if (n == 0 || n >= sizeof c->scheme)
    return -1;
  for (size_t i = 0; i < n; i++)
    c->scheme[i] = (char)tolower((unsigned char)p[i]);
  if (strcmp(c->scheme, "bearer") != 0 && strcmp(c->scheme, "basic") != 0)
    return -1;
  p += n;
  while (*p) {
    while (*p == ',' || isspace((unsigned char)*p))
      p++;
    size_t kn = strcspn(p, "= \t,");
    if (kn == 0 || p[kn] != '=')
      break;
    const char *key = p;
    p += kn + 1;
    char value[1024];
    read_param_value(&p, value, sizeof value);
    if (kn == 5 && strncasecmp(key, "realm", 5) == 0)
      snprintf(c->realm, sizeof c->realm, "%s", value);
    else if (kn == 7 && strncasecmp(key, "service", 7) == 0)
      snprintf(c->service, sizeof c->service, "%.255s", value);
    else if (kn == 5 && strncasecmp(key, "scope", 5) == 0)
      snprintf(c->scope, sizeof c->scope, "%.511s", value);
  }
  if (strcmp(c->scheme, "bearer") == 0 && !c->realm[0])
    return -1;
  return 0;
}
