#include "manager/ops.h"

#include "manager/ct.h"

int ct_op_create(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;

        (void)index;
        return ct_create(o->h, ctid, &registry_get(o->r, ctid)->s, err);
}

int ct_op_start(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        return ct_open(o->h, ctid, CT_LOCK, &c, err) < 0 ? -1 : ct_start(c, err);
}

int ct_op_stop(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        return ct_open(o->h, ctid, CT_LOCK, &c, err) < 0 ? -1
                                                         : ct_stop(c, o->fast, o->timeout, err);
}

int ct_op_restart(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        if (ct_open(o->h, ctid, CT_LOCK, &c, err) < 0 || ct_stop(c, o->fast, o->timeout, err) < 0)
                return -1;
        return ct_start(c, err);
}

int ct_op_mount(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        return ct_open(o->h, ctid, CT_LOCK, &c, err) < 0 ? -1 : ct_mount(c, err);
}

int ct_op_umount(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        if (ct_open(o->h, ctid, CT_LOCK, &c, err) < 0)
                return -1;
        if (ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is running: stop it first", ctid);
        return ct_umount(c, err);
}

int ct_op_destroy(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;

        (void)index;
        return ct_open(o->h, ctid, CT_LOCK | CT_BROKEN, &c, err) < 0 ? -1
                                                                     : ct_destroy(c, o->force, err);
}

int ct_op_exec(void *ops, size_t index, const char *ctid, struct nook_err *err)
{
        const struct ct_ops *o = ops;
        _cleanup_ct_ struct ct *c = NULL;
        int status;

        (void)index;
        if (ct_open(o->h, ctid, 0, &c, err) < 0 || ct_exec(c, o->args, false, &status, err) < 0)
                return -1;
        return status;
}

void ct_status_of(const struct nook_home *h, const char *ctid, struct ct_status *st)
{
        _cleanup_ct_ struct ct *c = NULL;

        *st = (struct ct_status){0};
        if (ct_open(h, ctid, CT_BROKEN, &c, NULL) < 0)
                return;
        st->exists = c->config != NULL;
        st->broken = c->config == NULL;
        st->mounted = c->mounted;
        st->running = ct_running(c, NULL);
}
