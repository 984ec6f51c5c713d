/* Frames on a stream socket (frameio.h). */
#include "frameio.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t r = read(fd, p, len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    p += r;
    len -= (size_t)r;
  }
  return 0;
}

static int send_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int frame_send(int fd, int type, const void *buf, size_t len) {
  unsigned char hdr[FRAME_HEADER_LEN] = {(unsigned char)type, (unsigned char)(len >> 24),
                                         (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                                         (unsigned char)len};
  if (send_all(fd, (const char *)hdr, sizeof hdr) < 0)
    return -1;
  return send_all(fd, buf, len);
}

int frame_read_header(int fd, int *type, uint32_t *len) {
  unsigned char hdr[FRAME_HEADER_LEN];
  if (read_full(fd, hdr, sizeof hdr) < 0)
    return -1;
  *type = hdr[0];
  *len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];
  return 0;
}
