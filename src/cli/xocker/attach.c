/* xocker attach: this terminal to a running container's stdio, through
 * its monitor (attach_client.c); exits with the container's exit code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach_client.h"
#include "cli.h"
#include "common/xerr.h"
#include "engine/container.h"
#include "engine/monitor_proto.h"
#include "image/store.h"
#include "storage/container.h"

struct attach_ctx {
  bool no_stdin, sig_proxy;
  const char *detach_keys;
  int exit_code;
};

static int attach_one(struct xstore *s, struct container_record *rec, const char *arg, void *ctx,
                      struct xerr *err) {
  (void)arg;
  struct attach_ctx *a = ctx;
  struct cstate st;
  if (cstate_load(s, rec->id, &st, err) < 0)
    return -1;
  if (!cstate_running(&st))
    return xerr_set(err, EINVAL, "You cannot attach to a stopped container, start it first");
  if (strcmp(st.status, "paused") == 0)
    return xerr_set(err, EINVAL, "You cannot attach to a paused container, unpause it first");
  json_t *doc = engine_record_config(rec);
  json_t *cfg = json_object_get(doc, "Config");
  bool tty = json_is_true(json_object_get(cfg, "Tty"));
  bool in = !a->no_stdin && json_is_true(json_object_get(cfg, "OpenStdin"));
  json_decref(doc);
  int fd = attach_connect(s, rec->id,
                          ATTACH_WANT_STDOUT | ATTACH_WANT_STDERR | (in ? ATTACH_WANT_STDIN : 0), err);
  if (fd < 0)
    return -1;
  struct attach_opts o = {.stdin = in, .tty = tty, .sig_proxy = a->sig_proxy,
                          .detach_keys = a->detach_keys};
  if (attach_session(s, rec->id, fd, &o, &a->exit_code) == 1)
    engine_wait(s, rec, &a->exit_code, err);
  return 0;
}

int cmd_attach(const struct xocker_globals *g, int argc, char **argv) {
  static const struct option longopts[] = {{"no-stdin", no_argument, NULL, 'n'},
                                           {"sig-proxy", optional_argument, NULL, 's'},
                                           {"detach-keys", required_argument, NULL, 'k'},
                                           {"help", no_argument, NULL, 'H'},
                                           {NULL, 0, NULL, 0}};
  struct attach_ctx a = {.sig_proxy = true};
  int c;
  while ((c = cli_getopt(argc, argv, "", longopts)) != -1) {
    if (c == 'n') a.no_stdin = true;
    else if (c == 's') a.sig_proxy = !optarg || strcmp(optarg, "false") != 0;
    else if (c == 'k') a.detach_keys = optarg;
    else if (c == 'H') {
      printf("\nUsage:  xocker attach [OPTIONS] CONTAINER\n\nAttach local standard input, output, "
             "and error streams to a running container\n\nOptions:\n"
             "      --detach-keys string   Override the key sequence for detaching a container\n"
             "      --no-stdin             Do not attach STDIN\n"
             "      --sig-proxy            Proxy all received signals to the process (default true)\n");
      return 0;
    } else return 125;
  }
  if (argc - optind != 1)
    return cli_usage(argv[0], "\"%s\" requires exactly 1 argument.", argv[0]);
  int ret = cli_for_each_container(g, argc, argv, attach_one, &a, false);
  return ret ? ret : a.exit_code;
}
