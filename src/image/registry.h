/* A client for one registry (Distribution API v2) over libcurl.
 *
 * Transport: HTTPS, verified against the system CAs plus a CA file for the
 * registry when one is given: $XOCKER_REGISTRY_CA, else
 * <store root>/certs.d/<host:port>/ca.crt, else /etc/docker/certs.d/<host:port>/ca.crt.
 * Insecure registries (localhost, 127.0.0.0/8, ::1, and every host:port in
 * $XOCKER_INSECURE_REGISTRIES) may also be reached over plain HTTP: HTTPS is
 * tried first and, when the server does not speak TLS, the client falls back
 * to HTTP, as Docker does.  A host listed in $XOCKER_INSECURE_REGISTRIES is
 * not certificate-checked; a loopback registry that speaks TLS is.
 *
 * Authentication: on a 401 the WWW-Authenticate challenge is answered: Basic
 * with the stored credentials (auth.h), Bearer by fetching a token from the
 * realm for the request's scope (with the credentials, when there are any);
 * tokens are cached per scope for the life of the client.
 *
 * Failures of the transport (connection refused, reset, a stall: no byte for
 * $XOCKER_REGISTRY_STALL_TIMEOUT seconds, default 30) and 5xx answers are
 * retried: 3 tries, waiting $XOCKER_REGISTRY_RETRY_DELAY_MS (default 1000),
 * then twice that.  All functions may be called from several threads at once
 * on one client. */
#ifndef XOCKER_IMAGE_REGISTRY_H
#define XOCKER_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/manifest.h"

struct xerr;
struct xstore;
struct registry;

/* The accepted manifest types, for the Accept header. */
#define REGISTRY_MANIFEST_ACCEPT                                                            \
  MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

/* domain is a reference's domain ("docker.io", "127.0.0.1:5000");
 * store_root (may be NULL) is where certs.d/ is looked for.  Stored
 * credentials for the domain are loaded. */
int registry_open(const char *domain, const char *store_root, struct registry **out,
                  struct xerr *err);
void registry_close(struct registry *r);
/* Use these credentials instead of the stored ones (login). */
int registry_set_credentials(struct registry *r, const char *user, const char *pass,
                             struct xerr *err);
/* "http://127.0.0.1:5000" once a request reached the registry. */
const char *registry_base_url(const struct registry *r);

/* GET /v2/, answering any challenge (login checks credentials with it). */
int registry_ping(struct registry *r, struct xerr *err);

/* GET a manifest or index by tag or digest.  *mt is its media type (the
 * document's own, else the Content-Type); *digest its sha256, checked
 * against the reference when it is a digest and against the registry's
 * Docker-Content-Digest when it sends one.  Not found is ENOENT. */
int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
                          char **data, size_t *len, char mt[MT_MAX],
                          char digest[DIGEST_BUF_LEN], struct xerr *err);
/* PUT a manifest under tag (or digest) with its media type. */
int registry_put_manifest(struct registry *r, const char *repo, const char *reference,
                          const char *data, size_t len, const char *media_type,
                          struct xerr *err);

typedef void (*registry_progress_fn)(void *ctx, int64_t done, int64_t total);

/* Stream the blob into the store (blobs/tmp, then renamed into place only
 * when it hashes to digest).  size may be -1 when unknown. */
int registry_fetch_blob(struct registry *r, struct xstore *s, const char *repo,
                        const char *digest, int64_t size, registry_progress_fn progress,
                        void *ctx, struct xerr *err);

/* HEAD /v2/<repo>/blobs/<digest>. */
int registry_blob_exists(struct registry *r, const char *repo, const char *digest, bool *exists,
                         struct xerr *err);
/* Try a cross-repository mount of digest from repository `from` of the
 * same registry; *mounted false when the registry declined (it then opened
 * an upload, which is cancelled). */
int registry_mount_blob(struct registry *r, const char *repo, const char *digest,
                        const char *from, bool *mounted, struct xerr *err);
/* Upload a blob (POST an upload session, PUT the content with ?digest=). */
int registry_push_blob(struct registry *r, const char *repo, const char *digest, int fd,
                       int64_t size, registry_progress_fn progress, void *ctx,
                       struct xerr *err);

#endif
