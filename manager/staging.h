/* A fresh directory <parent>/.<name>.<what> for building something (a template, a
 * restored container) that is renamed to <parent>/<name> when complete, so a killed
 * command leaves no half-made one; a leftover of a killed run is removed first. */
#ifndef NOOK_MANAGER_STAGING_H
#define NOOK_MANAGER_STAGING_H

#include <stdbool.h>

#include "common/error.h"

struct staging {
        int parent_fd;
        char *tmp_name;
        char *tmp;   /* where to build */
        char *final; /* its name when complete */
};
#define STAGING_INIT                                                                               \
        {                                                                                          \
                .parent_fd = -1                                                                    \
        }

/* make: create the directory (else the builder does). */
int staging_open(struct staging *s, const char *parent, const char *name, const char *what,
                 bool make, struct nook_err *err);
/* Renames the staging directory to its final name; nothing is removed afterwards. */
int staging_commit(struct staging *s, struct nook_err *err);
/* Removes what was not committed. */
void staging_done(struct staging *s);
#define _cleanup_staging_ __attribute__((cleanup(staging_done)))

#endif
