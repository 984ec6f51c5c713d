/* libcurl, loaded with dlopen() on first use (image/dynlib.h).
 *
 * Linked, libcurl pulls about 25 shared libraries (TLS, LDAP, Kerberos,
 * SSH, IDN...) into every xocker process and the dynamic loader then
 * doubles its start-up time, although only pull, push, login and import
 * talk HTTP.  So xocker does not link it: the first caller loads
 * libcurl.so.4 and gets this table of the functions the code uses.  Call
 * them through the table exactly as the libcurl functions of the same
 * names (curl.h's type-checking macros are off: they would not apply). */
#ifndef XOCKER_IMAGE_CURL_SHIM_H
#define XOCKER_IMAGE_CURL_SHIM_H

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>

#include "common/xerr.h"

#define XCURL_SONAME "libcurl.so.4"

struct xcurl {
  CURLcode (*global_init)(long flags);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL *curl);
  CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
  void (*easy_cleanup)(CURL *curl);
  const char *(*easy_strerror)(CURLcode code);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
  void (*slist_free_all)(struct curl_slist *list);
  CURLSH *(*share_init)(void);
  CURLSHcode (*share_setopt)(CURLSH *share, CURLSHoption option, ...);
  CURLSHcode (*share_cleanup)(CURLSH *share);
};

/* The process's libcurl, loaded and curl_global_init()ed once (thread-safe).
 * NULL with err filled (naming libcurl.so.4 and the loader's reason) when
 * it cannot be loaded; every later call then fails the same way. */
const struct xcurl *xcurl_get(struct xerr *err);

/* Load the library soname into api (no curl_global_init).  For xcurl_get,
 * and for tests of the failure path.  The library stays loaded. */
int xcurl_open(const char *soname, struct xcurl *api, struct xerr *err);

#endif
