/* Per-layer progress lines, as Docker's CLI draws them.  On a terminal each
 * layer keeps one line, redrawn in place with ANSI cursor moves
 * ("<id>: Downloading [===>   ]  1.2MB/3.4MB"); otherwise each change of a
 * layer's status is printed as a plain line when it happens, and byte
 * counts are not printed at all. */
#ifndef XOCKER_CLI_XOCKER_PROGRESS_H
#define XOCKER_CLI_XOCKER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* out is usually stdout; terminal mode when it is a tty. */
struct progress *progress_new(FILE *out);
void progress_free(struct progress *p);
/* Set id's status ("Pulling fs layer", "Pushed"). */
void progress_status(struct progress *p, const char *id, const char *status);
/* Set id's status to a bar: "Downloading", cur of total bytes (total <= 0:
 * unknown). */
void progress_bar(struct progress *p, const char *id, const char *action, int64_t cur,
                  int64_t total);
/* Print a line of its own below the layer lines. */
void progress_line(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
