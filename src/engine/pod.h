/* Pods, Podman's model: an infra container running our pause program
 * (xocker-pause, bind-mounted read-only into a busybox rootfs) holds the
 * network and IPC namespaces; every member joins them, so the pod's
 * containers reach each other on localhost and share its ports.  The pod is
 * a row of `pods`; members carry the label xocker.pod=<pod id>. */
#ifndef XOCKER_ENGINE_POD_H
#define XOCKER_ENGINE_POD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct xerr;
struct xstore;

#define POD_LABEL "xocker.pod"

struct pod {
  char id[65];
  char name[256];
  char infra_id[65];
  char created[40];
  json_t *labels; /* object */
};
void pod_clear(struct pod *p);

/* Make the pod and its infra container (created, not started).  infra_hc
 * (borrowed) carries the pod's network settings: NetworkMode, PortBindings,
 * PublishAllPorts, Dns...; name NULL: a random one. */
int pod_create(struct xstore *s, const char *name, json_t *labels, json_t *infra_cfg,
               json_t *infra_hc, struct pod *out, struct xerr *err);
/* By full id, name, unique id prefix; ENOENT "no pod with name or ID X found". */
int pod_lookup(struct xstore *s, const char *ref, struct pod *out, struct xerr *err);
int pod_list(struct xstore *s, struct pod **out, size_t *n, struct xerr *err);
void pod_list_free(struct pod *list, size_t n);
/* Ids of the member containers (not the infra), oldest first; NULL-terminated. */
int pod_members(struct xstore *s, const struct pod *p, char ***ids, struct xerr *err);
/* Start the infra container unless it runs. */
int pod_start_infra(struct xstore *s, const struct pod *p, struct xerr *err);
/* Start the infra and every member; stop the members then the infra. */
int pod_start(struct xstore *s, const struct pod *p, struct xerr *err);
int pod_stop(struct xstore *s, const struct pod *p, int timeout, struct xerr *err);
/* Remove the pod: its members (running ones only with force) and the infra. */
int pod_remove(struct xstore *s, const struct pod *p, bool force, struct xerr *err);
/* "Running", "Exited", "Created", "Degraded" (some members run, not all),
 * from the infra's state and members (pod_members' list, may be NULL). */
void pod_status(struct xstore *s, const struct pod *p, char **members, char *buf, size_t len);
/* Podman's `pod inspect` document. */
json_t *pod_inspect_json(struct xstore *s, const struct pod *p);
/* Make cfg/hc join the pod (network and IPC of its infra, the label). */
int pod_join(struct xstore *s, const struct pod *p, json_t *cfg, json_t *hc, struct xerr *err);

#endif
