/* Tarballs of templates and containers (manager/archive.h does the tar work):
 * template import/export, a Debian template by debootstrap, and a container's backup
 * (its private layer and config.json: the template is shared, so a backup is small)
 * and restore.  What is made appears under its final name only when complete. */
#ifndef NOOK_MANAGER_BACKUP_H
#define NOOK_MANAGER_BACKUP_H

#include "common/error.h"
#include "manager/archive.h"
#include "manager/home.h"
#include "manager/registry.h"

/* A template NAME from a root filesystem tarball (OpenVZ and LXC templates are such
 * tarballs).  Takes the home lock. */
int template_import(struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err);
int template_export(const struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err);

/* A template NAME by debootstrap SUITE (variant and include may be NULL).  Takes the
 * home lock. */
int template_create_debootstrap(struct nook_home *h, const char *name, const char *suite,
                                const char *variant, const char *include,
                                const struct archive_progress *progress, struct nook_err *err);

/* FILE holds ctid's config.json and private/ (a running container is copied as it is
 * at that moment). */
int ct_backup(const struct nook_home *h, const char *ctid, const char *file,
              const struct archive_progress *progress, struct nook_err *err);

/* Makes container ctid from a backup: its template must exist, ctid and the backup's
 * name and addresses must be free among r's containers (the caller holds the home
 * lock); the config's cgroup path becomes this home's. */
int ct_restore(struct nook_home *h, struct registry *r, const char *ctid, const char *file,
               const struct archive_progress *progress, struct nook_err *err);

#endif
