/* A container's backup (its private layer and config.json: the template is shared,
 * so a backup is small) and restore, as tarballs (manager/archive.h does the tar
 * work).  A restored container appears under its CTID only when complete. */
#ifndef NOOK_MANAGER_BACKUP_H
#define NOOK_MANAGER_BACKUP_H

#include "common/error.h"
#include "manager/archive.h"
#include "manager/home.h"
#include "manager/registry.h"

/* FILE holds ctid's config.json and private/ (a running container is copied as it is
 * at that moment). */
int ct_backup(const struct nook_home *h, const char *ctid, const char *file,
              const struct archive_progress *progress, struct nook_err *err);

/* The same for a caller that holds the container's lock (migrate). */
int ct_backup_locked(const struct nook_home *h, const char *ctid, const char *file,
                     const struct archive_progress *progress, struct nook_err *err);

/* Makes container ctid from a backup: its template must exist, ctid and the backup's
 * name and addresses must be free among r's containers (the caller holds the home
 * lock); the config's cgroup path becomes this home's. */
int ct_restore(struct nook_home *h, struct registry *r, const char *ctid, const char *file,
               const struct archive_progress *progress, struct nook_err *err);

#endif
