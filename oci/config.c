/* config.json as a whole: the top level (root, hostname, mounts, hooks, annotations),
 * the checks across its parts, freeing, lookups and the writer. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/internal.h"

/* Far above any real config.json; only guards against reading a runaway file. */
#define CONFIG_MAX_SIZE (8u * 1024 * 1024)

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
        self = xasprintf("/proc/self/ns/%s", oci_ns_kind_by_flag(type)->proc_name);
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
                                            key, oci_ns_kind_by_flag(ns)->name);
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

/* Digits without a leading zero (semver's numeric identifier); the text after them. */
static const char *number(const char *s)
{
        size_t n = strspn(s, "0123456789");

        return n == 0 || (n > 1 && s[0] == '0') ? NULL : s + n;
}

/* A semantic version of major 1: 1.MINOR.PATCH, maybe -PRERELEASE and +BUILD of
 * [0-9A-Za-z.-].  Stricter than runc (which reads none) and crun (any text holding
 * "1.0"): a config of another major version is not one nook knows how to run. */
static bool version_1(const char *v)
{
        const char *p = v;

        if (strncmp(p, "1.", 2) != 0 || (p = number(p + 2)) == NULL || *p++ != '.' ||
            (p = number(p)) == NULL)
                return false;
        if (*p == '-' || *p == '+')
                return p[1] != '\0' &&
                       strspn(
                           p + 1,
                           "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-+") ==
                           strlen(p + 1);
        return *p == '\0';
}

static int parse_config(json_val v, struct oci_config *c, struct nook_err *err)
{
        static const char *const known[] = {"ociVersion", "root",   "process", "hostname",
                                            "domainname", "mounts", "hooks",   "annotations",
                                            "linux",      NULL};
        _cleanup_free_ char *lpath = NULL;
        json_val root = NULL, proc, lnx = NULL;
        int r;

        if (!json_is_object(v))
                return nook_err_set(err, 0, "expected an object");
        if (req_string(v, "", "ociVersion", &c->oci_version, err) < 0)
                return -1;
        if (!version_1(c->oci_version))
                return config_field_error(err, "", "ociVersion",
                                          "'%s' is not a runtime-spec version 1.x.y",
                                          c->oci_version);
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
        extras_collect(v, known, &c->extras);
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

void oci_config_free(struct oci_config *c)
{
        if (c == NULL)
                return;
        free(c->oci_version);
        free(c->root.path);
        oci_process_free(c->process);
        free(c->hostname);
        free(c->domainname);
        for (size_t i = 0; i < c->n_mounts; i++)
                oci_mount_free(&c->mounts[i]);
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
        extras_free(&c->extras);
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

void oci_annotation_set(struct oci_config *c, const char *key, const char *value)
{
        for (size_t i = 0; i < c->n_annotations; i++) {
                struct oci_kv *kv = &c->annotations[i];

                if (strcmp(kv->key, key) != 0)
                        continue;
                free(kv->value);
                if (value) {
                        kv->value = xstrdup(value);
                        return;
                }
                free(kv->key);
                memmove(kv, kv + 1, (c->n_annotations - i - 1) * sizeof(*kv));
                c->n_annotations--;
                return;
        }
        if (value == NULL)
                return;
        c->annotations = xrealloc(c->annotations, (c->n_annotations + 1) * sizeof(*c->annotations));
        c->annotations[c->n_annotations++] = (struct oci_kv){xstrdup(key), xstrdup(value)};
}

/* ---- writing ---- */

static void write_hooks(struct json_writer *w, const struct oci_config *c)
{
        bool any = false;

        for (size_t k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                any = any || c->hooks[k].n > 0;
        if (!any)
                return;
        json_w_key(w, "hooks");
        json_w_object_open(w);
        for (size_t k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
                if (c->hooks[k].n == 0)
                        continue;
                json_w_key(w, oci_hook_kind_names[k]);
                json_w_array_open(w);
                for (size_t i = 0; i < c->hooks[k].n; i++) {
                        const struct oci_hook *h = &c->hooks[k].hooks[i];

                        json_w_object_open(w);
                        json_w_kv_string(w, "path", h->path);
                        if (h->args)
                                json_w_kv_strv(w, "args", h->args);
                        if (h->env)
                                json_w_kv_strv(w, "env", h->env);
                        if (h->timeout)
                                json_w_kv_int(w, "timeout", h->timeout);
                        json_w_object_close(w);
                }
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

char *oci_config_to_json(const struct oci_config *c, bool pretty)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(pretty);

        json_w_object_open(w);
        json_w_kv_string(w, "ociVersion", c->oci_version);
        if (c->process) {
                json_w_key(w, "process");
                write_process(w, c->process);
        }
        json_w_key(w, "root");
        json_w_object_open(w);
        json_w_kv_string(w, "path", c->root.path);
        if (c->root.readonly)
                json_w_kv_bool(w, "readonly", true);
        json_w_object_close(w);
        if (c->hostname)
                json_w_kv_string(w, "hostname", c->hostname);
        if (c->domainname)
                json_w_kv_string(w, "domainname", c->domainname);
        if (c->mounts)
                write_mounts(w, c);
        write_hooks(w, c);
        if (c->annotations)
                write_kv(w, "annotations", c->annotations, c->n_annotations);
        if (c->has_linux) {
                json_w_key(w, "linux");
                write_linux(w, &c->linux_);
        }
        extras_write(w, &c->extras);
        json_w_object_close(w);
        return writer_take(w);
}
