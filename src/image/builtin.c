/* Placeholder until the archive loader lands: no built-in images yet. */
#include "image/builtin.h"

int builtin_seed(struct xstore *s, struct xerr *err) {
  (void)s;
  (void)err;
  return 0;
}
