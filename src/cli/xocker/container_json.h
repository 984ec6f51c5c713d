/* Containers in Docker's output formats (container_json.c). */
#ifndef XOCKER_CLI_XOCKER_CONTAINER_JSON_H
#define XOCKER_CLI_XOCKER_CONTAINER_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct xstore;
struct container_record;
struct cstate;

/* `docker inspect` of a container. */
json_t *container_inspect_json(struct xstore *s, const struct container_record *c,
                               const struct cstate *st);
/* ps's STATUS column. */
void container_status_text(const struct cstate *st, char *buf, size_t len);
/* ps's fields: ID Image Command CreatedAt RunningFor Ports Status Size Names
 * Labels Mounts Networks State, all strings. size may be NULL. */
json_t *container_ps_row(struct xstore *s, const struct container_record *c,
                         const struct cstate *st, bool no_trunc, const char *size);

#endif
