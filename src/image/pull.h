/* Pull an image from a registry into the store: manifest (and index),
 * config and layers fetched in parallel into verified blobs, layers
 * unpacked in order as soon as they and the ones below them are present,
 * then the image registered under its tag and repo digest. */
#ifndef XOCKER_IMAGE_PULL_H
#define XOCKER_IMAGE_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/reference.h"

struct xstore;
struct xerr;

/* What happens to one layer, in order (Docker's pull words in the CLI). */
enum pull_event {
  PULL_WAITING,     /* Pulling fs layer */
  PULL_EXISTS,      /* Already exists */
  PULL_DOWNLOADING, /* cur/total bytes */
  PULL_VERIFYING,   /* Verifying Checksum */
  PULL_DOWNLOADED,  /* Download complete */
  PULL_EXTRACTING,  /* Extracting */
  PULL_COMPLETE,    /* Pull complete */
};

/* Called with the layer's blob digest; never from two threads at once. */
typedef void (*pull_event_fn)(void *ctx, const char *digest, enum pull_event ev, int64_t cur,
                              int64_t total);

struct pull_options {
  const char *platform; /* normalised "os/arch[/variant]"; NULL = this machine's */
  pull_event_fn event;  /* may be NULL */
  void *ctx;
};

struct pull_result {
  char digest[DIGEST_BUF_LEN];            /* what the reference resolved to (index or manifest) */
  char id[DIGEST_BUF_LEN];                /* image id */
  char name[REF_NAME_MAX + REF_TAG_MAX + REF_DIGEST_MAX]; /* docker.io/library/busybox:latest */
  bool up_to_date;                        /* nothing new was fetched or tagged */
  double unpack_seconds;                  /* time spent unpacking layers */
  int64_t unpack_bytes;                   /* compressed bytes of the layers unpacked */
};

/* Remove blobs/tmp files that no live writer holds (a pull killed midway
 * leaves them). */
void pull_clean_stale(struct xstore *s);

int image_pull(struct xstore *s, const char *name, const struct pull_options *o,
               struct pull_result *res, struct xerr *err);

/* Record that digest is in repository repo ("path", no domain) of registry
 * domain, so push can mount it from there. */
int blob_source_add(struct xstore *s, const char *digest, const char *domain, const char *repo,
                    struct xerr *err);
/* A repository of domain other than `except` known to have digest; 0 with
 * repo[0] == '\0' when none. */
int blob_source_find(struct xstore *s, const char *digest, const char *domain,
                     const char *except, char *repo, size_t len, struct xerr *err);

#endif
