/* xocker create and xocker run: flags (runflags.c) -> a container
 * (engine_create); run then starts it through its monitor and, unless -d,
 * attaches to it and exits with its exit code, as `docker run` does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach_client.h"
#include "cli.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/pod.h"
#include "engine/monitor_proto.h"
#include "image/image.h"
#include "image/store.h"
#include "runflags.h"
#include "storage/container.h"

/* `xocker pull IMAGE` as a child, its progress on our stderr as Docker's
 * run shows it. */
static int pull_image(const char *image, struct xerr *err) {
  char self[4096];
  if (engine_bin_path("xocker", self, sizeof self, err) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return xerr_make(err, errno, "fork");
  if (pid == 0) {
    dup2(2, 1);
    execl(self, self, "pull", image, (char *)NULL);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return xerr_set(err, ENOENT, "pull of %s failed", image);
  return 0;
}

/* --pull: missing (pull when not here), always, never. */
/* --pod NAME: join the pod's namespaces (its infra starts if needed). */
static int join_pod(struct xstore *s, struct run_request *r, struct xerr *err) {
  struct pod p = {0};
  if (pod_lookup(s, r->pod, &p, err) < 0)
    return -1;
  int ret = pod_join(s, &p, r->config, r->host_config, err);
  pod_clear(&p);
  return ret;
}

static int ensure_image(struct xstore *s, const struct run_request *r, struct xerr *err) {
  struct image_record img;
  bool have = image_lookup(s, r->image, &img, err) == 0;
  if (have)
    image_record_clear(&img);
  else if (err->errnum != ENOENT)
    return -1;
  if (have && strcmp(r->pull, "always") != 0)
    return 0;
  if (!have && strcmp(r->pull, "never") == 0)
    return -1;
  if (!have)
    fprintf(stderr, "Unable to find image '%s' locally\n", r->image);
  xerr_clear(err);
  if (pull_image(r->image, err) < 0)
    return have ? -1 : xerr_set(err, ENOENT, "No such image: %s", r->image);
  return 0;
}

static int write_cidfile(const char *path, const char *id, struct xerr *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return xerr_set(err, EEXIST,
                      "Container ID file found, make sure the other container isn't running or "
                      "delete %s", path);
    return xerr_make(err, errno, "Failed to create the container ID file");
  }
  dprintf(fd, "%s", id);
  close(fd);
  return 0;
}

/* Docker's codes for a container that could not start: 127 when the
 * command is not there, 126 when it cannot be run, 125 otherwise. */
static int start_failure_code(const struct xerr *err) {
  if (strstr(err->msg, "not found") || strstr(err->msg, "No such file"))
    return 127;
  if (strstr(err->msg, "ermission denied") || strstr(err->msg, "s a directory"))
    return 126;
  return 125;
}

/* fail is the exit code of a refused create: Docker's run says 125, its
 * create 1. */
static int create_container(struct xstore *s, struct run_request *r,
                            struct container_record *rec, int fail) {
  struct xerr err = {0};
  if (r->cidfile && access(r->cidfile, F_OK) == 0) {
    write_cidfile(r->cidfile, "", &err);
    cli_error(&err);
    return fail;
  }
  if (ensure_image(s, r, &err) < 0) {
    cli_error(&err);
    return fail;
  }
  json_t *rp = json_object_get(r->host_config, "RestartPolicy");
  const char *policy = json_string_value(json_object_get(rp, "Name"));
  if (json_is_true(json_object_get(r->host_config, "AutoRemove")) && policy &&
      strcmp(policy, "no") != 0) {
    fprintf(stderr, "Conflicting options: --restart and --rm\nSee 'xocker run --help'.\n");
    return 125;
  }
  if (r->pod && join_pod(s, r, &err) < 0) {
    cli_error(&err);
    return fail;
  }
  struct create_request req = {.image = r->image, .name = r->name, .config = r->config,
                               .host_config = r->host_config,
                               .networking = r->networking, .keep_mounted = fail == 125};
  if (engine_create(s, &req, rec, &err) < 0) {
    cli_error(&err);
    return fail;
  }
  if (r->cidfile && write_cidfile(r->cidfile, rec->id, &err) < 0) {
    struct xerr ignored = {0};
    engine_remove(s, rec, true, true, &ignored);
    container_record_clear(rec);
    cli_error(&err);
    return fail;
  }
  return 0;
}

int cmd_create(const struct xocker_globals *g, int argc, char **argv) {
  struct run_request r;
  run_request_init(&r);
  int code = run_flags_parse(argc, argv, &r);
  if (code >= 0) {
    run_request_clear(&r);
    return code;
  }
  struct xstore *s = cli_open_store(g);
  if (!s) {
    run_request_clear(&r);
    return 125;
  }
  struct container_record rec;
  code = create_container(s, &r, &rec, 1);
  if (code == 0) {
    printf("%s\n", rec.id);
    container_record_clear(&rec);
  }
  store_close(s);
  run_request_clear(&r);
  return code;
}

/* The start failed: Docker keeps the container (Created, with the error),
 * unless --rm. */
static int start_failed(struct xstore *s, struct container_record *rec, struct xerr *err) {
  struct xerr ignored = {0};
  json_t *recjson = engine_record_config(rec);
  bool auto_remove = json_is_true(json_object_get(json_object_get(recjson, "HostConfig"), "AutoRemove"));
  json_decref(recjson);
  int code = start_failure_code(err);
  if (auto_remove) {
    engine_remove(s, rec, true, true, &ignored);
  } else {
    struct cstate st;
    if (cstate_load(s, rec->id, &st, &ignored) == 0) {
      snprintf(st.error, sizeof st.error, "%.500s", err->msg);
      st.exit_code = code;
      cstate_save(s, rec->id, &st, &ignored);
    }
    container_unmount(s, rec, &ignored);
  }
  cli_error(err);
  return code;
}

/* --rm in the foreground: Docker's CLI returns once the container is gone. */
static void wait_removed(struct xstore *s, const char *id) {
  for (int i = 0; i < 3000; i++) {
    struct container_record rec;
    struct xerr err = {0};
    if (container_lookup(s, id, &rec, &err) < 0)
      return;
    container_record_clear(&rec);
    struct timespec nap = {0, 5 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
}

static int run_attached(struct xstore *s, struct run_request *r, struct container_record *rec) {
  bool tty = json_is_true(json_object_get(r->config, "Tty"));
  bool in = json_is_true(json_object_get(r->config, "OpenStdin"));
  int want = ATTACH_WANT_STDOUT | ATTACH_WANT_STDERR | (in ? ATTACH_WANT_STDIN : 0);
  if (r->attach_given)
    want = (r->attach_stdin ? ATTACH_WANT_STDIN : 0) | (r->attach_stdout ? ATTACH_WANT_STDOUT : 0) |
           (r->attach_stderr ? ATTACH_WANT_STDERR : 0);
  struct xerr err = {0};
  struct start_handle h;
  if (engine_start_begin(s, rec, &h, &err) < 0)
    return start_failed(s, rec, &err);
  int fd = attach_connect(s, rec->id, want, &err);
  bool auto_remove = json_is_true(json_object_get(r->host_config, "AutoRemove"));
  h.engine_cleans = auto_remove;
  if (fd < 0 || engine_start_finish(&h, &err) < 0) {
    if (fd >= 0)
      close(fd);
    return start_failed(s, rec, &err);
  }
  struct attach_opts o = {.stdin = (want & ATTACH_WANT_STDIN) != 0, .tty = tty,
                          .sig_proxy = r->sig_proxy, .detach_keys = r->detach_keys};
  int exit_code = 0;
  int how = attach_session(s, rec->id, fd, &o, &exit_code);
  if (how == 2)
    return 0;
  if (how == 1) {
    /* The monitor hung up without an exit frame: ask the state; it cleans up. */
    engine_wait(s, rec, &exit_code, &err);
    if (auto_remove)
      wait_removed(s, rec->id);
  } else if (auto_remove && engine_cleanup(s, rec, &err) < 0) {
    cli_error(&err);
  }
  return exit_code;
}

int cmd_run(const struct xocker_globals *g, int argc, char **argv) {
  struct run_request r;
  run_request_init(&r);
  int code = run_flags_parse(argc, argv, &r);
  if (code >= 0) {
    run_request_clear(&r);
    return code;
  }
  bool in = json_is_true(json_object_get(r.config, "OpenStdin"));
  if (!r.detach && in)
    json_object_set_new(r.config, "StdinOnce", json_true());
  json_object_set_new(r.config, "AttachStdin", json_boolean(!r.detach && in));
  json_object_set_new(r.config, "AttachStdout", json_boolean(!r.detach));
  json_object_set_new(r.config, "AttachStderr", json_boolean(!r.detach));
  if (json_is_true(json_object_get(r.config, "Tty")) && in && !r.detach && !isatty(0)) {
    fprintf(stderr, "the input device is not a TTY\n");
    run_request_clear(&r);
    return 1;
  }
  struct xstore *s = cli_open_store(g);
  if (!s) {
    run_request_clear(&r);
    return 125;
  }
  struct container_record rec;
  code = create_container(s, &r, &rec, 125);
  if (code == 0) {
    if (r.detach) {
      struct xerr err = {0};
      if (engine_start(s, &rec, &err) < 0)
        code = start_failed(s, &rec, &err);
      else
        printf("%s\n", rec.id);
    } else {
      code = run_attached(s, &r, &rec);
    }
    container_record_clear(&rec);
  }
  store_close(s);
  run_request_clear(&r);
  return code;
}
