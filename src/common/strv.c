/* NULL-terminated string vectors. */
#include "common/strv.h"

#include <stdlib.h>
#include <string.h>

size_t strv_length(char **v) {
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

bool strv_contains(char **v, const char *s) {
  for (; v && *v; v++)
    if (strcmp(*v, s) == 0)
      return true;
  return false;
}

int strv_append(char ***v, const char *s) {
  size_t n = strv_length(*v);
  char **grown = realloc(*v, (n + 2) * sizeof *grown);
  if (!grown)
    return -1;
  *v = grown;
  grown[n] = strdup(s);
  grown[n + 1] = NULL;
  return grown[n] ? 0 : -1;
}
