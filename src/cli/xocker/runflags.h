/* The flags of `run` and `create` (runflags.c). */
#ifndef XOCKER_CLI_XOCKER_RUNFLAGS_H
#define XOCKER_CLI_XOCKER_RUNFLAGS_H

#include <jansson.h>
#include <stdbool.h>

struct run_request {
  json_t *config, *host_config;  /* Docker's Config and HostConfig */
  const char *image, *name, *cidfile, *pull, *detach_keys;
  bool detach, sig_proxy, quiet;
  bool attach_given, attach_stdin, attach_stdout, attach_stderr;
  const char *ip, *pod;          /* --ip, --pod */
  json_t *aliases;               /* --network-alias, NULL when none */
  json_t *networking;            /* Docker's NetworkingConfig, made from --ip/--network-alias */
};

void run_request_init(struct run_request *r);
void run_request_clear(struct run_request *r);
/* -1 when the command should go on; otherwise the exit code (0 after
 * --help, 125 after a bad flag, already reported). */
int run_flags_parse(int argc, char **argv, struct run_request *r);

#endif
