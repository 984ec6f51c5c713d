#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int terminal_open_peer(int ptmx, struct xerr *err) {
  int unlock = 0;
  if (ioctl(ptmx, TIOCSPTLCK, &unlock) < 0)
    return xerr_make(err, errno, "unlock pty");
  int slave = ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return xerr_make(err, errno, "open pty peer");
  return slave;
}

int terminal_set_size(int fd, unsigned rows, unsigned cols, struct xerr *err) {
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    return xerr_make(err, errno, "set terminal size");
  return 0;
}

int terminal_become_controlling(int slave, struct xerr *err) {
  if (setsid() < 0 && errno != EPERM)
    return xerr_make(err, errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return xerr_make(err, errno, "set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return xerr_make(err, errno, "dup terminal to fd %d", fd);
  return 0;
}

int terminal_connect_socket(const char *path, struct xerr *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path)
    return xerr_make(err, ENAMETOOLONG, "console socket %s", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return xerr_make(err, errno, "console socket %s", path);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return xerr_make(err, e, "connect to console socket %s", path);
  }
  return fd;
}

struct terminal_proxy {
  int master;
  bool raw;
  struct termios saved;
  bool stdin_open;
};

int terminal_proxy_start(int master, struct terminal_proxy **out, struct xerr *err) {
  struct terminal_proxy *tp = calloc(1, sizeof *tp);
  if (tp == NULL)
    return xerr_make(err, ENOMEM, "terminal");
  tp->master = master;
  tp->stdin_open = true;
  if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tp->saved) == 0) {
    struct termios raw = tp->saved;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST; /* keep our own output readable */
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
      tp->raw = true;
  }
  terminal_proxy_resize(tp);
  *out = tp;
  return 0;
}

int terminal_proxy_master(const struct terminal_proxy *tp) { return tp->master; }

void terminal_proxy_resize(struct terminal_proxy *tp) {
  struct winsize ws;
  if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(tp->master, TIOCSWINSZ, &ws);
}

bool terminal_proxy_pump(struct terminal_proxy *tp, int ready_fd) {
  char buf[8192];
  if (ready_fd == STDIN_FILENO) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) {
      /* Our stdin ended: send EOF to the container's terminal. */
      tp->stdin_open = false;
      char eof = 4;
      write_all(tp->master, &eof, 1);
    } else {
      write_all(tp->master, buf, (size_t)n);
    }
    return true;
  }
  ssize_t n = read(tp->master, buf, sizeof buf);
  if (n <= 0)
    return n < 0 && errno == EINTR;
  write_all(STDOUT_FILENO, buf, (size_t)n);
  return true;
}

void terminal_proxy_stop(struct terminal_proxy *tp) {
  if (tp == NULL)
    return;
  if (tp->raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &tp->saved);
  free(tp);
}
