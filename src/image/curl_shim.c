#include "image/curl_shim.h"

#include <pthread.h>

#include "image/dynlib.h"

int xcurl_open(const char *soname, struct xcurl *api, struct xerr *err) {
  const struct dynlib_symbol symbols[] = {
      {"curl_global_init", &api->global_init},
      {"curl_easy_init", &api->easy_init},
      {"curl_easy_setopt", &api->easy_setopt},
      {"curl_easy_perform", &api->easy_perform},
      {"curl_easy_getinfo", &api->easy_getinfo},
      {"curl_easy_cleanup", &api->easy_cleanup},
      {"curl_easy_strerror", &api->easy_strerror},
      {"curl_slist_append", &api->slist_append},
      {"curl_slist_free_all", &api->slist_free_all},
      {"curl_share_init", &api->share_init},
      {"curl_share_setopt", &api->share_setopt},
      {"curl_share_cleanup", &api->share_cleanup},
  };
  return dynlib_open(soname, "libcurl, needed for HTTP", symbols,
                     sizeof symbols / sizeof symbols[0], err);
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct xcurl loaded;
static struct xerr load_err;
static int load_ret = -1;

static void load(void) {
  load_ret = xcurl_open(XCURL_SONAME, &loaded, &load_err);
  if (load_ret == 0 && loaded.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    load_ret = xerr_set(&load_err, 0, "%s: curl_global_init failed", XCURL_SONAME);
}

const struct xcurl *xcurl_get(struct xerr *err) {
  pthread_once(&load_once, load);
  if (load_ret < 0) {
    *err = load_err;
    return NULL;
  }
  return &loaded;
}
