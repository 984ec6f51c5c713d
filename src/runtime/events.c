/* `events`: usage figures (stats) and OOM kills of a live container, as
 * runc's event objects.  The stream waits on three things at once: the
 * init's pidfd (the container stops), an OOM notification from the kernel
 * (v1: an eventfd registered on memory.oom_control; v2: inotify on
 * memory.events) and the next stats tick.  The OOM kill counter decides
 * what is reported, so a notification that says nothing new (or none at
 * all, where the kernel offers no notification) loses nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "state.h"
#include "xrun.h"

/* Without a notification fd, look at the OOM counter this often. */
#define OOM_POLL_MS 250
/* The v1 notification comes as the OOM starts, before the kill is
 * counted: look at the counter closely for a while after one. */
#define OOM_RECHECK_MS 20
#define OOM_RECHECK_WINDOW_MS 2000

struct xrun_events {
  char *id;
  struct container_state *st;
  struct cgroup *cg;
  int pidfd;              /* readable once the init has exited */
  int notify_fd;          /* eventfd or inotify fd; -1 when none */
  uint64_t oom_reported;  /* the kill counter as far as reported */
  uint64_t interval_ms, next_tick_ms;
  uint64_t recheck_until_ms; /* after a notification */
  bool exited;
};

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

json_t *xrun_event_new(const char *type, const char *id, json_t *data) {
  json_t *e = json_object();
  if (e == NULL) {
    json_decref(data);
    return NULL;
  }
  json_object_set_new(e, "type", json_string(type));
  json_object_set_new(e, "id", json_string(id));
  if (data != NULL)
    json_object_set_new(e, "data", data);
  return e;
}

/* The container's state and cgroup, when it has not stopped. */
static int open_live(const char *root, const char *id, struct container_state **st,
                     struct cgroup **cg, struct xerr *err) {
  if (state_load(root, id, st, err) < 0)
    return -1;
  if (state_status(root, *st) == STATUS_STOPPED)
    return xerr_make(err, 0, "container with id %s is not running", id);
  if ((*st)->cgroup_path == NULL || (*st)->cgroup_path[0] == '\0')
    return xerr_make(err, ENOENT, "container %s has no cgroup", id);
  return cgroup_open((*st)->cgroup_path, cg, err);
}

int xrun_stats(const char *root, const char *id, json_t **out, struct xerr *err) {
  cleanup_state struct container_state *st = NULL;
  cleanup_cgroup struct cgroup *cg = NULL;
  if (open_live(root, id, &st, &cg, err) < 0)
    return -1;
  if (cgroup_stats(cg, out, err) < 0)
    return xerr_wrap(err, "stats of %s", id);
  return 0;
}

/* v1: cgroup.event_control delivers an eventfd count on every OOM of the
 * memory cgroup (and when the cgroup goes away). */
static int notify_v1(const char *dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/memory.oom_control", dir);
  cleanup_close int oom = open(path, O_RDONLY | O_CLOEXEC);
  if (oom < 0)
    return -1;
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return -1;
  snprintf(path, sizeof path, "%s/cgroup.event_control", dir);
  cleanup_close int ctl = open(path, O_WRONLY | O_CLOEXEC);
  char line[64];
  int n = snprintf(line, sizeof line, "%d %d", efd, oom);
  if (ctl < 0 || write(ctl, line, (size_t)n) != n) {
    close(efd);
    return -1;
  }
  return efd;
}

/* v2: memory.events is modified when its counters (oom_kill among them)
 * change. */
static int notify_v2(const char *dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/memory.events", dir);
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return -1;
  if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int open_notify(struct cgroup *cg) {
  const char *mem = cgroup_layout_of(cg) == CGROUP_LAYOUT_V2 ? NULL : cgroup_dir(cg, "memory");
  if (mem != NULL)
    return notify_v1(mem);
  const char *unified = cgroup_dir(cg, "");
  return unified != NULL ? notify_v2(unified) : -1;
}

int xrun_events_open(const char *root, const char *id, unsigned interval_ms,
                     struct xrun_events **out, struct xerr *err) {
  if (interval_ms == 0)
    return xerr_make(err, EINVAL, "duration interval must be greater than 0");
  struct xrun_events *ev = calloc(1, sizeof *ev);
  if (ev == NULL || (ev->id = strdup(id)) == NULL) {
    free(ev);
    return xerr_make(err, ENOMEM, "events");
  }
  ev->pidfd = ev->notify_fd = -1;
  if (open_live(root, id, &ev->st, &ev->cg, err) < 0)
    goto fail;
  ev->pidfd = (int)syscall(SYS_pidfd_open, ev->st->pid, 0);
  /* The pidfd pins the pid: only now is "still our init" a lasting answer. */
  if (ev->pidfd < 0 || !state_process_alive(ev->st)) {
    xerr_make(err, 0, "container with id %s is not running", id);
    goto fail;
  }
  if (cgroup_oom_kills(ev->cg, &ev->oom_reported, err) < 0)
    goto fail;
  ev->notify_fd = open_notify(ev->cg);
  if (ev->notify_fd < 0)
    xlog_debug("events %s: no OOM notification from the kernel; polling the counter", id);
  ev->interval_ms = interval_ms;
  ev->next_tick_ms = now_ms() + interval_ms;
  *out = ev;
  return 0;
fail:
  xrun_events_free(ev);
  return -1;
}

void xrun_events_free(struct xrun_events *ev) {
  if (ev == NULL)
    return;
  if (ev->pidfd >= 0)
    close(ev->pidfd);
  if (ev->notify_fd >= 0)
    close(ev->notify_fd);
  cgroup_free(ev->cg);
  state_free(ev->st);
  free(ev->id);
  free(ev);
}

static void drain(int fd) {
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0)
    ;
}

int xrun_events_next(struct xrun_events *ev, json_t **event, struct xerr *err) {
  for (;;) {
    /* OOM kills first: the kill that ends a container is reported before
     * the end. */
    uint64_t kills = 0;
    if (cgroup_oom_kills(ev->cg, &kills, NULL) == 0 && kills > ev->oom_reported) {
      ev->oom_reported++;
      if ((*event = xrun_event_new("oom", ev->id, NULL)) == NULL)
        return xerr_make(err, ENOMEM, "events");
      return 1;
    }
    if (ev->exited)
      return 0;
    if (!state_process_alive(ev->st)) {
      ev->exited = true;
      continue; /* one more look at the counter */
    }
    uint64_t now = now_ms();
    if (now >= ev->next_tick_ms) {
      ev->next_tick_ms += ev->interval_ms;
      if (ev->next_tick_ms <= now) /* fell behind (stopped, suspended) */
        ev->next_tick_ms = now + ev->interval_ms;
      json_t *data = NULL;
      struct xerr serr = {0};
      if (cgroup_stats(ev->cg, &data, &serr) == 0) {
        if ((*event = xrun_event_new("stats", ev->id, data)) == NULL)
          return xerr_make(err, ENOMEM, "events");
        return 1;
      }
      /* As runc: a failed reading is reported and the stream goes on. */
      xlog_warn("stats of %s: %s", ev->id, serr.msg);
      continue;
    }
    uint64_t wait = ev->next_tick_ms - now;
    if (ev->notify_fd < 0 && wait > OOM_POLL_MS)
      wait = OOM_POLL_MS;
    if (now < ev->recheck_until_ms && wait > OOM_RECHECK_MS)
      wait = OOM_RECHECK_MS;
    struct pollfd p[2] = {{.fd = ev->pidfd, .events = POLLIN},
                          {.fd = ev->notify_fd, .events = POLLIN}};
    int r = poll(p, ev->notify_fd >= 0 ? 2 : 1, (int)wait);
    if (r < 0 && errno != EINTR)
      return xerr_make(err, errno, "events %s: poll", ev->id);
    if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
      ev->exited = true;
    if (r > 0 && ev->notify_fd >= 0 && (p[1].revents & POLLIN)) {
      drain(ev->notify_fd);
      ev->recheck_until_ms = now_ms() + OOM_RECHECK_WINDOW_MS;
    }
  }
}
