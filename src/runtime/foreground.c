/* Foreground `run` and `exec`: wait for the container process while
 * forwarding signals to it and, with a terminal, copying its pty. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "sync.h"
#include "terminal.h"
#include "xrun.h"

static void forwarded_set(sigset_t *set) {
  sigfillset(set);
  /* Signals the kernel never queues for us, or that stop us. */
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
  sigdelset(set, SIGSEGV);
  sigdelset(set, SIGBUS);
  sigdelset(set, SIGFPE);
  sigdelset(set, SIGILL);
  sigdelset(set, SIGTSTP);
  sigdelset(set, SIGTTIN);
  sigdelset(set, SIGTTOU);
}

void foreground_block_signals(void) {
  sigset_t set;
  forwarded_set(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

void reset_signals_for_exec(void) {
  sigset_t none;
  sigemptyset(&none);
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

/* Reap every exited child; true when pid was among them. */
static bool reap(pid_t pid, int *code) {
  bool found = false;
  for (;;) {
    int status;
    pid_t r = waitpid(-1, &status, WNOHANG);
    if (r <= 0)
      break;
    if (r == pid) {
      *code = exit_code_of(status);
      found = true;
    }
  }
  return found;
}

int foreground_wait(pid_t pid, int master, int *exit_code, struct xerr *err) {
  sigset_t set;
  forwarded_set(&set);
  cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return xerr_make(err, errno, "signalfd");
  struct terminal_proxy *tp = NULL;
  if (master >= 0 && terminal_proxy_start(master, &tp, err) < 0)
    return -1;
  bool exited = false, tty_open = master >= 0, stdin_open = master >= 0;
  /* Catch an exit that happened before the signalfd existed. */
  exited = reap(pid, exit_code);
  while (!exited || tty_open) {
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                          {.fd = tty_open ? master : -1, .events = POLLIN},
                          {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
    /* Once the process is gone, drain what is left on the pty, then stop. */
    int r = poll(p, 3, exited ? 50 : -1);
    if (r < 0 && errno != EINTR)
      break;
    if (r == 0 && exited)
      break;
    if (p[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD)
          exited |= reap(pid, exit_code);
        else if (si.ssi_signo == SIGWINCH && tp)
          terminal_proxy_resize(tp);
        else if (!exited)
          kill(pid, (int)si.ssi_signo);
      }
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
      tty_open = terminal_proxy_pump(tp, master);
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      terminal_proxy_pump(tp, STDIN_FILENO);
      if (p[2].revents & (POLLHUP | POLLERR))
        stdin_open = false;
    }
  }
  terminal_proxy_stop(tp);
  return 0;
}

int xrun_run(const struct xrun_create_opts *o, bool detach, int *exit_code, struct xerr *err) {
  struct xrun_create_opts opts = *o;
  int sv[2] = {-1, -1};
  *exit_code = 0;
  cleanup_config struct oci_config *config = NULL;
  if (oci_config_load(o->bundle, &config, err) < 0)
    return xerr_wrap(err, "create container %s", o->id);
  bool terminal = config->process && config->process->terminal;
  if (!detach) {
    /* The init may be a grandchild (joined pid namespace): adopt it. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    foreground_block_signals();
    if (terminal && o->console_socket == NULL) {
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return xerr_make(err, errno, "socketpair for the terminal");
      opts.console_fd = sv[1];
    }
  }
  pid_t pid;
  int ret = xrun_create(&opts, &pid, err);
  if (sv[1] >= 0)
    close(sv[1]);
  cleanup_close int master = -1;
  struct xerr tty_err = {0};
  if (ret == 0 && sv[0] >= 0 && (master = recv_fd(sv[0], &tty_err)) < 0)
    *err = tty_err;
  if (sv[0] >= 0)
    close(sv[0]);
  if (ret < 0)
    return -1; /* create cleaned up after itself */
  if (master < 0 && sv[0] >= 0)
    ret = -1;
  if (ret == 0)
    ret = xrun_start(o->root, o->id, err);
  if (ret < 0) {
    xrun_delete(o->root, o->id, true, NULL);
    return -1;
  }
  if (detach)
    return 0;
  ret = foreground_wait(pid, master, exit_code, err);
  struct xerr del_err = {0};
  if (xrun_delete(o->root, o->id, true, &del_err) < 0 && ret == 0) {
    *err = del_err;
    ret = -1;
  }
  return ret;
}
