/* The OCI runtime-spec 1.2 configuration (config.json) as typed structures, parsed and
 * validated in one place before anything touches the host.  Unknown properties are
 * ignored, as the spec requires; errors name the JSON path:
 *   "config.json: process.args[0]: expected a string". */
#ifndef NOOK_RUNTIME_CONFIG_H
#define NOOK_RUNTIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/json.h"

struct oci_seccomp;
struct oci_resources;

struct oci_kv {
        char *key;
        char *value;
};

struct oci_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
};

/* Capability sets as bitmasks of CAP_* numbers (bit n = capability n). */
struct oci_caps {
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_user {
        uint32_t uid;
        uint32_t gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
};

struct oci_process {
        bool terminal;
        uint32_t console_height, console_width; /* 0 when not given */
        struct oci_user user;
        char **args; /* NULL-terminated, at least one entry */
        char **env;  /* NULL-terminated, may be empty */
        char *cwd;   /* absolute */
        bool has_caps;
        struct oci_caps caps;
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *apparmor_profile;
        char *selinux_label;
        /* The first setting present that nook does not implement ("ioPriority", ...):
         * parsing keeps going (`nook state` and `delete` read the same file), create
         * refuses it. */
        const char *unsupported;
};

/* "true": the rootfs is bound idmapped with the container's user namespace mappings. */
#define OCI_ANNOTATION_ROOTFS_IDMAP "org.nook.rootfs.idmap"

struct oci_root {
        char *path; /* as written; may be relative to the bundle */
        bool readonly;
        /* OCI_ANNOTATION_ROOTFS_IDMAP: one root-owned template can then serve containers
         * with any id range, without a copy or a chown. */
        bool idmap;
};

struct oci_idmap {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

/* Mount flags derived from the OCI options, ready for mount(2)/mount_setattr(2). */
struct oci_mount {
        char *destination;
        char *type;                /* may be NULL for bind mounts */
        char *source;              /* may be NULL */
        char **options;            /* as written */
        unsigned long flags;       /* MS_* set by the options (MS_RDONLY, MS_NOSUID, ...) */
        unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, maybe |MS_REC */
        bool bind;                 /* "bind" or "rbind" or type "bind" */
        bool recursive;            /* "rbind" */
        char *data;                /* remaining filesystem-specific options, "a=b,c" or NULL */
        /* An idmapped bind mount (mount_setattr MOUNT_ATTR_IDMAP): with "idmap", "ridmap" or
         * mount-level mappings; without mappings the container's user namespace's are used. */
        bool idmap;
        bool idmap_recursive; /* "ridmap": submounts of an rbind are idmapped too */
        struct oci_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
};

struct oci_hook {
        char *path;
        char **args; /* may be NULL */
        char **env;  /* may be NULL */
        int timeout; /* seconds, 0 = none */
};

struct oci_hook_list {
        struct oci_hook *hooks;
        size_t n;
};

enum oci_hook_kind {
        OCI_HOOK_PRESTART,
        OCI_HOOK_CREATE_RUNTIME,
        OCI_HOOK_CREATE_CONTAINER,
        OCI_HOOK_START_CONTAINER,
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        OCI_HOOK_KIND_COUNT
};
extern const char *const oci_hook_kind_names[OCI_HOOK_KIND_COUNT]; /* "prestart", ... */

struct oci_namespace {
        int type;   /* CLONE_NEW* */
        char *path; /* join this namespace instead of creating one; NULL = new */
};

struct oci_device {
        char *path;
        char type; /* 'c', 'b', 'u' or 'p' */
        int64_t major, minor;
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid, has_gid;
        uint32_t uid, gid;
};

struct oci_time_offset {
        int64_t secs;
        uint32_t nanosecs;
};

struct oci_linux {
        struct oci_namespace *namespaces;
        size_t n_namespaces;
        struct oci_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        bool has_time_offsets;
        struct oci_time_offset boottime, monotonic;
        struct oci_device *devices;
        size_t n_devices;
        char *cgroups_path;               /* NULL = default */
        unsigned long rootfs_propagation; /* MS_* | MS_REC; 0 = default (rslave) */
        char **masked_paths;
        char **readonly_paths;
        struct oci_kv *sysctl;
        size_t n_sysctl;
        char *mount_label;
        const char *unsupported;         /* as in struct oci_process: "intelRdt", ... */
        struct oci_resources *resources; /* NULL when absent (runtime/resources.h) */
        struct oci_seccomp *seccomp;     /* linux.seccomp, NULL when absent (runtime/seccomp.h) */
};

struct oci_config {
        char *oci_version;
        struct oci_root root;
        struct oci_process *process; /* may be NULL (required by start) */
        char *hostname;
        char *domainname;
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_hook_list hooks[OCI_HOOK_KIND_COUNT];
        struct oci_kv *annotations;
        size_t n_annotations;
        struct oci_linux linux_; /* "linux" is a predefined macro in GNU C */
        bool has_linux;
};

/* Parses config.json text; errors are prefixed with "config.json: ". */
int oci_config_parse(const char *text, struct oci_config **out, struct nook_err *err);
/* Reads and parses <bundle>/config.json. */
int oci_config_load(const char *bundle, struct oci_config **out, struct nook_err *err);
void oci_config_free(struct oci_config *c);
static inline void oci_config_freep(struct oci_config **c)
{
        if (*c)
                oci_config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(oci_config_freep)))

/* A process object on its own (exec --process FILE); path prefix "process". */
int oci_process_parse(const char *text, struct oci_process **out, struct nook_err *err);
int oci_process_parse_json(json_val v, const char *path, struct oci_process **out,
                           struct nook_err *err);
void oci_process_free(struct oci_process *p);

/* Mount options -> flags/propagation/data (used by the parser and by unit tests). */
int oci_mount_parse_options(struct oci_mount *m, struct nook_err *err);

const char *oci_annotation(const struct oci_config *c, const char *key);
bool oci_config_has_namespace(const struct oci_config *c, int type);
const struct oci_namespace *oci_config_namespace(const struct oci_config *c, int type);

/* rlimit name ("RLIMIT_NOFILE") to RLIMIT_* number, -1 when unknown. */
int oci_rlimit_from_name(const char *name);

/* Writes the default config.json of `nook spec` (args = NULL for the built-in "sh"). */
char *oci_config_default_json(char *const *args, bool rootless);

#endif
