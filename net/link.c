/* Links: veth pairs, bridges, lookups by name, aliases (nook's mark), deletion. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "common/util.h"
#include "net/internal.h"

static struct ifinfomsg *put_ifinfomsg(struct nlmsghdr *nlh, int index, unsigned int up)
{
        struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = index;
        ifm->ifi_flags = up;
        ifm->ifi_change = up;
        return ifm;
}

/* A string attribute into buf, cut to fit; the kernel's need not end in a NUL. */
static void copy_str_attr(const struct nlattr *a, char *buf, size_t len)
{
        if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
                snprintf(buf, len, "%.*s",
                         (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
                         mnl_attr_get_str(a));
}

static void parse_linkinfo(const struct nlattr *nest, struct net_link *out)
{
        const struct nlattr *a;

        mnl_attr_for_each_nested(a, nest)
        {
                if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
                        copy_str_attr(a, out->kind, sizeof(out->kind));
                if (mnl_attr_get_type(a) != IFLA_INFO_SLAVE_DATA)
                        continue;
                /* A bridge port's attributes: its number on the bridge. */
                const struct nlattr *b;
                mnl_attr_for_each_nested(b, a)
                {
                        if (mnl_attr_get_type(b) == IFLA_BRPORT_NO &&
                            mnl_attr_validate(b, MNL_TYPE_U16) == 0)
                                out->port_no = mnl_attr_get_u16(b);
                }
        }
}

static void on_link(const struct nlmsghdr *nlh, void *data)
{
        struct net_link *out = data;
        const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *a;

        if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
                return;
        *out = (struct net_link){.found = true, .index = ifm->ifi_index};
        mnl_attr_for_each(a, nlh, sizeof(*ifm))
        {
                switch (mnl_attr_get_type(a)) {
                case IFLA_LINK:
                        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                                out->link = (int)mnl_attr_get_u32(a);
                        break;
                case IFLA_MASTER:
                        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                                out->master = (int)mnl_attr_get_u32(a);
                        break;
                case IFLA_LINKINFO:
                        parse_linkinfo(a, out);
                        break;
                case IFLA_IFALIAS:
                        copy_str_attr(a, out->alias, sizeof(out->alias));
                        break;
                case IFLA_ADDRESS:
                        if (mnl_attr_get_payload_len(a) == 6) {
                                memcpy(out->mac, mnl_attr_get_payload(a), 6);
                                out->has_mac = true;
                        }
                        break;
                }
        }
}

void net_link_get_put(struct nl_req *r, const char *name, struct net_link *out)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_GETLINK, 0, "find link %s", name);

        *out = (struct net_link){0};
        put_ifinfomsg(nlh, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        /* Counters are most of a link's answer and of no use here. */
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        nl_req_expect(r, ENODEV);
        nl_req_on_reply(r, on_link, out);
}

void net_bridge_put(struct nl_req *r, const char *name, const uint8_t mac[6])
{
        struct nlmsghdr *nlh =
            nl_req_put(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "create bridge %s", name);
        struct nlattr *info;

        put_ifinfomsg(nlh, 0, IFF_UP);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, info);
}

/* A veth end gets a transmit and a receive queue per possible CPU unless told otherwise,
 * each with its own state (and, for receive, a NAPI context): on a host with 64 possible
 * CPUs that is tens of KiB per end that nothing uses, since a veth without XDP delivers
 * through the receiving CPU's backlog whichever queue it is.  One queue per direction is
 * what the container's eth0 is used with; `ethtool -L` cannot raise it later. */
static void put_one_queue(struct nlmsghdr *nlh)
{
        mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
        mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
}

void net_veth_put(struct nl_req *r, const struct net_veth *v)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                                          "create veth %s for %s", v->host, v->peer);
        struct nlattr *info, *data, *peer;
        struct ifinfomsg *pifm;

        put_ifinfomsg(nlh, 0, v->host_down ? 0 : IFF_UP);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, v->host);
        if (v->mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
        if (v->host_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->host_mac);
        if (v->master)
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)v->master);
        put_one_queue(nlh);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer's attributes follow its own ifinfomsg inside the nest.  No IFF_UP
         * for it: the kernel configures the peer before pairing it, so opening it fails
         * (ENOTCONN); it is set up inside the container, with its addresses. */
        pifm = mnl_nlmsg_get_payload_tail(nlh);
        memset(pifm, 0, sizeof(*pifm));
        pifm->ifi_family = AF_UNSPEC;
        nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
        mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
        if (v->mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
        if (v->peer_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->peer_mac);
        put_one_queue(nlh);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
}

void net_link_del_put(struct nl_req *r, int index, const char *name)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_DELLINK, 0, "delete link %s", name);

        put_ifinfomsg(nlh, index, 0);
        nl_req_expect(r, ENODEV);
}

void net_link_alias_put(struct nl_req *r, int index, const char *name, const char *alias)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_SETLINK, 0, "set the alias of %s", name);

        put_ifinfomsg(nlh, index, 0);
        if (index == 0)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        /* The kernel keeps the bytes given: no NUL, and none at all removes the alias. */
        mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
}

void net_link_no_ipv6_ll_put(struct nl_req *r, int index, const char *name)
{
        struct nlmsghdr *nlh =
            nl_req_put(r, RTM_SETLINK, 0, "turn off IPv6 address generation on %s", name);
        struct nlattr *spec, *inet6;

        put_ifinfomsg(nlh, index, 0);
        if (index == 0)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
        inet6 = mnl_attr_nest_start(nlh, AF_INET6);
        mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
        mnl_attr_nest_end(nlh, inet6);
        mnl_attr_nest_end(nlh, spec);
        /* A link without IPv6 (an MTU below 1280) has nothing to turn off. */
        nl_req_expect(r, EAFNOSUPPORT);
}

bool net_link_marked_for(const struct net_link *l, const char *tag)
{
        return l->found && strcmp(l->kind, "veth") == 0 && strcmp(l->alias, tag) == 0;
}

void net_link_group_put(struct nl_req *r, int index, const char *name, uint32_t group)
{
        struct nlmsghdr *nlh =
            nl_req_put(r, RTM_SETLINK, 0, "put %s in link group %u", name, group);

        put_ifinfomsg(nlh, index, 0);
        mnl_attr_put_u32(nlh, IFLA_GROUP, group);
        nl_req_expect(r, ENODEV); /* gone meanwhile, with its namespace */
}

void net_link_group_select(struct nlmsghdr *nlh, uint32_t group)
{
        put_ifinfomsg(nlh, 0, 0);
        mnl_attr_put_u32(nlh, IFLA_GROUP, group);
}

void net_link_master_put(struct nl_req *r, int index, const char *name, int master)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_SETLINK, 0, "put %s on bridge %d", name, master);

        put_ifinfomsg(nlh, index, 0);
        if (index == 0)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
}

void net_link_up_put(struct nl_req *r, int index, const char *name)
{
        struct nlmsghdr *nlh = nl_req_put(r, RTM_NEWLINK, 0, "set %s up", name);

        put_ifinfomsg(nlh, index, IFF_UP);
        if (index == 0)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

static void on_port(const struct nlmsghdr *nlh, void *data)
{
        struct net_ports *p = data;
        struct net_link l;

        on_link(nlh, &l);
        /* Kernels before 4.17 ignore the filter and dump every link. */
        if (l.found && l.master == p->master)
                p->count++;
}

void net_link_ports_put(struct nl_req *r, struct net_ports *ports)
{
        struct nlmsghdr *nlh =
            nl_req_put_dump(r, RTM_GETLINK, "list the ports of link %d", ports->master);

        ports->count = 0;
        put_ifinfomsg(nlh, 0, 0);
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)ports->master);
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        nl_req_on_reply(r, on_port, ports);
}

void net_random_mac(uint8_t mac[6])
{
        if (getrandom(mac, 6, 0) != 6) {
                uint64_t t = now_ms() ^ (uint64_t)(uintptr_t)mac;

                memcpy(mac, &t, 6);
        }
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}
