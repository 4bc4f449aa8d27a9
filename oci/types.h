/* The OCI runtime-spec 1.2 model: config.json (with its process, linux.resources and
 * linux.seccomp parts) as typed structures, nothing else.  Values are kept in the
 * kernel's own terms where the spec names kernel constants (CLONE_NEW*, RLIMIT_*, MS_*,
 * SECCOMP_RET_*, AUDIT_ARCH_*), so every floor above can use them without a
 * translation table of its own; oci/oci.h parses, checks and writes them. */
#ifndef NOOK_OCI_TYPES_H
#define NOOK_OCI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct oci_kv {
        char *key;
        char *value;
};

/* Members of a JSON object that the model does not know, each value as JSON text: kept
 * so that a config read and written back (nookctl's edits) loses nothing it holds. */
struct oci_extras {
        struct oci_kv *v;
        size_t n;
};

/* An optional number: set is false when config.json does not give it. */
struct oci_opt {
        bool set;
        int64_t v;
};

/* ---- process ---- */

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
        char **unknown_caps; /* names of any set this build does not know, or NULL */
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
        struct oci_extras extras;
};

/* ---- root, mounts, hooks ---- */

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
        /* "rro", "rnosuid", ... (runtime-spec 1.1): MOUNT_ATTR_* set and cleared with
         * mount_setattr(AT_RECURSIVE) once mounted. */
        uint64_t rec_attr_set, rec_attr_clr;
        /* "tmpcopyup" (runc's and crun's extension): the tmpfs starts with a copy of what
         * its destination held. */
        bool tmpcopyup;
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

/* ---- linux.resources ---- */

struct oci_weight_device {
        int64_t major, minor;
        struct oci_opt weight; /* blkio scale, 10..1000 */
};

struct oci_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

enum oci_throttle_kind {
        OCI_THROTTLE_READ_BPS,
        OCI_THROTTLE_WRITE_BPS,
        OCI_THROTTLE_READ_IOPS,
        OCI_THROTTLE_WRITE_IOPS,
        OCI_THROTTLE_KIND_COUNT
};

struct oci_hugepage_limit {
        char *page_size; /* "2MB", "1GB", ... */
        uint64_t limit;
};

/* Access bits of a device rule (linux.resources.devices[].access). */
#define OCI_DEV_READ  1u
#define OCI_DEV_WRITE 2u
#define OCI_DEV_MKNOD 4u
#define OCI_DEV_ALL   (OCI_DEV_READ | OCI_DEV_WRITE | OCI_DEV_MKNOD)
#define OCI_DEV_ANY   (-1) /* a major or minor that matches every number */

struct oci_device_rule {
        bool allow;
        char type;            /* 'a' (any), 'c' or 'b' */
        int64_t major, minor; /* OCI_DEV_ANY or a number */
        unsigned access;      /* OCI_DEV_* */
};

struct oci_resources {
        struct {
                struct oci_opt limit;       /* bytes, -1 = unlimited */
                struct oci_opt reservation; /* bytes, -1 = unlimited */
                struct oci_opt swap;        /* memory + swap bytes, -1 = unlimited */
        } memory;
        struct {
                struct oci_opt shares; /* v1 scale, 2..262144 */
                struct oci_opt quota;  /* microseconds per period, -1 = unlimited */
                struct oci_opt period; /* microseconds */
                struct oci_opt burst;  /* microseconds */
                struct oci_opt idle;   /* 0 or 1 */
                char *cpus, *mems;     /* "0-3,5", NULL when not given */
        } cpu;
        struct oci_opt pids_limit; /* -1 = unlimited */
        struct {
                struct oci_opt weight; /* blkio scale, 10..1000 */
                struct oci_weight_device *weight_devices;
                size_t n_weight_devices;
                struct oci_throttle_device *throttle[OCI_THROTTLE_KIND_COUNT];
                size_t n_throttle[OCI_THROTTLE_KIND_COUNT];
        } block_io;
        struct oci_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct oci_kv *unified; /* v2 interface file -> value */
        size_t n_unified;
        bool has_devices;
        struct oci_device_rule *devices;
        size_t n_devices;
        struct oci_extras extras;
};

/* ---- linux.seccomp ---- */

/* The kernel passes six syscall arguments. */
#define OCI_SECCOMP_MAX_ARG 5

/* The comparisons of the spec; the numbers are libseccomp's enum scmp_compare, which
 * runtime/seccomp.c checks at build time. */
enum oci_seccomp_op {
        OCI_SECCOMP_CMP_NE = 1,
        OCI_SECCOMP_CMP_LT,
        OCI_SECCOMP_CMP_LE,
        OCI_SECCOMP_CMP_EQ,
        OCI_SECCOMP_CMP_GE,
        OCI_SECCOMP_CMP_GT,
        OCI_SECCOMP_CMP_MASKED_EQ,
};

struct oci_seccomp_arg {
        unsigned int index; /* 0..OCI_SECCOMP_MAX_ARG */
        uint64_t value;
        uint64_t value_two;
        bool has_value_two; /* given, for the writer */
        enum oci_seccomp_op op;
};

/* Actions are the kernel's SECCOMP_RET_* values (<linux/seccomp.h>), which libseccomp's
 * SCMP_ACT_* are too, with errnoRet in the SECCOMP_RET_DATA bits of ERRNO and TRACE. */
struct oci_seccomp_syscall {
        char **names;    /* NULL-terminated, at least one; unknown ones are skipped at load */
        uint32_t action; /* SECCOMP_RET_*, with errnoRet folded in */
        struct oci_seccomp_arg *args;
        size_t n_args;
};

struct oci_seccomp {
        uint32_t default_action; /* SECCOMP_RET_*, with defaultErrnoRet folded in */
        uint32_t *archs;         /* AUDIT_ARCH_* (= SCMP_ARCH_*) added beside the native one */
        size_t n_archs;
        unsigned int flags;      /* SECCOMP_FILTER_FLAG_* of <linux/seccomp.h> */
        char *listener_path;     /* absolute; required when an action is SECCOMP_RET_USER_NOTIF */
        char *listener_metadata; /* may be NULL */
        struct oci_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

/* ---- linux ---- */

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
        struct oci_resources *resources; /* NULL when absent */
        struct oci_seccomp *seccomp;     /* NULL when absent */
        struct oci_extras extras;
};

/* ---- the document ---- */

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
        struct oci_extras extras;
};

#endif
