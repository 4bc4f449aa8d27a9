/* `nookctl set` on a batch of containers: what changes at once on a running one (its
 * limits, host name, addresses, /etc and passwords) and what --save writes into its
 * config.json. */
#ifndef NOOK_MANAGER_SET_H
#define NOOK_MANAGER_SET_H

#include <stddef.h>

#include "common/error.h"
#include "manager/home.h"
#include "manager/registry.h"
#include "manager/settings.h"

struct ct_set;

/* Opens every container of ids and computes its new settings, each checked against r
 * (names and addresses unique; later containers of the batch see the earlier ones'
 * new values).  The caller holds the home lock; e must outlive the batch. */
int ct_set_prepare(const struct nook_home *h, struct registry *r, const struct ct_edit *e,
                   char *const *ids, struct ct_set **out, struct nook_err *err);
/* The fleet_fn of one container of the batch (index i). */
int ct_set_one(void *set, size_t i, const char *ctid, struct nook_err *err);
void ct_set_free(struct ct_set *set);
static inline void ct_set_freep(struct ct_set **set)
{
        if (*set)
                ct_set_free(*set);
}

#endif
