/* libcriu, loaded at run time.  nook links nothing of CRIU: dlopen("libcriu.so.2") on
 * the first checkpoint or restore, so that a host without Debian's `criu` package runs
 * every other command, and `nook create` does not pay for loading libcriu and
 * protobuf-c.  The prototypes are libcriu's stable C ABI (criu/criu.h), declared here
 * so that building needs no CRIU header either. */
#ifndef NOOK_RUNTIME_CRIU_H
#define NOOK_RUNTIME_CRIU_H

#include <stdbool.h>

#include "common/error.h"

/* libcriu's enum criu_cg_mode and enum criu_network_lock_method. */
enum nook_criu_cg_mode {
        NOOK_CRIU_CG_IGNORE,
        NOOK_CRIU_CG_NONE,
        NOOK_CRIU_CG_PROPS,
        NOOK_CRIU_CG_SOFT,
        NOOK_CRIU_CG_FULL,
        NOOK_CRIU_CG_STRICT,
        NOOK_CRIU_CG_DEFAULT,
};
#define NOOK_CRIU_NETWORK_LOCK_NFTABLES 2

/* The functions of libcriu that nook calls, by name. */
#define NOOK_CRIU_FUNCTIONS(X)                                                                     \
        X(int, criu_init_opts, (void))                                                             \
        X(void, criu_set_pid, (int))                                                               \
        X(void, criu_set_images_dir_fd, (int))                                                     \
        X(void, criu_set_work_dir_fd, (int))                                                       \
        X(int, criu_set_parent_images, (const char *))                                             \
        X(void, criu_set_log_level, (int))                                                         \
        X(int, criu_set_log_file, (const char *))                                                  \
        X(int, criu_set_root, (const char *))                                                      \
        X(void, criu_set_leave_running, (bool))                                                    \
        X(void, criu_set_ext_unix_sk, (bool))                                                      \
        X(void, criu_set_tcp_established, (bool))                                                  \
        X(void, criu_set_shell_job, (bool))                                                        \
        X(void, criu_set_file_locks, (bool))                                                       \
        X(void, criu_set_track_mem, (bool))                                                        \
        X(void, criu_set_auto_dedup, (bool))                                                       \
        X(void, criu_set_orphan_pts_master, (bool))                                                \
        X(void, criu_set_manage_cgroups, (bool))                                                   \
        X(void, criu_set_manage_cgroups_mode, (int))                                               \
        X(int, criu_set_freeze_cgroup, (const char *))                                             \
        X(int, criu_add_ext_mount, (const char *, const char *))                                   \
        X(int, criu_add_cg_root, (const char *, const char *))                                     \
        X(int, criu_add_inherit_fd, (int, const char *))                                           \
        X(int, criu_add_external, (const char *))                                                  \
        X(int, criu_set_network_lock, (int))                                                       \
        X(int, criu_check, (void))                                                                 \
        X(int, criu_dump, (void))                                                                  \
        X(int, criu_pre_dump, (void))                                                              \
        X(int, criu_restore_child, (void))                                                         \
        X(int, criu_get_version, (void))

struct nook_criu {
#define NOOK_CRIU_POINTER(ret, name, args) ret(*name) args;
        NOOK_CRIU_FUNCTIONS(NOOK_CRIU_POINTER)
#undef NOOK_CRIU_POINTER
};

/* Loads libcriu once (later calls return the same table), checks that CRIU can work on
 * this kernel (`criu check`, its log in work_dir_fd) and starts a fresh set of options
 * with the log in work_dir_fd at `log`.  When CRIU is missing or cannot work here, one
 * line says why, naming CRIU's version and the kernel. */
int nook_criu_open(int work_dir_fd, const char *log, const struct nook_criu **out,
                   struct nook_err *err);

/* After a failed dump or restore: the first error CRIU logged (work_dir/log), as
 * "CRIU <what> failed: <its error> (log: <path>)". */
int nook_criu_failed(const char *what, const char *work_dir, const char *log, struct nook_err *err);

/* Whether checkpoint/restore can work here; *why (caller frees) says why not. */
bool nook_criu_available(char **why);

#endif
