/* linux.seccomp of config.json: its typed form (parsed and validated by
 * runtime/config_seccomp.c, so bad input is refused before anything touches the host),
 * the libseccomp filter built from it (runtime/seccomp.c), the hand-over of a
 * SCMP_ACT_NOTIFY fd to the seccomp agent, and the default profile of `nook spec`. */
#ifndef NOOK_RUNTIME_SECCOMP_H
#define NOOK_RUNTIME_SECCOMP_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/json.h"
#include "runtime/state.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
/* libseccomp can set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV from 2.6 on. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define SECCOMP_HAVE_WAITKILL 1
#else
#define SECCOMP_HAVE_WAITKILL 0
#endif

/* The kernel passes six syscall arguments. */
#define OCI_SECCOMP_MAX_ARG 5

struct oci_seccomp_arg {
        unsigned int index; /* 0..OCI_SECCOMP_MAX_ARG */
        uint64_t value;
        uint64_t value_two;
        enum scmp_compare op;
};

struct oci_seccomp_syscall {
        char **names;    /* NULL-terminated, at least one; unknown ones are skipped at load */
        uint32_t action; /* SCMP_ACT_*, with errnoRet folded in (SCMP_ACT_ERRNO(n)) */
        struct oci_seccomp_arg *args;
        size_t n_args;
};

struct oci_seccomp {
        uint32_t default_action; /* SCMP_ACT_*, with defaultErrnoRet folded in */
        uint32_t *archs;         /* SCMP_ARCH_* tokens added beside the native one */
        size_t n_archs;
        unsigned int flags;      /* SECCOMP_FILTER_FLAG_* of <linux/seccomp.h> */
        char *listener_path;     /* absolute; required when an action is SCMP_ACT_NOTIFY */
        char *listener_metadata; /* may be NULL */
        struct oci_seccomp_syscall *syscalls;
        size_t n_syscalls;
        /* The program itself, once seccomp_prepare() compiled or found it; NULL before,
         * and always for NOTIFY filters (their listener fd comes from libseccomp). */
        struct sock_filter *compiled;
        size_t n_compiled;
};

/* Parses the linux.seccomp object v; `path` names it in errors ("linux.seccomp"). */
int oci_seccomp_parse(json_val v, const char *path, struct oci_seccomp **out, struct nook_err *err);
void oci_seccomp_free(struct oci_seccomp *s);

/* Whether some rule notifies a seccomp agent (listenerPath) instead of deciding. */
bool seccomp_uses_notify(const struct oci_seccomp *s);

/* Builds the filter and loads it into the calling process (no_new_privs is left as the
 * caller set it: without it, loading needs CAP_SYS_ADMIN).  *notify_fd is the listener
 * fd when seccomp_uses_notify(s), else -1. */
int seccomp_load_filter(const struct oci_seccomp *s, int *notify_fd, struct nook_err *err);

/* In the parent, before clone: fills s->compiled from the cache under cache_dir (keyed
 * by the profile, the libseccomp version and the architecture) or by compiling it once
 * and storing it there, so the child only hands the program to the kernel. */
int seccomp_prepare(struct oci_seccomp *s, const char *cache_dir, struct nook_err *err);

/* The parent's side of SCMP_ACT_NOTIFY: receives the child's notify fd over the sync
 * socket (SYNC_SECCOMP_FD) and sends it, with the runtime-spec "container process
 * state" (pid: the filtered process as the runtime sees it; state: the container's OCI
 * state with `status`), over a new connection to s->listener_path. */
int seccomp_relay_notify_fd(const struct oci_seccomp *s, int sync_fd, pid_t pid,
                            const struct container_state *st, enum container_status status,
                            struct nook_err *err);

/* The built-in default profile (runtime/seccomp-default.json) in OCI form, as text. */
const char *seccomp_default_profile_json(void);

/* The "linux.seccomp" object of `nook features`. */
void seccomp_write_features(struct json_writer *w);
/* Whether the running kernel accepts a SECCOMP_FILTER_FLAG_* flag. */
bool seccomp_flag_supported(unsigned int flag);

#endif
