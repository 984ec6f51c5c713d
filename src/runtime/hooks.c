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

static void exec_hook(const struct oci_hook *h, int stdin_fd, int out_fd) {
  static char *const empty[] = {NULL};
  char *default_args[] = {h->path, NULL};
  if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
      dup2(out_fd, STDERR_FILENO) < 0)
    _exit(127);
  reset_signals_for_exec();
  syscall(SYS_close_range, 3, ~0U, 0);
  execve(h->path, h->args && h->args[0] ? h->args : default_args, h->env ? h->env : empty);
  dprintf(STDERR_FILENO, "exec %s: %s", h->path, strerror(errno));
  _exit(127);
}

struct hook_output {
  char text[2048];
  size_t len;
};

static void collect(int fd, struct hook_output *out) {
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    size_t room = sizeof out->text - 1 - out->len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(out->text + out->len, buf, take);
    out->len += take;
  }
  out->text[out->len] = '\0';
}

static long ms_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Wait for pid, at most timeout seconds (0 = forever), collecting what it
 * writes on out_fd; kill it on expiry. */
static int wait_hook(pid_t pid, int timeout, int out_fd, struct hook_output *out, int *status,
                     bool *timed_out) {
  *timed_out = false;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  bool out_open = true;
  while (pidfd >= 0) {
    struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                          {.fd = out_open ? out_fd : -1, .events = POLLIN}};
    int wait_ms = -1;
    if (timeout > 0) {
      long left = (long)timeout * 1000 - ms_since(&start);
      if (left <= 0) {
        kill(pid, SIGKILL);
        *timed_out = true;
        break;
      }
      wait_ms = (int)left;
    }
    int r = poll(p, 2, wait_ms);
    if (r < 0 && errno != EINTR)
      break;
    if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
      collect(out_fd, out);
      if (!(p[1].revents & POLLIN))
        out_open = false;
    }
    if (r > 0 && (p[0].revents & POLLIN))
      break;
  }
  if (pidfd >= 0)
    close(pidfd);
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  collect(out_fd, out);
  return 0;
}

/* The hook's own words, on one line, for the error message. */
static const char *oneline(struct hook_output *out) {
  for (size_t i = 0; i < out->len; i++)
    if (out->text[i] == '\n')
      out->text[i] = ' ';
  while (out->len > 0 && out->text[out->len - 1] == ' ')
    out->text[--out->len] = '\0';
  return out->text;
}

static int run_one(const struct oci_hook *h, enum hook_kind kind, const char *state_json,
                   struct xerr *err) {
  int in[2], out[2];
  const char *name = hook_kind_name(kind);
  if (pipe2(in, O_CLOEXEC) < 0)
    return xerr_make(err, errno, "%s hook %s: pipe", name, h->path);
  if (pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return xerr_make(err, e, "%s hook %s: pipe", name, h->path);
  }
  pid_t pid = fork();
  if (pid == 0)
    exec_hook(h, in[0], out[1]);
  int e = errno;
  close(in[0]);
  close(out[1]);
  cleanup_close int out_fd = out[0];
  if (pid < 0) {
    close(in[1]);
    return xerr_make(err, e, "%s hook %s: fork", name, h->path);
  }
  /* A hook that exits without reading its stdin is fine (EPIPE ignored). */
  write_all(in[1], state_json, strlen(state_json));
  close(in[1]);
  int status = 0;
  bool timed_out;
  struct hook_output output = {.len = 0};
  if (wait_hook(pid, h->timeout, out_fd, &output, &status, &timed_out) < 0)
    return xerr_make(err, errno, "%s hook %s: wait", name, h->path);
  const char *said = oneline(&output);
  const char *sep = *said ? ": output: " : "";
  if (timed_out)
    return xerr_make(err, ETIMEDOUT, "%s hook %s: timed out after %ds%s%s", name, h->path,
                     h->timeout, sep, said);
  if (WIFSIGNALED(status))
    return xerr_make(err, 0, "%s hook %s: killed by signal %d%s%s", name, h->path,
                     WTERMSIG(status), sep, said);
  if (WEXITSTATUS(status) != 0)
    return xerr_make(err, 0, "%s hook %s: exited with status %d%s%s", name, h->path,
                     WEXITSTATUS(status), sep, said);
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
