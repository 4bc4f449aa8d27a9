/* nookctl receive: the destination's half of a migration (manager/migrate.h). */
#include "manager/migrate.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/archive.h"
#include "manager/backup.h"
#include "manager/ct.h"
#include "manager/ctid.h"
#include "manager/registry.h"
#include "manager/suspend.h"

#define FROM_SOURCE "/dev/stdin"

/* Extracts the tarball on stdin into <home>/dump, where it makes directory name. */
static int receive_dump(struct nook_home *h, const char *name, struct nook_err *err)
{
        _cleanup_free_ char *dumps = xasprintf("%s/dump", h->dir);

        if (mkdir_p(dumps, 0700, err) < 0)
                return -1;
        ct_dump_remove(h, name);
        return archive_extract(FROM_SOURCE, dumps, NULL, err);
}

static int resume(struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_ct_ struct ct *c = NULL;

        return ct_open(h, ctid, CT_LOCK, &c, err) < 0 ? -1 : ct_resume(c, err);
}

/* What a failed migration left: the container (made by "backup": it did not exist
 * before, migrate checked) and its dumps. */
static int abort_migration(struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_ct_ struct ct *c = NULL;

        if (ct_open(h, ctid, CT_LOCK | CT_BROKEN, &c, NULL) == 0 && ct_destroy(c, true, err) < 0)
                return -1;
        ct_dumps_remove(h, ctid);
        return 0;
}

int ct_receive(struct nook_home *h, const char *ctid, const char *what, const char *arg,
               struct nook_err *err)
{
        if (!ctid_valid(ctid))
                return nook_err_set(err, 0, "invalid CTID %s", ctid);
        if (strcmp(what, "backup") == 0) {
                _cleanup_registry_ struct registry r = {0};
                return home_lock(h, err) < 0 || registry_load(h, &r, err) < 0
                           ? -1
                           : ct_restore(h, &r, ctid, FROM_SOURCE, NULL, err);
        }
        if (strcmp(what, "predump") == 0) {
                _cleanup_free_ char *name = NULL;
                if (arg == NULL || strlen(arg) != 1 || arg[0] < '1' ||
                    arg[0] > '0' + CT_PRE_DUMPS_MAX)
                        return nook_err_set(err, 0, "receive predump: expected 1 to %d",
                                            CT_PRE_DUMPS_MAX);
                name = ct_pre_dump_name(ctid, arg[0] - '0');
                return receive_dump(h, name, err);
        }
        if (strcmp(what, "dump") == 0) {
                if (receive_dump(h, ctid, err) < 0 || resume(h, ctid, err) < 0)
                        return -1;
                /* Its pre-dumps were the parents of the dump that resume used up. */
                ct_dumps_remove(h, ctid);
                return 0;
        }
        if (strcmp(what, "abort") == 0)
                return abort_migration(h, ctid, err);
        return nook_err_set(err, 0, "receive: unknown %s (backup, predump N, dump or abort)", what);
}
