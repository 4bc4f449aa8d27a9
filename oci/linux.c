/* The linux object of config.json: namespaces, id mappings, time offsets, device
 * nodes, the cgroup path, propagation, masked and read-only paths, sysctls; its
 * resources and seccomp parts have files of their own. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "oci/internal.h"

static int parse_namespace(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_namespace *ns = item;
        _cleanup_free_ char *type = NULL;
        const struct oci_ns_kind *kind;

        if (req_string(v, path, "type", &type, err) < 0)
                return -1;
        kind = oci_ns_kind_by_name(type);
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
                                    dup, oci_ns_kind_by_flag(l->namespaces[dup].type)->name);
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
        e = by_name(oci_propagation_names, oci_propagation_names_count, s);
        if (e == NULL)
                return config_field_error(err, path, "rootfsPropagation",
                                          "unknown propagation '%s'", s);
        l->rootfs_propagation = e->value;
        return 1;
}

int parse_linux(json_val o, const char *path, struct oci_linux *l, struct nook_err *err)
{
        static const char *const unsupported[] = {"intelRdt", "personality", "netDevices",
                                                  "memoryPolicy", NULL};
        static const char *const known[] = {
            "namespaces",    "uidMappings", "gidMappings",       "timeOffsets",
            "devices",       "cgroupsPath", "rootfsPropagation", "maskedPaths",
            "readonlyPaths", "sysctl",      "mountLabel",        "resources",
            "seccomp",       NULL};

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
        extras_collect(o, known, &l->extras);
        return 0;
}

void free_linux(struct oci_linux *l)
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
        extras_free(&l->extras);
}

/* ---- writing ---- */

static void write_namespaces(struct json_writer *w, const struct oci_linux *l)
{
        json_w_key(w, "namespaces");
        json_w_array_open(w);
        for (size_t i = 0; i < l->n_namespaces; i++) {
                json_w_object_open(w);
                json_w_kv_string(w, "type", oci_ns_kind_by_flag(l->namespaces[i].type)->name);
                if (l->namespaces[i].path)
                        json_w_kv_string(w, "path", l->namespaces[i].path);
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

static void write_time_offset(struct json_writer *w, const char *clock,
                              const struct oci_time_offset *t)
{
        json_w_key(w, clock);
        json_w_object_open(w);
        json_w_kv_int(w, "secs", t->secs);
        json_w_kv_int(w, "nanosecs", t->nanosecs);
        json_w_object_close(w);
}

static void write_devices(struct json_writer *w, const struct oci_linux *l)
{
        json_w_key(w, "devices");
        json_w_array_open(w);
        for (size_t i = 0; i < l->n_devices; i++) {
                const struct oci_device *d = &l->devices[i];
                char type[2] = {d->type, '\0'};

                json_w_object_open(w);
                json_w_kv_string(w, "path", d->path);
                json_w_kv_string(w, "type", type);
                if (d->type != 'p') {
                        json_w_kv_int(w, "major", d->major);
                        json_w_kv_int(w, "minor", d->minor);
                }
                if (d->has_file_mode)
                        json_w_kv_int(w, "fileMode", d->file_mode);
                if (d->has_uid)
                        json_w_kv_int(w, "uid", d->uid);
                if (d->has_gid)
                        json_w_kv_int(w, "gid", d->gid);
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

void write_linux(struct json_writer *w, const struct oci_linux *l)
{
        json_w_object_open(w);
        if (l->n_namespaces)
                write_namespaces(w, l);
        write_idmaps(w, "uidMappings", l->uid_mappings, l->n_uid_mappings);
        write_idmaps(w, "gidMappings", l->gid_mappings, l->n_gid_mappings);
        if (l->has_time_offsets) {
                json_w_key(w, "timeOffsets");
                json_w_object_open(w);
                write_time_offset(w, "boottime", &l->boottime);
                write_time_offset(w, "monotonic", &l->monotonic);
                json_w_object_close(w);
        }
        if (l->n_devices)
                write_devices(w, l);
        if (l->cgroups_path)
                json_w_kv_string(w, "cgroupsPath", l->cgroups_path);
        if (l->rootfs_propagation)
                json_w_kv_string(w, "rootfsPropagation",
                                 name_of(oci_propagation_names, oci_propagation_names_count,
                                         l->rootfs_propagation));
        if (l->masked_paths)
                json_w_kv_strv(w, "maskedPaths", l->masked_paths);
        if (l->readonly_paths)
                json_w_kv_strv(w, "readonlyPaths", l->readonly_paths);
        if (l->sysctl)
                write_kv(w, "sysctl", l->sysctl, l->n_sysctl);
        if (l->mount_label)
                json_w_kv_string(w, "mountLabel", l->mount_label);
        if (l->resources) {
                json_w_key(w, "resources");
                write_resources(w, l->resources);
        }
        if (l->seccomp) {
                json_w_key(w, "seccomp");
                write_seccomp(w, l->seccomp);
        }
        extras_write(w, &l->extras);
        json_w_object_close(w);
}
