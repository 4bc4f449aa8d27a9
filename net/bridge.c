/* Bridges past their 1023 ports.  A Linux bridge numbers its ports with ten bits
 * (BR_MAX_PORTS), so the 1024th container of a bridge fails with EXFULL ("exchange
 * full", Docker's limit).  Its overflow bridges form a chain, B -> B.1 -> B.2 -> ...,
 * each hung off the one before by a veth trunk: together one broadcast domain, one
 * subnet, the gateway on B, so a container keeps its address whichever of them it lands
 * on.  (Routed /32 mode needs no bridge at all, but changes how a container reaches its
 * neighbours; the chain keeps the default network's behaviour at any size.)
 *
 * A full bridge has no port left for a trunk, so the next bridge of the chain is made
 * ahead, when a container gets port 1000 or higher: below that a network has no extra
 * link.  They stay, as bridges do; every container that joins one makes sure its trunk
 * is there, so a set-up that died halfway is mended by the next. */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/internal.h"

/* 64 overflow bridges of 1023 ports: about 66,000 containers on one network. */
#define OVERFLOW_MAX 64
/* From this port number on, the next bridge of the chain is made: 23 ports of slack
 * for the containers that start at the same moment. */
#define SPARE_FROM_PORT 1000
#define TRUNK_ALIAS     "nook:trunk"

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

/* Makes the overflow bridge `name` and its trunk to `parent` as far as they are
 * missing; *child is the bridge. */
static int ensure_overflow(struct nl_sock *s, struct nl_req *q, const struct net_link *parent,
                           const char *parent_name, const char *name, struct net_link *child,
                           int host_netns, struct nook_err *err)
{
        char tr[NET_IFNAME_MAX + 1], tc[NET_IFNAME_MAX + 1];
        struct net_link trunk;
        uint8_t mac[6];
        size_t join;

        trunk_names(name, tr, tc);
        nl_req_reset(q);
        net_link_get_put(q, name, child);
        net_link_get_put(q, tr, &trunk);
        if (nl_req_run(s, q, err) < 0)
                return -1;
        if (child->found && strcmp(child->kind, "bridge") != 0)
                return nook_err_set(err, 0, "%s, the overflow bridge of %s, is a %s link", name,
                                    parent_name, child->kind[0] ? child->kind : "plain");
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
        if (trunk.found && trunk.master == parent->index)
                return 0;
        /* The trunk: a veth pair within this namespace, one end on each bridge; the
         * parent's end joins it in a request of its own, where EXFULL can be told. */
        nl_req_reset(q);
        if (!trunk.found) {
                struct net_veth v = {.host = tr, .peer = tc, .peer_netns_fd = host_netns};

                net_veth_put(q, &v);
                nl_req_expect(q, EEXIST);
                net_link_alias_put(q, 0, tr, TRUNK_ALIAS);
                /* Ports need no addresses: no link-locals' chatter, flooded everywhere. */
                net_link_no_ipv6_ll_put(q, 0, tr);
                net_link_no_ipv6_ll_put(q, 0, tc);
        }
        net_link_master_put(q, 0, tr, parent->index);
        nl_req_expect(q, EXFULL);
        join = nl_req_last_index(q);
        net_link_master_put(q, 0, tc, child->index);
        net_link_up_put(q, 0, tc);
        if (nl_req_run(s, q, err) < 0)
                return -1;
        if (q->msg[join].result != 0)
                return nook_err_set(err, EXFULL,
                                    "bridge %s is full (1023 ports) and has no overflow bridge: "
                                    "nook chains one to each bridge it makes (use another "
                                    "bridge, or routed mode)",
                                    parent_name);
        return 0;
}

static int host_netns_fd(struct nook_err *err)
{
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        return fd < 0 ? nook_err_sys(err, "open /proc/self/ns/net") : fd;
}

bool net_bridge_is_nooks(const struct net_link *l)
{
        return strcmp(l->alias, NET_BRIDGE_ALIAS) == 0;
}

void net_bridge_joined(struct nl_sock *s, struct nl_req *q, const struct net_link *joined,
                       const char *root_name, unsigned k, int port_no)
{
        _cleanup_close_ int host_netns = -1;
        char name[NET_IFNAME_MAX + 1], next[NET_IFNAME_MAX + 1];
        struct net_link spare;

        if (port_no < SPARE_FROM_PORT || k >= OVERFLOW_MAX ||
            (host_netns = host_netns_fd(NULL)) < 0)
                return;
        if (k == 0)
                snprintf(name, sizeof(name), "%s", root_name);
        else
                overflow_name(root_name, k, name);
        overflow_name(root_name, k + 1, next);
        /* Best effort: the next container that joins tries again. */
        (void)ensure_overflow(s, q, joined, name, next, &spare, host_netns, NULL);
}

/* Appends the static forwarding entries for mac on the first k bridges of root's chain:
 * each sends it down its trunk to the next (trunks[j]: the root-side end of bridge j's
 * trunk). */
static void put_chain_fdb(struct nl_req *q, const char *root_name, unsigned k,
                          const struct net_link *trunks, const uint8_t mac[6])
{
        for (unsigned j = 1; j <= k; j++) {
                char name[NET_IFNAME_MAX + 1], tr[NET_IFNAME_MAX + 1], tc[NET_IFNAME_MAX + 1];

                overflow_name(root_name, j, name);
                trunk_names(name, tr, tc);
                if (trunks[j].found)
                        net_fdb_put(q, RTM_NEWNEIGH, trunks[j].index, tr, mac);
        }
}

/* Looks up the root-side trunk ends of root's overflow bridges 1..OVERFLOW_MAX into
 * trunks[1..] (found false from the first missing one on). */
static int get_trunks(struct nl_sock *s, struct nl_req *q, const char *root_name,
                      struct net_link trunks[OVERFLOW_MAX + 1], struct nook_err *err)
{
        nl_req_reset(q);
        trunks[0] = (struct net_link){0};
        for (unsigned j = 1; j <= OVERFLOW_MAX; j++) {
                char name[NET_IFNAME_MAX + 1], tr[NET_IFNAME_MAX + 1], tc[NET_IFNAME_MAX + 1];

                overflow_name(root_name, j, name);
                trunk_names(name, tr, tc);
                net_link_get_put(q, tr, &trunks[j]);
        }
        return nl_req_run(s, q, err);
}

int net_bridge_overflow_attach(struct nl_sock *s, struct nl_req *q, const struct net_link *root,
                               const char *root_name, int port, const char *port_name,
                               const uint8_t mac[6], struct nook_err *err)
{
        _cleanup_close_ int host_netns = host_netns_fd(err);
        struct net_link parent = *root, trunks[OVERFLOW_MAX + 1];
        char parent_name[NET_IFNAME_MAX + 1];

        if (host_netns < 0)
                return -1;
        snprintf(parent_name, sizeof(parent_name), "%s", root_name);
        for (unsigned k = 1; k <= OVERFLOW_MAX; k++) {
                char name[NET_IFNAME_MAX + 1];
                struct net_link child, joined;
                size_t at;

                overflow_name(root_name, k, name);
                if (ensure_overflow(s, q, &parent, parent_name, name, &child, host_netns, err) < 0)
                        return -1;
                nl_req_reset(q);
                net_link_master_put(q, port, port_name, child.index);
                nl_req_expect(q, EXFULL);
                at = nl_req_last_index(q);
                net_link_get_put(q, port_name, &joined);
                if (nl_req_run(s, q, err) < 0)
                        return -1;
                if (q->msg[at].result != 0) {
                        parent = child;
                        snprintf(parent_name, sizeof(parent_name), "%s", name);
                        continue;
                }
                /* Frames for the container: out its port, and on each bridge before,
                 * down the trunk towards it (none of them is to flood them). */
                if (get_trunks(s, q, root_name, trunks, err) < 0)
                        return -1;
                nl_req_reset(q);
                net_fdb_put(q, RTM_NEWNEIGH, port, port_name, mac);
                put_chain_fdb(q, root_name, k, trunks, mac);
                if (nl_req_run(s, q, err) < 0)
                        return -1;
                net_bridge_joined(s, q, &child, root_name, k, joined.port_no);
                return 0;
        }
        return nook_err_set(err, EXFULL, "bridge %s and its %d overflow bridges are full",
                            root_name, OVERFLOW_MAX);
}

int net_bridge_forget(struct nl_sock *s, struct nl_req *q, const char *root_name,
                      const uint8_t mac[6], struct nook_err *err)
{
        struct net_link trunks[OVERFLOW_MAX + 1];
        char name[NET_IFNAME_MAX + 1];
        struct net_link first;

        /* Most networks have no overflow bridge: one lookup says so. */
        overflow_name(root_name, 1, name);
        nl_req_reset(q);
        net_link_get_put(q, name, &first);
        if (nl_req_run(s, q, err) < 0 || !first.found)
                return first.found ? -1 : 0;
        if (get_trunks(s, q, root_name, trunks, err) < 0)
                return -1;
        nl_req_reset(q);
        for (unsigned j = 1; j <= OVERFLOW_MAX && trunks[j].found; j++) {
                char tr[NET_IFNAME_MAX + 1], tc[NET_IFNAME_MAX + 1];

                overflow_name(root_name, j, name);
                trunk_names(name, tr, tc);
                net_fdb_put(q, RTM_DELNEIGH, trunks[j].index, tr, mac);
        }
        return nl_req_run(s, q, err);
}
