/* xocker update [OPTIONS] CONTAINER...: Docker's resource flags change
 * each container's stored HostConfig and, when it runs, its live cgroup
 * (`xrun update -r -` with the new linux.resources). Prints the names as
 * given, as Docker does. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/hostconfig.h"
#include "image/store.h"
#include "storage/container.h"

extern char **environ;

#define OPT_BASE 256

/* The flags `docker update` takes, by their run names. */
static const char *const update_flags[] = {
    "memory",     "memory-swap",   "memory-reservation", "cpu-shares",  "cpus",
    "cpu-period", "cpu-quota",     "cpu-rt-period",      "cpu-rt-runtime", "cpuset-cpus",
    "cpuset-mems", "pids-limit",   "blkio-weight",       NULL,
};
#define N_FLAGS 13

struct given {
  const char *value[N_FLAGS];
  size_t count;
};

struct update_ctx {
  struct given *given;
};

/* ---- the live container and its bundle ---- */

/* Run xrun with input on its stdin; its output (stdout and stderr) in
 * *output. Returns its exit status, or -1 with err when it did not run. */
static int run_xrun(char *const argv[], const char *input, char **output, struct xerr *err) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return xerr_make(err, errno, "pipe");
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return xerr_make(err, errno, "pipe");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    return xerr_make(err, rc, "run %s", argv[0]);
  }
  /* The input is one small JSON document: it fits in the pipe. A short
   * write shows up as xrun's own JSON error. */
  if (input && write(in[1], input, strlen(input)) < 0)
    input = NULL;
  close(in[1]);
  FILE *f = fdopen(out[0], "r");
  char *text = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&text, &size);
  char buf[4096];
  size_t got;
  while (f && mem && (got = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, got, mem);
  if (mem)
    fclose(mem);
  if (f)
    fclose(f);
  else
    close(out[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `xrun update -r -` on a running container. */
static int apply_live(struct xstore *s, const char *id, json_t *resources, struct xerr *err) {
  struct cstate st;
  if (cstate_load(s, id, &st, err) < 0)
    return -1;
  if (!cstate_running(&st))
    return 0;
  char xrun[PATH_MAX], root[PATH_MAX];
  if (engine_bin_path("xrun", xrun, sizeof xrun, err) < 0)
    return -1;
  engine_xrun_root(s, root, sizeof root);
  cleanup_free char *input = json_dumps(resources, JSON_COMPACT);
  char *argv[] = {xrun, "--root", root, "update", "-r", "-", (char *)id, NULL};
  cleanup_free char *output = NULL;
  int status = run_xrun(argv, input, &output, err);
  if (status < 0)
    return -1;
  if (status != 0) {
    size_t n = output ? strlen(output) : 0;
    while (n && output[n - 1] == '\n')
      output[--n] = '\0';
    return xerr_set(err, EIO, "%s", n ? output : "xrun update failed");
  }
  return 0;
}

/* The bundle's config.json gets the new limits too, for the next start. */
static int update_bundle(struct xstore *s, const char *id, json_t *resources, struct xerr *err) {
  char dir[PATH_MAX], path[PATH_MAX + 16];
  engine_container_dir(s, id, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/config.json", dir);
  json_error_t jerr;
  json_t *spec = json_load_file(path, 0, &jerr);
  if (!spec)
    return access(path, F_OK) == 0 ? xerr_set(err, EINVAL, "%s: %s", path, jerr.text) : 0;
  json_t *linux_obj = json_object_get(spec, "linux");
  json_t *res = json_object_get(linux_obj, "resources");
  if (json_is_object(linux_obj) && !json_is_object(res)) {
    res = json_object();
    json_object_set_new(linux_obj, "resources", res);
  }
  const char *key;
  json_t *section;
  json_object_foreach(resources, key, section) {
    json_t *old = json_object_get(res, key);
    if (json_is_object(old))
      json_object_update(old, section);
    else
      json_object_set(res, key, section);
  }
  int ret = 0;
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.update", path);
  if (json_dump_file(spec, tmp, JSON_INDENT(2)) < 0 || rename(tmp, path) < 0)
    ret = xerr_make(err, errno, "write %s", path);
  json_decref(spec);
  return ret;
}

/* ---- the HostConfig ---- */

static bool positive(json_t *hc, const char *key) {
  return json_integer_value(json_object_get(hc, key)) > 0;
}

/* The checks Docker's daemon makes on an update, beyond a run's. */
static int check_update(json_t *old, const struct given *gv, struct xerr *err) {
  const char *mem = gv->value[0], *swap = gv->value[1], *cpus = gv->value[4], *quota = gv->value[6];
  json_t *old_swap = json_object_get(old, "MemorySwap");
  if (mem && !swap && json_integer_value(old_swap) > 0) {
    json_t *probe = hostconfig_new();
    struct xerr ignored = {0};
    if (hostconfig_set_flag(probe, "memory", mem, &ignored) == 0 &&
        json_integer_value(json_object_get(probe, "Memory")) > json_integer_value(old_swap)) {
      json_decref(probe);
      return xerr_set(err, EINVAL,
                      "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    }
    json_decref(probe);
  }
  if (quota && !cpus && positive(old, "NanoCpus"))
    return xerr_set(err, EINVAL, "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  if (cpus && !quota && positive(old, "CpuQuota"))
    return xerr_set(err, EINVAL, "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  return 0;
}

static int update_hostconfig(json_t *hc, const struct given *gv, const char *id, struct xerr *err) {
  if (check_update(hc, gv, err) < 0)
    return xerr_wrap(err, "Cannot update container %s", id);
  for (size_t i = 0; i < N_FLAGS; i++)
    if (gv->value[i] && hostconfig_set_flag(hc, update_flags[i], gv->value[i], err) < 0)
      return -1;
  /* Run's checks on a copy: an update does not derive defaults (no
   * doubled swap). */
  json_t *probe = json_deep_copy(hc);
  int ret = hostconfig_finish(probe, err);
  json_decref(probe);
  if (ret == 0 && json_integer_value(json_object_get(hc, "PidsLimit")) <= 0)
    json_object_set_new(hc, "PidsLimit", json_null());
  return ret;
}

static int update_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctxp,
                      struct xerr *err) {
  struct update_ctx *ctx = ctxp;
  json_error_t jerr;
  json_t *config = rec->config ? json_loads(rec->config, 0, &jerr) : json_object();
  if (!json_is_object(config)) {
    json_decref(config);
    return xerr_set(err, EINVAL, "Cannot update container %s: its stored config is not JSON", rec->id);
  }
  json_t *hc = json_object_get(config, "HostConfig");
  if (!json_is_object(hc)) {
    hc = hostconfig_new();
    json_object_set_new(config, "HostConfig", hc);
  }
  json_t *resources = NULL;
  cleanup_free char *text = NULL;
  int ret = update_hostconfig(hc, ctx->given, rec->id, err);
  if (ret == 0 && !(resources = hostconfig_resources(hc, err)))
    ret = -1;
  if (ret == 0 && ctx->given->value[11] && json_is_null(json_object_get(hc, "PidsLimit")))
    json_object_set_new(resources, "pids", json_pack("{si}", "limit", -1));
  if (ret == 0 && (apply_live(s, rec->id, resources, err) < 0 ||
                   update_bundle(s, rec->id, resources, err) < 0))
    ret = xerr_wrap(err, "Cannot update container %s", rec->id);
  if (ret == 0 && (text = json_dumps(config, JSON_COMPACT)) == NULL)
    ret = xerr_make(err, ENOMEM, "container %s", rec->id);
  if (ret == 0)
    ret = container_set_config(s, rec->id, text, err);
  json_decref(resources);
  json_decref(config);
  if (ret < 0)
    return -1;
  printf("%s\n", arg);
  return 0;
}

/* ---- the command ---- */

static void usage(void) {
  printf("\nUsage:  xocker update [OPTIONS] CONTAINER [CONTAINER...]\n\n"
         "Update configuration of one or more containers\n\nOptions:\n"
         "      --blkio-weight uint16        Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)\n"
         "      --cpu-period int             Limit CPU CFS (Completely Fair Scheduler) period\n"
         "      --cpu-quota int              Limit CPU CFS (Completely Fair Scheduler) quota\n"
         "      --cpu-rt-period int          Limit the CPU real-time period in microseconds\n"
         "      --cpu-rt-runtime int         Limit the CPU real-time runtime in microseconds\n"
         "  -c, --cpu-shares int             CPU shares (relative weight)\n"
         "      --cpus decimal               Number of CPUs\n"
         "      --cpuset-cpus string         CPUs in which to allow execution (0-3, 0,1)\n"
         "      --cpuset-mems string         MEMs in which to allow execution (0-3, 0,1)\n"
         "  -m, --memory bytes               Memory limit\n"
         "      --memory-reservation bytes   Memory soft limit\n"
         "      --memory-swap bytes          Swap limit equal to memory plus swap: -1 to enable unlimited swap\n"
         "      --pids-limit int             Tune container pids limit (set -1 for unlimited)\n");
}

/* Each value checked as the flag is parsed: a bad one is a usage error
 * before any container changes. */
static int check_value(size_t i, const char *value) {
  json_t *probe = hostconfig_new();
  struct xerr err = {0};
  int ret = hostconfig_set_flag(probe, update_flags[i], value, &err);
  json_decref(probe);
  return ret < 0 ? cli_usage("update", "%s", err.msg) : 0;
}

int cmd_update(const struct xocker_globals *g, int argc, char **argv) {
  struct option longopts[N_FLAGS + 2];
  for (size_t i = 0; i < N_FLAGS; i++)
    longopts[i] = (struct option){update_flags[i], required_argument, NULL, OPT_BASE + (int)i};
  longopts[N_FLAGS] = (struct option){"help", no_argument, NULL, 'h'};
  longopts[N_FLAGS + 1] = (struct option){NULL, 0, NULL, 0};
  struct given given = {{NULL}, 0};
  int c;
  while ((c = cli_getopt(argc, argv, "m:c:h", longopts)) != -1) {
    size_t i;
    if (c == 'h') {
      usage();
      return 0;
    } else if (c == 'm' || c == 'c') {
      i = c == 'm' ? 0 : 3;
    } else if (c >= OPT_BASE && c < OPT_BASE + N_FLAGS) {
      i = (size_t)(c - OPT_BASE);
    } else {
      return 125;
    }
    if (check_value(i, optarg) != 0)
      return 125;
    given.value[i] = optarg;
    given.count++;
  }
  if (argc - optind < 1)
    return cli_usage(argv[0], "\"%s\" requires at least 1 argument.", argv[0]);
  if (given.count == 0)
    return cli_errorf("you must provide one or more flags when using this command");
  struct update_ctx ctx = {&given};
  return cli_for_each_container(g, argc, argv, update_one, &ctx, false);
}
