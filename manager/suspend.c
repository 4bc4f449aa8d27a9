/* nookctl suspend and resume over runtime/checkpoint.h. */
#include "manager/suspend.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/checkpoint.h"

/* What a VPS holds: TCP connections (vzctl keeps them across a suspend) and file locks
 * (syslog, package managers). */
static const struct criu_opts_common vps_criu = {
    .tcp_established = true,
    .file_locks = true,
    .manage_cgroups_mode = -1,
};

char *ct_dump_dir(const struct ct *c)
{
        return xasprintf("%s/dump/%s", c->h->dir, c->ctid);
}

bool home_ct_suspended(const struct nook_home *h, const char *ctid)
{
        _cleanup_free_ char *inventory = xasprintf("%s/dump/%s/inventory.img", h->dir, ctid);

        return access(inventory, F_OK) == 0;
}

bool ct_suspended(const struct ct *c)
{
        return home_ct_suspended(c->h, c->ctid);
}

void ct_dump_remove(const struct nook_home *h, const char *name)
{
        _cleanup_free_ char *parent = xasprintf("%s/dump", h->dir);
        _cleanup_close_ int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd >= 0)
                (void)remove_tree_at(fd, name, NULL);
}

char *ct_pre_dump_name(const char *ctid, int i)
{
        return xasprintf("%s.pre%d", ctid, i);
}

void ct_dumps_remove(const struct nook_home *h, const char *ctid)
{
        ct_dump_remove(h, ctid);
        for (int i = 1; i <= CT_PRE_DUMPS_MAX; i++) {
                _cleanup_free_ char *pre = ct_pre_dump_name(ctid, i);
                ct_dump_remove(h, pre);
        }
}

static void remove_dump(const struct ct *c)
{
        ct_dump_remove(c->h, c->ctid);
}

void ct_dump_discard(const struct ct *c)
{
        if (!ct_running(c, NULL))
                remove_dump(c);
}

int ct_suspend(struct ct *c, struct nook_err *err)
{
        _cleanup_free_ char *parent = xasprintf("%s/dump", c->h->dir);
        _cleanup_free_ char *dir = ct_dump_dir(c);
        struct checkpoint_opts o = {.c = vps_criu};

        if (!ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is not running", c->ctid);
        if (mkdir_p(parent, 0700, err) < 0)
                return -1;
        remove_dump(c);
        o.c.image_path = dir;
        if (container_checkpoint(&c->h->rt, c->ctid, &o, err) < 0) {
                remove_dump(c);
                return nook_err_prefix(err, "suspend %s", c->ctid);
        }
        /* Its processes are in the dump: the rest is a stop's (host links, the root). */
        return ct_stop(c, true, 0, false, err);
}

static int restore_detached(const struct ct *c, struct nook_err *err)
{
        _cleanup_free_ char *dir = ct_dump_dir(c);
        struct restore_opts o = {.c = vps_criu, .bundle = c->dir, .detach = true};
        int status;

        o.c.image_path = dir;
        return container_restore(&c->h->rt, c->ctid, &o, &status, err);
}

static int restore_here(const struct ct *c, struct nook_err *err)
{
        return ct_with_console(c, restore_detached, err);
}

int ct_resume(struct ct *c, struct nook_err *err)
{
        if (ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is already running", c->ctid);
        if (!ct_suspended(c))
                return nook_err_set(err, 0, "container %s is not suspended", c->ctid);
        if (ct_disk_quota(c->dir, &c->s, false, err) < 0 ||
            ct_with_own_root(c, restore_here, err) < 0)
                return nook_err_prefix(err, "resume %s", c->ctid);
        remove_dump(c);
        return 0;
}
