/* exec: a process from --process FILE, or the container's own process
 * settings with the given args and overrides (runc's rules). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/xerr.h"

enum { OPT_CONSOLE = 256, OPT_CWD, OPT_PID_FILE, OPT_NNP, OPT_PRESERVE, OPT_LABEL, OPT_APPARMOR,
       OPT_IGNORE_PAUSED, OPT_CGROUP };

struct exec_flags {
  const char *process_file, *cwd, *user;
  bool tty, no_new_privs;
  json_t *env, *caps, *gids;
};

static int parse_user(json_t *proc, const char *spec) {
  char *end;
  json_t *user = json_object_get(proc, "user");
  if (!json_is_object(user)) {
    user = json_object();
    json_object_set_new(proc, "user", user);
  }
  unsigned long uid = strtoul(spec, &end, 10);
  if (end == spec || (*end && *end != ':'))
    return -1;
  json_object_set_new(user, "uid", json_integer((json_int_t)uid));
  if (*end == ':') {
    const char *g = end + 1;
    unsigned long gid = strtoul(g, &end, 10);
    if (end == g || *end)
      return -1;
    json_object_set_new(user, "gid", json_integer((json_int_t)gid));
  }
  return 0;
}

static void append_caps(json_t *proc, json_t *caps) {
  static const char *const sets[] = {"bounding", "effective", "permitted"};
  json_t *obj = json_object_get(proc, "capabilities");
  if (!json_is_object(obj)) {
    obj = json_object();
    json_object_set_new(proc, "capabilities", obj);
  }
  for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
    json_t *arr = json_object_get(obj, sets[s]);
    if (!json_is_array(arr)) {
      arr = json_array();
      json_object_set_new(obj, sets[s], arr);
    }
    json_array_extend(arr, caps);
  }
}

/* Base process + command-line overrides, as JSON, then parsed like any
 * config process so every check and error is the same. */
static int build_process(const struct xrun_globals *g, const char *id, struct exec_flags *f,
                         int argc, char **argv, struct oci_process **out, struct xerr *err) {
  json_t *proc = NULL;
  if (f->process_file) {
    cleanup_free char *text = NULL;
    json_error_t jerr;
    if (read_file_at(AT_FDCWD, f->process_file, &text, NULL, err) < 0)
      return -1;
    proc = json_loads(text, 0, &jerr);
    if (proc == NULL)
      return xerr_make(err, EINVAL, "%s: invalid JSON at line %d: %s", f->process_file,
                       jerr.line, jerr.text);
  } else {
    if (argc <= 0) {
      return xerr_make(err, EINVAL, "exec: requires the command to run after the container id");
    }
    if (xrun_exec_default_process(g->root, id, &proc, err) < 0)
      return -1;
    json_t *args = json_array();
    for (int i = 0; i < argc; i++)
      json_array_append_new(args, json_string(argv[i]));
    json_object_set_new(proc, "args", args);
    json_object_set_new(proc, "terminal", json_boolean(f->tty));
    json_object_del(proc, "consoleSize");
    if (f->cwd)
      json_object_set_new(proc, "cwd", json_string(f->cwd));
    json_t *env = json_object_get(proc, "env");
    if (!json_is_array(env)) {
      env = json_array();
      json_object_set_new(proc, "env", env);
    }
    json_array_extend(env, f->env);
    if (f->user && parse_user(proc, f->user) < 0) {
      json_decref(proc);
      return xerr_make(err, EINVAL, "exec: invalid --user \"%s\": use UID[:GID]", f->user);
    }
    if (json_array_size(f->gids)) {
      json_t *user = json_object_get(proc, "user");
      if (!json_is_object(user)) {
        user = json_object();
        json_object_set_new(proc, "user", user);
      }
      json_object_set(user, "additionalGids", f->gids);
    }
    if (json_array_size(f->caps))
      append_caps(proc, f->caps);
    if (f->no_new_privs)
      json_object_set_new(proc, "noNewPrivileges", json_true());
  }
  int ret = oci_process_parse(proc, f->process_file ? "process" : "process", out, err);
  json_decref(proc);
  return ret;
}

int cmd_exec(const struct xrun_globals *g, int argc, char **argv) {
  static const struct option opts[] = {
      {"process", required_argument, NULL, 'p'},   {"tty", no_argument, NULL, 't'},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"cwd", required_argument, NULL, OPT_CWD},   {"env", required_argument, NULL, 'e'},
      {"user", required_argument, NULL, 'u'},      {"additional-gids", required_argument, NULL, 'g'},
      {"cap", required_argument, NULL, 'c'},       {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"no-new-privs", no_argument, NULL, OPT_NNP},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"process-label", required_argument, NULL, OPT_LABEL},
      {"apparmor", required_argument, NULL, OPT_APPARMOR},
      {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
      {"cgroup", required_argument, NULL, OPT_CGROUP},
      {NULL, 0, NULL, 0},
  };
  struct exec_flags f = {.env = json_array(), .caps = json_array(), .gids = json_array()};
  struct xrun_exec_opts o = {.root = g->root};
  int c, ret = 1;
  while ((c = cli_getopt(argc, argv, "+p:te:u:g:c:d", opts)) != -1) {
    switch (c) {
    case 'p': f.process_file = optarg; break;
    case 't': f.tty = true; break;
    case OPT_CONSOLE: o.console_socket = optarg; break;
    case OPT_CWD: f.cwd = optarg; break;
    case 'e': json_array_append_new(f.env, json_string(optarg)); break;
    case 'u': f.user = optarg; break;
    case 'g': json_array_append_new(f.gids, json_integer(strtol(optarg, NULL, 10))); break;
    case 'c': json_array_append_new(f.caps, json_string(optarg)); break;
    case 'd': o.detach = true; break;
    case OPT_PID_FILE: o.pid_file = optarg; break;
    case OPT_NNP: f.no_new_privs = true; break;
    case OPT_PRESERVE: o.preserve_fds = atoi(optarg); break;
    case OPT_LABEL: case OPT_APPARMOR: case OPT_IGNORE_PAUSED: case OPT_CGROUP: break;
    default: goto out;
    }
  }
  const char *id;
  if (cli_require_id(argv[0], argc, argv, &id) != 0)
    goto out;
  o.id = id;
  struct xerr err = {0};
  struct oci_process *proc = NULL;
  if (build_process(g, id, &f, argc - optind, argv + optind, &proc, &err) < 0) {
    ret = cli_fail(&err);
    goto out;
  }
  o.process = proc;
  int code = 0;
  if (xrun_exec(&o, &code, &err) < 0)
    ret = cli_fail(&err);
  else
    ret = code;
  oci_process_free(proc);
out:
  json_decref(f.env);
  json_decref(f.caps);
  json_decref(f.gids);
  return ret;
}
