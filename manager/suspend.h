/* vzctl's suspend and resume (chkpnt/restore): a running container's processes dumped
 * by CRIU into <home>/dump/<ctid> and the container stopped; later brought back from
 * there with the same processes, PIDs, IP address and open TCP connections.  A
 * suspended container is one with a dump: start resumes it, stop and destroy discard
 * the dump. */
#ifndef NOOK_MANAGER_SUSPEND_H
#define NOOK_MANAGER_SUSPEND_H

#include <stdbool.h>

#include "common/error.h"
#include "manager/ct.h"

/* <home>/dump/<ctid>, newly allocated. */
char *ct_dump_dir(const struct ct *c);
bool ct_suspended(const struct ct *c);
bool home_ct_suspended(const struct nook_home *h, const char *ctid);
/* A failed dump leaves the container running as it was, and no dump. */
int ct_suspend(struct ct *c, struct nook_err *err);
/* A failed restore leaves the dump, to try again (or discard with stop). */
int ct_resume(struct ct *c, struct nook_err *err);
/* Removes <home>/dump/<name> (a dump, or a migration's pre-dump), if there is one. */
void ct_dump_remove(const struct nook_home *h, const char *name);
/* A migration's pre-dumps sit beside the dump: <ctid>.pre<i>, i from 1 to
 * CT_PRE_DUMPS_MAX. */
#define CT_PRE_DUMPS_MAX 9
char *ct_pre_dump_name(const char *ctid, int i);
/* Removes ctid's dump and all its pre-dumps. */
void ct_dumps_remove(const struct nook_home *h, const char *ctid);
/* Removes the dump of a container that is not running (stop, destroy). */
void ct_dump_discard(const struct ct *c);

#endif
