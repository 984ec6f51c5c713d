/* The engine's event log: one JSON line per container event in
 * ROOT/events.log, in Docker's shape ({"status","id","from","Type",
 * "Action","Actor":{"ID","Attributes"},"scope","time","timeNano"}), read
 * back by `xocker events`.  Each line is one write(2) to an O_APPEND fd,
 * so concurrent writers do not interleave; the log is kept to the last
 * EVENTS_KEEP_LINES lines once it grows past EVENTS_MAX_BYTES. */
#ifndef XOCKER_ENGINE_EVENTS_H
#define XOCKER_ENGINE_EVENTS_H

#include <jansson.h>

struct xstore;
struct container_record;

#define EVENTS_MAX_BYTES (4 * 1024 * 1024)
#define EVENTS_KEEP_LINES 10000

/* Record action (create, start, die, ...) for c; extra_attributes (may be
 * NULL, borrowed) are added to Actor.Attributes next to image, name and
 * the container's labels.  Best effort: an event that cannot be written
 * is dropped (it never fails the operation it reports). */
void engine_event(struct xstore *s, const char *action, const struct container_record *c,
                  json_t *extra_attributes);

/* An event with one numeric attribute, as Docker writes it (a string):
 * die's exitCode, kill's signal. */
void engine_event_code(struct xstore *s, const char *action, const struct container_record *c,
                       const char *key, int value);

/* Where the log is: ROOT/events.log. */
void engine_events_path(struct xstore *s, char *buf, size_t len);

#endif
