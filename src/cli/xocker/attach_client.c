/* The client side of a container's attach socket (engine/monitor_proto.h):
 * its output to ours, our stdin to it, the terminal in raw mode with its
 * size passed on, signals passed on (--sig-proxy), and Docker's detach
 * keys (ctrl-p ctrl-q). */
#include "attach_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/frameio.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/monitor_proto.h"
#include "image/store.h"
#include "runtime/xrun.h"

int attach_connect(struct xstore *s, const char *id, int want, struct xerr *err) {
  char dir[4200];
  engine_rundir(s, id, dir, sizeof dir);
  /* Through a descriptor of the run directory: its path may be longer
   * than a socket address takes. */
  int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return xerr_make(err, errno, "attach to %s: %s", id, dir);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/attach", dirfd);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    close(dirfd);
    return xerr_make(err, errno, "socket");
  }
  unsigned char w = (unsigned char)want;
  int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  close(dirfd);
  if (r < 0 || write(fd, &w, 1) != 1) {
    xerr_make(err, errno, "attach to %s", id);
    close(fd);
    return -1;
  }
  return fd;
}

/* One frame from the monitor; 1 when it was the exit frame, -1 at EOF. */
static int handle_output(int fd, int *exit_code) {
  int type;
  uint32_t len;
  if (frame_read_header(fd, &type, &len) < 0)
    return -1;
  static char data[FRAME_MAX + 1];
  if (len > FRAME_MAX || read_full(fd, data, len) < 0)
    return -1;
  if (type == FRAME_EXIT) {
    data[len] = '\0';
    *exit_code = atoi(data);
    return 1;
  }
  write_all(type == FRAME_STDERR ? 2 : 1, data, len);
  return 0;
}

static void send_size(int fd) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
    char text[32];
    int n = snprintf(text, sizeof text, "%u %u", ws.ws_row, ws.ws_col);
    frame_send(fd, FRAME_RESIZE, text, (size_t)n);
  }
}

/* Docker's --detach-keys: "ctrl-p,ctrl-q" -> bytes. */
static size_t detach_sequence(const char *keys, char *out, size_t max) {
  size_t n = 0;
  char copy[128];
  snprintf(copy, sizeof copy, "%s", keys && *keys ? keys : "ctrl-p,ctrl-q");
  for (char *save, *k = strtok_r(copy, ",", &save); k && n < max; k = strtok_r(NULL, ",", &save)) {
    if (strncmp(k, "ctrl-", 5) == 0 && k[5]) {
      char c = k[5];
      if (c >= 'a' && c <= 'z')
        out[n++] = (char)(c - 'a' + 1);
      else if (c == '@')
        out[n++] = 0;
      else if (c >= '[' && c <= '_')
        out[n++] = (char)(c - '[' + 27);
    } else if (strlen(k) == 1) {
      out[n++] = k[0];
    }
  }
  return n;
}

struct input {
  char seq[8];
  size_t seq_len, matched;
};

/* Our stdin to the container; true when the user typed the detach keys. */
static bool forward_input(int fd, struct input *in, bool *eof) {
  char buf[4096], outb[4096 + 8];
  ssize_t n = read(0, buf, sizeof buf);
  if (n <= 0) {
    *eof = true;
    frame_send(fd, FRAME_STDIN_EOF, NULL, 0);
    return false;
  }
  size_t o = 0;
  for (ssize_t i = 0; i < n; i++) {
    if (in->seq_len && buf[i] == in->seq[in->matched]) {
      if (++in->matched == in->seq_len)
        return true;
      continue;
    }
    /* A partial match that broke off goes through as typed. */
    memcpy(outb + o, in->seq, in->matched);
    o += in->matched;
    in->matched = 0;
    outb[o++] = buf[i];
  }
  if (o)
    frame_send(fd, FRAME_STDIN, outb, o);
  return false;
}

int attach_session(struct xstore *s, const char *id, int fd, const struct attach_opts *o,
                   int *exit_code) {
  struct termios saved;
  bool raw = o->tty && o->stdin && isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
  }
  sigset_t sigs, old;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGWINCH);
  if (o->sig_proxy && !o->tty) {
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGQUIT);
    sigaddset(&sigs, SIGUSR1);
    sigaddset(&sigs, SIGUSR2);
  }
  sigprocmask(SIG_BLOCK, &sigs, &old);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (o->tty)
    send_size(fd);
  struct input in = {.seq_len = o->stdin ? detach_sequence(o->detach_keys, in.seq, sizeof in.seq) : 0};
  bool stdin_eof = !o->stdin, detached = false;
  int result = -1;
  while (result < 0) {
    struct pollfd p[3] = {{.fd = fd, .events = POLLIN},
                          {.fd = sfd, .events = POLLIN},
                          {.fd = stdin_eof ? -1 : 0, .events = POLLIN}};
    if (poll(p, 3, -1) < 0 && errno != EINTR)
      break;
    if (p[0].revents) {
      int r = handle_output(fd, exit_code);
      if (r != 0)
        result = r > 0 ? 0 : 1;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGWINCH) {
          send_size(fd);
        } else {
          char root[4096];
          struct xerr ignored = {0};
          engine_xrun_root(s, root, sizeof root);
          xrun_kill(root, id, (int)si.ssi_signo, false, &ignored);
        }
      }
    }
    if (p[2].revents && forward_input(fd, &in, &stdin_eof)) {
      detached = true;
      result = 2;
    }
  }
  if (sfd >= 0)
    close(sfd);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (raw)
    tcsetattr(0, TCSANOW, &saved);
  close(fd);
  if (detached)
    fprintf(stderr, "read escape sequence\n");
  return result;
}
