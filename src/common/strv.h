/* NULL-terminated string vectors (char **), freed with cleanup_strv. */
#ifndef XOCKER_COMMON_STRV_H
#define XOCKER_COMMON_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char **v);
bool strv_contains(char **v, const char *s);
/* Append a copy of s (*v may be NULL); -1 when memory ran out. */
int strv_append(char ***v, const char *s);

#endif
