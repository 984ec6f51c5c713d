/* Length-prefixed frames on a stream socket: one type byte, a 4-byte
 * big-endian length, the data (the monitor's attach protocol,
 * engine/monitor_proto.h). libc only. */
#ifndef XOCKER_COMMON_FRAMEIO_H
#define XOCKER_COMMON_FRAMEIO_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_LEN 5

/* Read exactly len bytes; -1 at EOF or on an error. */
int read_full(int fd, void *buf, size_t len);
/* Send a frame (MSG_NOSIGNAL: a gone peer is an error, not a signal). */
int frame_send(int fd, int type, const void *buf, size_t len);
/* Read a frame's header: its type and length. */
int frame_read_header(int fd, int *type, uint32_t *len);

#endif
