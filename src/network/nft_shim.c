#include "network/nft_shim.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "image/dynlib.h"

int xnft_open(const char *soname, struct xnft *api, struct xerr *err) {
  const struct dynlib_symbol symbols[] = {
      {"nft_ctx_new", &api->ctx_new},
      {"nft_ctx_free", &api->ctx_free},
      {"nft_ctx_output_set_flags", &api->ctx_output_set_flags},
      {"nft_ctx_buffer_output", &api->ctx_buffer_output},
      {"nft_ctx_get_output_buffer", &api->ctx_get_output_buffer},
      {"nft_ctx_buffer_error", &api->ctx_buffer_error},
      {"nft_ctx_get_error_buffer", &api->ctx_get_error_buffer},
      {"nft_run_cmd_from_buffer", &api->run_cmd_from_buffer},
  };
  return dynlib_open(soname, "libnftables, needed for the firewall", symbols,
                     sizeof symbols / sizeof symbols[0], err);
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct xnft loaded;
static struct xerr load_err;
static int load_ret = -1;

static void load(void) { load_ret = xnft_open(XNFT_SONAME, &loaded, &load_err); }

const struct xnft *xnft_get(struct xerr *err) {
  pthread_once(&load_once, load);
  if (load_ret < 0) {
    *err = load_err;
    return NULL;
  }
  return &loaded;
}

/* nft reports each error as "<where>: Error: <what>" followed by the
 * offending input line and a line of carets; only <what> helps a user who
 * never saw the generated commands.  The first error is the cause, the
 * others mostly its echo down the parser, so they are only counted. */
static void collect_errors(const char *text, struct xerr *err) {
  size_t n_errors = 0;
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    const char *what = memmem(line, len, "Error: ", 7);
    if (what && n_errors++ == 0) {
      what += 7;
      snprintf(err->msg, sizeof err->msg, "%.*s", (int)(line + len - what), what);
    }
    line = end ? end + 1 : NULL;
  }
  if (n_errors == 0)
    snprintf(err->msg, sizeof err->msg, "%s", "nft command failed without a message");
  else if (n_errors > 1) {
    size_t used = strlen(err->msg);
    snprintf(err->msg + used, sizeof err->msg - used, " (and %zu more errors)", n_errors - 1);
  }
}

int xnft_run(const char *commands, unsigned int output_flags, char **output, struct xerr *err) {
  const struct xnft *nft = xnft_get(err);
  if (!nft)
    return -1;
  struct nft_ctx *ctx = nft->ctx_new(NFT_CTX_DEFAULT);
  if (!ctx)
    return xerr_set(err, ENOMEM, "nft_ctx_new failed");
  nft->ctx_output_set_flags(ctx, output_flags);
  int ret = -1;
  if (nft->ctx_buffer_output(ctx) != 0 || nft->ctx_buffer_error(ctx) != 0) {
    xerr_set(err, ENOMEM, "nft: cannot buffer output");
  } else if (nft->run_cmd_from_buffer(ctx, commands) != 0) {
    collect_errors(nft->ctx_get_error_buffer(ctx), err);
    err->errnum = EIO;
  } else if (output && !(*output = strdup(nft->ctx_get_output_buffer(ctx)))) {
    xerr_set(err, ENOMEM, "nft: out of memory");
  } else {
    ret = 0;
  }
  nft->ctx_free(ctx);
  return ret;
}
