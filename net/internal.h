/* What the files of net/ share among themselves; the module's interface is net/net.h.
 *
 * The *_put functions append one request to a struct nl_req (net/netlink.h) without
 * sending it, so that a caller chains several into one round trip and the unit tests
 * can check the bytes. */
#ifndef NOOK_NET_INTERNAL_H
#define NOOK_NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/net.h"
#include "net/netlink.h"

/* --- link.c: links, veth pairs, bridges ------------------------------------------------- */

#define NET_ALIAS_MAX 256 /* IFALIASZ, the kernel's limit with the NUL */

struct net_link {
        bool found;
        int index;
        int link;      /* IFLA_LINK: a veth's peer, as an index in the peer's namespace */
        int master;    /* IFLA_MASTER, 0 = none */
        char kind[16]; /* IFLA_INFO_KIND, "" for a link without one (lo, a physical NIC) */
        char alias[NET_ALIAS_MAX]; /* IFLA_IFALIAS, "" for none */
        bool has_mac;
        uint8_t mac[6]; /* IFLA_ADDRESS of an Ethernet link */
        int port_no;    /* a bridge port's number (IFLA_BRPORT_NO), 0 = none */
};

/* announce.c: a gratuitous ARP (IPv4) or an unsolicited neighbour advertisement (IPv6)
 * for each address, with the MAC of uplink dev: the LAN's caches then send its traffic
 * for them here (a routed container started, or arrived by migration). */
int net_announce(const struct net_link *uplink, const char *dev, const struct net_addr *addrs,
                 size_t n, struct nook_err *err);

/* RTM_GETLINK by name; the answer fills *out, a missing link leaves out->found false. */
void net_link_get_put(struct nl_req *r, const char *name, struct net_link *out);
/* A bridge, up, with a fixed MAC (else it takes the lowest of its ports' and changes as
 * containers come and go). */
void net_bridge_put(struct nl_req *r, const char *name, const uint8_t mac[6]);

struct net_veth {
        const char *host;                   /* name of the host side */
        const char *peer;                   /* name of the container side, created as such */
        int peer_netns_fd;                  /* where the container side is created */
        int master;                         /* bridge index, 0 = none */
        uint32_t mtu;                       /* 0 = default */
        const uint8_t *host_mac, *peer_mac; /* NULL = the kernel's choice */
        bool host_down;                     /* the host side stays down (else: up) */
};
/* Both sides created in one request (IFLA_NET_NS_FD in the peer's attributes), the host
 * side up unless host_down; the container side must be set up on its own
 * (net_link_up_put). */
void net_veth_put(struct nl_req *r, const struct net_veth *v);
void net_link_del_put(struct nl_req *r, int index, const char *name);
/* RTM_SETLINK that stops the kernel from giving the link (by index, or by name when
 * index is 0) an automatic IPv6 link-local address (addr_gen_mode none): no duplicate
 * address detection, MLD reports or router solicitations from it, each of which a
 * bridge floods to every port. */
void net_link_no_ipv6_ll_put(struct nl_req *r, int index, const char *name);
/* RTM_SETLINK of the link's alias (IFLA_IFALIAS; "" removes it), by index, or by name
 * when index is 0.  The kernel ignores an alias in the request that creates a link. */
void net_link_alias_put(struct nl_req *r, int index, const char *name, const char *alias);
/* Whether the link is a veth nook made for the owner of tag (net_owner_tag): net_setup
 * gives every host side it creates its container's tag as alias. */
bool net_link_marked_for(const struct net_link *l, const char *tag);
/* Sets the link up, by index, or by name when index is 0. */
void net_link_up_put(struct nl_req *r, int index, const char *name);
/* Puts link index in link group `group` (IFLA_GROUP); and, for an RTM_DELLINK just
 * put, selects every link of that group: the kernel deletes them with one RCU grace
 * period for all (unregister_netdevice_many), where one by one each costs one. */
void net_link_group_put(struct nl_req *r, int index, const char *name, uint32_t group);
void net_link_group_select(struct nlmsghdr *nlh, uint32_t group);
/* Makes the link (by index, or by name when index is 0) a port of bridge `master`;
 * EXFULL when the bridge has no port number left. */
void net_link_master_put(struct nl_req *r, int index, const char *name, int master);
/* A random, locally administered unicast MAC. */
void net_random_mac(uint8_t mac[6]);

/* bridge.c: the alias of the bridges nook makes (with a fixed MAC, net_bridge_put). */
#define NET_BRIDGE_ALIAS "nook:bridge"
bool net_bridge_is_nooks(const struct net_link *l);
/* A port numbered port_no (from 1) just joined bridge `joined` (the root bridge, k = 0,
 * or its k-th overflow bridge): from the 1000th port on, the next overflow bridge is
 * made, while `joined` still has a port for its trunk. */
void net_bridge_joined(struct nl_sock *s, struct nl_req *q, const struct net_link *joined,
                       const char *root_name, unsigned k, int port_no);
/* Puts the link `port` on the first overflow bridge of bridge root (named root_name)
 * that has a free port, with the forwarding entries that lead frames for mac to it. */
int net_bridge_overflow_attach(struct nl_sock *s, struct nl_req *q, const struct net_link *root,
                               const char *root_name, int port, const char *port_name,
                               const uint8_t mac[6], struct nook_err *err);
/* Removes those forwarding entries for mac from root's chain (a container's teardown;
 * the entry on its own port goes with the port). */
int net_bridge_forget(struct nl_sock *s, struct nl_req *q, const char *root_name,
                      const uint8_t mac[6], struct nook_err *err);
/* Counts the links whose master is ports->master (a bridge's ports) into ports->count. */
struct net_ports {
        int master;
        size_t count;
};
void net_link_ports_put(struct nl_req *r, struct net_ports *ports);

/* --- addr.c: addresses, routes, neighbours ----------------------------------------------- */

/* RTM_NEWADDR/RTM_DELADDR of a->bytes/a->prefix on ifindex (named ifname in errors);
 * flags are IFA_F_* (IFA_F_NODAD, IFA_F_NOPREFIXROUTE). */
void net_addr_put(struct nl_req *r, uint16_t type, int ifindex, const char *ifname,
                  const struct net_addr *a, uint32_t flags);
/* RTM_NEWROUTE/RTM_DELROUTE in the main table: with gw, a default route via gw (onlink:
 * the gateway need not be in a subnet of the link); without, a host route (/32, /128) to
 * dst on the link. */
void net_route_put(struct nl_req *r, uint16_t type, int oif, const char *ifname,
                   const struct net_addr *dst, const struct net_addr *gw, bool onlink);
/* RTM_NEWNEIGH/RTM_DELNEIGH: with lladdr a permanent entry, without a proxy entry. */
void net_neigh_put(struct nl_req *r, uint16_t type, int ifindex, const char *ifname,
                   const struct net_addr *dst, const uint8_t *lladdr);
/* A static forwarding entry of the bridge that port (index) is on: frames for mac go out
 * that port (`bridge fdb replace MAC dev PORT master static`), or its removal. */
void net_fdb_put(struct nl_req *r, uint16_t type, int port, const char *port_name,
                 const uint8_t mac[6]);
/* RTM_DELNEIGH of the (not proxy) entry for dst on ifindex; a missing one is no error. */
void net_neigh_del_put(struct nl_req *r, int ifindex, const char *ifname,
                       const struct net_addr *dst);

/* --- sysctl.c --------------------------------------------------------------------------- */

/* Writes value to /proc/sys/<path> unless it holds that value already. */
int net_sysctl_ensure(const char *path, const char *value, struct nook_err *err);

/* --- nft.c: the "inet nook" table --------------------------------------------------------- */

/* Whether cfg asks for NAT or port forwards. */
bool net_nft_needed(const struct net_config *cfg);
/* Adds cfg's masquerade and port-forward rules, tagged with id, creating the table on
 * first use; one batch. */
int net_nft_add(const struct net_config *cfg, const char *id, struct nook_err *err);
/* Removes every rule tagged with id (net_owner_tag); nothing when the table does not
 * exist. */
int net_nft_remove(const char *id, struct nook_err *err);

/* --- annotation.c ----------------------------------------------------------------------- */

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);
/* "nk" + 11 hex digits of a hash of id + index in hex: 14 bytes. */
void net_host_name(const char *id, size_t index, char out[NET_IFNAME_MAX + 1]);
uint64_t net_hash(const char *s);
/* The MAC of container id's interface ifname when the annotation gives none: derived, so
 * that teardown knows it (the bridges' entries for it) and a restart keeps it. */
void net_ct_mac(const char *id, const char *ifname, uint8_t mac[6]);
/* What nook made for container id is tagged "nook:<id>" (or, for a long id, its first
 * 100 bytes and a hash): its nft rules' comments, its host-side veths' alias. */
#define NET_OWNER_TAG_PREFIX "nook:"
#define NET_OWNER_TAG_MAX    160
void net_owner_tag(const char *id, char *buf, size_t len);
const char *net_proto_name(uint8_t proto);
/* The interface's first address of family, its gateway of family; NULL for none. */
const struct net_addr *net_iface_first_addr(const struct net_iface *ifc, int family);
const struct net_addr *net_iface_gateway(const struct net_iface *ifc, int family);

#endif
