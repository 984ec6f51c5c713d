/* Shared libraries loaded with dlopen() on first use instead of linked:
 * for the big ones (libcurl, libcrypto) that only some commands need, so
 * that every other xocker process starts without paying for loading and
 * relocating them (bench/RESULTS.md, "xocker CLI start-up"). */
#ifndef XOCKER_IMAGE_DYNLIB_H
#define XOCKER_IMAGE_DYNLIB_H

#include <stddef.h>

struct xerr;

/* One function to resolve: its name and the address of the function
 * pointer to fill. */
struct dynlib_symbol {
  const char *name;
  void *slot;
};

/* Load soname (what says what it is for, in messages: "libcurl, needed
 * for HTTP") and fill every slot; the library stays loaded.  -1 with err
 * naming soname when it cannot be loaded or lacks one of the symbols
 * (then nothing stays loaded). */
int dynlib_open(const char *soname, const char *what, const struct dynlib_symbol *symbols,
                size_t n, struct xerr *err);

#endif
