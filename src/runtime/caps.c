/* Capabilities are applied with capset(2) and prctl(2) directly: the five
 * sets are plain 64-bit masks, and libcap's allocations and text parsing
 * would only add work to the start path. */
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xerr.h"
#include "names.h"

struct cap_set_ref {
  const char *name; /* the key in process.capabilities */
  size_t offset;    /* of the strv in struct oci_capabilities */
};

static const struct cap_set_ref cap_sets[] = {
    {"bounding", offsetof(struct oci_capabilities, bounding)},
    {"effective", offsetof(struct oci_capabilities, effective)},
    {"inheritable", offsetof(struct oci_capabilities, inheritable)},
    {"permitted", offsetof(struct oci_capabilities, permitted)},
    {"ambient", offsetof(struct oci_capabilities, ambient)},
};

static char **set_names(const struct oci_capabilities *caps, const struct cap_set_ref *ref) {
  return *(char **const *)((const char *)caps + ref->offset);
}

int caps_validate(const struct oci_capabilities *caps, struct xerr *err) {
  /* Read cap_last_cap now, in the runtime, while the host's /proc is at
   * hand: the container process that applies the sets inherits the
   * cached value and need not find a /proc of its own. */
  (void)capability_last();
  for (size_t s = 0; s < sizeof cap_sets / sizeof cap_sets[0]; s++) {
    for (char **p = set_names(caps, &cap_sets[s]); p && *p; p++) {
      int cap;
      if (capability_parse(*p, &cap, err) < 0)
        return xerr_wrap(err, "process.capabilities.%s", cap_sets[s].name);
    }
  }
  return 0;
}

/* The mask of one set.  A name the running kernel does not know (newer
 * than it) is left out, as runc does, so one config works on old and new
 * kernels; a name nobody knows is an error. */
static int set_mask(char **names, const char *set, uint64_t *out, struct xerr *err) {
  int last = capability_last();
  uint64_t mask = 0;
  for (char **p = names; p && *p; p++) {
    int cap;
    if (capability_parse(*p, &cap, err) < 0)
      return xerr_wrap(err, "process.capabilities.%s", set);
    if (cap > last) {
      xlog_debug("process.capabilities.%s: %s is unknown to this kernel, skipped", set, *p);
      continue;
    }
    mask |= UINT64_C(1) << cap;
  }
  *out = mask;
  return 0;
}

int caps_apply_bounding(const struct oci_capabilities *caps, struct xerr *err) {
  uint64_t keep;
  if (set_mask(caps->bounding, "bounding", &keep, err) < 0)
    return -1;
  int last = capability_last();
  for (int cap = 0; cap <= last; cap++) {
    if (keep & (UINT64_C(1) << cap))
      continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
      continue;
    /* EINVAL: the kernel does not know the capability after all.
     * EPERM without CAP_SETPCAP is fine when it is already gone. */
    if (errno == EINVAL)
      continue;
    if (errno == EPERM && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
      continue;
    return xerr_make(err, errno, "drop %s from the bounding set", capability_name(cap));
  }
  return 0;
}

/* The first capability in `sub` that is not in `super`, or -1. */
static int first_missing(uint64_t sub, uint64_t super) {
  uint64_t extra = sub & ~super;
  return extra ? __builtin_ctzll(extra) : -1;
}

static int capset_masks(uint64_t effective, uint64_t permitted, uint64_t inheritable,
                        struct xerr *err) {
  /* The kernel only says EPERM; name the capability that makes it so. */
  int bad = first_missing(effective, permitted);
  if (bad >= 0)
    return xerr_make(err, EPERM,
                     "process.capabilities.effective: %s is not in the permitted set",
                     capability_name(bad));
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
      {.effective = (uint32_t)effective,
       .permitted = (uint32_t)permitted,
       .inheritable = (uint32_t)inheritable},
      {.effective = (uint32_t)(effective >> 32),
       .permitted = (uint32_t)(permitted >> 32),
       .inheritable = (uint32_t)(inheritable >> 32)},
  };
  if (syscall(SYS_capset, &hdr, data) < 0)
    return xerr_make(err, errno, "set capabilities (capset)");
  return 0;
}

/* Ambient capabilities must already be permitted and inheritable; the
 * kernel refuses others with EPERM.  runc ignores those refusals (its
 * own default spec lists ambient caps without inheritable ones), and so
 * do we, with a debug line. */
static int raise_ambient(uint64_t ambient, struct xerr *err) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    if (errno == EINVAL) {
      xlog_debug("process.capabilities.ambient: not supported by this kernel, skipped");
      return 0;
    }
    return xerr_make(err, errno, "clear the ambient capability set");
  }
  for (int cap = 0; cap < 64; cap++) {
    if (!(ambient & (UINT64_C(1) << cap)))
      continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0)
      continue;
    if (errno == EPERM) {
      xlog_debug("process.capabilities.ambient: %s is not both permitted and inheritable, "
                 "skipped", capability_name(cap));
      continue;
    }
    return xerr_make(err, errno, "raise ambient capability %s", capability_name(cap));
  }
  return 0;
}

int caps_apply_sets(const struct oci_capabilities *caps, struct xerr *err) {
  uint64_t effective, permitted, inheritable, ambient;
  if (set_mask(caps->effective, "effective", &effective, err) < 0 ||
      set_mask(caps->permitted, "permitted", &permitted, err) < 0 ||
      set_mask(caps->inheritable, "inheritable", &inheritable, err) < 0 ||
      set_mask(caps->ambient, "ambient", &ambient, err) < 0)
    return -1;
  if (capset_masks(effective, permitted, inheritable, err) < 0)
    return -1;
  return raise_ambient(ambient, err);
}
