/* The OCI runtime config (config.json) as C structs.  Parsing checks every
 * field we use for its JSON type and names the JSON path on error
 * ("process.rlimits[2].hard: expected integer").  Unknown fields are
 * ignored, as the spec says.  Sections parsed by their own module
 * (linux.resources, linux.seccomp) are kept as JSON, validated there. */
#ifndef XOCKER_RUNTIME_CONFIG_H
#define XOCKER_RUNTIME_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xerr;

enum ns_type {
  NS_PID, NS_NET, NS_MOUNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT
};

struct oci_namespace {
  bool present;  /* listed in linux.namespaces */
  char *path;    /* join this one; NULL = create new */
};

struct oci_idmap {
  uint32_t container_id, host_id, size;
};

struct oci_mount {
  char *destination;
  char *type;      /* NULL when absent */
  char *source;    /* NULL when absent */
  char **options;  /* NULL-terminated, may be NULL */
  /* Derived from options by mount_options_parse (mountopts.h). */
  unsigned long flags;           /* MS_* applied at mount time */
  unsigned long clear_flags;     /* MS_* explicitly turned off (rw, suid, ...) */
  unsigned long propagation;     /* MS_PRIVATE|MS_REC etc., 0 = none */
  char *data;                    /* filesystem-specific options, comma-joined */
  bool bind, recursive_bind;
  bool has_flag_changes;         /* needs a remount after a bind */
  struct oci_idmap *uid_mappings, *gid_mappings; /* idmapped mounts */
  size_t n_uid_mappings, n_gid_mappings;
};

struct oci_rlimit {
  int resource;  /* RLIMIT_* */
  char *name;
  uint64_t soft, hard;
};

struct oci_hook {
  char *path;
  char **args; /* NULL-terminated, may be NULL */
  char **env;  /* NULL-terminated, may be NULL */
  int timeout; /* seconds, 0 = none */
};

struct oci_hook_list {
  struct oci_hook *hooks;
  size_t n;
};

enum hook_kind {
  HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER,
  HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KIND_COUNT
};

struct oci_device {
  char *path;
  char type;    /* 'c', 'b', 'u', 'p' */
  int64_t major, minor;
  mode_t file_mode;
  bool has_file_mode;
  uid_t uid;
  gid_t gid;
  bool has_uid, has_gid;
};

struct oci_capabilities {
  bool present;
  char **bounding, **effective, **inheritable, **permitted, **ambient; /* NULL-terminated */
};

struct oci_process {
  bool terminal;
  unsigned console_height, console_width;
  bool has_console_size;
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  mode_t umask;
  bool has_umask;
  char **args;  /* NULL-terminated, at least one */
  char **env;   /* NULL-terminated, may be empty */
  char *cwd;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  int oom_score_adj;
  bool has_oom_score_adj;
  struct oci_capabilities caps;
  char *apparmor_profile;
  char *selinux_label;
};

struct oci_sysctl {
  char *key, *value;
};

struct oci_time_offset {
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_config {
  json_t *json;          /* the whole document, owned */
  char *oci_version;
  char *root_path;       /* absolute, resolved against the bundle */
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_process *process; /* NULL when absent (allowed for create only by the spec) */
  struct oci_hook_list hooks[HOOK_KIND_COUNT];
  json_t *annotations;   /* borrowed from json, may be NULL */
  /* linux */
  struct oci_namespace namespaces[NS_COUNT];
  struct oci_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct oci_device *devices;
  size_t n_devices;
  char *cgroups_path;
  json_t *resources;     /* borrowed: linux.resources, for the cgroup module */
  json_t *seccomp;       /* borrowed: linux.seccomp */
  struct oci_sysctl *sysctls;
  size_t n_sysctls;
  char *rootfs_propagation;
  char **masked_paths;   /* NULL-terminated, may be NULL */
  char **readonly_paths; /* NULL-terminated, may be NULL */
  char *mount_label;
  bool has_personality;
  unsigned long personality; /* value for personality(2) */
  struct oci_time_offset time_monotonic, time_boottime;
};

/* Parse config.json text.  bundle is the absolute bundle dir, used to
 * resolve a relative root.path. */
int oci_config_parse(const char *text, const char *bundle, struct oci_config **out,
                     struct xerr *err);
/* Read and parse <bundle>/config.json. */
int oci_config_load(const char *bundle, struct oci_config **out, struct xerr *err);
/* Parse a process object (exec --process, or config.process). */
int oci_process_parse(json_t *j, const char *where, struct oci_process **out, struct xerr *err);
void oci_process_free(struct oci_process *p);
void oci_config_free(struct oci_config *c);

const char *ns_type_name(enum ns_type t);       /* "pid", "network", ... (spec names) */
const char *ns_proc_name(enum ns_type t);       /* "pid", "net", ... (/proc/PID/ns names) */
int ns_clone_flag(enum ns_type t);              /* CLONE_NEWPID, ... */

static inline void oci_config_freep(struct oci_config **c) { oci_config_free(*c); }
#define cleanup_config __attribute__((cleanup(oci_config_freep)))

#endif
