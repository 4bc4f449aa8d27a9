/* The seccomp filter of a container process, built with libseccomp from the parsed
 * linux.seccomp and loaded into the calling process; the notify fd's hand-over to the
 * seccomp agent. */
#include "runtime/seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/seccomp_tree.h"
#include "runtime/sync.h"

/* The container process state's own version (runtime-spec 1.2). */
#define PROCESS_STATE_OCI_VERSION "1.2.0"

/* The model keeps the kernel's values, which are libseccomp's too: actions are
 * SECCOMP_RET_* (SCMP_ACT_*), architectures AUDIT_ARCH_* (SCMP_ARCH_*), and the
 * comparisons are numbered as libseccomp's enum. */
_Static_assert(SCMP_ACT_ERRNO(0) == SECCOMP_RET_ERRNO && SCMP_ACT_ALLOW == SECCOMP_RET_ALLOW &&
                   SCMP_ACT_NOTIFY == SECCOMP_RET_USER_NOTIF && SCMP_ACT_LOG == SECCOMP_RET_LOG,
               "libseccomp's actions are the kernel's");
_Static_assert((int)SCMP_CMP_NE == OCI_SECCOMP_CMP_NE &&
                   (int)SCMP_CMP_MASKED_EQ == OCI_SECCOMP_CMP_MASKED_EQ,
               "libseccomp's comparisons are numbered as oci/types.h's");

void seccomp_program_clear(struct seccomp_program *p)
{
        free(p->insns);
        *p = (struct seccomp_program){0};
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static int set_attr(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value,
                    const char *what, struct nook_err *err)
{
        int r = seccomp_attr_set(ctx, attr, value);

        if (r < 0)
                return nook_err_set(err, -r, "seccomp: %s", what);
        return 0;
}

static int apply_flags(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct nook_err *err)
{
        /* libseccomp sets no_new_privs on load unless told not to; noNewPrivileges of
         * the config decides it, and the caller loads early enough when it is off. */
        if (set_attr(ctx, SCMP_FLTATR_CTL_NNP, 0, "keep no_new_privs as configured", err) < 0)
                return -1;
        if ((s->flags & SECCOMP_FILTER_FLAG_TSYNC) &&
            set_attr(ctx, SCMP_FLTATR_CTL_TSYNC, 1, "SECCOMP_FILTER_FLAG_TSYNC", err) < 0)
                return -1;
        if ((s->flags & SECCOMP_FILTER_FLAG_LOG) &&
            set_attr(ctx, SCMP_FLTATR_CTL_LOG, 1, "SECCOMP_FILTER_FLAG_LOG", err) < 0)
                return -1;
        if ((s->flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW) &&
            set_attr(ctx, SCMP_FLTATR_CTL_SSB, 1, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", err) < 0)
                return -1;
#if NOOK_SECCOMP_WAITKILL
        if ((s->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) &&
            set_attr(ctx, SCMP_FLTATR_CTL_WAITKILL, 1, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
                     err) < 0)
                return -1;
#endif
        return 0;
}

static bool has_repeated_index(const struct oci_seccomp_syscall *sc)
{
        unsigned int seen = 0;

        for (size_t i = 0; i < sc->n_args; i++) {
                if (seen & (1U << sc->args[i].index))
                        return true;
                seen |= 1U << sc->args[i].index;
        }
        return false;
}

static struct scmp_arg_cmp to_cmp(const struct oci_seccomp_arg *a)
{
        return (struct scmp_arg_cmp){.arg = a->index,
                                     .op = (enum scmp_compare)a->op,
                                     .datum_a = a->value,
                                     .datum_b = a->value_two};
}

static int add_rule(scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sc, int nr,
                    const char *name, struct nook_err *err)
{
        struct scmp_arg_cmp cmp[OCI_SECCOMP_MAX_ARG + 1];
        int r = 0;

        if (!has_repeated_index(sc)) {
                /* Distinct indexes: at most one comparison per argument, all ANDed. */
                for (size_t i = 0; i < sc->n_args; i++)
                        cmp[i] = to_cmp(&sc->args[i]);
                r = seccomp_rule_add_array(ctx, sc->action, nr, (unsigned int)sc->n_args, cmp);
        } else {
                /* libseccomp refuses two comparisons of one argument in a rule; runc and
                 * crun then make each comparison a rule of its own (so they are ORed),
                 * and profiles are written for that. */
                for (size_t i = 0; i < sc->n_args && r >= 0; i++) {
                        cmp[0] = to_cmp(&sc->args[i]);
                        r = seccomp_rule_add_array(ctx, sc->action, nr, 1, cmp);
                }
        }
        if (r < 0)
                return nook_err_set(err, -r, "seccomp: add the rule for %s", name);
        return 0;
}

static int add_syscall(scmp_filter_ctx ctx, const struct oci_seccomp *s,
                       const struct oci_seccomp_syscall *sc, struct nook_err *err)
{
        /* libseccomp refuses rules that do what the default does anyway. */
        if (sc->action == s->default_action)
                return 0;
        for (char **name = sc->names; *name; name++) {
                int nr = seccomp_syscall_resolve_name(*name);

                if (nr == __NR_SCMP_ERROR) {
                        nook_debug("seccomp: syscall %s is unknown here, its rule is skipped",
                                   *name);
                        continue;
                }
                if (add_rule(ctx, sc, nr, *name, err) < 0)
                        return -1;
        }
        return 0;
}

/* Whether this kernel can run syscalls of arch.  A profile's other architectures (the
 * default lists ARM ones too, as Docker's does) can never reach the filter: leaving them
 * out changes nothing but the time libseccomp spends compiling rules for them. */
static bool arch_runs_here(uint32_t arch)
{
        uint32_t native = seccomp_arch_native();

        if (arch == native)
                return true;
        switch (native) {
        case SCMP_ARCH_X86_64:
                return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32;
        case SCMP_ARCH_AARCH64:
                return arch == SCMP_ARCH_ARM;
        case SCMP_ARCH_PPC64LE:
        case SCMP_ARCH_PPC64:
                return arch == SCMP_ARCH_PPC || arch == SCMP_ARCH_PPC64 ||
                       arch == SCMP_ARCH_PPC64LE;
        case SCMP_ARCH_S390X:
                return arch == SCMP_ARCH_S390;
        default:
                return true; /* unknown family: keep what the profile says */
        }
}

/* The libseccomp filter of s, ready to load or export. */
static int build_filter(const struct oci_seccomp *s, scmp_filter_ctx *out, struct nook_err *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(s->default_action);
        int r;

        if (ctx == NULL)
                return nook_err_set(err, EINVAL, "seccomp: init the filter");
        for (size_t i = 0; i < s->n_archs; i++) {
                if (!arch_runs_here(s->archs[i]))
                        continue;
                r = seccomp_arch_add(ctx, s->archs[i]);
                /* The native architecture is in already. */
                if (r < 0 && r != -EEXIST)
                        return nook_err_set(err, -r,
                                            "seccomp: add linux.seccomp.architectures[%zu]", i);
        }
        /* A binary tree of syscall numbers instead of libseccomp's default linear chain:
         * the kernel JIT-compiles the filter on every load, and for the default profile
         * (three architectures) that took 1.7 ms of each container start as a chain and
         * 0.8 ms as a tree; each syscall in the container then walks log(n) compares.
         * The result is the same filter; an older libseccomp only costs speed. */
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (apply_flags(ctx, s, err) < 0)
                return -1;
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (add_syscall(ctx, s, &s->syscalls[i], err) < 0)
                        return -1;
        *out = TAKE_PTR(ctx);
        return 0;
}

int seccomp_load_filter(const struct oci_seccomp *s, const struct seccomp_program *prog,
                        int *notify_fd, struct nook_err *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        *notify_fd = -1;
        if (prog && prog->insns != NULL) {
                struct sock_fprog fprog = {.len = (unsigned short)prog->n_insns,
                                           .filter = prog->insns};

                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &fprog) < 0)
                        return nook_err_sys(err, "seccomp: load the filter");
                return 0;
        }
        if (build_filter(s, &ctx, err) < 0)
                return -1;
        r = seccomp_load(ctx);
        if (r < 0)
                return nook_err_set(err, -r, "seccomp: load the filter");
        if (oci_seccomp_uses_notify(s)) {
                r = seccomp_notify_fd(ctx);
                if (r < 0)
                        return nook_err_set(err, -r, "seccomp: the notify fd");
                *notify_fd = r;
        }
        return 0;
}

/* FNV-1a over everything that shapes the program, plus what compiles it. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++)
                h = (h ^ p[i]) * 0x100000001b3ULL;
        return h;
}

#define HASH_VALUE(h, v) hash_bytes((h), &(v), sizeof(v))

static uint64_t filter_key(const struct oci_seccomp *s)
{
        const struct scmp_version *v = seccomp_version();
        uint32_t native = seccomp_arch_native();
        /* Bumped whenever build_filter lays out the same rules differently, so that
         * filters cached by an older nook are not reused. */
        const uint32_t layout = 3;
        uint64_t h = 0xcbf29ce484222325ULL;

        h = hash_bytes(h, v, sizeof(*v));
        h = HASH_VALUE(h, layout);
        h = HASH_VALUE(h, native);
        h = HASH_VALUE(h, s->default_action);
        h = HASH_VALUE(h, s->flags);
        h = hash_bytes(h, s->archs, s->n_archs * sizeof(*s->archs));
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct oci_seccomp_syscall *sc = &s->syscalls[i];

                h = HASH_VALUE(h, i);
                for (char **n = sc->names; *n; n++)
                        h = hash_bytes(h, *n, strlen(*n) + 1);
                h = HASH_VALUE(h, sc->action);
                for (size_t a = 0; a < sc->n_args; a++) {
                        h = HASH_VALUE(h, sc->args[a].index);
                        h = HASH_VALUE(h, sc->args[a].op);
                        h = HASH_VALUE(h, sc->args[a].value);
                        h = HASH_VALUE(h, sc->args[a].value_two);
                }
        }
        return h;
}

/* libseccomp's program as a tree over ranges of syscall numbers when that is smaller
 * (runtime/seccomp_tree.h).  The default profile's 1223 instructions become 320: loading
 * it takes 0.2 ms instead of 0.58 (the kernel translates and JIT-compiles it at every
 * start), and the kernel keeps 10 KiB per container for it instead of 43 (its copy of the
 * program, the translation and the JIT image), measured over 1000 processes. */
static void compact(char **bpf, size_t *len)
{
        struct sock_filter *tree;
        size_t n;

        if (*len % sizeof(struct sock_filter) != 0 ||
            seccomp_tree_rewrite((const struct sock_filter *)*bpf,
                                 *len / sizeof(struct sock_filter), &tree, &n) < 0)
                return;
        nook_debug("seccomp: %zu instructions as a tree of ranges, %zu from libseccomp", n,
                   *len / sizeof(struct sock_filter));
        free(*bpf);
        *bpf = (char *)tree;
        *len = n * sizeof(struct sock_filter);
}

static int compile(const struct oci_seccomp *s, bool tree, char **bpf, size_t *len,
                   struct nook_err *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = memfd_create("nook-seccomp", MFD_CLOEXEC);
        char path[64];
        int r;

        if (fd < 0)
                return nook_err_sys(err, "seccomp: memfd_create");
        if (build_filter(s, &ctx, err) < 0)
                return -1;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return nook_err_set(err, -r, "seccomp: export the filter");
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (read_file(path, bpf, len, 1 << 20, err) < 0)
                return -1;
        if (tree)
                compact(bpf, len);
        return 0;
}

/* Takes bpf (len bytes) as prog's instructions. */
static int set_program(struct seccomp_program *prog, char *bpf, size_t len, struct nook_err *err)
{
        _cleanup_free_ char *owned = bpf;

        if (len / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return nook_err_set(err, E2BIG, "seccomp: the filter has %zu instructions",
                                    len / sizeof(struct sock_filter));
        prog->n_insns = len / sizeof(struct sock_filter);
        prog->insns = (struct sock_filter *)TAKE_PTR(owned);
        return 0;
}

int seccomp_compile(const struct oci_seccomp *s, bool tree, struct seccomp_program *prog,
                    struct nook_err *err)
{
        char *bpf = NULL;
        size_t len = 0;

        if (compile(s, tree, &bpf, &len, err) < 0)
                return -1;
        return set_program(prog, bpf, len, err);
}

/* Compiling a profile the size of the default one costs libseccomp ~20 ms per
 * container; fleets start many containers with the same profile.  So the parent
 * compiles it once, keeps the program under the state root, and the child (which
 * inherits the memory at clone) only hands it to the kernel. */
int seccomp_prepare(const struct oci_seccomp *s, const char *cache_dir,
                    struct seccomp_program *prog, struct nook_err *err)
{
        _cleanup_free_ char *path = NULL, *bpf = NULL;
        size_t len = 0;

        if (s == NULL || prog->insns != NULL || oci_seccomp_uses_notify(s))
                return 0;
        path = xasprintf("%s/%016llx.bpf", cache_dir, (unsigned long long)filter_key(s));
        if (read_file(path, &bpf, &len, 1 << 20, NULL) < 0 || len == 0 ||
            len % sizeof(struct sock_filter) != 0) {
                free(TAKE_PTR(bpf));
                if (compile(s, true, &bpf, &len, err) < 0)
                        return -1;
                /* A cache that cannot be written only costs speed. */
                if (mkdir_p(cache_dir, 0700, NULL) == 0)
                        (void)write_file_atomic(path, bpf, len, 0600, NULL);
        }
        return set_program(prog, TAKE_PTR(bpf), len, err);
}

/* The runtime-spec's "container process state". */
static int process_state_json(const struct oci_seccomp *s, pid_t pid, const char *state_json,
                              char **out, size_t *len, struct nook_err *err)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        _cleanup_json_ json_val state = NULL;
        const char *text;

        if (json_parse(state_json, &state, err) < 0)
                return -1;
        json_w_object_open(w);
        json_w_kv_string(w, "ociVersion", PROCESS_STATE_OCI_VERSION);
        json_w_key(w, "fds");
        json_w_array_open(w);
        json_w_string(w, "seccompFd");
        json_w_array_close(w);
        json_w_kv_int(w, "pid", pid);
        if (s->listener_metadata)
                json_w_kv_string(w, "metadata", s->listener_metadata);
        json_w_key(w, "state");
        json_w_value(w, state);
        json_w_object_close(w);
        text = json_writer_text(w, len);
        *out = xstrndup(text, *len);
        return 0;
}

static int send_to_agent(const struct oci_seccomp *s, int notify_fd, pid_t pid,
                         const char *state_json, struct nook_err *err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        _cleanup_close_ int sock = -1;
        _cleanup_free_ char *msg = NULL;
        size_t len;
        ssize_t n;

        if (strlen(s->listener_path) >= sizeof(addr.sun_path))
                return nook_err_set(err, ENAMETOOLONG, "seccomp agent %s", s->listener_path);
        strcpy(addr.sun_path, s->listener_path);
        if (process_state_json(s, pid, state_json, &msg, &len, err) < 0)
                return -1;
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return nook_err_sys(err, "seccomp agent %s: socket", s->listener_path);
        if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return nook_err_sys(err, "seccomp agent %s: connect", s->listener_path);
        /* The fd goes with the first sendmsg; a stream may take the rest in more. */
        n = fd_send(sock, msg, len, notify_fd);
        if (n < 0 || write_all(sock, msg + n, len - (size_t)n) < 0)
                return nook_err_sys(err, "seccomp agent %s: send", s->listener_path);
        return 0;
}

int seccomp_relay_notify_fd(const struct oci_seccomp *s, int sync_fd, pid_t pid,
                            const struct container_state *st, enum container_status status,
                            struct nook_err *err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *state = NULL;

        if (sync_expect(sync_fd, SYNC_SECCOMP_FD, &fd, err) < 0)
                return -1;
        state = state_oci_json(st, status, false);
        return send_to_agent(s, fd, pid, state, err);
}

bool seccomp_flag_supported(unsigned int flag)
{
        /* As runc probes: with no program, a flag the kernel accepts gets EFAULT (it went
         * on to read the program), an unknown one EINVAL.  WAIT_KILLABLE_RECV is only
         * valid together with NEW_LISTENER. */
        if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* Whether libseccomp here knows arch (an SCMP_ARCH_* token). */
static bool arch_known(uint32_t arch)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (ctx == NULL)
                return false;
        r = seccomp_arch_add(ctx, arch);
        seccomp_release(ctx);
        return r == 0 || r == -EEXIST;
}

static void write_name_list(struct json_writer *w, const char *key, const char *(*name)(size_t i))
{
        const char *n;

        json_w_key(w, key);
        json_w_array_open(w);
        for (size_t i = 0; (n = name(i)) != NULL; i++)
                json_w_string(w, n);
        json_w_array_close(w);
}

void seccomp_write_features(struct json_writer *w)
{
        const char *n;
        uint32_t arch;
        unsigned int flag;

        json_w_object_open(w);
        json_w_kv_bool(w, "enabled", true);
        write_name_list(w, "actions", oci_seccomp_action_name);
        write_name_list(w, "operators", oci_seccomp_op_name);
        json_w_key(w, "archs");
        json_w_array_open(w);
        for (size_t i = 0; (n = oci_seccomp_arch_name(i, &arch)) != NULL; i++)
                if (arch_known(arch))
                        json_w_string(w, n);
        json_w_array_close(w);
        json_w_key(w, "knownFlags");
        json_w_array_open(w);
        for (size_t i = 0; (n = oci_seccomp_flag_name(i, NULL)) != NULL; i++)
                json_w_string(w, n);
        json_w_array_close(w);
        json_w_key(w, "supportedFlags");
        json_w_array_open(w);
        for (size_t i = 0; (n = oci_seccomp_flag_name(i, &flag)) != NULL; i++)
                if (seccomp_flag_supported(flag) &&
                    (flag != SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV || NOOK_SECCOMP_WAITKILL))
                        json_w_string(w, n);
        json_w_array_close(w);
        json_w_object_close(w);
}
