#include "manager/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ct.h"
#include "manager/ctid.h"
#include "manager/debootstrap.h"
#include "manager/template.h"

/* A fresh directory <parent>/.<name>.<what> for building something that is renamed to
 * <parent>/<name> when complete; a leftover of a killed run is removed first. */
struct staging {
        int parent_fd;
        char *tmp_name;
        char *tmp;
        char *final;
};

static void staging_done(struct staging *s)
{

        if (s->tmp_name && s->parent_fd >= 0)
                remove_tree_at(s->parent_fd, s->tmp_name, NULL);
        closep(&s->parent_fd);
        free(s->tmp_name);
        free(s->tmp);
        free(s->final);
        *s = (struct staging){.parent_fd = -1};
}

static int staging_open(struct staging *s, const char *parent, const char *name, const char *what,
                        bool make, struct nook_err *err)
{
        *s = (struct staging){.parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
        if (s->parent_fd < 0)
                return nook_err_sys(err, "open %s", parent);
        s->tmp_name = xasprintf(".%s.%s", name, what);
        s->tmp = xasprintf("%s/%s", parent, s->tmp_name);
        s->final = xasprintf("%s/%s", parent, name);
        if (remove_tree_at(s->parent_fd, s->tmp_name, err) < 0)
                return -1;
        if (make && mkdir(s->tmp, 0755) < 0)
                return nook_err_sys(err, "mkdir %s", s->tmp);
        return 0;
}

/* Renames the staging directory to its final name; nothing is removed afterwards. */
static int staging_commit(struct staging *s, struct nook_err *err)
{
        if (rename(s->tmp, s->final) < 0)
                return nook_err_sys(err, "rename %s to %s", s->tmp, s->final);
        free(TAKE_PTR(s->tmp_name));
        return 0;
}

static int new_template(struct nook_home *h, const char *name, struct nook_err *err)
{
        if (template_name_check(name, err) < 0 || home_lock(h, err) < 0)
                return -1;
        if (template_exists(h, name))
                return nook_err_set(err, 0, "template %s already exists", name);
        return 0;
}

/* A root filesystem a container can boot: /sbin/init exists (maybe as a symlink that
 * only resolves inside the root). */
static int check_init(const char *root, const char *name, struct nook_err *err)
{
        _cleanup_free_ char *init = xasprintf("%s/sbin/init", root);
        struct stat sb;

        if (lstat(init, &sb) < 0)
                return nook_err_set(err, 0, "template %s: the root filesystem has no /sbin/init",
                                    name);
        return 0;
}

int template_import(struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        struct staging st __attribute__((cleanup(staging_done))) = {.parent_fd = -1};

        if (new_template(h, name, err) < 0)
                return -1;
        if (staging_open(&st, tdir, name, "import", true, err) < 0 ||
            archive_extract(file, st.tmp, progress, err) < 0)
                return nook_err_prefix(err, "template import %s", name);
        if (check_init(st.tmp, name, err) < 0)
                return -1;
        return staging_commit(&st, err);
}

int template_export(const struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *dir = home_template_dir(h, name);

        if (template_name_check(name, err) < 0)
                return -1;
        if (!template_exists(h, name))
                return nook_err_set(err, 0, "template %s does not exist", name);
        if (archive_create(file, dir, NULL, progress, err) < 0)
                return nook_err_prefix(err, "template export %s", name);
        return 0;
}

int template_create_debootstrap(struct nook_home *h, const char *name, const char *suite,
                                const char *variant, const char *include,
                                const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        struct staging st __attribute__((cleanup(staging_done))) = {.parent_fd = -1};

        if (new_template(h, name, err) < 0)
                return -1;
        /* debootstrap makes the directory itself and removes it on failure. */
        if (staging_open(&st, tdir, name, "debootstrap", false, err) < 0 ||
            template_debootstrap(st.tmp, suite, variant, include, NULL, progress, err) < 0)
                return nook_err_prefix(err, "template %s", name);
        return staging_commit(&st, err);
}

static const char *const backup_members[] = {"config.json", "private", NULL};

int ct_backup(const struct nook_home *h, const char *ctid, const char *file,
              const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *dir = home_ct_dir(h, ctid);
        _cleanup_free_ char *cfg = home_ct_path(h, ctid, "config.json");
        _cleanup_close_ int lock = -1;

        if (access(cfg, F_OK) < 0)
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if ((lock = home_lock_ct(h, ctid, err)) < 0)
                return -1;
        if (archive_create(file, dir, backup_members, progress, err) < 0)
                return nook_err_prefix(err, "backup %s", ctid);
        return 0;
}

/* The restored config.json, checked against this home and given its cgroup path. */
static int adopt_config(const struct nook_home *h, struct registry *r, const char *ctid,
                        const char *dir, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
        _cleanup_free_ char *json = NULL;
        _cleanup_config_ struct oci_config *cfg = NULL;
        struct ct_settings s = {0};
        int rc = -1;

        if (ct_config_read(path, &cfg, &s, err) < 0)
                return nook_err_prefix(err, "the backup's config.json");
        if (s.ostemplate == NULL || !template_exists(h, s.ostemplate)) {
                nook_err_set(err, 0, "template %s of the backup does not exist",
                             s.ostemplate ? s.ostemplate : "(none)");
        } else if (registry_check_unique(r, ctid, &s, err) == 0) {
                free(s.cgroups_path);
                s.cgroups_path =
                    xasprintf("%s/%s", strcmp(h->cgroup_parent, "/") ? h->cgroup_parent : "", ctid);
                ct_config_apply(cfg, ctid, &s);
                json = oci_config_to_json(cfg, true);
                rc = write_file_atomic(path, json, strlen(json), 0600, err);
        }
        ct_settings_free(&s);
        return rc;
}

int ct_restore(struct nook_home *h, struct registry *r, const char *ctid, const char *file,
               const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *cdir = xasprintf("%s/containers", h->dir);
        struct staging st __attribute__((cleanup(staging_done))) = {.parent_fd = -1};
        static const char *const dirs[] = {"private", "work", "rootfs"};

        if (!ctid_valid(ctid))
                return nook_err_set(err, 0, "invalid CTID %s", ctid);
        if (registry_name_user(r, ctid, NULL))
                return nook_err_set(err, 0, "container %s already exists", ctid);
        if (staging_open(&st, cdir, ctid, "restore", true, err) < 0 ||
            archive_extract(file, st.tmp, progress, err) < 0)
                return nook_err_prefix(err, "restore %s", ctid);
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_free_ char *d = xasprintf("%s/%s", st.tmp, dirs[i]);
                if (mkdir(d, 0755) < 0 && errno != EEXIST)
                        return nook_err_sys(err, "restore %s: mkdir %s", ctid, d);
        }
        if (adopt_config(h, r, ctid, st.tmp, err) < 0)
                return nook_err_prefix(err, "restore %s", ctid);
        if (chmod(st.tmp, 0700) < 0)
                return nook_err_sys(err, "restore %s: chmod %s", ctid, st.tmp);
        return staging_commit(&st, err);
}
