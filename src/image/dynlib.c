#include "image/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "common/xerr.h"

int dynlib_open(const char *soname, const char *what, const struct dynlib_symbol *symbols,
                size_t n, struct xerr *err) {
  /* RTLD_LOCAL: the library's dependencies must not interpose on ours. */
  void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    return xerr_set(err, ENOENT, "load %s (%s): %s", soname, what, why ? why : "unknown error");
  }
  for (size_t i = 0; i < n; i++) {
    void *sym = dlsym(lib, symbols[i].name);
    if (!sym) {
      dlclose(lib);
      return xerr_set(err, ENOENT, "load %s (%s): no symbol %s", soname, what, symbols[i].name);
    }
    /* POSIX: a function's address converts through void *. */
    memcpy(symbols[i].slot, &sym, sizeof sym);
  }
  return 0;
}
