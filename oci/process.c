/* The process object of config.json and of an exec's process.json. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/internal.h"

/* One capability set.  A name this build does not know is left out and remembered, not
 * refused: runtime-spec 1.1 says a runtime should not fail on it (a newer kernel's
 * capability in an image's config), and runc and crun warn and go on. */
static int opt_caps(json_val obj, const char *path, const char *key, uint64_t *mask,
                    char ***unknown, struct nook_err *err)
{
        _cleanup_strv_ char **names = NULL;
        int r = opt_strv(obj, path, key, &names, err);

        for (size_t i = 0; r > 0 && names[i]; i++) {
                int cap = oci_cap_from_name(names[i]);

                if (cap >= 0) {
                        *mask |= UINT64_C(1) << cap;
                        continue;
                }
                bool seen = false;
                for (size_t j = 0; *unknown && (*unknown)[j]; j++)
                        seen = seen || strcmp((*unknown)[j], names[i]) == 0;
                if (!seen)
                        strv_push(unknown, names[i]);
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
        if (opt_caps(c, cpath, "bounding", &p->caps.bounding, &p->unknown_caps, err) < 0 ||
            opt_caps(c, cpath, "effective", &p->caps.effective, &p->unknown_caps, err) < 0 ||
            opt_caps(c, cpath, "inheritable", &p->caps.inheritable, &p->unknown_caps, err) < 0 ||
            opt_caps(c, cpath, "permitted", &p->caps.permitted, &p->unknown_caps, err) < 0 ||
            opt_caps(c, cpath, "ambient", &p->caps.ambient, &p->unknown_caps, err) < 0)
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
                                    oci_rlimit_name(p->rlimits[dup].resource));
        }
        return 0;
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
        strv_free(p->unknown_caps);
        extras_free(&p->extras);
        free(p);
}

static void process_freep(struct oci_process **p)
{
        oci_process_free(*p);
}

static int parse_process(json_val o, const char *path, struct oci_process *p, struct nook_err *err)
{
        static const char *const unsupported[] = {"ioPriority", "scheduler", "execCPUAffinity",
                                                  NULL};
        static const char *const known[] = {"terminal",
                                            "consoleSize",
                                            "user",
                                            "args",
                                            "env",
                                            "cwd",
                                            "capabilities",
                                            "rlimits",
                                            "noNewPrivileges",
                                            "oomScoreAdj",
                                            "apparmorProfile",
                                            "selinuxLabel",
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
        extras_collect(o, known, &p->extras);
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

/* ---- writing ---- */

static void write_caps(struct json_writer *w, const struct oci_caps *caps)
{
        const struct {
                const char *key;
                uint64_t mask;
        } sets[] = {{"bounding", caps->bounding},
                    {"effective", caps->effective},
                    {"inheritable", caps->inheritable},
                    {"permitted", caps->permitted},
                    {"ambient", caps->ambient}};

        json_w_key(w, "capabilities");
        json_w_object_open(w);
        for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
                json_w_key(w, sets[k].key);
                json_w_array_open(w);
                for (int c = 0; c < 64; c++)
                        if ((sets[k].mask & (UINT64_C(1) << c)) && oci_cap_name(c))
                                json_w_string(w, oci_cap_name(c));
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

static void write_user(struct json_writer *w, const struct oci_user *u)
{
        json_w_key(w, "user");
        json_w_object_open(w);
        json_w_kv_int(w, "uid", u->uid);
        json_w_kv_int(w, "gid", u->gid);
        if (u->has_umask)
                json_w_kv_int(w, "umask", u->umask);
        if (u->n_additional_gids) {
                json_w_key(w, "additionalGids");
                json_w_array_open(w);
                for (size_t i = 0; i < u->n_additional_gids; i++)
                        json_w_uint(w, u->additional_gids[i]);
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

void write_process(struct json_writer *w, const struct oci_process *p)
{
        json_w_object_open(w);
        json_w_kv_bool(w, "terminal", p->terminal);
        if (p->console_height || p->console_width) {
                json_w_key(w, "consoleSize");
                json_w_object_open(w);
                json_w_kv_int(w, "height", p->console_height);
                json_w_kv_int(w, "width", p->console_width);
                json_w_object_close(w);
        }
        write_user(w, &p->user);
        json_w_kv_strv(w, "args", p->args);
        json_w_kv_strv(w, "env", p->env);
        json_w_kv_string(w, "cwd", p->cwd);
        if (p->has_caps)
                write_caps(w, &p->caps);
        if (p->n_rlimits) {
                json_w_key(w, "rlimits");
                json_w_array_open(w);
                for (size_t i = 0; i < p->n_rlimits; i++) {
                        json_w_object_open(w);
                        json_w_kv_string(w, "type", oci_rlimit_name(p->rlimits[i].resource));
                        json_w_key(w, "hard");
                        json_w_uint(w, p->rlimits[i].hard);
                        json_w_key(w, "soft");
                        json_w_uint(w, p->rlimits[i].soft);
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        json_w_kv_bool(w, "noNewPrivileges", p->no_new_privileges);
        if (p->has_oom_score_adj)
                json_w_kv_int(w, "oomScoreAdj", p->oom_score_adj);
        if (p->apparmor_profile)
                json_w_kv_string(w, "apparmorProfile", p->apparmor_profile);
        if (p->selinux_label)
                json_w_kv_string(w, "selinuxLabel", p->selinux_label);
        extras_write(w, &p->extras);
        json_w_object_close(w);
}

char *oci_process_to_json(const struct oci_process *p)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);

        write_process(w, p);
        return writer_take(w);
}
