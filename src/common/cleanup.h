/* Scope-bound ownership: a variable declared with one of these attributes
 * is released when it goes out of scope, so every early return is safe.
 * steal_pointer()/take_fd() move ownership out. */
#ifndef XOCKER_COMMON_CLEANUP_H
#define XOCKER_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_fn(void *p) { free(*(void **)p); }
static inline void cleanup_close_fn(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_file_fn(FILE **f) {
  if (*f)
    fclose(*f);
}
static inline void cleanup_dir_fn(DIR **d) {
  if (*d)
    closedir(*d);
}
static inline void cleanup_strv_fn(char ***v) {
  if (*v) {
    for (char **p = *v; *p; p++)
      free(*p);
    free(*v);
  }
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_file __attribute__((cleanup(cleanup_file_fn)))
#define cleanup_dir __attribute__((cleanup(cleanup_dir_fn)))
#define cleanup_strv __attribute__((cleanup(cleanup_strv_fn)))

static inline void *steal_pointer_impl(void *pp) {
  void **p = pp;
  void *v = *p;
  *p = NULL;
  return v;
}
#define steal_pointer(pp) steal_pointer_impl(pp)

static inline int take_fd(int *fd) {
  int v = *fd;
  *fd = -1;
  return v;
}

#endif
