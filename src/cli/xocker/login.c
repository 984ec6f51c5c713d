/* xocker login [-u USER] [-p PASS | --password-stdin] [SERVER]
 * xocker logout [SERVER]
 * Credentials are checked against the registry (GET /v2/, answering its
 * challenge) and kept in Docker's config.json (image/auth.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "common/cleanup.h"
#include "common/xerr.h"
#include "image/auth.h"
#include "image/registry.h"

/* The reference domain a server name stands for ("docker.io" for Hub). */
static void server_domain(const char *key, char *buf, size_t len) {
  if (strcmp(key, AUTH_DOCKER_HUB_KEY) == 0)
    snprintf(buf, len, "docker.io");
  else
    snprintf(buf, len, "%s", key);
}

/* A line from stdin (no trailing newline); echo off when hidden. */
static char *prompt_line(const char *prompt, bool hidden) {
  fputs(prompt, stdout);
  fflush(stdout);
  struct termios old, quiet;
  bool restore = hidden && tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fputc('\n', stdout);
  }
  if (n < 0) {
    free(line);
    return NULL;
  }
  line[strcspn(line, "\r\n")] = '\0';
  return line;
}

/* All of stdin, without the trailing newline (--password-stdin). */
static char *read_stdin_password(void) {
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&buf, &cap, '\0', stdin);
  if (n < 0) {
    free(buf);
    return strdup("");
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return buf;
}

static void login_usage(FILE *out) {
  fprintf(out, "\nUsage:  xocker login [OPTIONS] [SERVER]\n\n"
               "Log in to a registry.\n"
               "If no server is specified, the default is defined by the daemon.\n\n"
               "Options:\n"
               "  -p, --password string   Password\n"
               "      --password-stdin    Take the password from stdin\n"
               "  -u, --username string   Username\n");
}

int cmd_login(const struct xocker_globals *g, int argc, char **argv) {
  enum { OPT_STDIN = 256, OPT_HELP };
  static const struct option opts[] = {
      {"username", required_argument, NULL, 'u'},
      {"password", required_argument, NULL, 'p'},
      {"password-stdin", no_argument, NULL, OPT_STDIN},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0},
  };
  const char *user_arg = NULL, *pass_arg = NULL;
  bool pass_stdin = false;
  int c;
  while ((c = cli_getopt(argc, argv, "+u:p:", opts)) != -1) {
    switch (c) {
    case 'u': user_arg = optarg; break;
    case 'p': pass_arg = optarg; break;
    case OPT_STDIN: pass_stdin = true; break;
    case OPT_HELP: login_usage(stdout); return 0;
    default: return 125;
    }
  }
  if (argc - optind > 1)
    return cli_usage(argv[0], "\"xocker login\" requires at most 1 argument.");
  if (pass_arg && pass_stdin)
    return cli_errorf("--password and --password-stdin are mutually exclusive");
  if (pass_stdin && !user_arg)
    return cli_errorf("Must provide --username with --password-stdin");
  char key[512], domain[512];
  auth_server_key(argc > optind ? argv[optind] : NULL, key, sizeof key);
  server_domain(key, domain, sizeof domain);
  struct xerr err = {0};
  cleanup_free char *user = user_arg ? strdup(user_arg) : NULL;
  cleanup_free char *pass = NULL;
  if (pass_arg) {
    fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    pass = strdup(pass_arg);
  } else if (pass_stdin) {
    pass = read_stdin_password();
  }
  if (!user && !pass) { /* reuse what is stored, as Docker does */
    struct credentials stored;
    if (auth_lookup(domain, &stored, &err) < 0)
      return cli_error(&err);
    if (stored.user) {
      printf("Authenticating with existing credentials...\n");
      user = steal_pointer(&stored.user);
      pass = steal_pointer(&stored.pass);
    }
    credentials_clear(&stored);
  }
  if (!user || !pass) {
    if (!isatty(STDIN_FILENO))
      return cli_errorf("Cannot perform an interactive login from a non TTY device");
    if (!user && !(user = prompt_line("Username: ", false)))
      return cli_errorf("no username given");
    if (!pass && !(pass = prompt_line("Password: ", true)))
      return cli_errorf("no password given");
  }
  if (!*user)
    return cli_errorf("Username is required");
  struct registry *r = NULL;
  if (registry_open(domain, g->root, &r, &err) < 0 ||
      registry_set_credentials(r, user, pass, &err) < 0 || registry_ping(r, &err) < 0) {
    registry_close(r);
    explicit_bzero(pass, strlen(pass));
    fprintf(stderr, "Error response from daemon: %s\n", err.msg);
    return 1;
  }
  registry_close(r);
  int ret = auth_store(key, user, pass, &err);
  explicit_bzero(pass, strlen(pass));
  if (ret < 0)
    return cli_error(&err);
  char path[4096];
  auth_config_path(path, sizeof path);
  fprintf(stderr, "WARNING! Your password will be stored unencrypted in %s.\n", path);
  printf("Login Succeeded\n");
  return 0;
}

int cmd_logout(const struct xocker_globals *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = cli_getopt(argc, argv, "+", opts)) != -1) {
    if (c == 'h') {
      printf("\nUsage:  xocker logout [SERVER]\n\nLog out from a registry.\n");
      return 0;
    }
    return 125;
  }
  if (argc - optind > 1)
    return cli_usage(argv[0], "\"xocker logout\" requires at most 1 argument.");
  char key[512];
  auth_server_key(argc > optind ? argv[optind] : NULL, key, sizeof key);
  struct xerr err = {0};
  bool found = false;
  if (auth_remove(key, &found, &err) < 0)
    return cli_error(&err);
  if (!found)
    printf("Not logged in to %s\n", key);
  else
    printf("Removing login credentials for %s\n", key);
  return 0;
}
