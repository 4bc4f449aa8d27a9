/* Templates: read-only root filesystems under <home>/templates/<name>/, the lower
 * layer of every container made from them.  `minimal` is built here from the host's
 * static busybox (Debian's busybox-static), without a download; others come from a
 * tarball (import, export) or debootstrap.  A template appears under its name only
 * when complete. */
#ifndef NOOK_MANAGER_TEMPLATE_H
#define NOOK_MANAGER_TEMPLATE_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "manager/archive.h"
#include "manager/home.h"

#define TEMPLATE_MINIMAL "minimal"

bool template_exists(const struct nook_home *h, const char *name);
/* Checks a template name (as a CTID name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}). */
int template_name_check(const char *name, struct nook_err *err);

/* Builds the minimal template NAME from /bin/busybox (static); what the template
 * lacks (no dropbear on the host) is said on `notes`.  Takes the home lock. */
int template_create_minimal(struct nook_home *h, const char *name, FILE *notes,
                            struct nook_err *err);

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

/* Template names, sorted. */
int template_names(const struct nook_home *h, char ***out, struct nook_err *err);

/* Removes template NAME; refused while `users` (how many containers use it) > 0. */
int template_remove(struct nook_home *h, const char *name, size_t users, struct nook_err *err);
/* The same under the home lock, counting the users among the home's containers. */
int template_remove_unused(struct nook_home *h, const char *name, struct nook_err *err);

/* SHA-256 over the template's files, names, modes, owners and links (not times), as 64
 * hex digits: the same template on two hosts has the same checksum (manager/treesum.c). */
int template_checksum(const struct nook_home *h, const char *name, char out[65],
                      struct nook_err *err);

/* The signal that asks the template's /sbin/init to shut the system down: SIGRTMIN+3
 * for systemd, SIGUSR2 (poweroff) for busybox init, SIGPWR for sysvinit. */
int template_stop_signal(const struct nook_home *h, const char *name);

#endif
