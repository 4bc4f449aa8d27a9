#include "runtime/config.h"
#include "runtime/config_internal.h"

#include "ns/ns.h"

#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/resources.h"
#include "runtime/seccomp.h"

/* Far above any real config.json; only guards against reading a runaway file. */
#define CONFIG_MAX_SIZE (8u * 1024 * 1024)

const char *const oci_hook_kind_names[OCI_HOOK_KIND_COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

/* ---- name tables ---- */

struct name_value {
        const char *name;
        unsigned long value;
};

// clang-format off
#define RLIMIT_NAME(n) {"RLIMIT_" #n, RLIMIT_##n}
// clang-format on
static const struct name_value rlimit_names[] = {
    RLIMIT_NAME(AS),     RLIMIT_NAME(CORE),   RLIMIT_NAME(CPU),        RLIMIT_NAME(DATA),
    RLIMIT_NAME(FSIZE),  RLIMIT_NAME(LOCKS),  RLIMIT_NAME(MEMLOCK),    RLIMIT_NAME(MSGQUEUE),
    RLIMIT_NAME(NICE),   RLIMIT_NAME(NOFILE), RLIMIT_NAME(NPROC),      RLIMIT_NAME(RSS),
    RLIMIT_NAME(RTPRIO), RLIMIT_NAME(RTTIME), RLIMIT_NAME(SIGPENDING), RLIMIT_NAME(STACK),
};

static const struct name_value propagation_names[] = {
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Mount options that set a flag, and their opposites that clear it. */
static const struct name_value mount_set_options[] = {
    {"ro", MS_RDONLY},         {"nosuid", MS_NOSUID},
    {"nodev", MS_NODEV},       {"noexec", MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS},  {"dirsync", MS_DIRSYNC},
    {"remount", MS_REMOUNT},   {"mand", MS_MANDLOCK},
    {"noatime", MS_NOATIME},   {"nodiratime", MS_NODIRATIME},
    {"relatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME},
};

static const struct name_value mount_clear_options[] = {
    {"rw", MS_RDONLY},           {"suid", MS_NOSUID},
    {"dev", MS_NODEV},           {"exec", MS_NOEXEC},
    {"async", MS_SYNCHRONOUS},   {"nomand", MS_MANDLOCK},
    {"atime", MS_NOATIME},       {"diratime", MS_NODIRATIME},
    {"norelatime", MS_RELATIME}, {"nostrictatime", MS_STRICTATIME},
    {"nolazytime", MS_LAZYTIME},
};

static const struct name_value *by_name(const struct name_value *table, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return &table[i];
        return NULL;
}

static const char *name_of(const struct name_value *table, size_t n, unsigned long value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return "?";
}

#define BY_NAME(table, name)  by_name(table, ARRAY_SIZE(table), name)
#define NAME_OF(table, value) name_of(table, ARRAY_SIZE(table), value)

int oci_rlimit_from_name(const char *name)
{
        const struct name_value *e = BY_NAME(rlimit_names, name);
        return e ? (int)e->value : -1;
}

/* ---- JSON field helpers ----
 *
 * Every parser gets the JSON path of the object it reads ("" for the document itself)
 * so errors can name the exact field.  Present-but-null counts as absent everywhere.
 * The opt_* helpers return 1 when the field was present, 0 when absent, -1 on error. */

static char *path_key(const char *parent, const char *key)
{
        return parent[0] ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

static char *path_index(const char *parent, size_t i)
{
        return xasprintf("%s[%zu]", parent, i);
}

static json_val lookup(json_val obj, const char *path, const char *key, char **fpath)
{
        json_val v = json_get(obj, key);

        if (json_is_null(v))
                return NULL;
        *fpath = path_key(path, key);
        return v;
}

int config_field_error(struct nook_err *err, const char *path, const char *key, const char *fmt,
                       ...)
{
        _cleanup_free_ char *fpath = key ? path_key(path, key) : xstrdup(path);
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        return nook_err_set(err, 0, "%s: %s", fpath, msg);
}

static int require(json_val obj, const char *path, const char *key, struct nook_err *err)
{
        if (!json_is_null(json_get(obj, key)))
                return 0;
        return config_field_error(err, path, key, "required property is missing");
}

static int opt_string(json_val obj, const char *path, const char *key, char **out,
                      struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_string(v, fpath, out, err) < 0 ? -1 : 1;
}

static int req_string(json_val obj, const char *path, const char *key, char **out,
                      struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_string(obj, path, key, out, err);
}

static int opt_bool(json_val obj, const char *path, const char *key, bool *out,
                    struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_bool(v, fpath, out, err) < 0 ? -1 : 1;
}

static int opt_int64(json_val obj, const char *path, const char *key, int64_t *out,
                     struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_int64(v, fpath, out, err) < 0 ? -1 : 1;
}

static int opt_uint(json_val obj, const char *path, const char *key, uint64_t max, uint64_t *out,
                    struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_uint64(v, fpath, max, out, err) < 0 ? -1 : 1;
}

static int opt_u32(json_val obj, const char *path, const char *key, uint32_t *out,
                   struct nook_err *err)
{
        uint64_t u;
        int r = opt_uint(obj, path, key, UINT32_MAX, &u, err);

        if (r > 0)
                *out = (uint32_t)u;
        return r;
}

static int req_u32(json_val obj, const char *path, const char *key, uint32_t *out,
                   struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_u32(obj, path, key, out, err);
}

static int opt_strv(json_val obj, const char *path, const char *key, char ***out,
                    struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_strv(v, fpath, out, err) < 0 ? -1 : 1;
}

/* obj.key checked to be an object; its path goes to *fpath when the caller wants it. */
static int opt_object(json_val obj, const char *path, const char *key, json_val *out, char **fpath,
                      struct nook_err *err)
{
        _cleanup_free_ char *p = NULL;
        json_val v = lookup(obj, path, key, &p);

        if (v == NULL)
                return 0;
        if (json_expect_object(v, p, err) < 0)
                return -1;
        *out = v;
        if (fpath)
                *fpath = TAKE_PTR(p);
        return 1;
}

static bool is_absolute(const char *s)
{
        return s[0] == '/';
}

static int opt_abs_path(json_val obj, const char *path, const char *key, char **out,
                        struct nook_err *err)
{
        int r = opt_string(obj, path, key, out, err);

        if (r > 0 && !is_absolute(*out))
                return config_field_error(err, path, key, "must be an absolute path");
        return r;
}

static int req_abs_path(json_val obj, const char *path, const char *key, char **out,
                        struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_abs_path(obj, path, key, out, err);
}

/* An array of absolute paths (maskedPaths, readonlyPaths). */
static int opt_path_list(json_val obj, const char *path, const char *key, char ***out,
                         struct nook_err *err)
{
        int r = opt_strv(obj, path, key, out, err);

        for (size_t i = 0; r > 0 && (*out)[i]; i++)
                if (!is_absolute((*out)[i])) {
                        _cleanup_free_ char *fpath = path_key(path, key);
                        return nook_err_set(err, 0, "%s[%zu]: must be an absolute path", fpath, i);
                }
        return r;
}

/* An object of string values (annotations, sysctl). */
static int opt_kv(json_val obj, const char *path, const char *key, struct oci_kv **out, size_t *n,
                  struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = NULL;
        int r = opt_object(obj, path, key, &v, &fpath, err);

        if (r <= 0)
                return r;
        *n = json_object_len(v);
        *out = xcalloc(*n, sizeof(**out));
        for (size_t i = 0; i < *n; i++) {
                const char *k = json_object_key(v, i);
                _cleanup_free_ char *kpath = path_key(fpath, k);

                (*out)[i].key = xstrdup(k);
                if (json_as_string(json_object_value(v, i), kpath, &(*out)[i].value, err) < 0)
                        return -1;
        }
        return 1;
}

int config_parse_list(json_val obj, const char *path, const char *key, config_item_parser parse,
                      size_t size, void **items, size_t *n, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);
        char *arr;

        if (v == NULL)
                return 0;
        if (json_expect_array(v, fpath, err) < 0)
                return -1;
        *n = json_array_len(v);
        *items = arr = xcalloc(*n, size);
        for (size_t i = 0; i < *n; i++) {
                _cleanup_free_ char *ipath = path_index(fpath, i);
                json_val e = json_array_get(v, i);

                if (json_expect_object(e, ipath, err) < 0 ||
                    parse(e, ipath, arr + i * size, err) < 0)
                        return -1;
        }
        return 1;
}

/* Index of the first element whose int member at `offset` repeats an earlier element's,
 * or n when all differ. */
static size_t first_duplicate(const void *items, size_t n, size_t size, size_t offset)
{
        const char *base = items;

        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (*(const int *)(base + i * size + offset) ==
                            *(const int *)(base + j * size + offset))
                                return i;
        return n;
}

/* ---- process ---- */

static int opt_caps(json_val obj, const char *path, const char *key, uint64_t *mask,
                    struct nook_err *err)
{
        _cleanup_strv_ char **names = NULL;
        int r = opt_strv(obj, path, key, &names, err);

        for (size_t i = 0; r > 0 && names[i]; i++) {
                const char *name = names[i];
                cap_value_t cap;

                /* cap_from_name() also takes numbers and stops at a ',', neither of which the
                 * spec allows.  An unknown name is refused rather than skipped: a typo would
                 * otherwise silently run the container without the capability it meant.
                 * A known one that the host cannot grant does not fail the container. */
                if (!str_has_prefix(name, "CAP_") ||
                    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(name) ||
                    cap_from_name(name, &cap) < 0 || cap < 0 || cap >= 64)
                        return nook_err_set(err, 0, "%s.%s[%zu]: unknown capability '%s'", path,
                                            key, i, name);
                *mask |= UINT64_C(1) << cap;
        }
        return r;
}

static int parse_caps(json_val obj, const char *path, struct oci_process *p, struct nook_err *err)
{
        _cleanup_free_ char *cpath = NULL;
        json_val c = NULL;
        int r = opt_object(obj, path, "capabilities", &c, &cpath, err);

        if (r <= 0)
                return r;
        p->has_caps = true;
        if (opt_caps(c, cpath, "bounding", &p->caps.bounding, err) < 0 ||
            opt_caps(c, cpath, "effective", &p->caps.effective, err) < 0 ||
            opt_caps(c, cpath, "inheritable", &p->caps.inheritable, err) < 0 ||
            opt_caps(c, cpath, "permitted", &p->caps.permitted, err) < 0 ||
            opt_caps(c, cpath, "ambient", &p->caps.ambient, err) < 0)
                return -1;
        return 1;
}

static int parse_user(json_val obj, const char *path, struct oci_user *u, struct nook_err *err)
{
        _cleanup_free_ char *upath = NULL, *gpath = NULL;
        json_val o = NULL, gids;
        int r = opt_object(obj, path, "user", &o, &upath, err);

        if (r <= 0)
                return r;
        if (opt_u32(o, upath, "uid", &u->uid, err) < 0 ||
            opt_u32(o, upath, "gid", &u->gid, err) < 0)
                return -1;
        r = opt_u32(o, upath, "umask", &u->umask, err);
        if (r < 0)
                return -1;
        u->has_umask = r > 0;

        gids = lookup(o, upath, "additionalGids", &gpath);
        if (gids == NULL)
                return 1;
        if (json_expect_array(gids, gpath, err) < 0)
                return -1;
        u->n_additional_gids = json_array_len(gids);
        u->additional_gids = xcalloc(u->n_additional_gids, sizeof(uint32_t));
        for (size_t i = 0; i < u->n_additional_gids; i++) {
                _cleanup_free_ char *ipath = path_index(gpath, i);
                uint64_t gid;

                if (json_as_uint64(json_array_get(gids, i), ipath, UINT32_MAX, &gid, err) < 0)
                        return -1;
                u->additional_gids[i] = (uint32_t)gid;
        }
        return 1;
}

static int parse_console_size(json_val obj, const char *path, struct oci_process *p,
                              struct nook_err *err)
{
        _cleanup_free_ char *cpath = NULL;
        json_val c = NULL;
        int r = opt_object(obj, path, "consoleSize", &c, &cpath, err);

        if (r <= 0)
                return r;
        if (req_u32(c, cpath, "height", &p->console_height, err) < 0 ||
            req_u32(c, cpath, "width", &p->console_width, err) < 0)
                return -1;
        return 1;
}

static int parse_rlimit(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_rlimit *rl = item;
        _cleanup_free_ char *type = NULL;

        if (req_string(v, path, "type", &type, err) < 0)
                return -1;
        rl->resource = oci_rlimit_from_name(type);
        if (rl->resource < 0)
                return config_field_error(err, path, "type", "unknown rlimit type '%s'", type);
        if (require(v, path, "soft", err) < 0 ||
            opt_uint(v, path, "soft", UINT64_MAX, &rl->soft, err) < 0 ||
            require(v, path, "hard", err) < 0 ||
            opt_uint(v, path, "hard", UINT64_MAX, &rl->hard, err) < 0)
                return -1;
        if (rl->soft > rl->hard)
                return nook_err_set(
                    err, 0, "%s: soft limit %" PRIu64 " is greater than hard limit %" PRIu64, path,
                    rl->soft, rl->hard);
        return 0;
}

static int parse_rlimits(json_val obj, const char *path, struct oci_process *p,
                         struct nook_err *err)
{
        size_t dup;

        if (CONFIG_PARSE_LIST(obj, path, "rlimits", parse_rlimit, p->rlimits, p->n_rlimits, err) <
            0)
                return -1;
        dup = first_duplicate(p->rlimits, p->n_rlimits, sizeof(*p->rlimits),
                              offsetof(struct oci_rlimit, resource));
        if (dup < p->n_rlimits) {
                _cleanup_free_ char *lpath = path_key(path, "rlimits");
                return nook_err_set(err, 0, "%s[%zu].type: duplicate rlimit type '%s'", lpath, dup,
                                    NAME_OF(rlimit_names, (unsigned long)p->rlimits[dup].resource));
        }
        return 0;
}

static void process_freep(struct oci_process **p)
{
        oci_process_free(*p);
}

/* Settings of runtime-spec 1.2 that nook does not implement (`nook features` does not
 * offer them): the first one present, for create to refuse rather than to run a
 * container with less than its config asks for. */
static const char *first_unsupported(json_val o, const char *const *keys)
{
        for (; *keys; keys++)
                if (!json_is_null(json_get(o, *keys)))
                        return *keys;
        return NULL;
}

static int parse_process(json_val o, const char *path, struct oci_process *p, struct nook_err *err)
{
        static const char *const unsupported[] = {"ioPriority", "scheduler", "execCPUAffinity",
                                                  NULL};
        int64_t oom;
        int r;

        if (opt_bool(o, path, "terminal", &p->terminal, err) < 0 ||
            parse_console_size(o, path, p, err) < 0 || parse_user(o, path, &p->user, err) < 0)
                return -1;

        if (require(o, path, "args", err) < 0 || opt_strv(o, path, "args", &p->args, err) < 0)
                return -1;
        if (p->args[0] == NULL)
                return config_field_error(err, path, "args", "must not be empty");
        if (opt_strv(o, path, "env", &p->env, err) < 0)
                return -1;
        if (p->env == NULL)
                p->env = xcalloc(1, sizeof(char *));
        if (req_abs_path(o, path, "cwd", &p->cwd, err) < 0)
                return -1;

        if (parse_caps(o, path, p, err) < 0 || parse_rlimits(o, path, p, err) < 0 ||
            opt_bool(o, path, "noNewPrivileges", &p->no_new_privileges, err) < 0)
                return -1;

        r = opt_int64(o, path, "oomScoreAdj", &oom, err);
        if (r < 0)
                return -1;
        if (r > 0 && (oom < -1000 || oom > 1000))
                return config_field_error(err, path, "oomScoreAdj",
                                          "%" PRId64 " is out of range (-1000 to 1000)", oom);
        p->has_oom_score_adj = r > 0;
        p->oom_score_adj = r > 0 ? (int)oom : 0;

        if (opt_string(o, path, "apparmorProfile", &p->apparmor_profile, err) < 0 ||
            opt_string(o, path, "selinuxLabel", &p->selinux_label, err) < 0)
                return -1;
        p->unsupported = first_unsupported(o, unsupported);
        return 0;
}

int oci_process_parse_json(json_val v, const char *path, struct oci_process **out,
                           struct nook_err *err)
{
        _cleanup_(process_freep) struct oci_process *p = xcalloc(1, sizeof(*p));

        if (json_expect_object(v, path, err) < 0 || parse_process(v, path, p, err) < 0)
                return -1;
        *out = TAKE_PTR(p);
        return 0;
}

int oci_process_parse(const char *text, struct oci_process **out, struct nook_err *err)
{
        _cleanup_json_ json_val v = NULL;

        if (json_parse(text, &v, err) < 0 || oci_process_parse_json(v, "process", out, err) < 0)
                return nook_err_prefix(err, "process.json");
        return 0;
}

/* ---- id mappings (linux.uidMappings, mounts[].uidMappings, ...) ---- */

/* The most lines a uid_map or gid_map may have (the kernel's UID_GID_MAP_MAX_EXTENTS). */
#define IDMAP_MAX_ENTRIES 340

static int parse_idmap(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_idmap *m = item;

        if (req_u32(v, path, "containerID", &m->container_id, err) < 0 ||
            req_u32(v, path, "hostID", &m->host_id, err) < 0 ||
            req_u32(v, path, "size", &m->size, err) < 0)
                return -1;
        if (m->size == 0)
                return config_field_error(err, path, "size", "must not be 0");
        if ((uint64_t)m->container_id + m->size > UINT64_C(1) << 32)
                return nook_err_set(
                    err, 0, "%s: containerID %" PRIu32 " + size %" PRIu32 " goes beyond 2^32", path,
                    m->container_id, m->size);
        if ((uint64_t)m->host_id + m->size > UINT64_C(1) << 32)
                return nook_err_set(err, 0,
                                    "%s: hostID %" PRIu32 " + size %" PRIu32 " goes beyond 2^32",
                                    path, m->host_id, m->size);
        return 0;
}

/* Whether [a, a + a_size) and [b, b + b_size) share an id. */
static bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size)
{
        return (uint64_t)a < (uint64_t)b + b_size && (uint64_t)b < (uint64_t)a + a_size;
}

/* What the kernel would refuse with a bare EINVAL when the map is written, refused
 * here with the entry named: too many entries, and ranges that overlap on either side. */
static int parse_idmaps(json_val obj, const char *path, const char *key, struct oci_idmap **maps,
                        size_t *n, struct nook_err *err)
{
        _cleanup_free_ char *fpath = path_key(path, key);
        int r = CONFIG_PARSE_LIST(obj, path, key, parse_idmap, *maps, *n, err);

        if (r <= 0)
                return r;
        if (*n > IDMAP_MAX_ENTRIES)
                return nook_err_set(err, 0, "%s: %zu entries, the kernel allows at most %d", fpath,
                                    *n, IDMAP_MAX_ENTRIES);
        for (size_t i = 0; i < *n; i++) {
                const struct oci_idmap *a = &(*maps)[i];

                for (size_t j = 0; j < i; j++) {
                        const struct oci_idmap *b = &(*maps)[j];

                        if (ranges_overlap(a->container_id, a->size, b->container_id, b->size))
                                return nook_err_set(err, 0,
                                                    "%s[%zu]: overlaps %s[%zu] (container ids)",
                                                    fpath, i, fpath, j);
                        if (ranges_overlap(a->host_id, a->size, b->host_id, b->size))
                                return nook_err_set(err, 0, "%s[%zu]: overlaps %s[%zu] (host ids)",
                                                    fpath, i, fpath, j);
                }
        }
        return 1;
}

/* ---- mounts ---- */

int oci_mount_parse_options(struct oci_mount *m, struct nook_err *err)
{
        _cleanup_free_ char *data = NULL;

        m->flags = m->clear_flags = m->propagation = 0;
        m->bind = m->type && strcmp(m->type, "bind") == 0;
        m->recursive = m->idmap = m->idmap_recursive = false;
        free(m->data);
        m->data = NULL;

        for (char **o = m->options; o && *o; o++) {
                const struct name_value *e;

                if ((e = BY_NAME(mount_set_options, *o))) {
                        m->flags |= e->value;
                        m->clear_flags &= ~e->value;
                } else if ((e = BY_NAME(mount_clear_options, *o))) {
                        m->flags &= ~e->value;
                        m->clear_flags |= e->value;
                } else if ((e = BY_NAME(propagation_names, *o))) {
                        m->propagation = e->value;
                } else if (strcmp(*o, "bind") == 0) {
                        m->bind = true;
                } else if (strcmp(*o, "rbind") == 0) {
                        m->bind = m->recursive = true;
                } else if (strcmp(*o, "idmap") == 0) {
                        m->idmap = true;
                } else if (strcmp(*o, "ridmap") == 0) {
                        m->idmap = m->idmap_recursive = true;
                } else if (**o != '\0') {
                        char *joined = data ? xasprintf("%s,%s", data, *o) : xstrdup(*o);
                        free(data);
                        data = joined;
                }
        }
        m->data = TAKE_PTR(data);
        return 0;
}

static int parse_mount(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_mount *m = item;

        if (req_string(v, path, "destination", &m->destination, err) < 0)
                return -1;
        if (m->destination[0] == '\0')
                return config_field_error(err, path, "destination", "must not be empty");
        /* runc accepts relative destinations and resolves them against the rootfs. */
        if (!is_absolute(m->destination)) {
                char *abs = xasprintf("/%s", m->destination);
                free(m->destination);
                m->destination = abs;
        }
        if (opt_string(v, path, "type", &m->type, err) < 0 ||
            opt_string(v, path, "source", &m->source, err) < 0 ||
            opt_strv(v, path, "options", &m->options, err) < 0)
                return -1;
        if (oci_mount_parse_options(m, err) < 0)
                return nook_err_prefix(err, "%s", path);
        if (parse_idmaps(v, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err) < 0 ||
            parse_idmaps(v, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err) < 0)
                return -1;
        /* One without the other would leave the other ids unmapped: shown as nobody. */
        if (m->n_uid_mappings > 0 && m->n_gid_mappings == 0)
                return nook_err_set(err, 0, "%s: uidMappings given without gidMappings", path);
        if (m->n_gid_mappings > 0 && m->n_uid_mappings == 0)
                return nook_err_set(err, 0, "%s: gidMappings given without uidMappings", path);
        /* The spec asks for "idmap" or "ridmap" with mappings; runc and crun take the
         * mappings alone as "idmap", and so does nook. */
        if (m->n_uid_mappings > 0)
                m->idmap = true;
        if (m->idmap && !m->bind)
                return nook_err_set(err, 0, "%s: an idmapped mount (%s) must be a bind mount", path,
                                    m->n_uid_mappings > 0 ? "uidMappings"
                                    : m->idmap_recursive  ? "ridmap"
                                                          : "idmap");
        return 0;
}

/* ---- hooks ---- */

static int parse_hook(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_hook *h = item;
        int64_t timeout;
        int r;

        if (req_abs_path(v, path, "path", &h->path, err) < 0 ||
            opt_strv(v, path, "args", &h->args, err) < 0 ||
            opt_strv(v, path, "env", &h->env, err) < 0)
                return -1;
        r = opt_int64(v, path, "timeout", &timeout, err);
        if (r < 0)
                return -1;
        if (r > 0 && (timeout <= 0 || timeout > INT32_MAX))
                return config_field_error(err, path, "timeout",
                                          "must be a positive number of seconds");
        h->timeout = r > 0 ? (int)timeout : 0;
        return 0;
}

static int parse_hooks(json_val obj, struct oci_config *c, struct nook_err *err)
{
        _cleanup_free_ char *hpath = NULL;
        json_val h = NULL;
        int r = opt_object(obj, "", "hooks", &h, &hpath, err);

        for (size_t k = 0; r > 0 && k < OCI_HOOK_KIND_COUNT; k++)
                if (CONFIG_PARSE_LIST(h, hpath, oci_hook_kind_names[k], parse_hook,
                                      c->hooks[k].hooks, c->hooks[k].n, err) < 0)
                        return -1;
        return r;
}

/* ---- linux ---- */

static int parse_namespace(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_namespace *ns = item;
        _cleanup_free_ char *type = NULL;
        const struct ns_kind *kind;

        if (req_string(v, path, "type", &type, err) < 0)
                return -1;
        kind = ns_kind_by_oci_name(type);
        if (kind == NULL)
                return config_field_error(err, path, "type", "unknown namespace type '%s'", type);
        ns->type = kind->flag;
        return opt_abs_path(v, path, "path", &ns->path, err) < 0 ? -1 : 0;
}

static int parse_namespaces(json_val obj, const char *path, struct oci_linux *l,
                            struct nook_err *err)
{
        size_t dup;

        if (CONFIG_PARSE_LIST(obj, path, "namespaces", parse_namespace, l->namespaces,
                              l->n_namespaces, err) < 0)
                return -1;
        dup = first_duplicate(l->namespaces, l->n_namespaces, sizeof(*l->namespaces),
                              offsetof(struct oci_namespace, type));
        if (dup < l->n_namespaces) {
                _cleanup_free_ char *npath = path_key(path, "namespaces");
                return nook_err_set(err, 0, "%s[%zu].type: duplicate namespace type '%s'", npath,
                                    dup, ns_kind_by_flag(l->namespaces[dup].type)->oci_name);
        }
        return 0;
}

static int parse_time_offset(json_val obj, const char *path, const char *clock,
                             struct oci_time_offset *t, struct nook_err *err)
{
        _cleanup_free_ char *cpath = NULL;
        json_val o = NULL;
        uint64_t ns = 0;
        int r = opt_object(obj, path, clock, &o, &cpath, err);

        if (r <= 0)
                return r;
        /* The kernel rejects offsets whose nanoseconds are a whole second or more. */
        if (opt_int64(o, cpath, "secs", &t->secs, err) < 0 ||
            opt_uint(o, cpath, "nanosecs", 999999999, &ns, err) < 0)
                return -1;
        t->nanosecs = (uint32_t)ns;
        return 1;
}

static int parse_time_offsets(json_val obj, const char *path, struct oci_linux *l,
                              struct nook_err *err)
{
        _cleanup_free_ char *tpath = NULL;
        json_val t = NULL;
        int r = opt_object(obj, path, "timeOffsets", &t, &tpath, err);

        if (r <= 0)
                return r;
        l->has_time_offsets = true;
        if (parse_time_offset(t, tpath, "boottime", &l->boottime, err) < 0 ||
            parse_time_offset(t, tpath, "monotonic", &l->monotonic, err) < 0)
                return -1;
        return 1;
}

static int parse_device(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_device *d = item;
        _cleanup_free_ char *type = NULL;
        int r;

        if (req_abs_path(v, path, "path", &d->path, err) < 0 ||
            req_string(v, path, "type", &type, err) < 0)
                return -1;
        if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
                return config_field_error(err, path, "type",
                                          "invalid device type '%s' (expected c, b, u or p)", type);
        d->type = type[0];
        /* Only fifos have no device number. */
        if (d->type != 'p' &&
            (require(v, path, "major", err) < 0 || require(v, path, "minor", err) < 0))
                return -1;
        if (opt_int64(v, path, "major", &d->major, err) < 0 ||
            opt_int64(v, path, "minor", &d->minor, err) < 0)
                return -1;
        if ((r = opt_u32(v, path, "fileMode", &d->file_mode, err)) < 0)
                return -1;
        d->has_file_mode = r > 0;
        if ((r = opt_u32(v, path, "uid", &d->uid, err)) < 0)
                return -1;
        d->has_uid = r > 0;
        if ((r = opt_u32(v, path, "gid", &d->gid, err)) < 0)
                return -1;
        d->has_gid = r > 0;
        return 0;
}

static int parse_rootfs_propagation(json_val obj, const char *path, struct oci_linux *l,
                                    struct nook_err *err)
{
        _cleanup_free_ char *s = NULL;
        const struct name_value *e;
        int r = opt_string(obj, path, "rootfsPropagation", &s, err);

        if (r <= 0)
                return r;
        e = BY_NAME(propagation_names, s);
        if (e == NULL)
                return config_field_error(err, path, "rootfsPropagation",
                                          "unknown propagation '%s'", s);
        l->rootfs_propagation = e->value;
        return 1;
}

static int parse_linux(json_val o, const char *path, struct oci_linux *l, struct nook_err *err)
{
        static const char *const unsupported[] = {"intelRdt", "personality", "netDevices",
                                                  "memoryPolicy", NULL};

        if (parse_namespaces(o, path, l, err) < 0 ||
            parse_idmaps(o, path, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err) < 0 ||
            parse_idmaps(o, path, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err) < 0 ||
            parse_time_offsets(o, path, l, err) < 0 ||
            CONFIG_PARSE_LIST(o, path, "devices", parse_device, l->devices, l->n_devices, err) <
                0 ||
            opt_string(o, path, "cgroupsPath", &l->cgroups_path, err) < 0 ||
            parse_rootfs_propagation(o, path, l, err) < 0 ||
            opt_path_list(o, path, "maskedPaths", &l->masked_paths, err) < 0 ||
            opt_path_list(o, path, "readonlyPaths", &l->readonly_paths, err) < 0 ||
            opt_kv(o, path, "sysctl", &l->sysctl, &l->n_sysctl, err) < 0 ||
            opt_string(o, path, "mountLabel", &l->mount_label, err) < 0)
                return -1;
        l->unsupported = first_unsupported(o, unsupported);
        if (l->unsupported == NULL && l->mount_label && l->mount_label[0])
                l->unsupported = "mountLabel"; /* SELinux: not supported */

        {
                _cleanup_free_ char *rpath = NULL;
                json_val res = lookup(o, path, "resources", &rpath);

                if (res && oci_resources_parse(res, rpath, &l->resources, err) < 0)
                        return -1;
        }
        {
                _cleanup_free_ char *spath = NULL;
                json_val s = lookup(o, path, "seccomp", &spath);

                if (s && oci_seccomp_parse(s, spath, &l->seccomp, err) < 0)
                        return -1;
        }
        return 0;
}

/* ---- config ---- */

static bool has_new_namespace(const struct oci_config *c, int type)
{
        const struct oci_namespace *ns = oci_config_namespace(c, type);
        return ns && ns->path == NULL;
}

/* Which namespace makes a sysctl private to the container (as runc decides it): a
 * sysctl no namespace covers would change the host, so it is refused. */
static int sysctl_namespace(const char *key)
{
        static const char *const ipc_keys[] = {
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
        _cleanup_free_ char *k = xstrdup(key);

        for (char *p = k; *p; p++)
                if (*p == '/')
                        *p = '.';
        if (str_has_prefix(k, "net."))
                return CLONE_NEWNET;
        if (str_has_prefix(k, "fs.mqueue."))
                return CLONE_NEWIPC;
        for (size_t i = 0; i < ARRAY_SIZE(ipc_keys); i++)
                if (strcmp(k, ipc_keys[i]) == 0)
                        return CLONE_NEWIPC;
        if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
                return CLONE_NEWUTS;
        return 0;
}

/* A namespace of the container's own: new, or joined by a path that is not ours. */
static bool has_private_namespace(const struct oci_config *c, int type)
{
        const struct oci_namespace *ns = oci_config_namespace(c, type);
        _cleanup_free_ char *self = NULL;
        struct stat a, b;

        if (ns == NULL)
                return false;
        if (ns->path == NULL)
                return true;
        self = xasprintf("/proc/self/ns/%s", ns_kind_by_flag(type)->proc_name);
        if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
                return true; /* a missing path fails later, with its own error */
        return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int validate_sysctl(const struct oci_config *c, struct nook_err *err)
{
        for (size_t i = 0; i < c->linux_.n_sysctl; i++) {
                const char *key = c->linux_.sysctl[i].key;
                int ns = sysctl_namespace(key);

                if (ns == 0)
                        return nook_err_set(err, 0,
                                            "linux.sysctl.%s: not namespaced, it would change "
                                            "the host",
                                            key);
                if (!has_private_namespace(c, ns))
                        return nook_err_set(err, 0,
                                            "linux.sysctl.%s: requires a %s namespace of "
                                            "the container's own",
                                            key, ns_kind_by_flag(ns)->oci_name);
        }
        return 0;
}

/* The mappings an "idmap" mount without its own, or the idmapped rootfs, borrows are the
 * container's user namespace's: without one there are none. */
static int validate_idmapped_mounts(const struct oci_config *c, bool userns, struct nook_err *err)
{
        if (c->root.idmap && !userns)
                return nook_err_set(err, 0,
                                    "annotations.%s: requires a user namespace, whose mappings "
                                    "the rootfs takes",
                                    OCI_ANNOTATION_ROOTFS_IDMAP);
        for (size_t i = 0; i < c->n_mounts; i++)
                if (c->mounts[i].idmap && c->mounts[i].n_uid_mappings == 0 && !userns)
                        return nook_err_set(err, 0,
                                            "mounts[%zu]: '%s' without uidMappings and gidMappings "
                                            "requires a user namespace, whose mappings it takes",
                                            i, c->mounts[i].idmap_recursive ? "ridmap" : "idmap");
        return 0;
}

static int parse_rootfs_idmap(struct oci_config *c, struct nook_err *err)
{
        const char *v = oci_annotation(c, OCI_ANNOTATION_ROOTFS_IDMAP);

        if (v == NULL || strcmp(v, "false") == 0)
                return 0;
        if (strcmp(v, "true") != 0)
                return nook_err_set(err, 0,
                                    "annotations.%s: expected \"true\" or \"false\", not \"%s\"",
                                    OCI_ANNOTATION_ROOTFS_IDMAP, v);
        c->root.idmap = true;
        return 0;
}

static int validate(const struct oci_config *c, struct nook_err *err)
{
        const struct oci_linux *l = &c->linux_;
        bool userns = oci_config_has_namespace(c, CLONE_NEWUSER);

        if (l->n_uid_mappings > 0 && !userns)
                return nook_err_set(err, 0, "linux.uidMappings: requires a user namespace");
        if (l->n_gid_mappings > 0 && !userns)
                return nook_err_set(err, 0, "linux.gidMappings: requires a user namespace");
        if (c->hostname && c->hostname[0] && !has_new_namespace(c, CLONE_NEWUTS))
                return nook_err_set(err, 0, "hostname: requires a new uts namespace");
        if (c->domainname && c->domainname[0] && !has_new_namespace(c, CLONE_NEWUTS))
                return nook_err_set(err, 0, "domainname: requires a new uts namespace");
        if (l->has_time_offsets && !has_new_namespace(c, CLONE_NEWTIME))
                return nook_err_set(err, 0, "linux.timeOffsets: requires a new time namespace");
        if (validate_idmapped_mounts(c, userns, err) < 0)
                return -1;
        return validate_sysctl(c, err);
}

static int parse_config(json_val v, struct oci_config *c, struct nook_err *err)
{
        _cleanup_free_ char *lpath = NULL;
        json_val root = NULL, proc, lnx = NULL;
        int r;

        if (!json_is_object(v))
                return nook_err_set(err, 0, "expected an object");
        if (req_string(v, "", "ociVersion", &c->oci_version, err) < 0)
                return -1;
        if (require(v, "", "root", err) < 0 || opt_object(v, "", "root", &root, NULL, err) < 0 ||
            req_string(root, "root", "path", &c->root.path, err) < 0 ||
            opt_bool(root, "root", "readonly", &c->root.readonly, err) < 0)
                return -1;

        proc = json_get(v, "process");
        if (!json_is_null(proc) && oci_process_parse_json(proc, "process", &c->process, err) < 0)
                return -1;

        if (opt_string(v, "", "hostname", &c->hostname, err) < 0 ||
            opt_string(v, "", "domainname", &c->domainname, err) < 0 ||
            CONFIG_PARSE_LIST(v, "", "mounts", parse_mount, c->mounts, c->n_mounts, err) < 0 ||
            parse_hooks(v, c, err) < 0 ||
            opt_kv(v, "", "annotations", &c->annotations, &c->n_annotations, err) < 0 ||
            parse_rootfs_idmap(c, err) < 0)
                return -1;

        if ((r = opt_object(v, "", "linux", &lnx, &lpath, err)) < 0)
                return -1;
        c->has_linux = r > 0;
        if (c->has_linux && parse_linux(lnx, lpath, &c->linux_, err) < 0)
                return -1;

        return validate(c, err);
}

int oci_config_parse(const char *text, struct oci_config **out, struct nook_err *err)
{
        _cleanup_json_ json_val v = NULL;
        _cleanup_config_ struct oci_config *c = xcalloc(1, sizeof(*c));

        if (json_parse(text, &v, err) < 0 || parse_config(v, c, err) < 0)
                return nook_err_prefix(err, "config.json");
        *out = TAKE_PTR(c);
        return 0;
}

int oci_config_load(const char *bundle, struct oci_config **out, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        _cleanup_free_ char *text = NULL;

        if (read_file(path, &text, NULL, CONFIG_MAX_SIZE, err) < 0)
                return -1;
        return oci_config_parse(text, out, err);
}

/* ---- freeing and lookups ---- */

static void free_kv(struct oci_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

void oci_process_free(struct oci_process *p)
{
        if (p == NULL)
                return;
        free(p->user.additional_gids);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p);
}

static void free_linux(struct oci_linux *l)
{
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free_kv(l->sysctl, l->n_sysctl);
        free(l->mount_label);
        oci_seccomp_free(l->seccomp);
        oci_resources_free(l->resources);
}

void oci_config_free(struct oci_config *c)
{
        if (c == NULL)
                return;
        free(c->oci_version);
        free(c->root.path);
        oci_process_free(c->process);
        free(c->hostname);
        free(c->domainname);
        for (size_t i = 0; i < c->n_mounts; i++) {
                struct oci_mount *m = &c->mounts[i];
                free(m->destination);
                free(m->type);
                free(m->source);
                strv_free(m->options);
                free(m->data);
                free(m->uid_mappings);
                free(m->gid_mappings);
        }
        free(c->mounts);
        for (size_t k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
                for (size_t i = 0; i < c->hooks[k].n; i++) {
                        free(c->hooks[k].hooks[i].path);
                        strv_free(c->hooks[k].hooks[i].args);
                        strv_free(c->hooks[k].hooks[i].env);
                }
                free(c->hooks[k].hooks);
        }
        free_kv(c->annotations, c->n_annotations);
        free_linux(&c->linux_);
        free(c);
}

const char *oci_annotation(const struct oci_config *c, const char *key)
{
        for (size_t i = 0; i < c->n_annotations; i++)
                if (strcmp(c->annotations[i].key, key) == 0)
                        return c->annotations[i].value;
        return NULL;
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *c, int type)
{
        for (size_t i = 0; i < c->linux_.n_namespaces; i++)
                if (c->linux_.namespaces[i].type == type)
                        return &c->linux_.namespaces[i];
        return NULL;
}

bool oci_config_has_namespace(const struct oci_config *c, int type)
{
        return oci_config_namespace(c, type) != NULL;
}
