/* mounts[] of config.json (options into mount flags, idmapped binds) and the id
 * mappings they share with linux.uidMappings/gidMappings. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/internal.h"

/* Mount options that set a flag, and their opposites that clear it. */
static const struct name_value mount_set_options[] = {
    {"ro", MS_RDONLY},
    {"nosuid", MS_NOSUID},
    {"nodev", MS_NODEV},
    {"noexec", MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC},
    {"remount", MS_REMOUNT},
    {"mand", MS_MANDLOCK},
    {"noatime", MS_NOATIME},
    {"nodiratime", MS_NODIRATIME},
    {"relatime", MS_RELATIME},
    {"strictatime", MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME},
    {"silent", MS_SILENT},
    {"iversion", MS_I_VERSION},
    {"acl", MS_POSIXACL},
    {"nosymfollow", MS_NOSYMFOLLOW},
};

static const struct name_value mount_clear_options[] = {
    {"rw", MS_RDONLY},
    {"suid", MS_NOSUID},
    {"dev", MS_NODEV},
    {"exec", MS_NOEXEC},
    {"async", MS_SYNCHRONOUS},
    {"nomand", MS_MANDLOCK},
    {"atime", MS_NOATIME},
    {"diratime", MS_NODIRATIME},
    {"norelatime", MS_RELATIME},
    {"nostrictatime", MS_STRICTATIME},
    {"nolazytime", MS_LAZYTIME},
    {"loud", MS_SILENT},
    {"noiversion", MS_I_VERSION},
    {"noacl", MS_POSIXACL},
    {"symfollow", MS_NOSYMFOLLOW},
};

/* The recursive options of runtime-spec 1.1 (mount_setattr on the mount and every
 * submount): each sets or clears one MOUNT_ATTR_*. */
static const struct {
        const char *name;
        uint64_t attr;
        bool clear;
} mount_recursive_options[] = {
    {"rro", MOUNT_ATTR_RDONLY, false},
    {"rrw", MOUNT_ATTR_RDONLY, true},
    {"rnosuid", MOUNT_ATTR_NOSUID, false},
    {"rsuid", MOUNT_ATTR_NOSUID, true},
    {"rnodev", MOUNT_ATTR_NODEV, false},
    {"rdev", MOUNT_ATTR_NODEV, true},
    {"rnoexec", MOUNT_ATTR_NOEXEC, false},
    {"rexec", MOUNT_ATTR_NOEXEC, true},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, false},
    {"rdiratime", MOUNT_ATTR_NODIRATIME, true},
    {"rrelatime", MOUNT_ATTR_RELATIME, false},
    {"rnorelatime", MOUNT_ATTR_RELATIME, true},
    {"rnoatime", MOUNT_ATTR_NOATIME, false},
    {"ratime", MOUNT_ATTR_NOATIME, true},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, false},
    {"rnostrictatime", MOUNT_ATTR_STRICTATIME, true},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false},
    {"rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, true},
};

/* 1 when `o` is a recursive option (added to m's attributes), else 0. */
static int recursive_option(struct oci_mount *m, const char *o)
{
        for (size_t i = 0; i < ARRAY_SIZE(mount_recursive_options); i++) {
                if (strcmp(o, mount_recursive_options[i].name) != 0)
                        continue;
                if (mount_recursive_options[i].clear) {
                        m->rec_attr_clr |= mount_recursive_options[i].attr;
                } else {
                        m->rec_attr_set |= mount_recursive_options[i].attr;
                        /* mount_setattr(2): an atime mode is set by clearing them all. */
                        if ((mount_recursive_options[i].attr & MOUNT_ATTR__ATIME) ==
                            mount_recursive_options[i].attr)
                                m->rec_attr_clr |= MOUNT_ATTR__ATIME;
                }
                return 1;
        }
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
int parse_idmaps(json_val obj, const char *path, const char *key, struct oci_idmap **maps,
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

int oci_mount_parse_options(struct oci_mount *m, struct nook_err *err)
{
        _cleanup_free_ char *data = NULL;

        m->flags = m->clear_flags = m->propagation = 0;
        m->bind = m->type && strcmp(m->type, "bind") == 0;
        m->recursive = m->idmap = m->idmap_recursive = m->tmpcopyup = false;
        m->rec_attr_set = m->rec_attr_clr = 0;
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
                } else if ((e = by_name(oci_propagation_names, oci_propagation_names_count, *o))) {
                        m->propagation = e->value;
                } else if (strcmp(*o, "bind") == 0) {
                        m->bind = true;
                } else if (strcmp(*o, "rbind") == 0) {
                        m->bind = m->recursive = true;
                } else if (strcmp(*o, "idmap") == 0) {
                        m->idmap = true;
                } else if (strcmp(*o, "ridmap") == 0) {
                        m->idmap = m->idmap_recursive = true;
                } else if (strcmp(*o, "tmpcopyup") == 0) {
                        m->tmpcopyup = true;
                } else if (recursive_option(m, *o)) {
                        continue;
                } else if (**o != '\0' && strcmp(*o, "defaults") != 0) {
                        char *joined = data ? xasprintf("%s,%s", data, *o) : xstrdup(*o);
                        free(data);
                        data = joined;
                }
        }
        m->data = TAKE_PTR(data);
        return 0;
}

int parse_mount(json_val v, const char *path, void *item, struct nook_err *err)
{
        struct oci_mount *m = item;

        if (req_string(v, path, "destination", &m->destination, err) < 0)
                return -1;
        if (m->destination[0] == '\0')
                return config_field_error(err, path, "destination", "must not be empty");
        /* runc accepts relative destinations and resolves them against the rootfs. */
        if (m->destination[0] != '/') {
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

void oci_mount_free(struct oci_mount *m)
{
        free(m->destination);
        free(m->type);
        free(m->source);
        strv_free(m->options);
        free(m->data);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

/* ---- writing ---- */

void write_idmaps(struct json_writer *w, const char *key, const struct oci_idmap *m, size_t n)
{
        if (n == 0)
                return;
        json_w_key(w, key);
        json_w_array_open(w);
        for (size_t i = 0; i < n; i++) {
                json_w_object_open(w);
                json_w_kv_int(w, "containerID", m[i].container_id);
                json_w_kv_int(w, "hostID", m[i].host_id);
                json_w_kv_int(w, "size", m[i].size);
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

void write_mounts(struct json_writer *w, const struct oci_config *c)
{
        json_w_key(w, "mounts");
        json_w_array_open(w);
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];

                json_w_object_open(w);
                json_w_kv_string(w, "destination", m->destination);
                if (m->type)
                        json_w_kv_string(w, "type", m->type);
                if (m->source)
                        json_w_kv_string(w, "source", m->source);
                if (m->options)
                        json_w_kv_strv(w, "options", m->options);
                write_idmaps(w, "uidMappings", m->uid_mappings, m->n_uid_mappings);
                write_idmaps(w, "gidMappings", m->gid_mappings, m->n_gid_mappings);
                json_w_object_close(w);
        }
        json_w_array_close(w);
}

int oci_config_add_mount(struct oci_config *c, const char *dest, const char *type,
                         const char *source, char *const *options, struct nook_err *err)
{
        struct oci_mount *m;

        c->mounts = xrealloc(c->mounts, (c->n_mounts + 1) * sizeof(*c->mounts));
        m = &c->mounts[c->n_mounts++];
        *m = (struct oci_mount){.destination = xstrdup(dest),
                                .type = type ? xstrdup(type) : NULL,
                                .source = xstrdup(source ? source : type),
                                .options = strv_dup(options)};
        return oci_mount_parse_options(m, err);
}
