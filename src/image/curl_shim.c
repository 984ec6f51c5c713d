#include "image/curl_shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

/* Resolve one symbol into *slot; a missing one means a libcurl too old
 * (or not libcurl at all). */
static int resolve(void *lib, const char *soname, const char *name, void *slot,
                   struct xerr *err) {
  dlerror();
  void *sym = dlsym(lib, name);
  if (!sym)
    return xerr_set(err, ENOENT, "%s: no symbol %s", soname, name);
  /* POSIX guarantees object and function pointers convert through void *. */
  memcpy(slot, &sym, sizeof sym);
  return 0;
}

int xcurl_open(const char *soname, struct xcurl *api, struct xerr *err) {
  /* RTLD_LOCAL: libcurl's dependencies must not interpose on ours. */
  void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    return xerr_set(err, ENOENT, "load %s (libcurl, needed for HTTP): %s", soname,
                    why ? why : "unknown error");
  }
  const struct {
    const char *name;
    void *slot;
  } symbols[] = {
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
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
    if (resolve(lib, soname, symbols[i].name, symbols[i].slot, err) < 0) {
      dlclose(lib);
      return -1;
    }
  return 0;
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
