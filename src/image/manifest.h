/* OCI and Docker schema 2 image documents: index / manifest list,
 * manifest, config.  Parsing, platform selection, and building the
 * documents for images made here (commit, import). */
#ifndef XOCKER_IMAGE_MANIFEST_H
#define XOCKER_IMAGE_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"

struct xerr;

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_OCI_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_MAX 256

bool media_type_is_index(const char *mt);
bool media_type_is_manifest(const char *mt);
bool media_type_is_layer(const char *mt);

struct descriptor {
  char media_type[MT_MAX];
  char digest[DIGEST_BUF_LEN];
  int64_t size;
};

struct image_manifest {
  char media_type[MT_MAX];
  struct descriptor config;
  size_t n_layers;
  struct descriptor *layers;
};

/* The media type of a document: its mediaType field, or, when absent
 * (older OCI), guessed from its shape (manifests vs index).  hint (may be
 * NULL) is the Content-Type or descriptor type it came with. */
int manifest_media_type(const char *data, size_t len, const char *hint, char out[MT_MAX],
                        struct xerr *err);

/* Parse an image manifest (OCI or Docker schema 2).  An unknown layer media
 * type is an error naming it. */
int manifest_parse(const char *data, size_t len, struct image_manifest *m, struct xerr *err);
void manifest_free(struct image_manifest *m);

/* From an index / manifest list pick the manifest for platform
 * ("os/arch[/variant]", NULL = linux/amd64).  No match is an error that
 * names the platform and lists what the index has. */
int index_select(const char *data, size_t len, const char *platform, struct descriptor *out,
                 struct xerr *err);

/* The config's rootfs.diff_ids as a NULL-terminated strv, each checked to
 * be a valid digest. */
int config_diff_ids(json_t *config, char ***out, struct xerr *err);
/* os/architecture/variant of a config, "linux/amd64" form. */
void config_platform(json_t *config, char *buf, size_t len);
/* The running machine's platform, "linux/amd64". */
const char *platform_default(void);
/* Normalise a --platform value ("amd64" -> "linux/amd64", "linux/x86_64"
 * -> "linux/amd64", "arm64" -> "linux/arm64/v8"); errors name it. */
int platform_normalise(const char *in, char *buf, size_t len, struct xerr *err);

#endif
