/* The seccomp filter of a container process, built with libseccomp from the parsed
 * linux.seccomp and loaded into the calling process; the notify fd's hand-over to the
 * seccomp agent; the embedded default profile. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/sync.h"

/* runtime/seccomp-default.json, NUL-terminated, from runtime/seccomp_default.S. */
extern const char nook_seccomp_default_json[];

/* The container process state's own version (runtime-spec 1.2). */
#define PROCESS_STATE_OCI_VERSION "1.2.0"

const char *seccomp_default_profile_json(void)
{
        return nook_seccomp_default_json;
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
#if SECCOMP_HAVE_WAITKILL
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
        return (struct scmp_arg_cmp){
            .arg = a->index, .op = a->op, .datum_a = a->value, .datum_b = a->value_two};
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

int seccomp_load_filter(const struct oci_seccomp *s, int *notify_fd, struct nook_err *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(s->default_action);
        int r;

        *notify_fd = -1;
        if (ctx == NULL)
                return nook_err_set(err, EINVAL, "seccomp: init the filter");
        for (size_t i = 0; i < s->n_archs; i++) {
                r = seccomp_arch_add(ctx, s->archs[i]);
                /* The native architecture is in already. */
                if (r < 0 && r != -EEXIST)
                        return nook_err_set(err, -r,
                                            "seccomp: add linux.seccomp.architectures[%zu]", i);
        }
        if (apply_flags(ctx, s, err) < 0)
                return -1;
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (add_syscall(ctx, s, &s->syscalls[i], err) < 0)
                        return -1;
        r = seccomp_load(ctx);
        if (r < 0)
                return nook_err_set(err, -r, "seccomp: load the filter");
        if (seccomp_uses_notify(s)) {
                r = seccomp_notify_fd(ctx);
                if (r < 0)
                        return nook_err_set(err, -r, "seccomp: the notify fd");
                *notify_fd = r;
        }
        return 0;
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
