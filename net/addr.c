/* Addresses, routes and neighbour entries. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "net/internal.h"

static size_t addr_len(const struct net_addr *a)
{
        return a->family == AF_INET ? 4 : 16;
}

static uint8_t full_prefix(const struct net_addr *a)
{
        return a->family == AF_INET ? 32 : 128;
}

void net_addr_put(struct nl_req *r, uint16_t type, int ifindex, const char *ifname,
                  const struct net_addr *a, uint32_t flags)
{
        char text[64];
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;

        net_addr_format(a, true, text, sizeof(text));
        nlh = nl_req_put(r, type, type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0,
                         "%s address %s %s %s", type == RTM_NEWADDR ? "add" : "remove", text,
                         type == RTM_NEWADDR ? "to" : "from", ifname);
        ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (uint8_t)a->family;
        ifa->ifa_prefixlen = a->prefix;
        ifa->ifa_index = (uint32_t)ifindex;
        /* IPv6 derives the scope from the address; IPv4 takes it as given. */
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_flags = (uint8_t)(flags & 0xff);
        mnl_attr_put(nlh, IFA_LOCAL, addr_len(a), a->bytes);
        mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a), a->bytes);
        if (a->family == AF_INET && a->prefix < 31 && type == RTM_NEWADDR) {
                /* As `ip addr add ... brd +`: the kernel does not derive it. */
                uint32_t host = a->prefix == 0 ? 0xffffffffu : (1u << (32 - a->prefix)) - 1;
                uint32_t brd = a->v4.s_addr | htonl(host);

                mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
        }
        if (flags)
                mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
}

void net_route_put(struct nl_req *r, uint16_t type, int oif, const char *ifname,
                   const struct net_addr *dst, const struct net_addr *gw, bool onlink)
{
        const struct net_addr *fam = gw ? gw : dst;
        char text[64];
        struct nlmsghdr *nlh;
        struct rtmsg *rtm;

        if (gw)
                nlh = nl_req_put(r, type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0,
                                 "%s default route via %s on %s",
                                 type == RTM_NEWROUTE ? "add" : "remove",
                                 net_addr_format(gw, false, text, sizeof(text)), ifname);
        else
                nlh = nl_req_put(r, type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0,
                                 "%s route to %s on %s", type == RTM_NEWROUTE ? "add" : "remove",
                                 net_addr_format(dst, false, text, sizeof(text)), ifname);
        rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (uint8_t)fam->family;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_STATIC;
        rtm->rtm_type = RTN_UNICAST;
        rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        if (gw && onlink)
                rtm->rtm_flags = RTNH_F_ONLINK;
        if (!gw) {
                rtm->rtm_dst_len = full_prefix(dst);
                mnl_attr_put(nlh, RTA_DST, addr_len(dst), dst->bytes);
        } else {
                mnl_attr_put(nlh, RTA_GATEWAY, addr_len(gw), gw->bytes);
        }
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
        if (type == RTM_DELROUTE)
                nl_req_expect(r, ESRCH);
}

static void neigh_put(struct nl_req *r, uint16_t type, int ifindex, const char *ifname,
                      const struct net_addr *dst, const uint8_t *lladdr, bool proxy)
{
        char text[64];
        struct nlmsghdr *nlh;
        struct ndmsg *ndm;

        net_addr_format(dst, false, text, sizeof(text));
        nlh = nl_req_put(r, type, type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                         "%s %s entry for %s on %s", type == RTM_NEWNEIGH ? "add" : "remove",
                         proxy ? "proxy" : "neighbour", text, ifname);
        ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
        ndm->ndm_family = (uint8_t)dst->family;
        ndm->ndm_ifindex = ifindex;
        ndm->ndm_state = NUD_PERMANENT;
        ndm->ndm_flags = proxy ? NTF_PROXY : 0;
        ndm->ndm_type = RTN_UNICAST;
        mnl_attr_put(nlh, NDA_DST, addr_len(dst), dst->bytes);
        if (lladdr)
                mnl_attr_put(nlh, NDA_LLADDR, 6, lladdr);
        if (type == RTM_DELNEIGH)
                nl_req_expect(r, ENOENT);
}

void net_neigh_put(struct nl_req *r, uint16_t type, int ifindex, const char *ifname,
                   const struct net_addr *dst, const uint8_t *lladdr)
{
        neigh_put(r, type, ifindex, ifname, dst, lladdr, lladdr == NULL);
}

void net_neigh_del_put(struct nl_req *r, int ifindex, const char *ifname,
                       const struct net_addr *dst)
{
        neigh_put(r, RTM_DELNEIGH, ifindex, ifname, dst, NULL, false);
}

void net_fdb_put(struct nl_req *r, uint16_t type, int port, const char *port_name,
                 const uint8_t mac[6])
{
        struct nlmsghdr *nlh =
            nl_req_put(r, type, type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                       "%s the forwarding entry for %02x:%02x:%02x:%02x:%02x:%02x on %s",
                       type == RTM_NEWNEIGH ? "add" : "remove", mac[0], mac[1], mac[2], mac[3],
                       mac[4], mac[5], port_name);
        struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

        ndm->ndm_family = AF_BRIDGE;
        ndm->ndm_ifindex = port;
        ndm->ndm_state = NUD_NOARP; /* static: never aged out */
        ndm->ndm_flags = NTF_MASTER;
        mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
        if (type == RTM_DELNEIGH)
                nl_req_expect(r, ENOENT);
}
