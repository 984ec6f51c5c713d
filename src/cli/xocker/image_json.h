/* Docker's `image inspect` document for an image record. */
#ifndef XOCKER_CLI_XOCKER_IMAGE_JSON_H
#define XOCKER_CLI_XOCKER_IMAGE_JSON_H

struct xstore;
struct image_record;
struct xerr;

/* A new json_t * object with Docker's fields (Id, RepoTags, RepoDigests,
 * Parent, Comment, Created, DockerVersion, Author, Config, Architecture,
 * Variant, Os, Size, VirtualSize, GraphDriver, RootFS, Metadata). */
int image_inspect_json(struct xstore *s, const struct image_record *r, void **out,
                       struct xerr *err);

#endif
