/* The subset of Go templates that `--format` flags use with Docker's CLI:
 * literal text with actions {{.Field.Sub}}, {{json .Field}}, {{json .}},
 * {{upper .F}}, {{lower .F}}, {{index .Map "key"}} and {{println}}-free
 * escapes \t and \n in the text (as Docker's CLI expands them).  Values
 * print the way Go's text/template prints them: strings raw, numbers as
 * numbers, arrays as [a b], objects as map[k:v], null as <nil>, a missing field as <no value>. */
#ifndef XOCKER_CLI_XOCKER_TEMPLATE_H
#define XOCKER_CLI_XOCKER_TEMPLATE_H

#include <stddef.h>

struct xerr;

/* Render tmpl against root (a json_t *) into a malloc'd string. A
 * malformed template or an unknown function is an error naming it. */
int template_render(const char *tmpl, void *root, char **out, struct xerr *err);
/* True when the format starts with "table" (Docker's table directive). */
int template_is_table(const char *tmpl);

/* Docker's header for a field of a `table` format ("ID" -> "CONTAINER ID");
 * lists end with {NULL, NULL}. */
struct template_header {
  const char *field, *header;
};
/* A table column's header: cell (one column of the template) with each
 * {{.Field}} replaced by its header; unknown fields keep their name. */
void template_table_header(const char *cell, const struct template_header *names, char *out,
                           size_t len);

#endif
