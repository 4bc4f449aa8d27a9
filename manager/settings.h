/* What `nookctl create` and `set` are asked to change, and how it merges into a
 * container's settings: {ID} and {N} expansion, sizes and limits (--ram at least 16M,
 * --cpus as a cpulimit), addresses added and removed, device rules and capabilities
 * toggled, host name, name and network mode checked.  Also the checks of a create
 * batch against every other container, before anything is made. */
#ifndef NOOK_MANAGER_SETTINGS_H
#define NOOK_MANAGER_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "manager/ctconf.h"
#include "manager/home.h"
#include "manager/registry.h"

/* Project ids below are left to the host's own projects (/etc/projid). */
#define CT_PROJID_MIN 100000

/* The option values as given (borrowed strings; the vectors are owned), before their
 * expansion per container.  NULL: not given. */
struct ct_edit {
        const char *ostemplate, *hostname, *name, *ram, *swap, *cpus, *cpulimit, *cpuunits,
            *numproc, *onboot, *bridge, *routed, *userpasswd, *description, *cpumask, *nodemask,
            *iolimit, *iopslimit, *ioprio, *diskspace, *diskinodes, *procfs, *sync;
        char **ipadd, **ipdel, **nameservers, **searchdomains, **caps, **devices;
        bool save;
};
void ct_edit_free(struct ct_edit *e);

/* Whether e changes limits (memory, CPU, processes, devices), or what /etc holds (host
 * name, addresses, resolvers), or the disk quota. */
bool ct_edit_limits(const struct ct_edit *e);
bool ct_edit_disk(const struct ct_edit *e);
bool ct_edit_etc(const struct ct_edit *e);

/* Applies e to s, the settings of container ctid of home h (index: its position in the
 * command's list, from 1, for {N}).  `--ipadd auto[:SUBNET]` takes the next address no
 * container of r uses (the subnet defaults to CT_DEFAULT_SUBNET); --iolimit and
 * --iopslimit apply to the disk of h's containers; a first disk quota gets the next
 * project id after r's (from CT_PROJID_MIN). */
int ct_edit_apply(const struct nook_home *h, const struct ct_edit *e, const char *ctid,
                  size_t index, struct ct_settings *s, struct registry *r, struct nook_err *err);

/* The settings of a new container ctid: e over the defaults (template minimal, the
 * default capabilities, the CTID as host name, a cgroup below the home's parent, its
 * own /proc view through LXCFS when that runs). */
int ct_edit_new(const struct nook_home *h, const struct ct_edit *e, const char *ctid, size_t index,
                struct ct_settings *s, struct registry *r, struct nook_err *err);

/* create: the settings of every container of ids, each checked against r (names and
 * addresses unique, CTIDs free) and added to it, so that bad input leaves nothing
 * behind.  The caller holds the home lock. */
int ct_create_prepare(const struct nook_home *h, struct registry *r, const struct ct_edit *e,
                      char *const *ids, struct nook_err *err);

#endif
