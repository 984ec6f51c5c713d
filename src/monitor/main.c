/* xocker-monitor: see monitor.h. Started by the engine (src/engine/
 * monitor_spawn.c) in a session of its own; speaks the start-up protocol
 * of engine/monitor_proto.h on fd 3. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor_proto.h"
#include "common/proc.h"
#include "monitor.h"
#include "runtime.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

struct monitor {
  struct monitor_opts o;
  struct runtime rt;
  struct monitor_state st;
  struct jsonlog *log;
  struct attach_server *attach;
  int sigfd;
  int stdin_fd;            /* our end of the container's stdin, -1 without -i */
  int out_fd, err_fd;      /* our ends of its stdout and stderr (or the pty twice) */
  int child_stdio[3];      /* the container's ends, kept for restarts */
  int pty;
  pid_t pid;
  struct timespec started;
  bool client_cleans;      /* "s": the engine removes the container itself */
};

static int64_t parse_size(const char *s) {
  char *end;
  double v = strtod(s, &end);
  int64_t mult = 1;
  switch (*end) {
  case 'k': case 'K': mult = 1000; break;
  case 'm': case 'M': mult = 1000 * 1000; break;
  case 'g': case 'G': mult = 1000 * 1000 * 1000; break;
  default: break;
  }
  return (int64_t)(v * (double)mult);
}

static enum restart_policy parse_restart(const char *s, int *max) {
  if (strcmp(s, "always") == 0)
    return RESTART_ALWAYS;
  if (strcmp(s, "unless-stopped") == 0)
    return RESTART_UNLESS_STOPPED;
  if (strncmp(s, "on-failure", 10) == 0) {
    *max = s[10] == ':' ? atoi(s + 11) : 0;
    return RESTART_ON_FAILURE;
  }
  return RESTART_NO;
}

static int parse_args(int argc, char **argv, struct monitor_opts *o) {
  static const struct option opts[] = {
      {"id", 1, 0, 'i'},       {"bundle", 1, 0, 'b'},    {"xrun", 1, 0, 'x'},
      {"xrun-root", 1, 0, 'R'}, {"rundir", 1, 0, 'd'},   {"state", 1, 0, 's'},
      {"log-path", 1, 0, 'l'}, {"log-max-size", 1, 0, 'm'}, {"log-max-file", 1, 0, 'f'},
      {"tty", 0, 0, 't'},      {"stdin", 0, 0, 'I'},     {"stdin-once", 0, 0, 'O'},
      {"restart", 1, 0, 'r'},  {"oom-file", 1, 0, 'o'},  {0, 0, 0, 0}};
  int c, nooms = 0;
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (c) {
    case 'i': o->id = optarg; break;
    case 'b': o->bundle = optarg; break;
    case 'x': o->xrun = optarg; break;
    case 'R': o->xrun_root = optarg; break;
    case 'd': o->rundir = optarg; break;
    case 's': o->state_path = optarg; break;
    case 'l': o->log_path = optarg; break;
    case 'm': o->log_max_size = parse_size(optarg); break;
    case 'f': o->log_max_file = atoi(optarg); break;
    case 't': o->tty = true; break;
    case 'I': o->stdin_open = true; break;
    case 'O': o->stdin_once = true; break;
    case 'r': o->restart = parse_restart(optarg, &o->restart_max); break;
    case 'o': if (nooms < 2) o->oom_files[nooms++] = optarg; break;
    default: return -1;
    }
  }
  /* After "--": the engine's cleanup command. */
  o->cleanup_argv = optind < argc ? argv + optind : NULL;
  return o->id && o->bundle && o->xrun && o->xrun_root && o->rundir && o->state_path ? 0 : -1;
}

static void sync_send(char kind, const char *text) {
  char msg[1100];
  int n = snprintf(msg, sizeof msg, "%c%s", kind, text);
  if (send(MONITOR_SYNC_FD, msg, (size_t)n, MSG_NOSIGNAL) < 0) {
    /* The engine is gone; it will read the state file instead. */
  }
}

static void save_state(struct monitor *m) { state_write(m->o.state_path, &m->st); }

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* Pipes for the container's stdio; ours are non-blocking, theirs are kept
 * so that a restarted container writes to the same ones. */
static int make_stdio(struct monitor *m) {
  int in[2] = {-1, -1}, out[2], err[2];
  if (m->o.tty) {
    m->child_stdio[0] = m->child_stdio[1] = m->child_stdio[2] = -1;
    return 0;
  }
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
    return -1;
  if (m->o.stdin_open && pipe2(in, O_CLOEXEC) < 0)
    return -1;
  m->stdin_fd = in[1];
  m->child_stdio[0] = in[0];
  m->out_fd = out[0];
  m->err_fd = err[0];
  m->child_stdio[1] = out[1];
  m->child_stdio[2] = err[1];
  set_nonblock(m->out_fd);
  set_nonblock(m->err_fd);
  return 0;
}

static void forward(struct monitor *m, int type, const char *buf, size_t len) {
  jsonlog_write(m->log, type, buf, len);
  attach_broadcast(m->attach, type, buf, len);
}

/* Read what fd has now; false at its end. */
static bool drain(struct monitor *m, int fd, int type) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      forward(m, type, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && errno == EAGAIN;
  }
}

static bool oom_killed(const struct monitor *m) {
  for (int i = 0; i < 2 && m->o.oom_files[i]; i++) {
    FILE *f = fopen(m->o.oom_files[i], "re");
    if (!f)
      continue;
    char key[64];
    long long v;
    bool oom = false;
    while (fscanf(f, "%63s %lld", key, &v) == 2)
      if (strcmp(key, "oom_kill") == 0 && v > 0)
        oom = true;
    fclose(f);
    if (oom)
      return true;
  }
  return false;
}

/* Create the container; on success m->pid is its init. */
static int create_container(struct monitor *m, char *msg, size_t len) {
  int pty = -1;
  if (runtime_create(&m->rt, m->child_stdio, &m->pid, &pty, msg, len) < 0)
    return -1;
  if (m->o.tty) {
    if (m->pty >= 0)
      close(m->pty);
    m->pty = pty;
    m->out_fd = pty;
    m->err_fd = -1;
    m->stdin_fd = m->o.stdin_open ? pty : -1;
    set_nonblock(pty);
  }
  return 0;
}

static int start_container(struct monitor *m, char *msg, size_t len) {
  if (runtime_start(&m->rt, msg, len) < 0) {
    runtime_delete(&m->rt);
    return -1;
  }
  clock_gettime(CLOCK_MONOTONIC, &m->started);
  m->st.status = "running";
  m->st.pid = m->pid;
  m->st.error[0] = '\0';
  rfc3339_now(m->st.started_at, sizeof m->st.started_at);
  snprintf(m->st.finished_at, sizeof m->st.finished_at, "%s", ZERO_TIME);
  save_state(m);
  return 0;
}

/* The engine marks a stop or kill it asked for, so no policy restarts it. */
static bool stopped_by_user(const struct monitor *m) {
  char path[4200];
  /* Next to state.json, so that it outlives a reboot (unless-stopped). */
  snprintf(path, sizeof path, "%s", m->o.state_path);
  char *slash = strrchr(path, '/');
  if (slash)
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "stopped");
  return access(path, F_OK) == 0;
}

static bool should_restart(const struct monitor *m) {
  if (stopped_by_user(m))
    return false;
  switch (m->o.restart) {
  case RESTART_ALWAYS:
  case RESTART_UNLESS_STOPPED:
    return true;
  case RESTART_ON_FAILURE:
    return m->st.exit_code != 0 &&
           (m->o.restart_max == 0 || m->st.restart_count < m->o.restart_max);
  default:
    return false;
  }
}

static double seconds_since(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void container_exited(struct monitor *m, int status) {
  if (m->out_fd >= 0)
    drain(m, m->out_fd, FRAME_STDOUT);
  if (m->err_fd >= 0)
    drain(m, m->err_fd, FRAME_STDERR);
  jsonlog_flush(m->log);
  m->st.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m->st.oom_killed = oom_killed(m);
  m->st.pid = 0;
  rfc3339_now(m->st.finished_at, sizeof m->st.finished_at);
  runtime_delete(&m->rt);
  m->pid = 0;
}

/* Docker's back-off: 100 ms doubling up to a minute, reset when the
 * container ran for at least 10 s. */
static int next_delay_ms(struct monitor *m, int delay) {
  if (seconds_since(&m->started) >= 10)
    return 100;
  return delay * 2 > 60000 ? 60000 : delay * 2;
}

static void handle_signals(struct monitor *m, bool *exited) {
  struct signalfd_siginfo si;
  while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    /* only SIGCHLD is routed here */
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == m->pid) {
      container_exited(m, status);
      *exited = true;
    }
  }
}

/* Output, attach clients and children until the container exits. */
static void serve_until_exit(struct monitor *m) {
  bool exited = false;
  while (!exited) {
    struct pollfd p[40];
    size_t n = 0;
    p[n++] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = attach_listen_fd(m->attach), .events = POLLIN};
    p[n++] = (struct pollfd){.fd = m->out_fd, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = m->err_fd, .events = POLLIN};
    int clients[32];
    size_t nc = attach_poll_fds(m->attach, clients, 32);
    for (size_t i = 0; i < nc; i++)
      p[n++] = (struct pollfd){.fd = clients[i], .events = POLLIN};
    if (poll(p, n, -1) < 0 && errno != EINTR)
      return;
    if (p[1].revents & POLLIN)
      attach_accept(m->attach);
    if (p[2].revents & (POLLIN | POLLHUP))
      if (!drain(m, m->out_fd, FRAME_STDOUT) && m->o.tty)
        m->out_fd = -1;  /* the pty's other side is gone */
    if (p[3].revents & (POLLIN | POLLHUP))
      drain(m, m->err_fd, FRAME_STDERR);
    for (size_t i = 4; i < n; i++)
      if (p[i].revents)
        attach_client_input(m->attach, p[i].fd, &m->stdin_fd, m->o.stdin_once, m->pty);
    if (p[0].revents & POLLIN)
      handle_signals(m, &exited);
  }
}

/* Wait delay_ms in state "restarting" (still serving attach), then create
 * and start again. false when it could not. */
static bool restart_after(struct monitor *m, int delay_ms) {
  m->st.status = "restarting";
  save_state(m);
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  while (seconds_since(&t) * 1000 < delay_ms) {
    if (stopped_by_user(m))
      return false;
    struct pollfd p = {.fd = attach_listen_fd(m->attach), .events = POLLIN};
    if (poll(&p, 1, 50) > 0)
      attach_accept(m->attach);
  }
  char msg[1024];
  m->st.restart_count++;
  if (create_container(m, msg, sizeof msg) < 0 || start_container(m, msg, sizeof msg) < 0) {
    snprintf(m->st.error, sizeof m->st.error, "%.500s", msg);
    return false;
  }
  return true;
}

static void finish(struct monitor *m) {
  m->st.status = "exited";
  save_state(m);
  size_t told = attach_finish(m->attach, m->st.exit_code);
  /* The engine that started us said it cleans up itself (run --rm in the
   * foreground) and is still there to hear of the exit: leave it to it. */
  if (m->client_cleans && told > 0)
    m->o.cleanup_argv = NULL;
  jsonlog_close(m->log);
  char path[4200];
  snprintf(path, sizeof path, "%s/monitor.pid", m->o.rundir);
  unlink(path);
  if (m->o.cleanup_argv) {
    int null = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3; i++)
      dup2(null, i);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(m->o.cleanup_argv[0], m->o.cleanup_argv);
  }
}

static int setup(struct monitor *m) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  m->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  char path[4200];
  /* Socket paths are short (108 bytes): they are made relative to the run
   * directory, our working directory, which xrun inherits. */
  if (chdir(m->o.rundir) < 0)
    return -1;
  m->attach = attach_listen("attach");
  if (m->sigfd < 0 || !m->attach || make_stdio(m) < 0)
    return -1;
  if (m->o.log_path)
    m->log = jsonlog_open(m->o.log_path, m->o.log_max_size, m->o.log_max_file);
  snprintf(path, sizeof path, "%s/monitor.pid", m->o.rundir);
  FILE *f = fopen(path, "we");
  if (f) {
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
  }
  return 0;
}

/* "C<pid>" then wait for "S", then "R<pid>"; false when the engine went
 * away or the container did not come up (the error has been sent). */
static bool start_up(struct monitor *m) {
  char msg[1024], text[32];
  if (create_container(m, msg, sizeof msg) < 0) {
    sync_send('E', msg);
    return false;
  }
  snprintf(text, sizeof text, "%d", (int)m->pid);
  sync_send('C', text);
  char cmd[8];
  ssize_t n;
  while ((n = recv(MONITOR_SYNC_FD, cmd, sizeof cmd, 0)) < 0 && errno == EINTR) {
  }
  if (n <= 0 || (cmd[0] != 'S' && cmd[0] != 's')) {
    runtime_delete(&m->rt);
    return false;
  }
  m->client_cleans = cmd[0] == 's';
  attach_accept_pending(m->attach);
  if (start_container(m, msg, sizeof msg) < 0) {
    sync_send('E', msg);
    return false;
  }
  sync_send('R', text);
  close(MONITOR_SYNC_FD);
  return true;
}

int main(int argc, char **argv) {
  static struct monitor m = {.stdin_fd = -1, .out_fd = -1, .err_fd = -1, .pty = -1,
                             .st = {.status = "created"}};
  if (parse_args(argc, argv, &m.o) < 0) {
    fprintf(stderr, "xocker-monitor: bad arguments (it is started by xocker)\n");
    return 2;
  }
  m.rt = (struct runtime){.xrun = m.o.xrun, .xrun_root = m.o.xrun_root, .id = m.o.id,
                          .bundle = m.o.bundle, .rundir = m.o.rundir, .tty = m.o.tty};
  if (setup(&m) < 0) {
    char msg[600];
    snprintf(msg, sizeof msg, "monitor of %s: set-up failed: %s", m.o.id, strerror(errno));
    sync_send('E', msg);
    return 1;
  }
  if (!start_up(&m)) {
    char path[4200];
    snprintf(path, sizeof path, "%s/monitor.pid", m.o.rundir);
    unlink(path);
    return 1;
  }
  int delay = 50;  /* doubled before the first wait: 100 ms */
  for (;;) {
    serve_until_exit(&m);
    if (!should_restart(&m))
      break;
    delay = next_delay_ms(&m, delay);
    if (!restart_after(&m, delay))
      break;
  }
  finish(&m);
  return 0;
}
