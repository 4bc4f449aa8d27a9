/* linux.seccomp: parsed into struct oci_seccomp with every name translated and checked,
 * so a typo fails `create` with the JSON path of the culprit instead of surfacing as a
 * libseccomp errno in the container's init.  Syscall names are the exception: a name
 * the kernel or libseccomp does not know is skipped when the filter is built, as runc
 * and crun do, so one profile serves older and newer hosts. */
#include <linux/audit.h>
#include <linux/elf-em.h>
#include <linux/seccomp.h>

#include "oci/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

struct action_name {
        const char *name;
        uint32_t action;
        bool takes_errno; /* errnoRet is its 16-bit data */
};

static const struct action_name action_names[] = {
    {"SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, false},
    {"SCMP_ACT_TRAP", SECCOMP_RET_TRAP, false},
    {"SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO, true},
    {"SCMP_ACT_TRACE", SECCOMP_RET_TRACE, true},
    {"SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, false},
    {"SCMP_ACT_LOG", SECCOMP_RET_LOG, false},
    {"SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF, false},
};

static const struct name_value operator_names[] = {
    {"SCMP_CMP_NE", OCI_SECCOMP_CMP_NE},
    {"SCMP_CMP_LT", OCI_SECCOMP_CMP_LT},
    {"SCMP_CMP_LE", OCI_SECCOMP_CMP_LE},
    {"SCMP_CMP_EQ", OCI_SECCOMP_CMP_EQ},
    {"SCMP_CMP_GE", OCI_SECCOMP_CMP_GE},
    {"SCMP_CMP_GT", OCI_SECCOMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", OCI_SECCOMP_CMP_MASKED_EQ},
};

/* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: libseccomp applies it from 2.6 on, which
 * configure tells (NOOK_SECCOMP_WAITKILL); an older one would drop it silently. */
static const struct {
        const char *name;
        unsigned int flag;
        bool in_libseccomp; /* this build can apply it */
} flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, true},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, true},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, true},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
     NOOK_SECCOMP_WAITKILL},
};

/* The runtime-spec's list (libseccomp 2.5) and later additions, as the audit tokens
 * the kernel and libseccomp (SCMP_ARCH_*) both use; x32 is libseccomp's own token. */
#ifndef AUDIT_ARCH_LOONGARCH64
#define AUDIT_ARCH_LOONGARCH64 (258 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE)
#endif
static const struct name_value arch_names[] = {
    {"SCMP_ARCH_X86", AUDIT_ARCH_I386},
    {"SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64},
    {"SCMP_ARCH_X32", EM_X86_64 | __AUDIT_ARCH_LE},
    {"SCMP_ARCH_ARM", AUDIT_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", AUDIT_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", AUDIT_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", AUDIT_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", AUDIT_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", AUDIT_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", AUDIT_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", AUDIT_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", AUDIT_ARCH_PPC},
    {"SCMP_ARCH_PPC64", AUDIT_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", AUDIT_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", AUDIT_ARCH_S390},
    {"SCMP_ARCH_S390X", AUDIT_ARCH_S390X},
    {"SCMP_ARCH_PARISC", AUDIT_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", AUDIT_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", AUDIT_ARCH_RISCV64},
    {"SCMP_ARCH_LOONGARCH64", AUDIT_ARCH_LOONGARCH64},
    {"SCMP_ARCH_M68K", AUDIT_ARCH_M68K},
    {"SCMP_ARCH_SH", AUDIT_ARCH_SHEL},
    {"SCMP_ARCH_SHEB", AUDIT_ARCH_SH},
};

const char *oci_seccomp_action_name(size_t i)
{
        return i < ARRAY_SIZE(action_names) ? action_names[i].name : NULL;
}

const char *oci_seccomp_op_name(size_t i)
{
        return i < ARRAY_SIZE(operator_names) ? operator_names[i].name : NULL;
}

const char *oci_seccomp_arch_name(size_t i, uint32_t *arch)
{
        if (i >= ARRAY_SIZE(arch_names))
                return NULL;
        if (arch)
                *arch = (uint32_t)arch_names[i].value;
        return arch_names[i].name;
}

const char *oci_seccomp_flag_name(size_t i, unsigned int *flag)
{
        if (i >= ARRAY_SIZE(flag_names))
                return NULL;
        if (flag)
                *flag = flag_names[i].flag;
        return flag_names[i].name;
}

/* ---- parsing ---- */

static void syscall_free(struct oci_seccomp_syscall *sc)
{
        strv_free(sc->names);
        free(sc->args);
}

void oci_seccomp_free(struct oci_seccomp *s)
{
        if (s == NULL)
                return;
        free(s->archs);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++)
                syscall_free(&s->syscalls[i]);
        free(s->syscalls);
        free(s);
}

static inline void oci_seccomp_freep(struct oci_seccomp **s)
{
        oci_seccomp_free(*s);
}

/* An action and its optional errno: `key` (required) and `errno_key`.  The spec's
 * default errno is EPERM; an errno with any other action is an error it requires. */
static int parse_action(json_val obj, const char *path, const char *key, const char *errno_key,
                        uint32_t *out, struct nook_err *err)
{
        _cleanup_free_ char *epath = NULL, *name = NULL;
        json_val e = lookup(obj, path, errno_key, &epath);
        const struct action_name *a = NULL;
        uint64_t errnum = EPERM;

        if (req_string(obj, path, key, &name, err) < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
                if (strcmp(action_names[i].name, name) == 0)
                        a = &action_names[i];
        if (a == NULL)
                return config_field_error(err, path, key, "unknown action '%s'", name);
        if (e != NULL) {
                if (!a->takes_errno)
                        return nook_err_set(err, 0,
                                            "%s: only allowed with SCMP_ACT_ERRNO or "
                                            "SCMP_ACT_TRACE, not %s",
                                            epath, name);
                /* The filter returns it in 16 bits (SECCOMP_RET_DATA). */
                if (json_as_uint64(e, epath, SECCOMP_RET_DATA, &errnum, err) < 0)
                        return -1;
        }
        *out = a->takes_errno ? a->action | (uint32_t)errnum : a->action;
        return 0;
}

/* An optional array of names, each looked up in table and ORed into *out (archs are
 * collected into s->archs instead). */
static int parse_archs(json_val obj, const char *path, struct oci_seccomp *s, struct nook_err *err)
{
        _cleanup_strv_ char **names = NULL;
        int r = opt_strv(obj, path, "architectures", &names, err);

        for (size_t i = 0; r > 0 && names[i]; i++) {
                const struct name_value *a = BY_NAME(arch_names, names[i]);

                if (a == NULL)
                        return nook_err_set(err, 0,
                                            "%s.architectures[%zu]: unknown architecture '%s'",
                                            path, i, names[i]);
                s->archs = xrealloc(s->archs, (s->n_archs + 1) * sizeof(*s->archs));
                s->archs[s->n_archs++] = (uint32_t)a->value;
        }
        return r < 0 ? -1 : 0;
}

static int parse_flags(json_val obj, const char *path, struct oci_seccomp *s, struct nook_err *err)
{
        _cleanup_strv_ char **names = NULL;
        int r = opt_strv(obj, path, "flags", &names, err);

        for (size_t i = 0; r > 0 && names[i]; i++) {
                size_t k = 0;

                while (k < ARRAY_SIZE(flag_names) && strcmp(flag_names[k].name, names[i]) != 0)
                        k++;
                if (k == ARRAY_SIZE(flag_names))
                        return nook_err_set(err, 0, "%s.flags[%zu]: unknown flag '%s'", path, i,
                                            names[i]);
                if (!flag_names[k].in_libseccomp)
                        return nook_err_set(err, EOPNOTSUPP,
                                            "%s.flags[%zu]: %s needs libseccomp 2.6", path, i,
                                            names[i]);
                s->flags |= flag_names[k].flag;
        }
        return r < 0 ? -1 : 0;
}

static int parse_listener(json_val obj, const char *path, struct oci_seccomp *s,
                          struct nook_err *err)
{
        if (opt_abs_path(obj, path, "listenerPath", &s->listener_path, err) < 0)
                return -1;
        if (!json_is_null(json_get(obj, "listenerMetadata")) && s->listener_path == NULL)
                return config_field_error(err, path, "listenerMetadata", "requires %s.listenerPath",
                                          path);
        return opt_string(obj, path, "listenerMetadata", &s->listener_metadata, err) < 0 ? -1 : 0;
}

static int parse_arg(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_seccomp_arg *a = item;
        _cleanup_free_ char *op = NULL;
        const struct name_value *o;
        uint64_t index;
        int r;

        if (require(v, path, "index", err) < 0 ||
            opt_uint(v, path, "index", OCI_SECCOMP_MAX_ARG, &index, err) < 0 ||
            require(v, path, "value", err) < 0 ||
            opt_uint(v, path, "value", UINT64_MAX, &a->value, err) < 0 ||
            (r = opt_uint(v, path, "valueTwo", UINT64_MAX, &a->value_two, err)) < 0 ||
            req_string(v, path, "op", &op, err) < 0)
                return -1;
        a->has_value_two = r > 0;
        a->index = (unsigned int)index;
        o = BY_NAME(operator_names, op);
        if (o == NULL)
                return config_field_error(err, path, "op", "unknown operator '%s'", op);
        a->op = (enum oci_seccomp_op)o->value;
        return 0;
}

static int parse_syscall(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_seccomp_syscall *sc = item;

        if (require(v, path, "names", err) < 0 || opt_strv(v, path, "names", &sc->names, err) < 0)
                return -1;
        if (sc->names[0] == NULL)
                return config_field_error(err, path, "names", "must contain at least one name");
        if (parse_action(v, path, "action", "errnoRet", &sc->action, err) < 0)
                return -1;
        return CONFIG_PARSE_LIST(v, path, "args", parse_arg, sc->args, sc->n_args, err) < 0 ? -1
                                                                                            : 0;
}

static int parse_syscalls(json_val obj, const char *path, struct oci_seccomp *s,
                          struct nook_err *err)
{
        if (CONFIG_PARSE_LIST(obj, path, "syscalls", parse_syscall, s->syscalls, s->n_syscalls,
                              err) < 0)
                return -1;
        for (size_t i = 0; i < s->n_syscalls; i++) {
                if (s->syscalls[i].action == SECCOMP_RET_USER_NOTIF && s->listener_path == NULL) {
                        _cleanup_free_ char *ipath = xasprintf("%s.syscalls[%zu]", path, i);
                        return config_field_error(err, ipath, "action",
                                                  "SCMP_ACT_NOTIFY requires "
                                                  "linux.seccomp.listenerPath");
                }
        }
        return 0;
}

int oci_seccomp_parse(json_val v, const char *path, struct oci_seccomp **out, struct nook_err *err)
{
        _cleanup_(oci_seccomp_freep) struct oci_seccomp *s = xcalloc(1, sizeof(*s));

        if (json_expect_object(v, path, err) < 0 ||
            parse_action(v, path, "defaultAction", "defaultErrnoRet", &s->default_action, err) < 0)
                return -1;
        /* The kernel has no agent to ask for a syscall no rule names. */
        if (s->default_action == SECCOMP_RET_USER_NOTIF)
                return config_field_error(err, path, "defaultAction",
                                          "SCMP_ACT_NOTIFY cannot be the default action");
        if (parse_archs(v, path, s, err) < 0 || parse_flags(v, path, s, err) < 0 ||
            parse_listener(v, path, s, err) < 0 || parse_syscalls(v, path, s, err) < 0)
                return -1;
        *out = TAKE_PTR(s);
        return 0;
}

bool oci_seccomp_uses_notify(const struct oci_seccomp *s)
{
        for (size_t i = 0; s && i < s->n_syscalls; i++)
                if (s->syscalls[i].action == SECCOMP_RET_USER_NOTIF)
                        return true;
        return false;
}

/* ---- writing ---- */

static void write_action(struct json_writer *w, const char *key, const char *errno_key,
                         uint32_t action)
{
        uint32_t base = action & SECCOMP_RET_ACTION_FULL;

        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
                if (action_names[i].action != base)
                        continue;
                json_w_kv_string(w, key, action_names[i].name);
                if (action_names[i].takes_errno)
                        json_w_kv_int(w, errno_key, action & SECCOMP_RET_DATA);
                return;
        }
}

static void write_names(struct json_writer *w, const char *key, const struct name_value *table,
                        size_t n, const uint32_t *values, size_t n_values)
{
        json_w_key(w, key);
        json_w_array_open(w);
        for (size_t i = 0; i < n_values; i++) {
                const char *name = name_of(table, n, values[i]);
                if (name)
                        json_w_string(w, name);
        }
        json_w_array_close(w);
}

static void write_syscall(struct json_writer *w, const struct oci_seccomp_syscall *sc)
{
        json_w_object_open(w);
        json_w_kv_strv(w, "names", sc->names);
        write_action(w, "action", "errnoRet", sc->action);
        if (sc->n_args) {
                json_w_key(w, "args");
                json_w_array_open(w);
                for (size_t i = 0; i < sc->n_args; i++) {
                        const struct oci_seccomp_arg *a = &sc->args[i];

                        json_w_object_open(w);
                        json_w_kv_int(w, "index", a->index);
                        json_w_key(w, "value");
                        json_w_uint(w, a->value);
                        if (a->has_value_two) {
                                json_w_key(w, "valueTwo");
                                json_w_uint(w, a->value_two);
                        }
                        json_w_kv_string(w, "op", NAME_OF(operator_names, a->op));
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

void write_seccomp(struct json_writer *w, const struct oci_seccomp *s)
{
        json_w_object_open(w);
        write_action(w, "defaultAction", "defaultErrnoRet", s->default_action);
        if (s->n_archs)
                write_names(w, "architectures", arch_names, ARRAY_SIZE(arch_names), s->archs,
                            s->n_archs);
        if (s->flags) {
                json_w_key(w, "flags");
                json_w_array_open(w);
                for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
                        if (s->flags & flag_names[i].flag)
                                json_w_string(w, flag_names[i].name);
                json_w_array_close(w);
        }
        if (s->listener_path)
                json_w_kv_string(w, "listenerPath", s->listener_path);
        if (s->listener_metadata)
                json_w_kv_string(w, "listenerMetadata", s->listener_metadata);
        json_w_key(w, "syscalls");
        json_w_array_open(w);
        for (size_t i = 0; i < s->n_syscalls; i++)
                write_syscall(w, &s->syscalls[i]);
        json_w_array_close(w);
        json_w_object_close(w);
}
