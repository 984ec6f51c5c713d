/* Push an image from the store to a registry: each blob (layers, then the
 * config) skipped when the repository has it, mounted from another
 * repository of the registry that the store knows has it, or uploaded;
 * then the manifest, exactly as stored, under the tag. */
#ifndef XOCKER_IMAGE_PUSH_H
#define XOCKER_IMAGE_PUSH_H

#include <stdint.h>

#include "image/digest.h"
#include "image/reference.h"

struct xstore;
struct xerr;

enum push_event {
  PUSH_PREPARING, /* Preparing */
  PUSH_PUSHING,   /* cur/total bytes */
  PUSH_PUSHED,    /* Pushed */
  PUSH_EXISTS,    /* Layer already exists */
  PUSH_MOUNTED,   /* Mounted from <from> */
};

/* Called for layers only (not the config); from is set for PUSH_MOUNTED. */
typedef void (*push_event_fn)(void *ctx, const char *digest, enum push_event ev, int64_t cur,
                              int64_t total, const char *from);

struct push_options {
  push_event_fn event; /* may be NULL */
  void *ctx;
};

struct push_result {
  char repository[REF_NAME_MAX * 2]; /* 127.0.0.1:5000/app */
  char tag[REF_TAG_MAX];
  char name[REF_NAME_MAX * 2 + REF_TAG_MAX]; /* normalised repo:tag */
  char digest[DIGEST_BUF_LEN];               /* of the manifest */
  int64_t size;                              /* of the manifest */
};

/* Resolve name ("127.0.0.1:5000/app[:tag]") before the push, so the CLI can
 * print the repository line first. */
int push_target(const char *name, struct push_result *res, struct xerr *err);
int image_push(struct xstore *s, const char *name, const struct push_options *o,
               struct push_result *res, struct xerr *err);

#endif
