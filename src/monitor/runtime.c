/* The monitor's calls of the runtime: `xrun create/start/delete` as child
 * processes, the container's stdio or pty, and the runtime's error text. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

/* fork + exec argv with fds 0-2 from stdio (-1: /dev/null); the status of
 * the child, -1 when it could not run. */
static int run_wait(char *const argv[], const int stdio[3]) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3; i++)
      dup2(stdio && stdio[i] >= 0 ? stdio[i] : null, i);
    /* The container must not inherit the monitor's ignored signals: an
     * ignored signal stays ignored across exec and cannot be trapped. */
    for (int sig = 1; sig < NSIG; sig++)
      signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

/* The last error xrun wrote to its --log file (text format:
 * time="..." level=error msg="..."). */
static void last_error(const char *log_path, char *msg, size_t len) {
  snprintf(msg, len, "xrun failed");
  FILE *f = fopen(log_path, "re");
  if (!f)
    return;
  char line[4200];
  while (fgets(line, sizeof line, f)) {
    if (!strstr(line, "level=error"))
      continue;
    char *m = strstr(line, "msg=\"");
    if (!m)
      continue;
    m += 5;
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '"'))
      m[--n] = '\0';
    snprintf(msg, len, "%s", m);
  }
  fclose(f);
}

static int xrun(const struct runtime *rt, const char *cmd, const char *extra[], const int stdio[3],
                char *msg, size_t len) {
  char log_path[4200];
  snprintf(log_path, sizeof log_path, "%s/xrun.log", rt->rundir);
  unlink(log_path);
  const char *argv[24] = {rt->xrun, "--root", rt->xrun_root, "--log", log_path, cmd};
  size_t n = 6;
  for (size_t i = 0; extra && extra[i] && n < 22; i++)
    argv[n++] = extra[i];
  argv[n++] = rt->id;
  argv[n] = NULL;
  int status = run_wait((char *const *)argv, stdio);
  if (status == 0)
    return 0;
  if (msg)
    last_error(log_path, msg, len);
  return -1;
}

/* Wait for xrun create to hand over the pty master on the console socket,
 * while watching that it has not failed first. */
static int receive_pty(int listen_fd) {
  struct pollfd p = {.fd = listen_fd, .events = POLLIN};
  if (poll(&p, 1, 0) <= 0)
    return -1;
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return -1;
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                      .msg_controllen = sizeof control.buf};
  int fd = -1;
  if (recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) > 0) {
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (c && c->cmsg_type == SCM_RIGHTS)
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  close(conn);
  return fd;
}

static int console_listen(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    if (fd >= 0)
      close(fd);
    return -1;
  }
  memcpy(addr.sun_path, path, len + 1);
  unlink(path);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

static pid_t read_pid(const char *path) {
  FILE *f = fopen(path, "re");
  int pid = -1;
  if (f) {
    if (fscanf(f, "%d", &pid) != 1)
      pid = -1;
    fclose(f);
  }
  return pid;
}

int runtime_create(struct runtime *rt, const int stdio[3], pid_t *pid, int *pty, char *msg,
                   size_t len) {
  char pid_path[4200], console[4200];
  snprintf(pid_path, sizeof pid_path, "%s/pid", rt->rundir);
  snprintf(console, sizeof console, "console.sock");  /* in our working directory, rundir */
  unlink(pid_path);
  /* Leftovers of an earlier run of this container (a restart, a crash). */
  const char *force[] = {"--force", NULL};
  char state_dir[4200];
  snprintf(state_dir, sizeof state_dir, "%s/%s", rt->xrun_root, rt->id);
  if (access(state_dir, F_OK) == 0)
    xrun(rt, "delete", force, NULL, NULL, 0);
  int listen_fd = -1;
  const char *extra[8] = {"--bundle", rt->bundle, "--pid-file", pid_path, NULL};
  if (rt->tty) {
    listen_fd = console_listen(console);
    if (listen_fd < 0) {
      snprintf(msg, len, "console socket %s: %s", console, strerror(errno));
      return -1;
    }
    extra[4] = "--console-socket";
    extra[5] = console;
  }
  int r = xrun(rt, "create", extra, stdio, msg, len);
  if (listen_fd >= 0) {
    *pty = r == 0 ? receive_pty(listen_fd) : -1;
    close(listen_fd);
    unlink(console);
    if (r == 0 && *pty < 0) {
      snprintf(msg, len, "no terminal came from the runtime");
      r = -1;
    }
  }
  if (r == 0 && (*pid = read_pid(pid_path)) <= 0) {
    snprintf(msg, len, "the runtime wrote no pid to %s", pid_path);
    r = -1;
  }
  if (r < 0)
    xrun(rt, "delete", force, NULL, NULL, 0);
  return r;
}

int runtime_start(struct runtime *rt, char *msg, size_t len) {
  return xrun(rt, "start", NULL, NULL, msg, len);
}

void runtime_delete(struct runtime *rt) {
  const char *force[] = {"--force", NULL};
  xrun(rt, "delete", force, NULL, NULL, 0);
}
