/* The monitor's attach socket: clients (xocker run/start -a/attach) get the
 * container's output as frames and send stdin, EOF and resizes back. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/frameio.h"
#include "engine/monitor_proto.h"
#include "monitor.h"

#define MAX_CLIENTS 32

struct client {
  int fd;
  int want;         /* ATTACH_WANT_*, 0 until the first byte came */
  unsigned char hdr[FRAME_HEADER_LEN];
  size_t hdr_len;
};

struct attach_server {
  int listen_fd;
  struct client clients[MAX_CLIENTS];
  size_t n;
};

struct attach_server *attach_listen(const char *path) {
  struct attach_server *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    if (a->listen_fd >= 0)
      close(a->listen_fd);
    free(a);
    return NULL;
  }
  memcpy(addr.sun_path, path, len + 1);
  unlink(path);
  if (a->listen_fd < 0 || bind(a->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(a->listen_fd, 16) < 0) {
    if (a->listen_fd >= 0)
      close(a->listen_fd);
    free(a);
    return NULL;
  }
  return a;
}

int attach_listen_fd(const struct attach_server *a) { return a->listen_fd; }

void attach_accept(struct attach_server *a) {
  int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  if (a->n == MAX_CLIENTS) {
    close(fd);
    return;
  }
  a->clients[a->n++] = (struct client){.fd = fd};
}

void attach_accept_pending(struct attach_server *a) {
  for (;;) {
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
      return;
    unsigned char want = 0;
    if (a->n == MAX_CLIENTS || read_full(fd, &want, 1) < 0 || want == 0) {
      close(fd);
      continue;
    }
    a->clients[a->n++] = (struct client){.fd = fd, .want = want};
  }
}

size_t attach_poll_fds(const struct attach_server *a, int *fds, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < a->n && n < max; i++)
    fds[n++] = a->clients[i].fd;
  return n;
}

static void drop_client(struct attach_server *a, size_t i) {
  close(a->clients[i].fd);
  a->clients[i] = a->clients[--a->n];
}

static void handle_frame(struct client *c, const char *data, size_t len, int *stdin_fd,
                         bool stdin_once, int pty) {
  int type = c->hdr[0];
  if (type == FRAME_STDIN && *stdin_fd >= 0 && (c->want & ATTACH_WANT_STDIN)) {
    write_all(*stdin_fd, data, len);
  } else if (type == FRAME_STDIN_EOF && (c->want & ATTACH_WANT_STDIN) && stdin_once) {
    if (pty >= 0) {
      write_all(pty, "\x04", 1);  /* end of input to the terminal's reader */
    } else if (*stdin_fd >= 0) {
      close(*stdin_fd);
      *stdin_fd = -1;
    }
  } else if (type == FRAME_RESIZE && pty >= 0) {
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)(len < 63 ? len : 63), data);
    struct winsize ws = {0};
    if (sscanf(text, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2)
      ioctl(pty, TIOCSWINSZ, &ws);
  }
}

void attach_client_input(struct attach_server *a, int fd, int *stdin_fd, bool stdin_once, int pty) {
  size_t i = 0;
  while (i < a->n && a->clients[i].fd != fd)
    i++;
  if (i == a->n)
    return;
  struct client *c = &a->clients[i];
  if (!c->want) {
    unsigned char want;
    if (read_full(fd, &want, 1) < 0 || want == 0) {
      drop_client(a, i);
      return;
    }
    c->want = want;
    return;
  }
  /* A frame is small and written at once by our clients, so it is read whole. */
  if (read_full(fd, c->hdr, FRAME_HEADER_LEN) < 0) {
    drop_client(a, i);
    return;
  }
  uint32_t len = (uint32_t)c->hdr[1] << 24 | (uint32_t)c->hdr[2] << 16 |
                 (uint32_t)c->hdr[3] << 8 | c->hdr[4];
  static char data[FRAME_MAX];
  if (len > FRAME_MAX || read_full(fd, data, len) < 0) {
    drop_client(a, i);
    return;
  }
  handle_frame(c, data, len, stdin_fd, stdin_once, pty);
}

void attach_broadcast(struct attach_server *a, int type, const char *buf, size_t len) {
  int bit = type == FRAME_STDERR ? ATTACH_WANT_STDERR : ATTACH_WANT_STDOUT;
  for (size_t i = 0; i < a->n;) {
    struct client *c = &a->clients[i];
    if ((c->want & bit) && frame_send(c->fd, type, buf, len) < 0) {
      drop_client(a, i);
      continue;
    }
    i++;
  }
}

size_t attach_finish(struct attach_server *a, int exit_code) {
  char code[16];
  int n = snprintf(code, sizeof code, "%d", exit_code);
  size_t told = 0;
  while (a->n > 0) {
    if (frame_send(a->clients[0].fd, FRAME_EXIT, code, (size_t)n) == 0)
      told++;
    drop_client(a, 0);
  }
  return told;
}
