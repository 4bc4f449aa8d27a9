/* A container's networking, from its org.nook.net.* annotations (net/ does the work):
 * checked before create touches the host, set up by the parent while the init waits
 * between clone and PARENT_READY, and released on delete or when create fails. */
#include "runtime/network.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

/* The networks of the other containers under the same root, for the collision
 * check (addresses on a bridge, host-side names, published ports). */
static int check_collisions(const struct nook_runtime *rt, const char *id,
                            const struct net_config *mine, struct nook_err *err)
{
        struct container_info *list = NULL;
        struct net_config **others;
        size_t n = 0, n_others = 0;
        int r;

        if (container_list(rt, &list, &n, err) < 0)
                return -1;
        others = xcalloc(n + 1, sizeof(*others));
        for (size_t i = 0; i < n; i++) {
                const struct container_state *st = list[i].state;
                struct nook_err ignored;

                /* A stopped container keeps its host side (nft rules, routes) until it
                 * is deleted, so it still holds its addresses, names and ports. */
                if (strcmp(st->id, id) == 0)
                        continue;
                if (net_config_parse(st->annotations, st->n_annotations, st->id, &others[n_others],
                                     &ignored) == 0 &&
                    others[n_others] != NULL)
                        n_others++;
        }
        r = net_check_collisions(mine, (const struct net_config *const *)others, n_others, err);
        for (size_t i = 0; i < n_others; i++)
                net_config_free(others[i]);
        free(others);
        container_list_free(list, n);
        return r;
}

int container_net_prepare(const struct nook_runtime *rt, const char *id, const struct oci_config *c,
                          struct net_config **out, struct nook_err *err)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        const struct oci_namespace *ns;

        *out = NULL;
        if (net_config_parse(c->annotations, c->n_annotations, id, &cfg, err) < 0)
                return -1;
        if (cfg == NULL)
                return 0;
        ns = oci_config_namespace(c, CLONE_NEWNET);
        if (ns == NULL || ns->path != NULL)
                return nook_err_set(err, 0,
                                    "annotations org.nook.net.*: need a new network namespace "
                                    "(linux.namespaces)");
        if (check_collisions(rt, id, cfg, err) < 0)
                return -1;
        *out = TAKE_PTR(cfg);
        return 0;
}

int container_net_setup(const struct net_config *cfg, pid_t pid, struct nook_err *err)
{
        char path[64];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        return net_setup(cfg, cfg->id, fd, err);
}

void container_net_release(const struct oci_kv *annotations, size_t n, const char *id)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        struct nook_err err;

        if (net_config_parse(annotations, n, id, &cfg, &err) < 0 || cfg == NULL)
                return;
        if (net_teardown(cfg, id, &err) < 0)
                nook_log_err(&err);
}
