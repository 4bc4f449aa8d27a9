/* The module's entry points: a container's network set up and torn down, and lo.
 *
 * Round trips per interface (each a batch of pipelined requests, net/netlink.h):
 *   host:      find the bridge (+ create it, once per bridge)
 *   host:      gateway addresses on the bridge, the veth pair, find its host side, mark
 *              it as nook's (+ once more when a deleted container's veth has the name)
 *   container: up, addresses, neighbour entries, default routes
 *   host:      (routed) host routes, proxy entries
 * then one nftables batch for NAT and port forwards of all interfaces. */
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "net/internal.h"

struct iface_state {
        struct net_link bridge, host, uplink;
        bool bridge_created;
        bool gw_added[2]; /* by us, to a bridge that existed before: IPv4, IPv6 */
        bool veth_created;
        bool proxy_added;
        uint8_t host_mac[6];
        uint8_t peer_mac[6]; /* the container side's: the host's neighbour entries name it */
        uint8_t gw_mac[6];   /* what the container's entries for its gateways name */
};

struct setup {
        const struct net_config *cfg;
        int netns_fd;
        struct nl_sock host, ct;
        struct nl_req *q;
        struct iface_state st[NET_MAX_IFACES];
};

static void setup_free(struct setup *c)
{
        nl_close(&c->host);
        nl_close(&c->ct);
        if (c->q)
                nl_req_free(c->q);
}

/* The container side's MAC: the configured one, else the one derived from the id. */
static void peer_mac(const char *id, const struct net_iface *ifc, uint8_t mac[6])
{
        if (ifc->has_mac)
                memcpy(mac, ifc->mac, 6);
        else
                net_ct_mac(id, ifc->name, mac);
}

static const int families[2] = {AF_INET, AF_INET6};

static bool has_family(const struct net_iface *ifc, int family)
{
        return net_iface_first_addr(ifc, family) != NULL;
}

/* The gateway of families[f]. */
static const struct net_addr *gateway(const struct net_iface *ifc, int f)
{
        return net_iface_gateway(ifc, families[f]);
}

/* --- set up ------------------------------------------------------------------------------ */

static int find_or_create_bridge(struct setup *c, const struct net_iface *ifc,
                                 struct iface_state *st, struct nook_err *err)
{
        struct nl_req *q = c->q;
        uint8_t mac[6];
        size_t create;

        nl_req_reset(q);
        net_link_get_put(q, ifc->bridge, &st->bridge);
        if (nl_req_run(&c->host, q, err) < 0)
                return -1;
        if (!st->bridge.found) {
                net_random_mac(mac);
                nl_req_reset(q);
                net_bridge_put(q, ifc->bridge, mac);
                nl_req_expect(q, EEXIST); /* another nook made it meanwhile */
                net_link_alias_put(q, 0, ifc->bridge, NET_BRIDGE_ALIAS);
                create = nl_req_last_index(q);
                net_link_get_put(q, ifc->bridge, &st->bridge);
                if (nl_req_run(&c->host, q, err) < 0)
                        return -1;
                st->bridge_created = q->msg[create].result == 0;
                if (!st->bridge.found)
                        return nook_err_set(err, ENODEV, "find bridge %s", ifc->bridge);
        }
        if (strcmp(st->bridge.kind, "bridge") != 0)
                return nook_err_set(err, 0,
                                    "annotation %s: bridge=%s: %s is a %s link, not a bridge",
                                    ifc->annotation, ifc->bridge, ifc->bridge,
                                    st->bridge.kind[0] ? st->bridge.kind : "plain");
        return 0;
}

/* Appends the creation of the veth pair v, the lookup of its host side into st->host
 * and the mark on it; *veth = the creation's index in the request.  The alias goes by
 * name in the same request, as the kernel ignores one given at creation: should the
 * name be taken, it lands on the link in the way, whose own alias the lookup saw first
 * (put back by restore_alias). */
static void put_veth(struct nl_req *q, const struct net_veth *v, const char *tag,
                     struct iface_state *st, size_t *veth)
{
        net_veth_put(q, v);
        nl_req_expect(q, EEXIST); /* told apart by the caller */
        *veth = nl_req_last_index(q);
        /* Its answer carries the host side's index and, as IFLA_LINK, the container
         * side's: no lookup inside the container is needed. */
        net_link_get_put(q, v->host, &st->host);
        net_link_alias_put(q, 0, v->host, tag);
        nl_req_expect(q, ENODEV); /* the create failed and nothing has the name */
}

/* The host side's name is taken by a link that is not ours to remove: its alias back as
 * it was. */
static void restore_alias(struct setup *c, const struct net_iface *ifc,
                          const struct iface_state *st)
{

        nl_req_reset(c->q);
        net_link_alias_put(c->q, st->host.index, ifc->host, st->host.alias);
        nl_req_expect(c->q, ENODEV);
        (void)nl_req_run(&c->host, c->q, NULL);
}

/* The veth pair, the host side's name free.  The name is claimed for this container
 * (net_claim), so a veth nook made for a container of this id that still has it is a
 * deleted one's, whose network namespace the kernel has not torn down yet: it is
 * deleted (with its peer) and the pair created again, once.  Another container's veth
 * is not taken over even so: it may be alive under another state root (claims are per
 * root), or the caller may not claim at all (tests/helpers/netsetup).  (A live
 * container of the same id under another root cannot be told apart: the default
 * host-side name, a hash of the id, makes the two collide anyway.) */
static int create_veth(struct setup *c, const struct net_iface *ifc, struct iface_state *st,
                       struct nook_err *err)
{
        struct nl_req *q = c->q;
        size_t gw_msg[2] = {SIZE_MAX, SIZE_MAX}, veth;
        char tag[NET_OWNER_TAG_MAX];
        struct net_veth v = {
            .host = ifc->host,
            .peer = ifc->name,
            .peer_netns_fd = c->netns_fd,
            .mtu = ifc->mtu,
            .peer_mac = st->peer_mac,
        };
        int r;

        /* Chosen here, not by the kernel, so that the neighbour entries of both sides and
         * the bridge's forwarding entry can be written as the link is made. */
        peer_mac(c->cfg->id, ifc, st->peer_mac);

        net_owner_tag(c->cfg->id, tag, sizeof(tag));
        nl_req_reset(q);
        if (ifc->mode == NET_MODE_BRIDGE) {
                for (int f = 0; f < 2; f++) {
                        const struct net_addr *gw = gateway(ifc, f);

                        if (!gw)
                                continue;
                        net_addr_put(q, RTM_NEWADDR, st->bridge.index, ifc->bridge, gw,
                                     gw->family == AF_INET6 ? IFA_F_NODAD : 0);
                        nl_req_expect(q, EEXIST); /* the bridge's, shared by its containers */
                        gw_msg[f] = nl_req_last_index(q);
                }
                memcpy(st->gw_mac, st->bridge.mac, 6);
                /* The port joins the bridge in the next request, where a full one
                 * (EXFULL) costs no veth pair made and destroyed; it comes up there,
                 * once IPv6 is off on it. */
                v.host_down = true;
        } else {
                /* Known, so that the container's neighbour entry for its gateway can
                 * point at it. */
                net_random_mac(st->host_mac);
                v.host_mac = st->host_mac;
                memcpy(st->gw_mac, st->host_mac, 6);
                if (ifc->dev[0])
                        net_link_get_put(q, ifc->dev, &st->uplink);
        }
        put_veth(q, &v, tag, st, &veth);
        r = nl_req_run(&c->host, q, err);
        for (int f = 0; f < 2; f++)
                if (gw_msg[f] != SIZE_MAX)
                        st->gw_added[f] = q->msg[gw_msg[f]].result == 0;
        st->veth_created = q->msg[veth].result == 0;
        if (r == 0 && !st->veth_created && net_link_marked_for(&st->host, tag)) {
                nl_req_reset(q);
                net_link_del_put(q, st->host.index, ifc->host);
                put_veth(q, &v, tag, st, &veth);
                r = nl_req_run(&c->host, q, err);
                st->veth_created = q->msg[veth].result == 0;
        }
        if (!st->veth_created && st->host.found) {
                restore_alias(c, ifc, st);
                if (r < 0)
                        return -1;
                return nook_err_set(err, 0,
                                    "annotation %s: host=%s: host-side interface %s already exists",
                                    ifc->annotation, ifc->host, ifc->host);
        }
        if (r < 0)
                return -1;
        if (!st->veth_created)
                return nook_err_set(err, 0,
                                    "annotation %s: interface %s already exists in the "
                                    "container's network namespace",
                                    ifc->annotation, ifc->name);
        if (!st->host.found || st->host.link <= 0)
                return nook_err_set(err, ENODEV, "find the veth pair %s for %s", ifc->host,
                                    ifc->name);
        if (ifc->mode == NET_MODE_ROUTED && ifc->dev[0] && !st->uplink.found)
                return nook_err_set(err, 0, "annotation %s: dev=%s: no such link", ifc->annotation,
                                    ifc->dev);
        return 0;
}

static int configure_container_side(struct setup *c, const struct net_iface *ifc,
                                    struct iface_state *st, struct nook_err *err)
{
        struct nl_req *q = c->q;
        bool routed = ifc->mode == NET_MODE_ROUTED;
        int index = st->host.link;

        nl_req_reset(q);
        /* Without an IPv6 address of its own it stays silent on IPv6: at 200 containers
         * on one bridge the automatic link-locals' multicasts, flooded to every port,
         * made starting them 10-15% slower.  (Docker turns IPv6 off on such
         * interfaces altogether.) */
        if (!has_family(ifc, AF_INET6))
                net_link_no_ipv6_ll_put(q, index, ifc->name);
        net_link_up_put(q, index, ifc->name);
        for (size_t i = 0; i < ifc->n_addrs; i++) {
                const struct net_addr *a = &ifc->addrs[i];
                /* Routed: no prefix route, so that all traffic goes to the host, also
                 * to neighbours of the uplink's subnet. */
                uint32_t flags =
                    (routed ? IFA_F_NOPREFIXROUTE : 0) | (a->family == AF_INET6 ? IFA_F_NODAD : 0);

                net_addr_put(q, RTM_NEWADDR, index, ifc->name, a, flags);
        }
        for (int f = 0; f < 2; f++) {
                const struct net_addr *gw = gateway(ifc, f);

                if (!gw)
                        continue;
                /* Permanent: no ARP or neighbour discovery for the gateway, and (since
                 * Linux 4.19) not counted against the neighbour table's gc_thresh,
                 * which all namespaces share.  Routed: the host side answers for it,
                 * without proxy ARP; bridged: the bridge, when nook made it with a fixed
                 * MAC (another bridge's MAC may follow its ports' as they come and go,
                 * and setting it would flush its neighbours each time). */
                if (routed || (st->bridge.has_mac && net_bridge_is_nooks(&st->bridge)))
                        net_neigh_put(q, RTM_NEWNEIGH, index, ifc->name, gw, st->gw_mac);
                net_route_put(q, RTM_NEWROUTE, index, ifc->name, NULL, gw, routed);
        }
        return nl_req_run(&c->ct, q, err);
}

/* net/<family>/<table>/<dev>/<key> = value, e.g. net/ipv4/conf/eth0/proxy_arp. */
static int ensure_sysctl(const struct net_iface *ifc, const char *family, const char *table,
                         const char *key, const char *value, struct nook_err *err)
{
        char path[128];

        snprintf(path, sizeof(path), "net/%s/%s/%s/%s", family, table, ifc->dev, key);
        if (net_sysctl_ensure(path, value, err) < 0)
                return nook_err_prefix(err, "annotation %s: dev=%s", ifc->annotation, ifc->dev);
        return 0;
}

static int configure_routed_host_side(struct setup *c, const struct net_iface *ifc,
                                      struct iface_state *st, struct nook_err *err)
{
        struct nl_req *q = c->q;
        bool v4 = has_family(ifc, AF_INET), v6 = has_family(ifc, AF_INET6);

        nl_req_reset(q);
        for (size_t i = 0; i < ifc->n_addrs; i++)
                net_route_put(q, RTM_NEWROUTE, st->host.index, ifc->host, &ifc->addrs[i], NULL,
                              false);
        if (v6) {
                /* The host's neighbour solicitations on the veth need a link-local source
                 * that is not tentative; the automatic one is for a second. */
                struct net_addr ll = {.family = AF_INET6, .prefix = 64};

                ll.v6.s6_addr[0] = 0xfe;
                ll.v6.s6_addr[1] = 0x80;
                ll.v6.s6_addr[15] = 1;
                net_addr_put(q, RTM_NEWADDR, st->host.index, ifc->host, &ll, IFA_F_NODAD);
        }
        if (ifc->dev[0] && v6) {
                st->proxy_added = true;
                for (size_t i = 0; i < ifc->n_addrs; i++)
                        if (ifc->addrs[i].family == AF_INET6)
                                net_neigh_put(q, RTM_NEWNEIGH, st->uplink.index, ifc->dev,
                                              &ifc->addrs[i], NULL);
        }
        if (nl_req_run(&c->host, q, err) < 0)
                return -1;
        if (!ifc->dev[0])
                return 0;
        /* Proxied answers are delayed by up to 0.8 s by default (proxy_delay). */
        if (v4 && (ensure_sysctl(ifc, "ipv4", "conf", "proxy_arp", "1", err) < 0 ||
                   ensure_sysctl(ifc, "ipv4", "neigh", "proxy_delay", "0", err) < 0))
                return -1;
        if (v6 && (ensure_sysctl(ifc, "ipv6", "conf", "proxy_ndp", "1", err) < 0 ||
                   ensure_sysctl(ifc, "ipv6", "neigh", "proxy_delay", "0", err) < 0))
                return -1;
        /* The addresses may have lived behind another host a moment ago (a migration):
         * a failed announcement only delays the LAN's learning. */
        if (net_announce(&st->uplink, ifc->dev, ifc->addrs, ifc->n_addrs, err) < 0) {
                nook_log_err(err);
                nook_err_clear(err);
        }
        return 0;
}

/* IPv6 off on a bridge port before it comes up (disable_ipv6; addr_gen_mode none alone
 * still left each port a multicast route in the host's table).  Every state change of
 * a port with IPv6 on walks the host's whole IPv6 routing table, which held a route
 * for each port: starting the 3000th container, those walks were 4% of the CPU, and a
 * fleet's N starts cost N x N.  Written without reading first: the port is new.  False
 * when it could not be (no IPv6 in the kernel, or a read-only /proc/sys). */
static bool port_ipv6_off(const char *host)
{
        _cleanup_free_ char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", host);

        return write_file_at(AT_FDCWD, path, "1", 1, NULL) == 0;
}

static int setup_iface(struct setup *c, size_t i, struct nook_err *err)
{
        const struct net_iface *ifc = &c->cfg->ifaces[i];
        struct iface_state *st = &c->st[i];

        if (ifc->mode == NET_MODE_BRIDGE && find_or_create_bridge(c, ifc, st, err) < 0)
                return -1;
        if (create_veth(c, ifc, st, err) < 0)
                return -1;
        /* A bridge port needs no address at all; before its peer comes up, which is
         * when the kernel would make one.  Then onto the bridge, or past its 1023 ports
         * onto an overflow bridge (net/bridge.c). */
        if (ifc->mode == NET_MODE_BRIDGE) {
                struct net_link port;
                size_t join;

                bool ipv6_off = port_ipv6_off(ifc->host);

                nl_req_reset(c->q);
                /* Where IPv6 could not be turned off, at least no address. */
                if (!ipv6_off)
                        net_link_no_ipv6_ll_put(c->q, st->host.index, ifc->host);
                net_link_up_put(c->q, st->host.index, ifc->host);
                net_link_master_put(c->q, st->host.index, ifc->host, st->bridge.index);
                nl_req_expect(c->q, EXFULL);
                join = nl_req_last_index(c->q);
                /* A static forwarding entry: the container may never send a frame (no
                 * ARP), and unknown unicast is flooded to every port, which at a
                 * thousand ports overflows the CPU's backlog (netdev_max_backlog) and
                 * drops the copies for the last ports.  (EOPNOTSUPP: not a port, as
                 * the bridge was full.) */
                net_fdb_put(c->q, RTM_NEWNEIGH, st->host.index, ifc->host, st->peer_mac);
                nl_req_expect(c->q, EOPNOTSUPP);
                /* The host's entries for the container's addresses, on the bridge that
                 * holds their subnets: permanent, as the container's for its gateway. */
                for (size_t k = 0; k < ifc->n_addrs; k++)
                        net_neigh_put(c->q, RTM_NEWNEIGH, st->bridge.index, ifc->bridge,
                                      &ifc->addrs[k], st->peer_mac);
                net_link_get_put(c->q, ifc->host, &port);
                if (nl_req_run(&c->host, c->q, err) < 0)
                        return -1;
                if (c->q->msg[join].result == 0)
                        net_bridge_joined(&c->host, c->q, &st->bridge, ifc->bridge, 0,
                                          port.port_no);
                else if (net_bridge_overflow_attach(&c->host, c->q, &st->bridge, ifc->bridge,
                                                    st->host.index, ifc->host, st->peer_mac,
                                                    err) < 0)
                        return -1;
        }
        if (configure_container_side(c, ifc, st, err) < 0)
                return -1;
        if (ifc->mode == NET_MODE_ROUTED && configure_routed_host_side(c, ifc, st, err) < 0)
                return -1;
        return 0;
}

/* Forwarding, only when a container's traffic is routed through the host. */
static int enable_forwarding(const struct net_config *cfg, struct nook_err *err)
{
        bool v4 = false, v6 = false;

        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                const struct net_iface *ifc = &cfg->ifaces[i];

                if (ifc->mode != NET_MODE_ROUTED && !ifc->masquerade && !ifc->n_publish)
                        continue;
                v4 |= has_family(ifc, AF_INET);
                v6 |= has_family(ifc, AF_INET6);
        }
        if (v4 && net_sysctl_ensure("net/ipv4/ip_forward", "1", err) < 0)
                return nook_err_prefix(err, "turn on IPv4 forwarding");
        if (v6 && net_sysctl_ensure("net/ipv6/conf/all/forwarding", "1", err) < 0)
                return nook_err_prefix(err, "turn on IPv6 forwarding");
        return 0;
}

/* Best effort: the error that made us undo is the one to report. */
static void undo(struct setup *c)
{
        struct nl_req *q = c->q;

        for (size_t i = c->cfg->n_ifaces; i-- > 0;) {
                const struct net_iface *ifc = &c->cfg->ifaces[i];
                struct iface_state *st = &c->st[i];
                struct net_ports ports = {.master = st->bridge.index};

                nl_req_reset(q);
                for (size_t k = 0; st->proxy_added && k < ifc->n_addrs; k++)
                        if (ifc->addrs[k].family == AF_INET6)
                                net_neigh_put(q, RTM_DELNEIGH, st->uplink.index, ifc->dev,
                                              &ifc->addrs[k], NULL);
                /* Its routes, addresses and the container side go with it; the
                 * host's entries on the bridge do not. */
                if (st->veth_created)
                        net_link_del_put(q, st->host.index, ifc->host);
                for (size_t k = 0;
                     st->veth_created && ifc->mode == NET_MODE_BRIDGE && k < ifc->n_addrs; k++)
                        net_neigh_del_put(q, st->bridge.index, ifc->bridge, &ifc->addrs[k]);
                for (int f = 0; f < 2; f++) {
                        if (!st->gw_added[f] || st->bridge_created)
                                continue;
                        net_addr_put(q, RTM_DELADDR, st->bridge.index, ifc->bridge, gateway(ifc, f),
                                     0);
                        nl_req_expect(q, EADDRNOTAVAIL);
                }
                (void)nl_req_run(&c->host, q, NULL);
                if (st->veth_created && ifc->mode == NET_MODE_BRIDGE)
                        (void)net_bridge_forget(&c->host, q, ifc->bridge, st->peer_mac, NULL);
                if (!st->bridge_created)
                        continue;
                /* Unless another container joined it meanwhile. */
                nl_req_reset(q);
                net_link_ports_put(q, &ports);
                if (nl_req_run(&c->host, q, NULL) == 0 && ports.count == 0) {
                        nl_req_reset(q);
                        net_link_del_put(q, st->bridge.index, ifc->bridge);
                        (void)nl_req_run(&c->host, q, NULL);
                }
        }
}

int net_setup(const struct net_config *cfg, const char *id, int netns_fd, struct nook_err *err)
{
        _cleanup_(setup_free) struct setup c = {.cfg = cfg, .netns_fd = netns_fd};

        if (cfg == NULL || cfg->n_ifaces == 0)
                return 0;
        c.q = nl_req_new();
        if (nl_open(&c.host, NETLINK_ROUTE, -1, err) < 0)
                return -1;
        if (nl_open(&c.ct, NETLINK_ROUTE, netns_fd, err) < 0)
                return -1;
        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                if (setup_iface(&c, i, err) < 0) {
                        undo(&c);
                        return -1;
                }
        }
        if (enable_forwarding(cfg, err) < 0) {
                undo(&c);
                return -1;
        }
        if (net_nft_needed(cfg) && net_nft_add(cfg, id, err) < 0) {

                /* Rules of earlier batches, when there were several. */
                (void)net_nft_remove(id, NULL);
                undo(&c);
                return -1;
        }
        return 0;
}

/* --- tear down ------------------------------------------------------------------------------ */

static int teardown_routed(struct nl_sock *s, struct nl_req *q, const struct net_iface *ifc,
                           struct nook_err *err)
{
        struct net_link host, uplink = {0};

        nl_req_reset(q);
        net_link_get_put(q, ifc->host, &host);
        if (ifc->dev[0])
                net_link_get_put(q, ifc->dev, &uplink);
        if (nl_req_run(s, q, err) < 0)
                return -1;
        nl_req_reset(q);
        /* Without the link its routes are gone already. */
        for (size_t i = 0; host.found && i < ifc->n_addrs; i++)
                net_route_put(q, RTM_DELROUTE, host.index, ifc->host, &ifc->addrs[i], NULL, false);
        for (size_t i = 0; uplink.found && i < ifc->n_addrs; i++)
                if (ifc->addrs[i].family == AF_INET6)
                        net_neigh_put(q, RTM_DELNEIGH, uplink.index, ifc->dev, &ifc->addrs[i],
                                      NULL);
        return nl_req_run(s, q, err);
}

/* The host's permanent entries for the container's addresses, on its bridge. */
static int teardown_bridged(struct nl_sock *s, struct nl_req *q, const struct net_config *cfg,
                            const struct net_iface *ifc, struct nook_err *err)
{
        struct net_link bridge;
        uint8_t mac[6];

        peer_mac(cfg->id, ifc, mac);
        nl_req_reset(q);
        net_link_get_put(q, ifc->bridge, &bridge);
        if (nl_req_run(s, q, err) < 0 || !bridge.found)
                return bridge.found ? -1 : 0;
        nl_req_reset(q);
        for (size_t i = 0; i < ifc->n_addrs; i++)
                net_neigh_del_put(q, bridge.index, ifc->bridge, &ifc->addrs[i]);
        if (nl_req_run(s, q, err) < 0)
                return -1;
        return net_bridge_forget(s, q, ifc->bridge, mac, err);
}

int net_teardown(const struct net_config *cfg, const char *id, struct nook_err *err)
{
        _cleanup_(nl_closep) struct nl_sock s = {0};
        _cleanup_nl_req_ struct nl_req *q = NULL;
        struct nook_err later = {0};
        int r = 0;

        if (cfg == NULL)
                return 0;
        /* Every step is tried; the first failure is reported. */
        if (net_nft_needed(cfg) && net_nft_remove(id, err) < 0)
                r = -1;
        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                const struct net_iface *ifc = &cfg->ifaces[i];
                struct nook_err *e = r < 0 ? &later : err;

                if (s.nl == NULL) {
                        if (nl_open(&s, NETLINK_ROUTE, -1, e) < 0)
                                return -1;
                        q = nl_req_new();
                }
                if ((ifc->mode == NET_MODE_ROUTED ? teardown_routed(&s, q, ifc, e)
                                                  : teardown_bridged(&s, q, cfg, ifc, e)) < 0)
                        r = -1;
        }
        return r;
}

int net_addr_change(int netns_fd, const char *ifname, const struct net_addr *a, bool add,
                    struct nook_err *err)
{
        _cleanup_(nl_closep) struct nl_sock s = {0};
        _cleanup_nl_req_ struct nl_req *q = NULL;
        struct net_link link = {0};

        if (nl_open(&s, NETLINK_ROUTE, netns_fd, err) < 0)
                return -1;
        q = nl_req_new();
        net_link_get_put(q, ifname, &link);
        if (nl_req_run(&s, q, err) < 0)
                return -1;
        if (!link.found)
                return nook_err_set(err, ENODEV, "find interface %s", ifname);
        nl_req_reset(q);
        net_addr_put(q, add ? RTM_NEWADDR : RTM_DELADDR, link.index, ifname, a,
                     add && a->family == AF_INET6 ? IFA_F_NODAD : 0);
        return nl_req_run(&s, q, err);
}

int net_links_delete(char *const *names, char *const *owners, struct nook_err *err)
{
        _cleanup_(nl_closep) struct nl_sock s = {0};
        _cleanup_nl_req_ struct nl_req *q = NULL;
        size_t n = strv_length(names), marked = 0;
        _cleanup_free_ struct net_link *links = NULL;
        /* A group of our own for the request (a 32-bit number no one sets by hand). */
        uint32_t group = 0x6e6b0000u | ((uint32_t)getpid() & 0xffffu);
        struct nlmsghdr *nlh;

        if (n == 0)
                return 0;
        if (nl_open(&s, NETLINK_ROUTE, -1, err) < 0)
                return -1;
        q = nl_req_new();
        links = xcalloc(n, sizeof(*links));
        /* Looked up in chunks: the answers of one request must fit the socket's
         * receive buffer, or the kernel drops them. */
        for (size_t at = 0; at < n; at += 64) {
                nl_req_reset(q);
                for (size_t i = at; i < n && i < at + 64; i++)
                        net_link_get_put(q, names[i], &links[i]);
                if (nl_req_run(&s, q, err) < 0)
                        return -1;
        }
        nl_req_reset(q);
        for (size_t i = 0; i < n; i++) {
                char tag[NET_OWNER_TAG_MAX];

                net_owner_tag(owners[i], tag, sizeof(tag));
                if (!net_link_marked_for(&links[i], tag))
                        continue;
                net_link_group_put(q, links[i].index, names[i], group);
                marked++;
        }
        if (marked == 0 || nl_req_run(&s, q, err) < 0)
                return marked ? -1 : 0;
        nl_req_reset(q);
        nlh = nl_req_put(q, RTM_DELLINK, 0, "delete %zu veths", marked);
        net_link_group_select(nlh, group);
        nl_req_expect(q, ENODEV); /* all gone meanwhile, with their namespaces */
        return nl_req_run(&s, q, err);
}

int net_loopback_up(int netns_fd, struct nook_err *err)
{
        _cleanup_(nl_closep) struct nl_sock s = {0};
        _cleanup_nl_req_ struct nl_req *q = NULL;

        if (nl_open(&s, NETLINK_ROUTE, netns_fd, err) < 0)
                return nook_err_prefix(err, "set lo up");
        q = nl_req_new();
        net_link_up_put(q, 0, "lo");
        return nl_req_run(&s, q, err);
}
