/* Container networking over netlink: libmnl for links, addresses, routes and neighbours,
 * libnftnl for NAT and port forwards.  Nothing is shelled out.
 *
 * A container's network is configured by OCI annotations, one per container interface,
 * "org.nook.net.eth0": "bridge=nookbr0,ip=10.42.0.2/24,gw=10.42.0.1,nat=masquerade".
 * Their keys, what each does to the host (forwarding, the "inet nook" nftables table)
 * and their limits are documented once, in man/nook.8 (NETWORKING).
 *
 * A thread that changed nftables keeps its netfilter socket (close-on-exec) for its next
 * call: the kernel makes the close of such a socket wait until deleted rules are freed,
 * an RCU grace period, which at process exit has usually passed. */
#ifndef NOOK_NET_NET_H
#define NOOK_NET_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct oci_kv;

#define NET_ANNOTATION_PREFIX "org.nook.net."
#define NET_IFNAME_MAX        15 /* IFNAMSIZ - 1 */
#define NET_MAX_IFACES        16
#define NET_MAX_ADDRS         32
#define NET_MAX_PUBLISH       32

struct net_addr {
        int family;     /* AF_INET or AF_INET6; 0 = none */
        uint8_t prefix; /* of the subnet (a gateway carries its subnet's prefix) */
        union {
                struct in_addr v4;
                struct in6_addr v6;
                uint8_t bytes[16];
        };
};

enum net_mode { NET_MODE_BRIDGE, NET_MODE_ROUTED };

struct net_publish {
        uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host_port;
        uint16_t ct_port;
};

struct net_iface {
        char *annotation;              /* "org.nook.net.eth0", for messages */
        char name[NET_IFNAME_MAX + 1]; /* inside the container */
        char host[NET_IFNAME_MAX + 1]; /* the host side of the veth pair */
        enum net_mode mode;
        char bridge[NET_IFNAME_MAX + 1]; /* NET_MODE_BRIDGE */
        char dev[NET_IFNAME_MAX + 1];    /* NET_MODE_ROUTED: the uplink, "" for none */
        struct net_addr addrs[NET_MAX_ADDRS];
        size_t n_addrs;
        /* Default gateways; in routed mode filled in for each family with addresses. */
        struct net_addr gw4, gw6;
        bool has_mac;
        uint8_t mac[6];
        uint32_t mtu; /* 0 = the kernel's default */
        bool masquerade;
        struct net_publish publish[NET_MAX_PUBLISH];
        size_t n_publish;
};

struct net_config {
        char *id;                 /* the container's */
        struct net_iface *ifaces; /* sorted by name */
        size_t n_ifaces;
};

/* Parses the org.nook.net.* annotations of container id.  None: *out = NULL and 0.
 * Errors name the annotation and the key:
 *   "annotation org.nook.net.eth0: ip=10.0.0.300/24: invalid IPv4 address". */
int net_config_parse(const struct oci_kv *ann, size_t n, const char *id, struct net_config **out,
                     struct nook_err *err);
void net_config_free(struct net_config *cfg);
static inline void net_config_freep(struct net_config **cfg)
{
        if (*cfg)
                net_config_free(*cfg);
}

/* Claims, as files in the directory dirfd (one per state root, see net/claims.c), what
 * must be unique among the containers sharing it: an address on the same bridge (or
 * among routed containers; nor may it be another's gateway), a host-side name, a
 * published port.  Atomic (O_EXCL), so two concurrent creates cannot both get one;
 * a claim whose owner owner_exists() denies is stale and taken over.  On failure
 * nothing stays claimed.  The kernel catches a taken host-side name too; both give
 *   "annotation org.nook.net.eth0: host=NAME: host-side interface NAME already exists". */
int net_claim(const struct net_config *cfg, int dirfd,
              bool (*owner_exists)(const char *id, void *data), void *data, struct nook_err *err);
/* Gives back the claims of cfg's container. */
void net_unclaim(const struct net_config *cfg, int dirfd);

/* Sets up every interface of cfg: the veth pair (its container side created directly in
 * the network namespace netns_fd under its final name, its host side marked with the
 * alias "nook:<id>"), bridge, addresses, routes, neighbour entries, forwarding, NAT and
 * port forwards.  On failure it undoes what it did on the host (links, routes,
 * addresses, proxy entries, nft rules) before returning; the sysctls it turned on stay.
 * The caller holds cfg's claims (net_claim), so a veth marked for id that still has a
 * host-side name is a deleted container's (podman restart, a re-run of one id) whose
 * network namespace the kernel has not torn down yet: it is deleted and the pair made
 * again.  Any other link of the name is left alone and refused as net_claim words it. */
int net_setup(const struct net_config *cfg, const char *id, int netns_fd, struct nook_err *err);

/* Removes what net_setup added on the host and that does not vanish with the container's
 * network namespace: nft rules, host routes (when the link still exists), proxy NDP
 * entries.  The veth pair is left to vanish with the namespace (deleting it makes the
 * kernel wait tens of milliseconds); bridges stay.  Idempotent, also after a partial
 * setup.  Needs the configuration net_setup was given. */
int net_teardown(const struct net_config *cfg, const char *id, struct nook_err *err);

/* Parses "ADDR/PREFIX" (a unicast IPv4 or IPv6 address), as ip= of the annotation. */
int net_addr_parse(const char *text, struct net_addr *a, struct nook_err *err);
/* Parses a subnet "ADDR/PREFIX" into its network address (host bits cleared). */
int net_addr_parse_subnet(const char *text, struct net_addr *a, struct nook_err *err);
/* Advances a by k addresses (its prefix unchanged); -1 when that passes the family's
 * last address. */
int net_addr_add(struct net_addr *a, uint64_t k);
/* Whether a is in the subnet that subnet's address and prefix make. */
bool net_addr_in_subnet(const struct net_addr *subnet, const struct net_addr *a);
/* "10.0.0.1" or "10.0.0.1/24" into buf. */
const char *net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t len);

/* Adds (add) or removes the address a on interface ifname of the network namespace
 * netns_fd (a running container's, for `nookctl set --ipadd/--ipdel`): IPv6 without
 * duplicate address detection, as net_setup does. */
int net_addr_change(int netns_fd, const char *ifname, const struct net_addr *a, bool add,
                    struct nook_err *err);

/* Deletes the links called names[i] in the calling process's network namespace that are
 * veths nook made for container owners[i] (their mark; both NULL-terminated lists of the
 * same length): stopped containers' host sides, which would otherwise vanish only when
 * the kernel gets round to tearing down their network namespaces.  A link of such a name
 * that is not its owner's is left alone.  All go in one request, which costs the kernel
 * one RCU grace period (about 17 ms) for all instead of one each. */
int net_links_delete(char *const *names, char *const *owners, struct nook_err *err);

/* Sets "lo" up in the network namespace netns_fd (-1: the caller's own). */
int net_loopback_up(int netns_fd, struct nook_err *err);

#endif
