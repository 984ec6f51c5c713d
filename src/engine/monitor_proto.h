/* What the engine and a container's monitor (src/monitor) say to each
 * other. Header-only: the monitor is a small program of its own that links
 * nothing of the engine.
 *
 * Start-up, over a SOCK_SEQPACKET pair (the monitor's fd 3):
 *   monitor -> engine  "C<pid>"   the container is created (xrun create)
 *                      "E<msg>"   it could not be; the monitor exits
 *   engine -> monitor  "S"        start it (xrun start)
 *                      "s"        the same, and the engine, attached, cleans
 *                                 up after the exit itself (run --rm)
 *   monitor -> engine  "R<pid>"   it runs; "E<msg>" it did not start
 * Closing the pair before "S" makes the monitor delete the container.
 *
 * Attach, over <rundir>/attach (SOCK_STREAM): the client first sends one
 * byte of ATTACH_WANT_* flags, then frames both ways: a frame is one type
 * byte, a 4-byte big-endian length and that many bytes. */
#ifndef XOCKER_ENGINE_MONITOR_PROTO_H
#define XOCKER_ENGINE_MONITOR_PROTO_H

#include "common/frameio.h"

#define MONITOR_SYNC_FD 3

enum attach_want {
  ATTACH_WANT_STDIN = 1,
  ATTACH_WANT_STDOUT = 2,
  ATTACH_WANT_STDERR = 4,
};

enum attach_frame {
  /* monitor -> client */
  FRAME_STDOUT = 1,
  FRAME_STDERR = 2,
  FRAME_EXIT = 3,   /* the container exited for good: its code as text */
  /* client -> monitor */
  FRAME_STDIN = 16,
  FRAME_STDIN_EOF = 17,
  FRAME_RESIZE = 18, /* "ROWS COLS" */
};

#define FRAME_MAX 65536

#endif
