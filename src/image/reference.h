/* Image references, parsed and normalised as Docker does:
 *   busybox              -> docker.io/library/busybox:latest
 *   me/app:1             -> docker.io/me/app:1
 *   localhost:5000/a/b   -> localhost:5000/a/b:latest
 *   busybox@sha256:...   -> docker.io/library/busybox@sha256:...
 * The first path component is a registry domain when it contains '.' or
 * ':' or is "localhost". */
#ifndef XOCKER_IMAGE_REFERENCE_H
#define XOCKER_IMAGE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

struct xerr;

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_NAME_MAX 256
#define REF_TAG_MAX 129
#define REF_DIGEST_MAX 160

struct image_ref {
  char domain[REF_NAME_MAX]; /* "docker.io", "localhost:5000" */
  char path[REF_NAME_MAX];   /* "library/busybox" */
  char tag[REF_TAG_MAX];     /* "" when absent */
  char digest[REF_DIGEST_MAX]; /* "" when absent */
};

/* Parse s.  With add_latest, a reference with neither tag nor digest gets
 * the tag "latest".  Errors read like Docker's
 * ("invalid reference format: repository name must be lowercase"). */
int ref_parse(const char *s, bool add_latest, struct image_ref *r, struct xerr *err);

/* "docker.io/library/busybox" */
void ref_repository(const struct image_ref *r, char *buf, size_t len);
/* "docker.io/library/busybox:latest" (tag and/or "@digest" appended) */
void ref_string(const struct image_ref *r, char *buf, size_t len);
/* Docker's short form: "busybox:latest", "me/app:1", "localhost:5000/a:b". */
void ref_familiar(const struct image_ref *r, char *buf, size_t len);
/* The short form of a normalised repository or reference string. */
void ref_familiarize(const char *normalised, char *buf, size_t len);
/* The registry host to contact: "registry-1.docker.io" for docker.io. */
const char *ref_registry_host(const struct image_ref *r);

#endif
