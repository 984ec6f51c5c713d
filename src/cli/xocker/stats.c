/* xocker stats [-a] [--no-stream] [--no-trunc] [--format] [CONTAINER...]:
 * Docker's figures from each container's cgroup (the runtime's stats):
 * CPU % over two samples against the host's CPU time, memory without the
 * inactive page cache against the limit (the host's memory when there is
 * none), network bytes from the container's own network namespace, block
 * I/O from blkio and the pids count.  Live mode redraws every second. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "image/store.h"
#include "runtime/xrun.h"
#include "storage/container.h"
#include "template.h"

#define DEFAULT_FORMAT                                                                          \
  "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}" \
  "\t{{.PIDs}}"

struct stats_opts {
  bool all, no_stream, no_trunc;
  const char *format;
  char **names;  /* as given; NULL: every (running) container */
};

/* One container's sample. */
struct sample {
  char id[CONTAINER_ID_LEN + 1];
  char name[CONTAINER_NAME_MAX];
  char arg[CONTAINER_NAME_MAX];  /* as the user named it ({{.Container}}) */
  bool running, seen;
  uint64_t cpu_total, system_total;  /* ns */
  double cpu_percent;
  uint64_t mem_usage, mem_limit;
  uint64_t net_rx, net_tx, blk_read, blk_write, pids;
};

static uint64_t system_cpu_ns(void) {
  cleanup_file FILE *f = fopen("/proc/stat", "re");
  unsigned long long v[8] = {0};
  if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]) < 4)
    return 0;
  uint64_t ticks = 0;
  for (int i = 0; i < 8; i++)
    ticks += v[i];
  return ticks * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static uint64_t host_memory(void) {
  cleanup_file FILE *f = fopen("/proc/meminfo", "re");
  unsigned long long kb = 0;
  if (f && fscanf(f, "MemTotal: %llu kB", &kb) != 1)
    kb = 0;
  return kb * 1024;
}

static uint64_t u64_at(json_t *o, const char *a, const char *b, const char *c) {
  json_t *v = json_object_get(o, a);
  if (b)
    v = json_object_get(v, b);
  if (c)
    v = json_object_get(v, c);
  json_int_t n = json_integer_value(v);
  return n > 0 ? (uint64_t)n : 0;
}

/* Received and sent bytes of every interface but lo, read in the
 * container's network namespace; a container sharing ours counts none
 * (as Docker shows 0B for --network host). */
static void net_bytes(pid_t pid, uint64_t *rx, uint64_t *tx) {
  char path[64], ours[64] = "", theirs[64] = "";
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
  if (readlink(path, theirs, sizeof theirs - 1) < 0 ||
      readlink("/proc/self/ns/net", ours, sizeof ours - 1) < 0 || !strcmp(ours, theirs))
    return;
  snprintf(path, sizeof path, "/proc/%d/net/dev", (int)pid);
  cleanup_file FILE *f = fopen(path, "re");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    char ifname[64];
    unsigned long long r, t, skip;
    if (sscanf(line, " %63[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu", ifname, &r, &skip,
               &skip, &skip, &skip, &skip, &skip, &skip, &t) == 10 &&
        strcmp(ifname, "lo") != 0) {
      *rx += r;
      *tx += t;
    }
  }
}

static void blkio_bytes(json_t *data, uint64_t *rd, uint64_t *wr) {
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(json_object_get(data, "blkio"), "ioServiceBytesRecursive"),
                     i, e) {
    const char *op = json_string_value(json_object_get(e, "op"));
    uint64_t v = u64_at(e, "value", NULL, NULL);
    if (op && !strcasecmp(op, "read"))
      *rd += v;
    else if (op && !strcasecmp(op, "write"))
      *wr += v;
  }
}

/* Take a new sample of c; the previous one gives the CPU delta. */
static void take_sample(struct xstore *s, struct sample *c, uint64_t host_mem) {
  struct cstate st;
  struct xerr err = {0};
  uint64_t prev_cpu = c->cpu_total, prev_sys = c->system_total;
  bool had = c->seen && c->running;
  c->seen = true;
  c->running = cstate_load(s, c->id, &st, &err) == 0 && cstate_running(&st) &&
               strcmp(st.status, "restarting") != 0;
  json_t *data = NULL;
  char root[4096];
  engine_xrun_root(s, root, sizeof root);
  if (!c->running || xrun_stats(root, c->id, &data, &err) < 0) {
    struct sample zero = {0};
    memcpy(zero.id, c->id, sizeof zero.id);
    memcpy(zero.name, c->name, sizeof zero.name);
    memcpy(zero.arg, c->arg, sizeof zero.arg);
    zero.seen = true;
    *c = zero;
    return;
  }
  c->cpu_total = u64_at(data, "cpu", "usage", "total");
  c->system_total = system_cpu_ns();
  c->cpu_percent = 0;
  if (had && c->system_total > prev_sys && c->cpu_total >= prev_cpu) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    c->cpu_percent = (double)(c->cpu_total - prev_cpu) / (double)(c->system_total - prev_sys) *
                     (double)(ncpu > 0 ? ncpu : 1) * 100.0;
  }
  json_t *raw = json_object_get(json_object_get(data, "memory"), "raw");
  uint64_t usage = u64_at(data, "memory", "usage", "usage");
  /* Docker: v1 subtracts total_inactive_file, v2 inactive_file. */
  uint64_t inactive = json_object_get(raw, "total_inactive_file")
                          ? u64_at(raw, "total_inactive_file", NULL, NULL)
                          : u64_at(raw, "inactive_file", NULL, NULL);
  c->mem_usage = usage > inactive ? usage - inactive : usage;
  uint64_t limit = u64_at(data, "memory", "usage", "limit");
  c->mem_limit = limit == 0 || limit > host_mem ? host_mem : limit;
  c->pids = u64_at(data, "pids", "current", NULL);
  c->blk_read = c->blk_write = c->net_rx = c->net_tx = 0;
  blkio_bytes(data, &c->blk_read, &c->blk_write);
  if (st.pid > 0)
    net_bytes(st.pid, &c->net_rx, &c->net_tx);
  json_decref(data);
}

/* Docker's binary sizes (units.BytesSize): 4 significant digits, KiB... */
static void binary_size(uint64_t bytes, char *buf, size_t len) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = (double)bytes;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  snprintf(buf, len, "%.4g%s", v, units[u]);
}

static json_t *row_of(const struct sample *c, bool no_trunc) {
  char id[CONTAINER_ID_LEN + 1], cpu[32], mem[80], memp[32], net[80], blk[80], pids[32];
  char a[32], b[32];
  snprintf(id, sizeof id, "%.*s", no_trunc ? CONTAINER_ID_LEN : 12, c->id);
  snprintf(cpu, sizeof cpu, "%.2f%%", c->cpu_percent);
  binary_size(c->mem_usage, a, sizeof a);
  binary_size(c->mem_limit, b, sizeof b);
  snprintf(mem, sizeof mem, "%s / %s", a, b);
  snprintf(memp, sizeof memp, "%.2f%%",
           c->mem_limit ? (double)c->mem_usage / (double)c->mem_limit * 100.0 : 0.0);
  human_size((int64_t)c->net_rx, a, sizeof a);
  human_size((int64_t)c->net_tx, b, sizeof b);
  snprintf(net, sizeof net, "%s / %s", a, b);
  human_size((int64_t)c->blk_read, a, sizeof a);
  human_size((int64_t)c->blk_write, b, sizeof b);
  snprintf(blk, sizeof blk, "%s / %s", a, b);
  snprintf(pids, sizeof pids, "%llu", (unsigned long long)c->pids);
  /* A stopped container has no stats: Docker names it "--". */
  return json_pack("{ss ss ss ss ss ss ss ss ss}", "Container", c->arg[0] ? c->arg : id, "ID", id,
                   "Name", c->running ? c->name : "--", "CPUPerc", cpu, "MemUsage", mem,
                   "MemPerc", memp, "NetIO", net, "BlockIO", blk, "PIDs", pids);
}

/* Docker's header names of stats' fields. */
static const struct template_header STATS_HEADERS[] = {
    {"Container", "CONTAINER"}, {"ID", "CONTAINER ID"},   {"Name", "NAME"},
    {"CPUPerc", "CPU %"},       {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},       {"BlockIO", "BLOCK I/O"}, {"PIDs", "PIDS"},
    {NULL, NULL}};


/* The cells of a "table ..." format, split at tabs (real or "\t"). */
static char **table_cells(const char *format) {
  cleanup_free char *copy = strdup(format + 5);
  char **cells = NULL;
  char *text = copy;
  while (*text == ' ')
    text++;
  for (char *cell = text;;) {
    char *esc = strstr(cell, "\\t"), *tab = strchr(cell, '\t');
    char *cut = esc && (!tab || esc < tab) ? esc : tab;
    if (cut)
      *cut = '\0';
    strv_append(&cells, cell);
    if (!cut)
      break;
    cell = cut + (cut == esc ? 2 : 1);
  }
  return cells;
}

static int render(const char *format, json_t *rows) {
  struct xerr err = {0};
  size_t i;
  json_t *row;
  if (!template_is_table(format)) {
    json_array_foreach(rows, i, row) {
      char *line = NULL;
      if (template_render(format, row, &line, &err) < 0)
        return cli_error(&err);
      puts(line);
      free(line);
    }
    return 0;
  }
  cleanup_strv char **cells = table_cells(format);
  size_t ncols = strv_length(cells);
  struct table *t = table_new(ncols);
  char **line = calloc(ncols, sizeof *line);
  char hdr[256];
  for (size_t c = 0; c < ncols; c++) {
    template_table_header(cells[c], STATS_HEADERS, hdr, sizeof hdr);
    line[c] = strdup(hdr);
  }
  table_add(t, (const char *const *)line);
  int ret = 0;
  json_array_foreach(rows, i, row) {
    for (size_t c = 0; c < ncols; c++) {
      free(line[c]);
      line[c] = NULL;
      if (template_render(cells[c], row, &line[c], &err) < 0)
        ret = cli_error(&err);
      if (!line[c])
        line[c] = strdup("");
    }
    table_add(t, (const char *const *)line);
  }
  if (ret == 0)
    table_print(t);
  for (size_t c = 0; c < ncols; c++)
    free(line[c]);
  free(line);
  table_free(t);
  return ret;
}

/* The containers to show: the named ones, or every running one (-a: all),
 * keeping the samples of those already known. */
static int refresh_list(struct xstore *s, const struct stats_opts *o, struct sample **list,
                        size_t *n) {
  struct xerr err = {0};
  if (o->names) {
    if (*list)
      return 0;
    size_t count = strv_length(o->names);
    *list = calloc(count, sizeof **list);
    for (size_t i = 0; i < count; i++) {
      struct container_record rec;
      if (container_lookup(s, o->names[i], &rec, &err) < 0)
        return cli_daemon_error(&err);
      snprintf((*list)[i].id, sizeof (*list)[i].id, "%s", rec.id);
      snprintf((*list)[i].name, sizeof (*list)[i].name, "%s", rec.name);
      snprintf((*list)[i].arg, sizeof (*list)[i].arg, "%s", o->names[i]);
      container_record_clear(&rec);
      *n = i + 1;
    }
    return 0;
  }
  struct container_record *all = NULL;
  size_t count = 0;
  if (container_list(s, &all, &count, &err) < 0)
    return cli_error(&err);
  struct sample *fresh = calloc(count ? count : 1, sizeof *fresh);
  size_t m = 0;
  for (size_t i = 0; i < count; i++) {
    struct cstate st;
    if (!o->all && (cstate_load(s, all[i].id, &st, &err) < 0 || !cstate_running(&st)))
      continue;
    for (size_t j = 0; j < *n; j++)
      if (!strcmp((*list)[j].id, all[i].id))
        fresh[m] = (*list)[j];
    snprintf(fresh[m].id, sizeof fresh[m].id, "%s", all[i].id);
    snprintf(fresh[m].name, sizeof fresh[m].name, "%s", all[i].name);
    m++;
  }
  container_list_free(all, count);
  free(*list);
  *list = fresh;
  *n = m;
  return 0;
}

static void nap_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static int run_stats(struct xstore *s, const struct stats_opts *o) {
  struct sample *list = NULL;
  size_t n = 0;
  uint64_t host_mem = host_memory();
  int ret = refresh_list(s, o, &list, &n);
  for (size_t i = 0; ret == 0 && i < n; i++)
    take_sample(s, &list[i], host_mem);
  for (bool first = true; ret == 0; first = false) {
    nap_ms(o->no_stream ? 500 : first ? 200 : 1000);
    if (!first && (ret = refresh_list(s, o, &list, &n)) != 0)
      break;
    json_t *rows = json_array();
    bool any_running = false;
    for (size_t i = 0; i < n; i++) {
      take_sample(s, &list[i], host_mem);
      any_running = any_running || list[i].running;
      json_array_append_new(rows, row_of(&list[i], o->no_trunc));
    }
    if (!o->no_stream)
      fputs("\033[2J\033[H", stdout);  /* clear the screen, as Docker redraws */
    ret = render(o->format, rows);
    fflush(stdout);
    json_decref(rows);
    if (o->no_stream || (o->names && !any_running))
      break;
  }
  free(list);
  return ret;
}

int cmd_stats(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                           {"no-stream", no_argument, NULL, 'S'},
                                           {"no-trunc", no_argument, NULL, 'T'},
                                           {"format", required_argument, NULL, 'F'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct stats_opts o = {.format = DEFAULT_FORMAT};
  int c;
  while ((c = cli_getopt(argc, argv, "a", longopts)) != -1) {
    switch (c) {
    case 'a': o.all = true; break;
    case 'S': o.no_stream = true; break;
    case 'T': o.no_trunc = true; break;
    case 'F':
      o.format = !strcmp(optarg, "table") ? DEFAULT_FORMAT
                 : !strcmp(optarg, "json") ? "{{json .}}" : optarg;
      break;
    case 'h':
      printf("\nUsage:  xocker stats [OPTIONS] [CONTAINER...]\n\nDisplay a live stream of "
             "container(s) resource usage statistics\n\nOptions:\n"
             "  -a, --all             Show all containers (default shows just running)\n"
             "      --format string   Format output using a custom template\n"
             "      --no-stream       Disable streaming stats and only pull the first result\n"
             "      --no-trunc        Do not truncate output\n");
      return 0;
    default:
      return 125;
    }
  }
  cleanup_strv char **names = NULL;
  for (int i = optind; i < argc; i++)
    strv_append(&names, argv[i]);
  o.names = names;
  struct xstore *s = cli_open_store(g);
  if (!s)
    return 1;
  int ret = run_stats(s, &o);
  store_close(s);
  return ret;
}
