#include "manager/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"
#include "manager/staging.h"
#include "manager/template.h"

static const char *const backup_members[] = {"config.json", "private", NULL};

int ct_backup(const struct nook_home *h, const char *ctid, const char *file,
              const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *cfg = home_ct_path(h, ctid, "config.json");
        _cleanup_close_ int lock = -1;

        if (access(cfg, F_OK) < 0)
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if ((lock = home_lock_ct(h, ctid, err)) < 0)
                return -1;
        return ct_backup_locked(h, ctid, file, progress, err);
}

int ct_backup_locked(const struct nook_home *h, const char *ctid, const char *file,
                     const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *dir = home_ct_dir(h, ctid);

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
        _cleanup_staging_ struct staging st = STAGING_INIT;
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
