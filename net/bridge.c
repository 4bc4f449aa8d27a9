/* Bridges past their 1023 ports.  A Linux bridge numbers its ports with ten bits
 * (BR_MAX_PORTS), so the 1024th container of a bridge fails with EXFULL ("exchange
 * full", Docker's limit).  Its overflow bridges B.1, B.2, ... each hang off B by a veth
 * trunk: together one broadcast domain, one subnet, the gateway on B, so a container
 * keeps its address whichever of them it lands on.  (Routed /32 mode needs no bridge
 * at all, but changes how a container reaches its neighbours; the pool keeps the
 * default network's behaviour at any size.)
 *
 * An overflow bridge and its trunk are made by the first container that needs them and
 * stay, as bridges do; every container that joins one makes sure the trunk is there, so
 * a set-up that died halfway is mended by the next. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/internal.h"

/* 64 overflow bridges of 1023 ports: about 66,000 containers on one network. */
#define OVERFLOW_MAX 64
#define TRUNK_ALIAS  "nook:trunk"

/* "B.k", B cut so that it fits IFNAMSIZ. */
static void overflow_name(const char *root, unsigned k, char out[NET_IFNAME_MAX + 1])
{
        char suffix[8];

        snprintf(suffix, sizeof(suffix), ".%u", k);
        snprintf(out, NET_IFNAME_MAX + 1, "%.*s%s", (int)(NET_IFNAME_MAX - strlen(suffix)), root,
                 suffix);
}

/* The two ends of the trunk of bridge `child`: on the root bridge ("r") and on the
 * child ("c"). */
static void trunk_names(const char *child, char r[NET_IFNAME_MAX + 1], char c[NET_IFNAME_MAX + 1])
{
        unsigned long long h = (unsigned long long)(net_hash(child) >> 32);

        snprintf(r, NET_IFNAME_MAX + 1, "nkt%08llxr", h);
        snprintf(c, NET_IFNAME_MAX + 1, "nkt%08llxc", h);
}

/* Makes the overflow bridge `name` and its trunk to `root` as far as they are missing. */
static int ensure_overflow(struct nl_sock *s, struct nl_req *q, const struct net_link *root,
                           const char *name, struct net_link *child, int host_netns,
                           struct nook_err *err)
{
        char tr[NET_IFNAME_MAX + 1], tc[NET_IFNAME_MAX + 1];
        struct net_link trunk;
        uint8_t mac[6];

        trunk_names(name, tr, tc);
        nl_req_reset(q);
        net_link_get_put(q, name, child);
        net_link_get_put(q, tr, &trunk);
        if (nl_req_run(s, q, err) < 0)
                return -1;
        if (child->found && strcmp(child->kind, "bridge") != 0)
                return nook_err_set(err, 0, "%s, the overflow bridge of bridge %d, is a %s link",
                                    name, root->index, child->kind[0] ? child->kind : "plain");
        if (!child->found) {
                net_random_mac(mac);
                nl_req_reset(q);
                net_bridge_put(q, name, mac);
                nl_req_expect(q, EEXIST); /* another nook made it meanwhile */
                net_link_alias_put(q, 0, name, NET_BRIDGE_ALIAS);
                net_link_get_put(q, name, child);
                if (nl_req_run(s, q, err) < 0)
                        return -1;
                if (!child->found)
                        return nook_err_set(err, ENODEV, "find bridge %s", name);
        }
        if (trunk.found && trunk.master == root->index)
                return 0;
        /* The trunk: a veth pair within this namespace, one end on each bridge. */
        nl_req_reset(q);
        if (!trunk.found) {
                struct net_veth v = {
                    .host = tr, .peer = tc, .peer_netns_fd = host_netns, .master = root->index};

                net_veth_put(q, &v);
                nl_req_expect(q, EEXIST);
                net_link_alias_put(q, 0, tr, TRUNK_ALIAS);
        } else {
                net_link_master_put(q, trunk.index, tr, root->index);
        }
        net_link_master_put(q, 0, tc, child->index);
        net_link_up_put(q, 0, tc);
        return nl_req_run(s, q, err);
}

bool net_bridge_is_nooks(const struct net_link *l)
{
        return strcmp(l->alias, NET_BRIDGE_ALIAS) == 0;
}

int net_bridge_overflow_attach(struct nl_sock *s, struct nl_req *q, const struct net_link *root,
                               const char *root_name, int port, const char *port_name,
                               struct nook_err *err)
{
        _cleanup_close_ int host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        if (host_netns < 0)
                return nook_err_sys(err, "open /proc/self/ns/net");
        for (unsigned k = 1; k <= OVERFLOW_MAX; k++) {
                char name[NET_IFNAME_MAX + 1];
                struct net_link child;
                size_t at;

                overflow_name(root_name, k, name);
                if (ensure_overflow(s, q, root, name, &child, host_netns, err) < 0)
                        return nook_err_prefix(err, "bridge %s is full (1023 ports)", root_name);
                nl_req_reset(q);
                net_link_master_put(q, port, port_name, child.index);
                nl_req_expect(q, EXFULL);
                at = nl_req_last_index(q);
                if (nl_req_run(s, q, err) < 0)
                        return -1;
                if (q->msg[at].result == 0)
                        return 0;
        }
        return nook_err_set(err, EXFULL, "bridge %s and its %d overflow bridges are full",
                            root_name, OVERFLOW_MAX);
}
