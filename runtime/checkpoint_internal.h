/* What runtime/checkpoint.c and runtime/restore.c share (not part of the API). */
#ifndef NOOK_RUNTIME_CHECKPOINT_INTERNAL_H
#define NOOK_RUNTIME_CHECKPOINT_INTERNAL_H

#include "runtime/checkpoint.h"
#include "runtime/criu.h"

#define CHECKPOINT_DESCRIPTORS  "descriptors.json"
#define CHECKPOINT_DUMP_LOG     "dump.log"
#define CHECKPOINT_PRE_DUMP_LOG "pre-dump.log"
#define CHECKPOINT_RESTORE_LOG  "restore.log"
/* runc's and crun's key for the external network namespace. */
#define CHECKPOINT_NETNS_KEY "extRootNetNS"

/* Opens directory path (made first when create), into *fd. */
int checkpoint_open_dir(const char *path, bool create, int *fd, struct nook_err *err);
/* Tells CRIU that the config's bind mounts (and LXCFS's) come from outside: at dump by
 * their destination, at restore with their source. */
int checkpoint_external_mounts(const struct nook_criu *criu, struct oci_config *c, bool restore,
                               struct nook_err *err);
/* The options dump and restore both pass. */
void checkpoint_common_options(const struct nook_criu *criu, const struct criu_opts_common *o);

#endif
