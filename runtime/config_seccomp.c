/* linux.seccomp: parsed into struct oci_seccomp with every name translated and checked,
 * so a typo fails `create` with the JSON path of the culprit instead of surfacing as a
 * libseccomp errno in the container's init.  Syscall names are the exception: a name
 * the kernel or libseccomp does not know is skipped when the filter is built, as runc
 * and crun do, so one profile serves older and newer hosts. */
#include "runtime/seccomp.h"

#include "runtime/config_internal.h"

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
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

static const struct {
        const char *name;
        enum scmp_compare op;
} operator_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
        const char *name;
        unsigned int flag;
        bool in_libseccomp; /* this build can apply it */
} flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, true},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, true},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, true},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
     SECCOMP_HAVE_WAITKILL},
};

/* The runtime-spec's list (libseccomp 2.5) and later additions; `nook features` shows
 * those this libseccomp resolves.  Parsing accepts any name libseccomp resolves. */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

#define ARCH_PREFIX "SCMP_ARCH_"

/* SCMP_ARCH_X86_64 -> libseccomp's token for "x86_64"; 0 when unknown. */
static uint32_t arch_token(const char *name)
{
        char lower[32];
        size_t n;

        if (!str_has_prefix(name, ARCH_PREFIX))
                return 0;
        name += strlen(ARCH_PREFIX);
        n = strlen(name);
        if (n == 0 || n >= sizeof(lower))
                return 0;
        for (size_t i = 0; i <= n; i++)
                lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
        return seccomp_arch_resolve_name(lower);
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
        free(s->compiled);
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

/* obj.key, NULL when absent or null (the spec's "absent"); its path goes to *fpath. */
static json_val field(json_val obj, const char *path, const char *key, char **fpath)
{
        json_val v = json_get(obj, key);

        if (json_is_null(v))
                return NULL;
        *fpath = xasprintf("%s.%s", path, key);
        return v;
}

static json_val required(json_val obj, const char *path, const char *key, char **fpath,
                         struct nook_err *err)
{
        json_val v = field(obj, path, key, fpath);

        if (v == NULL)
                config_field_error(err, path, key, "required property is missing");
        return v;
}

/* An action and its optional errno: `key` (required) and `errno_key`.  The spec's
 * default errno is EPERM; an errno with any other action is an error it requires. */
static int parse_action(json_val obj, const char *path, const char *key, const char *errno_key,
                        uint32_t *out, struct nook_err *err)
{
        _cleanup_free_ char *apath = NULL, *epath = NULL, *name = NULL;
        json_val v = required(obj, path, key, &apath, err);
        json_val e = field(obj, path, errno_key, &epath);
        const struct action_name *a = NULL;
        uint64_t errnum = EPERM;

        if (v == NULL || json_as_string(v, apath, &name, err) < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
                if (strcmp(action_names[i].name, name) == 0)
                        a = &action_names[i];
        if (a == NULL)
                return nook_err_set(err, 0, "%s: unknown action '%s'", apath, name);
        if (e != NULL) {
                if (!a->takes_errno)
                        return nook_err_set(err, 0,
                                            "%s: only allowed with SCMP_ACT_ERRNO or "
                                            "SCMP_ACT_TRACE, not %s",
                                            epath, name);
                /* The filter returns it in 16 bits (SECCOMP_RET_DATA). */
                if (json_as_uint64(e, epath, 0xffff, &errnum, err) < 0)
                        return -1;
        }
        *out = a->takes_errno ? a->action | (uint32_t)errnum : a->action;
        return 0;
}

/* An optional array of strings, each element passed to `each` with its path. */
static int parse_names(json_val obj, const char *path, const char *key,
                       int (*each)(struct oci_seccomp *s, const char *name, const char *ipath,
                                   struct nook_err *err),
                       struct oci_seccomp *s, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        _cleanup_strv_ char **names = NULL;
        json_val v = field(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        if (json_as_strv(v, fpath, &names, err) < 0)
                return -1;
        for (size_t i = 0; names[i]; i++) {
                _cleanup_free_ char *ipath = xasprintf("%s[%zu]", fpath, i);

                if (each(s, names[i], ipath, err) < 0)
                        return -1;
        }
        return 0;
}

static int add_arch(struct oci_seccomp *s, const char *name, const char *ipath,
                    struct nook_err *err)
{
        uint32_t token = arch_token(name);

        if (token == 0)
                return nook_err_set(err, 0, "%s: unknown architecture '%s'", ipath, name);
        s->archs = xrealloc(s->archs, (s->n_archs + 1) * sizeof(*s->archs));
        s->archs[s->n_archs++] = token;
        return 0;
}

static int add_flag(struct oci_seccomp *s, const char *name, const char *ipath,
                    struct nook_err *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++) {
                if (strcmp(flag_names[i].name, name) != 0)
                        continue;
                if (!flag_names[i].in_libseccomp)
                        return nook_err_set(err, EOPNOTSUPP, "%s: %s needs libseccomp 2.6", ipath,
                                            name);
                s->flags |= flag_names[i].flag;
                return 0;
        }
        return nook_err_set(err, 0, "%s: unknown flag '%s'", ipath, name);
}

static int parse_listener(json_val obj, const char *path, struct oci_seccomp *s,
                          struct nook_err *err)
{
        _cleanup_free_ char *lpath = NULL, *mpath = NULL;
        json_val l = field(obj, path, "listenerPath", &lpath);
        json_val m = field(obj, path, "listenerMetadata", &mpath);

        if (l != NULL) {
                if (json_as_string(l, lpath, &s->listener_path, err) < 0)
                        return -1;
                if (s->listener_path[0] != '/')
                        return nook_err_set(err, 0, "%s: must be an absolute path", lpath);
        }
        if (m != NULL) {
                if (l == NULL)
                        return nook_err_set(err, 0, "%s: requires %s.listenerPath", mpath, path);
                if (json_as_string(m, mpath, &s->listener_metadata, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_arg(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_seccomp_arg *a = item;
        _cleanup_free_ char *ipath = NULL, *vpath = NULL, *v2path = NULL, *opath = NULL;
        _cleanup_free_ char *op = NULL;
        json_val index, value, value_two, jop;
        uint64_t u;

        if ((index = required(v, path, "index", &ipath, err)) == NULL ||
            json_as_uint64(index, ipath, OCI_SECCOMP_MAX_ARG, &u, err) < 0)
                return -1;
        a->index = (unsigned int)u;
        if ((value = required(v, path, "value", &vpath, err)) == NULL ||
            json_as_uint64(value, vpath, UINT64_MAX, &a->value, err) < 0)
                return -1;
        value_two = field(v, path, "valueTwo", &v2path);
        if (value_two && json_as_uint64(value_two, v2path, UINT64_MAX, &a->value_two, err) < 0)
                return -1;
        if ((jop = required(v, path, "op", &opath, err)) == NULL ||
            json_as_string(jop, opath, &op, err) < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(operator_names); i++) {
                if (strcmp(operator_names[i].name, op) == 0) {
                        a->op = operator_names[i].op;
                        return 0;
                }
        }
        return nook_err_set(err, 0, "%s: unknown operator '%s'", opath, op);
}

static int parse_syscall(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_seccomp_syscall *sc = item;
        _cleanup_free_ char *npath = NULL;
        json_val names = required(v, path, "names", &npath, err);

        if (names == NULL || json_as_strv(names, npath, &sc->names, err) < 0)
                return -1;
        if (sc->names[0] == NULL)
                return nook_err_set(err, 0, "%s: must contain at least one name", npath);
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
                if (s->syscalls[i].action == SCMP_ACT_NOTIFY && s->listener_path == NULL) {
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
        if (s->default_action == SCMP_ACT_NOTIFY)
                return config_field_error(err, path, "defaultAction",
                                          "SCMP_ACT_NOTIFY cannot be the default action");
        if (parse_names(v, path, "architectures", add_arch, s, err) < 0 ||
            parse_names(v, path, "flags", add_flag, s, err) < 0 ||
            parse_listener(v, path, s, err) < 0 || parse_syscalls(v, path, s, err) < 0)
                return -1;
        *out = TAKE_PTR(s);
        return 0;
}

bool seccomp_uses_notify(const struct oci_seccomp *s)
{
        for (size_t i = 0; s && i < s->n_syscalls; i++)
                if (s->syscalls[i].action == SCMP_ACT_NOTIFY)
                        return true;
        return false;
}

/* ---- nook features ---- */

void seccomp_write_features(struct json_writer *w)
{
        json_w_object_open(w);
        json_w_kv_bool(w, "enabled", true);
        json_w_key(w, "actions");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
                json_w_string(w, action_names[i].name);
        json_w_array_close(w);
        json_w_key(w, "operators");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(operator_names); i++)
                json_w_string(w, operator_names[i].name);
        json_w_array_close(w);
        json_w_key(w, "archs");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
                if (arch_token(arch_names[i]) != 0)
                        json_w_string(w, arch_names[i]);
        json_w_array_close(w);
        json_w_key(w, "knownFlags");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
                json_w_string(w, flag_names[i].name);
        json_w_array_close(w);
        json_w_key(w, "supportedFlags");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
                if (flag_names[i].in_libseccomp && seccomp_flag_supported(flag_names[i].flag))
                        json_w_string(w, flag_names[i].name);
        json_w_array_close(w);
        json_w_object_close(w);
}
