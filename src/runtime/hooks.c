#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/xerr.h"
#include "xrun.h"

const char *hook_kind_name(enum hook_kind kind) {
  static const char *const names[HOOK_KIND_COUNT] = {
      [HOOK_PRESTART] = "prestart",
      [HOOK_CREATE_RUNTIME] = "createRuntime",
      [HOOK_CREATE_CONTAINER] = "createContainer",
      [HOOK_START_CONTAINER] = "startContainer",
      [HOOK_POSTSTART] = "poststart",
      [HOOK_POSTSTOP] = "poststop",
  };
  return (unsigned)kind < HOOK_KIND_COUNT ? names[kind] : "unknown";
}

static void exec_hook(const struct oci_hook *h, int stdin_fd) {
  static char *const empty[] = {NULL};
  char *default_args[] = {h->path, NULL};
  if (dup2(stdin_fd, STDIN_FILENO) < 0)
    _exit(127);
  reset_signals_for_exec();
  syscall(SYS_close_range, 3, ~0U, 0);
  execve(h->path, h->args && h->args[0] ? h->args : default_args, h->env ? h->env : empty);
  _exit(127);
}

/* Wait for pid, at most timeout seconds (0 = forever); kill it on expiry. */
static int wait_hook(pid_t pid, int timeout, int *status, bool *timed_out) {
  *timed_out = false;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 && timeout > 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
      long left = (long)timeout * 1000 - elapsed;
      if (left <= 0) {
        kill(pid, SIGKILL);
        *timed_out = true;
        break;
      }
      int r = poll(&p, 1, (int)left);
      if (r > 0 || (r < 0 && errno != EINTR))
        break;
    }
  }
  if (pidfd >= 0)
    close(pidfd);
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int run_one(const struct oci_hook *h, enum hook_kind kind, const char *state_json,
                   struct xerr *err) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return xerr_make(err, errno, "%s hook %s: pipe", hook_kind_name(kind), h->path);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return xerr_make(err, e, "%s hook %s: fork", hook_kind_name(kind), h->path);
  }
  if (pid == 0)
    exec_hook(h, pipefd[0]);
  close(pipefd[0]);
  /* A hook that exits without reading its stdin is fine (EPIPE ignored). */
  write_all(pipefd[1], state_json, strlen(state_json));
  close(pipefd[1]);
  int status = 0;
  bool timed_out;
  if (wait_hook(pid, h->timeout, &status, &timed_out) < 0)
    return xerr_make(err, errno, "%s hook %s: wait", hook_kind_name(kind), h->path);
  if (timed_out)
    return xerr_make(err, ETIMEDOUT, "%s hook %s: timed out after %ds", hook_kind_name(kind),
                     h->path, h->timeout);
  if (WIFSIGNALED(status))
    return xerr_make(err, 0, "%s hook %s: killed by signal %d", hook_kind_name(kind), h->path,
                     WTERMSIG(status));
  if (WEXITSTATUS(status) != 0)
    return xerr_make(err, 0, "%s hook %s: exited with status %d", hook_kind_name(kind), h->path,
                     WEXITSTATUS(status));
  return 0;
}

int hooks_run(const struct oci_hook_list *list, enum hook_kind kind, const char *state_json,
              struct xerr *err) {
  for (size_t i = 0; i < list->n; i++) {
    xlog_debug("running %s hook %s", hook_kind_name(kind), list->hooks[i].path);
    if (run_one(&list->hooks[i], kind, state_json, err) < 0)
      return -1;
  }
  return 0;
}
