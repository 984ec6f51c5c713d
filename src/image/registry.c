/* Distribution API v2 client on libcurl: transport choice, authentication,
 * retries, and the few calls pull and push need. */
#include "image/registry.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/auth.h"
#include "image/curl_shim.h"
#include "image/store.h"

#define MAX_TRIES 3
#define MAX_TOKENS 16
#define MAX_DOCUMENT (4 << 20) /* manifests and error bodies are small */

struct token {
  char *scope;
  char *value;
};

struct registry {
  char domain[256];
  char host[256];     /* host[:port] to contact */
  char base[300];     /* scheme://host */
  bool insecure;      /* may fall back to plain HTTP */
  bool no_verify;     /* listed in XOCKER_INSECURE_REGISTRIES */
  bool scheme_known;  /* a request reached the server over base's scheme */
  char cafile[4096];  /* "" when none */
  long stall_seconds;
  long retry_delay_ms;
  struct credentials cred;
  char *basic;        /* "Basic ..." once the registry asked for Basic */
  struct token tokens[MAX_TOKENS];
  size_t n_tokens;
  pthread_mutex_t lock;      /* tokens, basic, scheme */
  pthread_mutex_t auth_lock; /* one token request at a time */
  const struct xcurl *curl; /* libcurl, loaded by registry_open */
  CURLSH *share;
  pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

/* snprintf for messages and URLs where truncation of an absurdly long
 * name is acceptable (and -Wformat-truncation would object). */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t len, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, len, f, ap);
  va_end(ap);
}

/* ---- growable buffer ---- */

struct buffer {
  char *data;
  size_t len, cap, max;
};

static int buffer_add(struct buffer *b, const void *p, size_t n) {
  if (b->len + n > b->max)
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
      return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

/* ---- one request ---- */

struct response {
  long status;
  char content_type[MT_MAX];
  char digest[DIGEST_BUF_LEN + 16];
  char location[4096];
  char challenge[2048];
  int64_t length;
  struct buffer body; /* the body of a document or of an error answer */
};

static void response_reset(struct response *resp) {
  free(resp->body.data);
  memset(resp, 0, sizeof *resp);
  resp->length = -1;
}

struct request {
  const char *method;
  char url[8192];
  const char *scope;        /* the token scope, "" for none */
  const char *accept;
  const char *content_type; /* of the body sent */
  const char *body;         /* sent from memory ... */
  size_t body_len;
  int body_fd;              /* ... or from this fd (when >= 0) */
  int64_t body_size;
  bool follow;              /* follow redirects (blob GETs) */
  /* Download sink: a blob writer made per try, or resp.body. */
  struct xstore *store;
  const char *expect_digest;
  registry_progress_fn progress;
  void *ctx;
};

struct transfer {
  struct request *req;
  struct response *resp;
  const struct xcurl *lib;
  CURL *curl;
  struct blob_writer *writer;
  struct xerr werr;
  bool write_failed;
  int64_t sent;
  int64_t got;
};

static size_t on_header(char *p, size_t size, size_t n, void *userdata) {
  struct transfer *t = userdata;
  size_t len = size * n;
  struct response *resp = t->resp;
  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
    /* A new response (after a redirect or 100-continue): its own headers. */
    resp->content_type[0] = resp->digest[0] = resp->location[0] = resp->challenge[0] = '\0';
    resp->length = -1;
    return len;
  }
  const char *colon = memchr(p, ':', len);
  if (!colon)
    return len;
  size_t kn = (size_t)(colon - p);
  const char *v = colon + 1;
  size_t vn = len - kn - 1;
  while (vn && isspace((unsigned char)*v))
    v++, vn--;
  while (vn && isspace((unsigned char)v[vn - 1]))
    vn--;
#define HDR(name, field)                                                                   \
  if (kn == sizeof(name) - 1 && strncasecmp(p, name, kn) == 0) {                           \
    snprintf(field, sizeof field, "%.*s", (int)vn, v);                                    \
    return len;                                                                            \
  }
  HDR("Content-Type", resp->content_type)
  HDR("Docker-Content-Digest", resp->digest)
  HDR("Location", resp->location)
  if (kn == 16 && strncasecmp(p, "WWW-Authenticate", 16) == 0 && !resp->challenge[0]) {
    snprintf(resp->challenge, sizeof resp->challenge, "%.*s", (int)vn, v);
    return len;
  }
#undef HDR
  if (kn == 14 && strncasecmp(p, "Content-Length", 14) == 0)
    resp->length = strtoll(v, NULL, 10);
  return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata) {
  struct transfer *t = userdata;
  size_t len = size * n;
  long status = 0;
  t->lib->easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->req->store && status >= 200 && status < 300) {
    if (!t->writer && blob_writer_open(t->req->store, &t->writer, &t->werr) < 0) {
      t->write_failed = true;
      return 0;
    }
    if (blob_writer_write(t->writer, p, len, &t->werr) < 0) {
      t->write_failed = true;
      return 0;
    }
    t->got += (int64_t)len;
    if (t->req->progress)
      t->req->progress(t->req->ctx, t->got, t->resp->length);
    return len;
  }
  if (buffer_add(&t->resp->body, p, len) < 0) {
    t->write_failed = true;
    xerr_make(&t->werr, EFBIG, "answer from the registry larger than %zu bytes",
              t->resp->body.max);
    return 0;
  }
  return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *userdata) {
  struct transfer *t = userdata;
  size_t want = size * n;
  struct request *req = t->req;
  if (req->body_fd >= 0) {
    if (t->sent >= req->body_size)
      return 0;
    if ((int64_t)want > req->body_size - t->sent)
      want = (size_t)(req->body_size - t->sent);
    ssize_t got = pread(req->body_fd, p, want, t->sent);
    if (got < 0)
      return CURL_READFUNC_ABORT;
    t->sent += got;
    if (req->progress)
      req->progress(req->ctx, t->sent, req->body_size);
    return (size_t)got;
  }
  size_t left = req->body_len - (size_t)t->sent;
  if (want > left)
    want = left;
  memcpy(p, req->body + t->sent, want);
  t->sent += (int64_t)want;
  return want;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *userp) {
  (void)h, (void)a;
  struct registry *r = userp;
  pthread_mutex_lock(&r->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp) {
  (void)h;
  struct registry *r = userp;
  pthread_mutex_unlock(&r->share_locks[data]);
}

/* The Authorization header for a scope, or "" (caller holds no lock). */
static void auth_header(struct registry *r, const char *scope, char *buf, size_t len) {
  buf[0] = '\0';
  pthread_mutex_lock(&r->lock);
  if (r->basic) {
    snprintf(buf, len, "Authorization: %s", r->basic);
  } else {
    for (size_t i = 0; i < r->n_tokens; i++)
      if (strcmp(r->tokens[i].scope, scope ? scope : "") == 0) {
        snprintf(buf, len, "Authorization: Bearer %s", r->tokens[i].value);
        break;
      }
  }
  pthread_mutex_unlock(&r->lock);
}

/* One HTTP exchange.  Returns the CURLcode; resp is filled. */
static CURLcode perform(struct registry *r, struct request *req, struct response *resp,
                        struct transfer *t, char *errbuf, long *os_errno) {
  CURL *c = r->curl->easy_init();
  if (!c)
    return CURLE_OUT_OF_MEMORY;
  t->req = req;
  t->resp = resp;
  t->lib = r->curl;
  t->curl = c;
  t->sent = t->got = 0;
  char url[8400];
  if (strncmp(req->url, "http://", 7) == 0 || strncmp(req->url, "https://", 8) == 0)
    snprintf(url, sizeof url, "%s", req->url);
  else {
    pthread_mutex_lock(&r->lock);
    fmt(url, sizeof url, "%s%s", r->base, req->url);
    pthread_mutex_unlock(&r->lock);
  }
  struct curl_slist *headers = NULL;
  char line[8192];
  auth_header(r, req->scope, line, sizeof line);
  if (line[0])
    headers = r->curl->slist_append(headers, line);
  if (req->accept) {
    snprintf(line, sizeof line, "Accept: %s", req->accept);
    headers = r->curl->slist_append(headers, line);
  }
  if (req->content_type) {
    snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
    headers = r->curl->slist_append(headers, line);
  }
  headers = r->curl->slist_append(headers, "Expect:");
  r->curl->easy_setopt(c, CURLOPT_URL, url);
  r->curl->easy_setopt(c, CURLOPT_SHARE, r->share);
  r->curl->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  r->curl->easy_setopt(c, CURLOPT_USERAGENT, "xocker/0.1");
  r->curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  r->curl->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  r->curl->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  r->curl->easy_setopt(c, CURLOPT_HEADERDATA, t);
  r->curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  r->curl->easy_setopt(c, CURLOPT_WRITEDATA, t);
  r->curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, r->stall_seconds);
  r->curl->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  r->curl->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->stall_seconds);
  r->curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  r->curl->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (req->follow) {
    r->curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    r->curl->easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  }
  if (r->cafile[0]) {
    r->curl->easy_setopt(c, CURLOPT_CAINFO, r->cafile);
    r->curl->easy_setopt(c, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  if (r->no_verify) {
    r->curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    r->curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (strcmp(req->method, "HEAD") == 0) {
    r->curl->easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (strcmp(req->method, "PUT") == 0) {
    r->curl->easy_setopt(c, CURLOPT_UPLOAD, 1L);
    r->curl->easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    r->curl->easy_setopt(c, CURLOPT_READDATA, t);
    r->curl->easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                     (curl_off_t)(req->body_fd >= 0 ? req->body_size : (int64_t)req->body_len));
  } else if (strcmp(req->method, "POST") == 0) {
    r->curl->easy_setopt(c, CURLOPT_POST, 1L);
    r->curl->easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    r->curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
  } else if (strcmp(req->method, "GET") != 0) {
    r->curl->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
  }
  CURLcode cc = r->curl->easy_perform(c);
  r->curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
  r->curl->easy_getinfo(c, CURLINFO_OS_ERRNO, os_errno);
  r->curl->slist_free_all(headers);
  r->curl->easy_cleanup(c);
  t->curl = NULL;
  return cc;
}

/* ---- authentication ---- */

static int cache_token(struct registry *r, const char *scope, const char *value) {
  pthread_mutex_lock(&r->lock);
  size_t i;
  for (i = 0; i < r->n_tokens; i++)
    if (strcmp(r->tokens[i].scope, scope) == 0)
      break;
  if (i == MAX_TOKENS) { /* a handful of scopes per command; recycle the oldest */
    free(r->tokens[0].scope);
    free(r->tokens[0].value);
    memmove(r->tokens, r->tokens + 1, (MAX_TOKENS - 1) * sizeof r->tokens[0]);
    i = MAX_TOKENS - 1;
    r->n_tokens--;
  }
  if (i == r->n_tokens) {
    r->tokens[i].scope = strdup(scope);
    r->tokens[i].value = NULL;
    r->n_tokens++;
  }
  free(r->tokens[i].value);
  r->tokens[i].value = strdup(value);
  int ok = r->tokens[i].scope && r->tokens[i].value;
  pthread_mutex_unlock(&r->lock);
  return ok ? 0 : -1;
}

static void url_escape_append(char *buf, size_t len, const char *s) {
  size_t used = strlen(buf);
  for (; *s && used + 4 < len; s++) {
    unsigned char ch = (unsigned char)*s;
    if (isalnum(ch) || strchr("-._~", ch))
      buf[used++] = (char)ch;
    else
      used += (size_t)snprintf(buf + used, len - used, "%%%02X", ch);
  }
  buf[used] = '\0';
}

static void token_url(const struct auth_challenge *ch, const char *scope, const char *account,
                      char *url, size_t len) {
  snprintf(url, len, "%s", ch->realm);
  char sep = strchr(url, '?') ? '&' : '?';
  if (ch->service[0]) {
    size_t used = strlen(url);
    snprintf(url + used, len - used, "%cservice=", sep);
    url_escape_append(url, len, ch->service);
    sep = '&';
  }
  /* Several scopes are sent as several scope parameters. */
  const char *p = scope;
  while (p && *p) {
    size_t n = strcspn(p, " ");
    if (n) {
      char one[512];
      snprintf(one, sizeof one, "%.*s", (int)n, p);
      size_t used = strlen(url);
      snprintf(url + used, len - used, "%cscope=", sep);
      url_escape_append(url, len, one);
      sep = '&';
    }
    p += n;
    while (*p == ' ')
      p++;
  }
  if (account) {
    size_t used = strlen(url);
    snprintf(url + used, len - used, "%caccount=", sep);
    url_escape_append(url, len, account);
  }
}

static int http_error(struct registry *r, const struct request *req,
                      const struct response *resp, struct xerr *err);

/* Answer a Bearer challenge: fetch a token for scope from the realm. */
static int fetch_token(struct registry *r, const struct auth_challenge *ch, const char *scope,
                       struct xerr *err) {
  struct request req = {.method = "GET", .scope = NULL, .body_fd = -1, .follow = true};
  token_url(ch, scope, r->cred.user, req.url, sizeof req.url);
  struct response resp = {.length = -1, .body.max = MAX_DOCUMENT};
  struct transfer t = {0};
  char errbuf[CURL_ERROR_SIZE] = "";
  long os_errno = 0;
  /* The token request carries Basic credentials when we have them; the
   * registry's own Basic header would be wrong here, so set it directly. */
  cleanup_free char *basic = r->cred.user ? auth_basic_encode(r->cred.user, r->cred.pass) : NULL;
  char *saved_basic = NULL;
  pthread_mutex_lock(&r->lock);
  saved_basic = r->basic;
  r->basic = NULL;
  if (basic && asprintf(&r->basic, "Basic %s", basic) < 0)
    r->basic = NULL;
  pthread_mutex_unlock(&r->lock);
  CURLcode cc = perform(r, &req, &resp, &t, errbuf, &os_errno);
  pthread_mutex_lock(&r->lock);
  free(r->basic);
  r->basic = saved_basic;
  pthread_mutex_unlock(&r->lock);
  int ret = -1;
  if (cc != CURLE_OK) {
    xerr_make(err, EIO, "get a token from %s: %s", ch->realm,
              errbuf[0] ? errbuf : r->curl->easy_strerror(cc));
  } else if (resp.status == 401 || resp.status == 403) {
    xerr_make(err, EACCES, r->cred.user ? "unauthorized: incorrect username or password"
                                        : "unauthorized: authentication required");
  } else if (resp.status != 200) {
    http_error(r, &req, &resp, err);
    xerr_wrap(err, "get a token from %s", ch->realm);
  } else {
    json_error_t jerr;
    json_t *doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
    const char *tok = json_string_value(json_object_get(doc, "token"));
    if (!tok || !*tok)
      tok = json_string_value(json_object_get(doc, "access_token"));
    if (!tok || !*tok)
      xerr_make(err, EPROTO, "token server %s: answer has no token", ch->realm);
    else if (cache_token(r, scope, tok) < 0)
      xerr_make(err, ENOMEM, "token for %s", scope);
    else
      ret = 0;
    json_decref(doc);
  }
  response_reset(&resp);
  return ret;
}

/* Answer a 401: 1 when the request can be sent again with credentials,
 * 0 when there is nothing more to try (the 401 stands), -1 on error. */
static int authenticate(struct registry *r, const char *scope, const char *challenge,
                        struct xerr *err) {
  struct auth_challenge ch;
  if (!challenge[0] || auth_parse_challenge(challenge, &ch) < 0)
    return 0;
  if (strcmp(ch.scheme, "basic") == 0) {
    if (!r->cred.user)
      return 0;
    pthread_mutex_lock(&r->lock);
    bool had = r->basic != NULL;
    if (!had) {
      cleanup_free char *b64 = auth_basic_encode(r->cred.user, r->cred.pass);
      if (!b64 || asprintf(&r->basic, "Basic %s", b64) < 0)
        r->basic = NULL;
    }
    pthread_mutex_unlock(&r->lock);
    return had ? 0 : 1; /* the credentials were already refused */
  }
  pthread_mutex_lock(&r->auth_lock);
  int ret = fetch_token(r, &ch, scope ? scope : "", err);
  pthread_mutex_unlock(&r->auth_lock);
  return ret < 0 ? -1 : 1;
}

/* ---- errors ---- */

static const char *method_word(const char *m) {
  if (strcmp(m, "GET") == 0)
    return "Get";
  if (strcmp(m, "HEAD") == 0)
    return "Head";
  if (strcmp(m, "PUT") == 0)
    return "Put";
  if (strcmp(m, "POST") == 0)
    return "Post";
  if (strcmp(m, "DELETE") == 0)
    return "Delete";
  return m;
}

static void full_url(struct registry *r, const struct request *req, char *buf, size_t len) {
  if (strncmp(req->url, "http", 4) == 0)
    fmt(buf, len, "%s", req->url);
  else
    fmt(buf, len, "%s%s", r->base, req->url);
  char *q = strchr(buf, '?');
  if (q)
    *q = '\0'; /* upload ids and digests add nothing to a message */
}

/* The registry's error body ({"errors":[{"code","message"}]}) as
 * "manifest unknown: manifest unknown", or the HTTP status. */
static int http_error(struct registry *r, const struct request *req,
                      const struct response *resp, struct xerr *err) {
  char what[1024] = "";
  json_t *doc = resp->body.data ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
  json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
  const char *code = json_string_value(json_object_get(first, "code"));
  const char *message = json_string_value(json_object_get(first, "message"));
  if (code) {
    char lower[128];
    size_t i;
    for (i = 0; code[i] && i + 1 < sizeof lower; i++)
      lower[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
    lower[i] = '\0';
    snprintf(what, sizeof what, "%s%s%s", lower, message ? ": " : "", message ? message : "");
  } else if (resp->status == 401) {
    snprintf(what, sizeof what, "unauthorized: authentication required");
  } else {
    char u[4096];
    full_url(r, req, u, sizeof u);
    fmt(what, sizeof what, "%s \"%s\": unexpected HTTP status %ld", method_word(req->method),
             u, resp->status);
  }
  json_decref(doc);
  int errnum = resp->status == 404   ? ENOENT
               : resp->status == 401 ? EACCES
               : resp->status == 403 ? EACCES
                                     : EIO;
  xerr_make(err, 0, "%s", what);
  err->errnum = errnum;
  return -1;
}

static int transport_error(struct registry *r, const struct request *req, CURLcode cc,
                           const char *errbuf, long os_errno, int tries, struct xerr *err) {
  char u[4096], cause[1024];
  full_url(r, req, u, sizeof u);
  if (cc == CURLE_OPERATION_TIMEDOUT)
    snprintf(cause, sizeof cause, "stalled: no data received for %ld seconds", r->stall_seconds);
  else if (cc == CURLE_COULDNT_CONNECT && os_errno)
    snprintf(cause, sizeof cause, "connect to %s: %s", r->host, strerror((int)os_errno));
  else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
    snprintf(cause, sizeof cause,
             "tls: failed to verify certificate of %s: %s (give the registry's CA in "
             "XOCKER_REGISTRY_CA or certs.d/%s/ca.crt)",
             r->host, errbuf[0] ? errbuf : r->curl->easy_strerror(cc), r->host);
  else
    snprintf(cause, sizeof cause, "%s", errbuf[0] ? errbuf : r->curl->easy_strerror(cc));
  xerr_make(err, 0, "%s \"%s\": %s%s", method_word(req->method), u, cause,
            tries > 1 ? " (after 3 tries)" : "");
  err->errnum = cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT
                : cc == CURLE_COULDNT_CONNECT  ? ECONNREFUSED
                                               : EIO;
  return -1;
}

static bool transient(CURLcode cc) {
  switch (cc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

static void backoff(struct registry *r, int attempt) {
  long ms = r->retry_delay_ms << (attempt - 1);
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Send req until it has an answer worth returning: transport failures and
 * 5xx retried, 401 answered once, the HTTP->HTTPS fallback made.  A
 * non-2xx answer is returned in resp (status) for the caller to judge; a
 * downloaded blob is committed here. */
static int request_do(struct registry *r, struct request *req, struct response *resp,
                      struct xerr *err) {
  bool authed = false;
  int attempt = 0;
  for (;;) {
    response_reset(resp);
    resp->body.max = MAX_DOCUMENT;
    struct transfer t = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    long os_errno = 0;
    CURLcode cc = perform(r, req, resp, &t, errbuf, &os_errno);
    if (t.write_failed && cc != CURLE_OK) {
      blob_writer_abort(t.writer);
      *err = t.werr;
      return -1;
    }
    pthread_mutex_lock(&r->lock);
    bool fallback = cc == CURLE_SSL_CONNECT_ERROR && r->insecure && !r->scheme_known &&
                    strncmp(r->base, "https://", 8) == 0 && strncmp(req->url, "http", 4) != 0;
    if (fallback)
      snprintf(r->base, sizeof r->base, "http://%s", r->host);
    else if (cc == CURLE_OK)
      r->scheme_known = true;
    pthread_mutex_unlock(&r->lock);
    if (fallback) {
      blob_writer_abort(t.writer);
      continue;
    }
    if (cc == CURLE_OK && resp->status == 401 && !authed) {
      blob_writer_abort(t.writer);
      authed = true;
      int a = authenticate(r, req->scope, resp->challenge, err);
      if (a < 0)
        return -1;
      if (a > 0)
        continue;
      return 0; /* the 401 stands */
    }
    bool retry = (cc != CURLE_OK && transient(cc)) || (cc == CURLE_OK && resp->status >= 500);
    if (retry && ++attempt < MAX_TRIES) {
      blob_writer_abort(t.writer);
      backoff(r, attempt);
      continue;
    }
    if (cc != CURLE_OK) {
      blob_writer_abort(t.writer);
      return transport_error(r, req, cc, errbuf, os_errno, attempt, err);
    }
    if (!req->store || resp->status < 200 || resp->status >= 300) {
      blob_writer_abort(t.writer);
      return 0;
    }
    /* A blob: whole and verified, or not stored at all. */
    if (!t.writer && blob_writer_open(req->store, &t.writer, err) < 0)
      return -1; /* an empty blob */
    if (blob_writer_commit(t.writer, req->expect_digest, NULL, err) < 0) {
      if (++attempt < MAX_TRIES) {
        backoff(r, attempt);
        continue;
      }
      return xerr_wrap(err, "blob %s from %s", req->expect_digest, r->host);
    }
    return 0;
  }
}

/* ---- the client ---- */

static bool host_is_loopback(const char *host) {
  char name[256];
  if (host[0] == '[') {
    size_t n = strcspn(host + 1, "]");
    snprintf(name, sizeof name, "%.*s", (int)n, host + 1);
  } else {
    size_t n = strcspn(host, ":");
    snprintf(name, sizeof name, "%.*s", (int)n, host);
  }
  if (strcmp(name, "localhost") == 0 || strcmp(name, "::1") == 0)
    return true;
  struct in_addr a;
  return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static bool host_listed_insecure(const char *host) {
  const char *list = getenv("XOCKER_INSECURE_REGISTRIES");
  if (!list)
    return false;
  size_t hn = strlen(host);
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    const char *s = p;
    size_t sn = n;
    while (sn && isspace((unsigned char)*s))
      s++, sn--;
    while (sn && isspace((unsigned char)s[sn - 1]))
      sn--;
    if (sn == hn && strncmp(s, host, hn) == 0)
      return true;
    p += n;
    if (*p == ',')
      p++;
  }
  return false;
}

static long env_long(const char *name, long def, long min) {
  const char *v = getenv(name);
  if (!v || !*v)
    return def;
  char *end;
  long n = strtol(v, &end, 10);
  return *end || n < min ? def : n;
}

static void find_cafile(struct registry *r, const char *store_root) {
  const char *env = getenv("XOCKER_REGISTRY_CA");
  if (env && *env) {
    snprintf(r->cafile, sizeof r->cafile, "%s", env);
    return;
  }
  char path[4096];
  if (store_root) {
    snprintf(path, sizeof path, "%s/certs.d/%s/ca.crt", store_root, r->host);
    if (access(path, R_OK) == 0) {
      snprintf(r->cafile, sizeof r->cafile, "%s", path);
      return;
    }
  }
  snprintf(path, sizeof path, "/etc/docker/certs.d/%s/ca.crt", r->host);
  if (access(path, R_OK) == 0)
    snprintf(r->cafile, sizeof r->cafile, "%s", path);
}

int registry_open(const char *domain, const char *store_root, struct registry **out,
                  struct xerr *err) {
  const struct xcurl *curl = xcurl_get(err);
  if (!curl)
    return xerr_wrap(err, "registry %s", domain);
  struct registry *r = calloc(1, sizeof *r);
  if (!r)
    return xerr_make(err, ENOMEM, "registry %s", domain);
  r->curl = curl;
  snprintf(r->domain, sizeof r->domain, "%s", domain);
  snprintf(r->host, sizeof r->host, "%s",
           strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain);
  snprintf(r->base, sizeof r->base, "https://%s", r->host);
  r->no_verify = host_listed_insecure(r->host);
  r->insecure = r->no_verify || host_is_loopback(r->host);
  r->stall_seconds = env_long("XOCKER_REGISTRY_STALL_TIMEOUT", 30, 1);
  r->retry_delay_ms = env_long("XOCKER_REGISTRY_RETRY_DELAY_MS", 1000, 0);
  find_cafile(r, store_root);
  pthread_mutex_init(&r->lock, NULL);
  pthread_mutex_init(&r->auth_lock, NULL);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&r->share_locks[i], NULL);
  r->share = r->curl->share_init();
  if (!r->share) {
    registry_close(r);
    return xerr_make(err, ENOMEM, "registry %s", domain);
  }
  r->curl->share_setopt(r->share, CURLSHOPT_LOCKFUNC, share_lock);
  r->curl->share_setopt(r->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  r->curl->share_setopt(r->share, CURLSHOPT_USERDATA, r);
  r->curl->share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  r->curl->share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  r->curl->share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (auth_lookup(domain, &r->cred, err) < 0) {
    registry_close(r);
    return -1;
  }
  *out = r;
  return 0;
}

void registry_close(struct registry *r) {
  if (!r)
    return;
  if (r->share)
    r->curl->share_cleanup(r->share);
  for (size_t i = 0; i < r->n_tokens; i++) {
    free(r->tokens[i].scope);
    free(r->tokens[i].value);
  }
  credentials_clear(&r->cred);
  free(r->basic);
  pthread_mutex_destroy(&r->lock);
  pthread_mutex_destroy(&r->auth_lock);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&r->share_locks[i]);
  free(r);
}

int registry_set_credentials(struct registry *r, const char *user, const char *pass,
                             struct xerr *err) {
  credentials_clear(&r->cred);
  r->cred.user = strdup(user);
  r->cred.pass = strdup(pass);
  if (!r->cred.user || !r->cred.pass) {
    credentials_clear(&r->cred);
    return xerr_make(err, ENOMEM, "credentials for %s", r->domain);
  }
  return 0;
}

const char *registry_base_url(const struct registry *r) { return r->base; }

static void scope_for(const char *repo, bool push, char *buf, size_t len) {
  snprintf(buf, len, "repository:%s:%s", repo, push ? "pull,push" : "pull");
}

int registry_ping(struct registry *r, struct xerr *err) {
  struct request req = {.method = "GET", .url = "/v2/", .scope = "", .body_fd = -1};
  struct response resp = {0};
  int ret = request_do(r, &req, &resp, err);
  if (ret == 0 && resp.status != 200) {
    if (resp.status == 401) {
      char u[4096];
      full_url(r, &req, u, sizeof u);
      xerr_make(err, 0, "login attempt to %s failed with status: 401 Unauthorized", u);
      err->errnum = EACCES;
    } else {
      http_error(r, &req, &resp, err);
    }
    ret = -1;
  }
  response_reset(&resp);
  return ret;
}

int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
                          char **data, size_t *len, char mt[MT_MAX],
                          char digest[DIGEST_BUF_LEN], struct xerr *err) {
  char scope[600];
  scope_for(repo, false, scope, sizeof scope);
  struct request req = {.method = "GET", .scope = scope, .accept = REGISTRY_MANIFEST_ACCEPT,
                        .body_fd = -1};
  snprintf(req.url, sizeof req.url, "/v2/%s/manifests/%s", repo, reference);
  struct response resp = {0};
  if (request_do(r, &req, &resp, err) < 0)
    return -1;
  int ret = -1;
  if (resp.status != 200) {
    http_error(r, &req, &resp, err);
    goto out;
  }
  const char *body = resp.body.data ? resp.body.data : "";
  if (digest_buffer(body, resp.body.len, digest, err) < 0)
    goto out;
  bool by_digest = strchr(reference, ':') != NULL;
  if (by_digest && strcmp(reference, digest) != 0) {
    xerr_make(err, EIO, "manifest %s@%s: digest mismatch: the content hashes to %s", repo,
              reference, digest);
    goto out;
  }
  if (resp.digest[0] && strncmp(resp.digest, DIGEST_PREFIX, 7) == 0 &&
      strcmp(resp.digest, digest) != 0) {
    xerr_make(err, EIO,
              "manifest %s:%s: digest mismatch: the registry says %s, the content hashes to %s",
              repo, reference, resp.digest, digest);
    goto out;
  }
  char *semi = strchr(resp.content_type, ';');
  if (semi)
    *semi = '\0';
  if (manifest_media_type(body, resp.body.len, resp.content_type, mt, err) < 0) {
    xerr_wrap(err, "%s:%s", repo, reference);
    goto out;
  }
  *data = steal_pointer(&resp.body.data);
  if (!*data && !(*data = strdup(""))) {
    xerr_make(err, ENOMEM, "manifest");
    goto out;
  }
  *len = resp.body.len;
  ret = 0;
out:
  response_reset(&resp);
  return ret;
}

int registry_put_manifest(struct registry *r, const char *repo, const char *reference,
                          const char *data, size_t len, const char *media_type,
                          struct xerr *err) {
  char scope[600];
  scope_for(repo, true, scope, sizeof scope);
  struct request req = {.method = "PUT", .scope = scope, .content_type = media_type,
                        .body = data, .body_len = len, .body_fd = -1};
  snprintf(req.url, sizeof req.url, "/v2/%s/manifests/%s", repo, reference);
  struct response resp = {0};
  int ret = request_do(r, &req, &resp, err);
  if (ret == 0 && resp.status != 201 && resp.status != 200) {
    http_error(r, &req, &resp, err);
    ret = -1;
  }
  response_reset(&resp);
  return ret;
}

int registry_fetch_blob(struct registry *r, struct xstore *s, const char *repo,
                        const char *digest, int64_t size, registry_progress_fn progress,
                        void *ctx, struct xerr *err) {
  (void)size;
  char scope[600];
  scope_for(repo, false, scope, sizeof scope);
  struct request req = {.method = "GET", .scope = scope, .body_fd = -1, .follow = true,
                        .store = s, .expect_digest = digest, .progress = progress, .ctx = ctx};
  snprintf(req.url, sizeof req.url, "/v2/%s/blobs/%s", repo, digest);
  struct response resp = {0};
  int ret = request_do(r, &req, &resp, err);
  if (ret == 0 && resp.status != 200) {
    http_error(r, &req, &resp, err);
    xerr_wrap(err, "blob %s", digest);
    ret = -1;
  }
  response_reset(&resp);
  return ret;
}

int registry_blob_exists(struct registry *r, const char *repo, const char *digest, bool *exists,
                         struct xerr *err) {
  char scope[600];
  scope_for(repo, true, scope, sizeof scope);
  struct request req = {.method = "HEAD", .scope = scope, .body_fd = -1, .follow = true};
  snprintf(req.url, sizeof req.url, "/v2/%s/blobs/%s", repo, digest);
  struct response resp = {0};
  int ret = request_do(r, &req, &resp, err);
  if (ret == 0) {
    if (resp.status == 200)
      *exists = true;
    else if (resp.status == 404)
      *exists = false;
    else
      ret = http_error(r, &req, &resp, err);
  }
  response_reset(&resp);
  return ret;
}

/* Make an upload URL absolute and add a query parameter. */
static void upload_url(struct registry *r, const char *location, const char *param, char *buf,
                       size_t len) {
  if (location[0] == '/')
    snprintf(buf, len, "%s%s", r->base, location);
  else
    snprintf(buf, len, "%s", location);
  if (param) {
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%c%s", strchr(buf, '?') ? '&' : '?', param);
  }
}

static int cancel_upload(struct registry *r, const char *scope, const char *location) {
  struct request req = {.method = "DELETE", .scope = scope, .body_fd = -1};
  upload_url(r, location, NULL, req.url, sizeof req.url);
  struct response resp = {0};
  struct xerr ignored = {0};
  request_do(r, &req, &resp, &ignored); /* a leftover session expires on its own */
  response_reset(&resp);
  return 0;
}

int registry_mount_blob(struct registry *r, const char *repo, const char *digest,
                        const char *from, bool *mounted, struct xerr *err) {
  char scope[1200];
  snprintf(scope, sizeof scope, "repository:%s:pull,push repository:%s:pull", repo, from);
  struct request req = {.method = "POST", .scope = scope, .body_fd = -1};
  snprintf(req.url, sizeof req.url, "/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, digest,
           from);
  struct response resp = {0};
  int ret = request_do(r, &req, &resp, err);
  *mounted = false;
  if (ret == 0) {
    if (resp.status == 201)
      *mounted = true;
    else if (resp.status == 202)
      cancel_upload(r, scope, resp.location);
    else
      ret = http_error(r, &req, &resp, err);
  }
  response_reset(&resp);
  return ret;
}

int registry_push_blob(struct registry *r, const char *repo, const char *digest, int fd,
                       int64_t size, registry_progress_fn progress, void *ctx,
                       struct xerr *err) {
  char scope[600];
  scope_for(repo, true, scope, sizeof scope);
  struct request post = {.method = "POST", .scope = scope, .body_fd = -1};
  snprintf(post.url, sizeof post.url, "/v2/%s/blobs/uploads/", repo);
  struct response resp = {0};
  if (request_do(r, &post, &resp, err) < 0)
    return -1;
  if (resp.status != 202 || !resp.location[0]) {
    http_error(r, &post, &resp, err);
    response_reset(&resp);
    return xerr_wrap(err, "start upload of %s", digest);
  }
  char param[100];
  snprintf(param, sizeof param, "digest=%s", digest);
  struct request put = {.method = "PUT", .scope = scope, .body_fd = fd, .body_size = size,
                        .content_type = "application/octet-stream", .progress = progress,
                        .ctx = ctx};
  upload_url(r, resp.location, param, put.url, sizeof put.url);
  int ret = request_do(r, &put, &resp, err);
  if (ret == 0 && resp.status != 201) {
    http_error(r, &put, &resp, err);
    ret = xerr_wrap(err, "upload %s", digest);
  }
  response_reset(&resp);
  return ret;
}
