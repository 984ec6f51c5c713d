/* update: runc's flags (or -r FILE, a linux.resources object) turned into
 * the linux.resources object xrun_update applies.  Every value is checked
 * here first, so a bad one fails before anything changes and the error
 * names its flag. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/log.h"
#include "common/xerr.h"

enum kind {
  K_MEMORY,  /* a size: 512m, 1g, -1 */
  K_UINT,    /* unsigned integer */
  K_INT,     /* signed integer */
  K_STRING,  /* as is; "" = unset */
  K_PIDS,    /* integer >= -1 */
  K_IGNORED, /* accepted, warned about */
  K_RDT,     /* Intel RDT: not supported */
};

static const struct flag {
  const char *name;
  enum kind kind;
  const char *path; /* in linux.resources */
} flags[] = {
    {"memory", K_MEMORY, "memory.limit"},
    {"memory-reservation", K_MEMORY, "memory.reservation"},
    {"memory-swap", K_MEMORY, "memory.swap"},
    {"kernel-memory", K_IGNORED, NULL},
    {"kernel-memory-tcp", K_IGNORED, NULL},
    {"cpu-share", K_UINT, "cpu.shares"},
    {"cpu-shares", K_UINT, "cpu.shares"},
    {"cpu-quota", K_INT, "cpu.quota"},
    {"cpu-period", K_UINT, "cpu.period"},
    {"cpu-burst", K_UINT, "cpu.burst"},
    {"cpu-rt-runtime", K_INT, "cpu.realtimeRuntime"},
    {"cpu-rt-period", K_UINT, "cpu.realtimePeriod"},
    {"cpu-idle", K_INT, "cpu.idle"},
    {"cpuset-cpus", K_STRING, "cpu.cpus"},
    {"cpuset-mems", K_STRING, "cpu.mems"},
    {"pids-limit", K_PIDS, "pids.limit"},
    {"blkio-weight", K_UINT, "blockIO.weight"},
    {"l3-cache-schema", K_RDT, NULL},
    {"mem-bw-schema", K_RDT, NULL},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])
#define OPT_BASE 256

static int set_path(json_t *res, const char *path, json_t *value) {
  char section[32];
  const char *dot = strchr(path, '.');
  snprintf(section, sizeof section, "%.*s", (int)(dot - path), path);
  json_t *obj = json_object_get(res, section);
  if (obj == NULL) {
    obj = json_object();
    json_object_set_new(res, section, obj);
  }
  return json_object_set_new(obj, dot + 1, value);
}

static int bad_value(const char *flag, const char *value, const char *what) {
  return cli_usage_error("update", "invalid value for --%s: \"%s\" %s", flag, value, what);
}

static bool parse_int(const char *s, bool allow_negative, long long *out) {
  if (*s == '\0' || (!allow_negative && *s == '-'))
    return false;
  char *end;
  errno = 0;
  *out = strtoll(s, &end, 10);
  return errno == 0 && *end == '\0';
}

/* One flag's value into res; 0, or 1 after reporting a bad value. */
static int add_flag(json_t *res, const struct flag *f, const char *v) {
  long long n;
  int64_t bytes;
  switch (f->kind) {
  case K_MEMORY:
    if (xrun_parse_memory_size(v, &bytes) < 0)
      return bad_value(f->name, v,
                       "is not a size: bytes, or a number with a unit k, m, g, t or p "
                       "(512m, 1g), or -1 for unlimited");
    set_path(res, f->path, json_integer(bytes));
    return 0;
  case K_UINT:
    if (!parse_int(v, false, &n))
      return bad_value(f->name, v, "is not a non-negative integer");
    set_path(res, f->path, json_integer(n));
    return 0;
  case K_INT:
    if (!parse_int(v, true, &n))
      return bad_value(f->name, v, "is not an integer");
    set_path(res, f->path, json_integer(n));
    return 0;
  case K_PIDS:
    if (!parse_int(v, true, &n) || n < -1)
      return bad_value(f->name, v, "is not a number of processes (-1 for unlimited)");
    set_path(res, f->path, json_integer(n));
    return 0;
  case K_STRING:
    if (*v != '\0')
      set_path(res, f->path, json_string(v));
    return 0;
  case K_IGNORED:
    if (*v != '\0')
      xlog_warn("--%s is ignored: kernel memory limits are obsolete", f->name);
    return 0;
  case K_RDT:
    if (*v != '\0')
      return cli_usage_error("update", "--%s: Intel RDT is not supported by xrun", f->name);
    return 0;
  default:
    return 1;
  }
}

static json_t *load_resources(const char *file) {
  json_error_t jerr;
  json_t *res;
  if (strcmp(file, "-") == 0) {
    res = json_loadf(stdin, 0, &jerr);
  } else {
    FILE *f = fopen(file, "re");
    if (f == NULL) {
      cli_usage_error("update", "--resources: open %s: %s", file, strerror(errno));
      return NULL;
    }
    res = json_loadf(f, 0, &jerr);
    fclose(f);
  }
  const char *name = strcmp(file, "-") == 0 ? "standard input" : file;
  if (res == NULL) {
    cli_usage_error("update", "--resources: %s: invalid JSON at line %d: %s", name, jerr.line,
                    jerr.text);
    return NULL;
  }
  if (!json_is_object(res)) {
    cli_usage_error("update", "--resources: %s: expected a linux.resources JSON object", name);
    json_decref(res);
    return NULL;
  }
  return res;
}

/* The library names the JSON path ("linux.resources.memory.limit: ...");
 * with flags, say which flag that was. */
static int fail_naming_flag(const struct xerr *err, const bool *given) {
  const char *at = strstr(err->msg, "linux.resources.");
  if (at != NULL) {
    at += strlen("linux.resources.");
    for (size_t i = 0; i < N_FLAGS; i++) {
      size_t n = flags[i].path ? strlen(flags[i].path) : 0;
      if (given[i] && n && strncmp(at, flags[i].path, n) == 0 &&
          strchr(":. ", at[n] ? at[n] : ' ') != NULL) {
        xlog_error("--%s: %s", flags[i].name, err->msg);
        return 1;
      }
    }
  }
  return cli_fail(err);
}

int cmd_update(const struct xrun_globals *g, int argc, char **argv) {
  struct option opts[N_FLAGS + 2];
  for (size_t i = 0; i < N_FLAGS; i++)
    opts[i] = (struct option){flags[i].name, required_argument, NULL, OPT_BASE + (int)i};
  opts[N_FLAGS] = (struct option){"resources", required_argument, NULL, 'r'};
  opts[N_FLAGS + 1] = (struct option){NULL, 0, NULL, 0};
  const char *value[N_FLAGS] = {0};
  bool given[N_FLAGS] = {0};
  const char *resources_file = NULL;
  bool any_flag = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+r:", opts)) != -1) {
    if (c == 'r') {
      resources_file = optarg;
    } else if (c >= OPT_BASE && c < OPT_BASE + (int)N_FLAGS) {
      value[c - OPT_BASE] = optarg;
      given[c - OPT_BASE] = true;
      any_flag = true;
    } else {
      return 1;
    }
  }
  const char *id;
  if (cli_require_id(argv[0], argc, argv, &id) != 0)
    return 1;
  if (optind < argc)
    return cli_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);

  /* Intel RDT is refused whatever else is given, as runc does. */
  for (size_t i = 0; i < N_FLAGS; i++)
    if (given[i] && flags[i].kind == K_RDT && add_flag(NULL, &flags[i], value[i]) != 0)
      return 1;
  json_auto_t *res = NULL;
  if (resources_file != NULL) {
    if (any_flag)
      xlog_warn("update: --resources given: the other resource flags are ignored");
    if ((res = load_resources(resources_file)) == NULL)
      return 1;
  } else {
    res = json_object();
    for (size_t i = 0; i < N_FLAGS; i++)
      if (given[i] && add_flag(res, &flags[i], value[i]) != 0)
        return 1;
  }
  struct xerr err = {0};
  if (xrun_update(g->root, id, res, &err) < 0)
    return resources_file ? cli_fail(&err) : fail_naming_flag(&err, given);
  return 0;
}
