/* net/netlink.c and the request builders of net/: the bytes of requests, attribute by
 * attribute, and the decoding of answers the kernel really sent.
 *
 * The recorded answers below were captured once from Linux 6.18 with a scratch program
 * in a fresh network namespace (`unshare -n`): a NETLINK_ROUTE socket with
 * NETLINK_EXT_ACK and (except where noted) NETLINK_CAP_ACK set sent each request below
 * with the sequence number shown, and the bytes of the one answer were dumped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>

#include "net/internal.h"

/* RTM_NEWADDR 10.0.0.2/24 on ifindex 9999 (no such link), seq 1001. */
static const uint8_t reply_addr_no_device[] = {
    0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0xe9, 0x03, 0x00, 0x00, 0xe6, 0x47, 0x00, 0x00,
    0xed, 0xff, 0xff, 0xff, 0x28, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0xe9, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x01, 0x00, 0x69, 0x70, 0x76, 0x34, 0x3a, 0x20, 0x44, 0x65,
    0x76, 0x69, 0x63, 0x65, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x66, 0x6f, 0x75, 0x6e, 0x64, 0x00, 0x00,
};

/* The same without NETLINK_CAP_ACK: the request follows the error header; seq 1002. */
static const uint8_t reply_addr_no_device_uncapped[] = {
    0x58, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x02, 0xea, 0x03, 0x00, 0x00, 0x78, 0x17, 0xac,
    0xaf, 0xed, 0xff, 0xff, 0xff, 0x28, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0xea, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x18, 0x00, 0x00, 0x0f, 0x27, 0x00, 0x00, 0x08,
    0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x02,
    0x1b, 0x00, 0x01, 0x00, 0x69, 0x70, 0x76, 0x34, 0x3a, 0x20, 0x44, 0x65, 0x76, 0x69, 0x63,
    0x65, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x66, 0x6f, 0x75, 0x6e, 0x64, 0x00, 0x00,
};

/* RTM_NEWROUTE default via 192.0.2.1, which no link reaches; seq 1003. */
static const uint8_t reply_route_unreachable_gw[] = {
    0x44, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0xeb, 0x03, 0x00, 0x00, 0xe6, 0x47,
    0x00, 0x00, 0x9b, 0xff, 0xff, 0xff, 0x24, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06,
    0xeb, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x4e, 0x65,
    0x78, 0x74, 0x68, 0x6f, 0x70, 0x20, 0x68, 0x61, 0x73, 0x20, 0x69, 0x6e, 0x76, 0x61,
    0x6c, 0x69, 0x64, 0x20, 0x67, 0x61, 0x74, 0x65, 0x77, 0x61, 0x79, 0x00,
};

/* RTM_NEWLINK kind bridge named "lo", which exists (no extended message); seq 1004. */
static const uint8_t reply_link_exists[] = {
    0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0xec, 0x03, 0x00, 0x00,
    0xe6, 0x47, 0x00, 0x00, 0xef, 0xff, 0xff, 0xff, 0x38, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x05, 0x06, 0xec, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* RTM_NEWLINK setting lo up: an ack; seq 1005. */
static const uint8_t reply_ack[] = {
    0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0xed, 0x03, 0x00, 0x00,
    0xe6, 0x47, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x05, 0x00, 0xed, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* RTM_NEWLINK of kind "nosuchkind"; seq 1006. */
static const uint8_t reply_unknown_kind[] = {
    0x3c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0xee, 0x03, 0x00, 0x00, 0xe6, 0x47, 0x00,
    0x00, 0xa1, 0xff, 0xff, 0xff, 0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0xee, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x55, 0x6e, 0x6b, 0x6e, 0x6f,
    0x77, 0x6e, 0x20, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65, 0x20, 0x74, 0x79, 0x70, 0x65, 0x00,
};

/* --- helpers --------------------------------------------------------------------------- */

static const struct nlmsghdr *only_message(struct nl_req *r)
{
        size_t len;
        const struct nlmsghdr *nlh = nl_req_data(r, &len);

        assert_int_equal(r->n, 1);
        assert_int_equal(len, NLMSG_ALIGN(nlh->nlmsg_len));
        return nlh;
}

/* Attributes are walked in order: each expect_attr() takes the next one. */
struct walk {
        const struct nlattr *a;
        const char *end;
};

static struct walk walk_message(const struct nlmsghdr *nlh, size_t hdrlen)
{
        return (struct walk){.a = mnl_nlmsg_get_payload_offset(nlh, hdrlen),
                             .end = (const char *)nlh + nlh->nlmsg_len};
}

static struct walk walk_nest(const struct nlattr *nest, size_t skip)
{
        const char *p = mnl_attr_get_payload(nest);

        return (struct walk){.a = (const struct nlattr *)(p + MNL_ALIGN(skip)),
                             .end = (const char *)nest + nest->nla_len};
}

static const struct nlattr *expect_attr(struct walk *w, uint16_t type, uint16_t payload_len)
{
        const struct nlattr *a = w->a;

        assert_true((const char *)a < w->end);
        assert_true(mnl_attr_ok(a, (int)(w->end - (const char *)a)));
        assert_int_equal(mnl_attr_get_type(a), type);
        if (payload_len)
                assert_int_equal(mnl_attr_get_payload_len(a), payload_len);
        w->a = mnl_attr_next(a);
        return a;
}

static void expect_end(struct walk *w)
{
        assert_ptr_equal((const char *)w->a, w->end);
}

static struct net_addr addr(const char *text, uint8_t prefix)
{
        struct net_addr a = {.family = strchr(text, ':') ? AF_INET6 : AF_INET, .prefix = prefix};

        assert_int_equal(inet_pton(a.family, text, a.bytes), 1);
        return a;
}

/* --- requests ---------------------------------------------------------------------------- */

static void test_veth_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x42};
        struct net_veth v = {.host = "nk1",
                             .peer = "eth0",
                             .peer_netns_fd = 42,
                             .master = 7,
                             .mtu = 1400,
                             .peer_mac = mac};
        const struct nlmsghdr *nlh;
        const struct ifinfomsg *ifm, *pifm;
        const struct nlattr *info, *data, *peer;
        struct walk w, wi, wd, wp;

        net_veth_put(r, &v);
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        ifm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(ifm->ifi_family, AF_UNSPEC);
        assert_int_equal(ifm->ifi_index, 0);
        assert_int_equal(ifm->ifi_flags, IFF_UP);
        assert_int_equal(ifm->ifi_change, IFF_UP);

        w = walk_message(nlh, sizeof(*ifm));
        assert_string_equal(mnl_attr_get_str(expect_attr(&w, IFLA_IFNAME, 4)), "nk1");
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFLA_MTU, 4)), 1400);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFLA_MASTER, 4)), 7);
        /* One queue each way on both ends, not one per possible CPU. */
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFLA_NUM_TX_QUEUES, 4)), 1);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFLA_NUM_RX_QUEUES, 4)), 1);
        info = expect_attr(&w, IFLA_LINKINFO, 0);
        expect_end(&w);

        wi = walk_nest(info, 0);
        assert_string_equal(mnl_attr_get_str(expect_attr(&wi, IFLA_INFO_KIND, 5)), "veth");
        data = expect_attr(&wi, IFLA_INFO_DATA, 0);
        expect_end(&wi);
        wd = walk_nest(data, 0);
        peer = expect_attr(&wd, VETH_INFO_PEER, 0);
        expect_end(&wd);

        /* The peer: its own ifinfomsg (not up: the kernel could not open it yet), then
         * its name, the namespace it is born in, MTU and MAC. */
        pifm = mnl_attr_get_payload(peer);
        assert_int_equal(pifm->ifi_family, AF_UNSPEC);
        assert_int_equal(pifm->ifi_index, 0);
        assert_int_equal(pifm->ifi_flags, 0);
        assert_int_equal(pifm->ifi_change, 0);
        wp = walk_nest(peer, sizeof(*pifm));
        assert_string_equal(mnl_attr_get_str(expect_attr(&wp, IFLA_IFNAME, 5)), "eth0");
        assert_int_equal(mnl_attr_get_u32(expect_attr(&wp, IFLA_NET_NS_FD, 4)), 42);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&wp, IFLA_MTU, 4)), 1400);
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&wp, IFLA_ADDRESS, 6)), mac, 6);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&wp, IFLA_NUM_TX_QUEUES, 4)), 1);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&wp, IFLA_NUM_RX_QUEUES, 4)), 1);
        expect_end(&wp);
        assert_string_equal(r->msg[0].what, "create veth nk1 for eth0");
}

static void test_veth_request_defaults(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_veth v = {.host = "nk2", .peer = "eth1", .peer_netns_fd = 3};
        const struct nlmsghdr *nlh;
        struct walk w;

        net_veth_put(r, &v);
        nlh = only_message(r);
        /* No MTU, MAC or master unless asked for. */
        w = walk_message(nlh, sizeof(struct ifinfomsg));
        expect_attr(&w, IFLA_IFNAME, 4);
        expect_attr(&w, IFLA_NUM_TX_QUEUES, 4);
        expect_attr(&w, IFLA_NUM_RX_QUEUES, 4);
        expect_attr(&w, IFLA_LINKINFO, 0);
        expect_end(&w);
}

static void test_bridge_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        static const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
        const struct nlmsghdr *nlh;
        const struct nlattr *info;
        struct walk w, wi;

        net_bridge_put(r, "nookbr0", mac);
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_flags, IFF_UP);
        w = walk_message(nlh, sizeof(struct ifinfomsg));
        assert_string_equal(mnl_attr_get_str(expect_attr(&w, IFLA_IFNAME, 8)), "nookbr0");
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, IFLA_ADDRESS, 6)), mac, 6);
        info = expect_attr(&w, IFLA_LINKINFO, 0);
        expect_end(&w);
        wi = walk_nest(info, 0);
        assert_string_equal(mnl_attr_get_str(expect_attr(&wi, IFLA_INFO_KIND, 7)), "bridge");
        expect_end(&wi);
}

static void test_link_get_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_link l = {.found = true};
        const struct nlmsghdr *nlh;
        struct walk w;

        net_link_get_put(r, "nookbr0", &l);
        assert_false(l.found);
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
        w = walk_message(nlh, sizeof(struct ifinfomsg));
        assert_string_equal(mnl_attr_get_str(expect_attr(&w, IFLA_IFNAME, 8)), "nookbr0");
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFLA_EXT_MASK, 4)),
                         RTEXT_FILTER_SKIP_STATS);
        expect_end(&w);
        /* A missing link is an answer, not a failure. */
        assert_int_equal(r->msg[0].expected, ENODEV);
}

/* The whole message, byte for byte. */
static void test_addr_request_bytes(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr a = addr("10.0.0.2", 24);
        static const uint8_t want[] = {
            48,   0,    0, 0, /* nlmsg_len */
            20,   0,          /* RTM_NEWADDR */
            0x05, 0x06,       /* NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE */
            0,    0,    0, 0, /* seq: set when sent */
            0,    0,    0, 0, /* pid */
            2,    24,   0, 0, /* AF_INET, /24, flags, scope universe */
            5,    0,    0, 0, /* ifindex 5 */
            8,    0,    2, 0, 10, 0, 0, 2,   /* IFA_LOCAL 10.0.0.2 */
            8,    0,    1, 0, 10, 0, 0, 2,   /* IFA_ADDRESS 10.0.0.2 */
            8,    0,    4, 0, 10, 0, 0, 255, /* IFA_BROADCAST 10.0.0.255 */
        };
        size_t len;
        const void *data;

        net_addr_put(r, RTM_NEWADDR, 5, "eth0", &a, 0);
        data = nl_req_data(r, &len);
        assert_int_equal(len, sizeof(want));
        assert_memory_equal(data, want, sizeof(want));
        assert_string_equal(r->msg[0].what, "add address 10.0.0.2/24 to eth0");
}

static void test_addr6_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr a = addr("fd00::2", 64);
        const struct nlmsghdr *nlh;
        const struct ifaddrmsg *ifa;
        struct walk w;

        net_addr_put(r, RTM_NEWADDR, 3, "eth0", &a, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
        nlh = only_message(r);
        ifa = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(ifa->ifa_family, AF_INET6);
        assert_int_equal(ifa->ifa_prefixlen, 64);
        assert_int_equal(ifa->ifa_index, 3);
        assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);
        w = walk_message(nlh, sizeof(*ifa));
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, IFA_LOCAL, 16)), a.bytes, 16);
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, IFA_ADDRESS, 16)), a.bytes, 16);
        /* The u8 field cannot hold NOPREFIXROUTE: the u32 attribute carries all flags. */
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, IFA_FLAGS, 4)),
                         IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
        expect_end(&w);
}

static void test_addr_delete_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr a = addr("10.0.0.1", 24);
        const struct nlmsghdr *nlh;
        struct walk w;

        net_addr_put(r, RTM_DELADDR, 4, "br0", &a, 0);
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
        w = walk_message(nlh, sizeof(struct ifaddrmsg));
        expect_attr(&w, IFA_LOCAL, 4);
        expect_attr(&w, IFA_ADDRESS, 4);
        expect_end(&w);
        assert_string_equal(r->msg[0].what, "remove address 10.0.0.1/24 from br0");
}

static void test_default_route_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr gw = addr("169.254.1.1", 32);
        const struct nlmsghdr *nlh;
        const struct rtmsg *rtm;
        struct walk w;

        net_route_put(r, RTM_NEWROUTE, 2, "eth0", NULL, &gw, true);
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        rtm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(rtm->rtm_family, AF_INET);
        assert_int_equal(rtm->rtm_dst_len, 0);
        assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
        assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
        assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
        assert_int_equal(rtm->rtm_type, RTN_UNICAST);
        assert_int_equal(rtm->rtm_flags, RTNH_F_ONLINK);
        w = walk_message(nlh, sizeof(*rtm));
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, RTA_GATEWAY, 4)), gw.bytes, 4);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, RTA_OIF, 4)), 2);
        expect_end(&w);
        assert_string_equal(r->msg[0].what, "add default route via 169.254.1.1 on eth0");
}

static void test_host_route_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr dst = addr("2001:db8::50", 64);
        const struct nlmsghdr *nlh;
        const struct rtmsg *rtm;
        struct walk w;

        net_route_put(r, RTM_NEWROUTE, 9, "nk1", &dst, NULL, false);
        nlh = only_message(r);
        rtm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(rtm->rtm_family, AF_INET6);
        /* The address alone, whatever the prefix of its subnet. */
        assert_int_equal(rtm->rtm_dst_len, 128);
        assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
        assert_int_equal(rtm->rtm_flags, 0);
        w = walk_message(nlh, sizeof(*rtm));
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, RTA_DST, 16)), dst.bytes, 16);
        assert_int_equal(mnl_attr_get_u32(expect_attr(&w, RTA_OIF, 4)), 9);
        expect_end(&w);
}

static void test_neigh_requests(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr dst = addr("2001:db8::50", 64);
        static const uint8_t mac[6] = {0x02, 9, 9, 9, 9, 9};
        const struct nlmsghdr *nlh;
        const struct ndmsg *ndm;
        size_t len;
        struct walk w;

        net_neigh_put(r, RTM_NEWNEIGH, 4, "up0", &dst, NULL);
        net_neigh_put(r, RTM_NEWNEIGH, 2, "eth0", &dst, mac);
        nlh = nl_req_data(r, &len);

        ndm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(nlh->nlmsg_flags,
                         NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        assert_int_equal(ndm->ndm_family, AF_INET6);
        assert_int_equal(ndm->ndm_ifindex, 4);
        assert_int_equal(ndm->ndm_flags, NTF_PROXY);
        w = walk_message(nlh, sizeof(*ndm));
        expect_attr(&w, NDA_DST, 16);
        expect_end(&w);
        assert_string_equal(r->msg[0].what, "add proxy entry for 2001:db8::50 on up0");

        nlh = (const struct nlmsghdr *)((const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
        ndm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(ndm->ndm_flags, 0);
        assert_int_equal(ndm->ndm_state, NUD_PERMANENT);
        w = walk_message(nlh, sizeof(*ndm));
        expect_attr(&w, NDA_DST, 16);
        assert_memory_equal(mnl_attr_get_payload(expect_attr(&w, NDA_LLADDR, 6)), mac, 6);
        expect_end(&w);
        /* Two messages back to back, each aligned: one sendmsg. */
        assert_int_equal(len, (const char *)nlh - (const char *)nl_req_data(r, &len) +
                                  NLMSG_ALIGN(nlh->nlmsg_len));
}

/* --- answers ----------------------------------------------------------------------------- */

static void test_decode_error_with_extended_ack(void **state)
{
        const char *msg;

        assert_int_equal(nl_decode_error((const struct nlmsghdr *)reply_addr_no_device, &msg),
                         ENODEV);
        assert_string_equal(msg, "ipv4: Device not found");
        assert_int_equal(
            nl_decode_error((const struct nlmsghdr *)reply_addr_no_device_uncapped, &msg), ENODEV);
        assert_string_equal(msg, "ipv4: Device not found");
        assert_int_equal(nl_decode_error((const struct nlmsghdr *)reply_route_unreachable_gw, &msg),
                         ENETUNREACH);
        assert_string_equal(msg, "Nexthop has invalid gateway");
        assert_int_equal(nl_decode_error((const struct nlmsghdr *)reply_unknown_kind, &msg),
                         EOPNOTSUPP);
        assert_string_equal(msg, "Unknown device type");
}

static void test_decode_error_without_message(void **state)
{
        const char *msg = "x";

        assert_int_equal(nl_decode_error((const struct nlmsghdr *)reply_link_exists, &msg), EEXIST);
        assert_null(msg);
        assert_int_equal(nl_decode_error((const struct nlmsghdr *)reply_ack, &msg), 0);
        assert_null(msg);
}

static void test_error_text(void **state)
{
        struct nook_err err = {0};
        char buf[512];

        nl_error_set(&err, ENETUNREACH, "Nexthop has invalid gateway",
                     "add default route via 192.0.2.1 on eth0");
        assert_string_equal(nook_err_format(&err, buf, sizeof(buf)),
                            "add default route via 192.0.2.1 on eth0: nexthop has invalid "
                            "gateway: Network is unreachable");
        nl_error_set(&err, ENODEV, "ipv4: Device not found", "add address 10.0.0.2/24 to eth0");
        assert_string_equal(nook_err_format(&err, buf, sizeof(buf)),
                            "add address 10.0.0.2/24 to eth0: ipv4: Device not found: No such "
                            "device");
        /* "IPv6: ..." keeps its capitals. */
        nl_error_set(&err, EINVAL, "IPv6: invalid", "x");
        assert_string_equal(err.msg, "x: IPv6: invalid");
        nl_error_set(&err, EEXIST, NULL, "create veth nk1 for eth0");
        assert_string_equal(nook_err_format(&err, buf, sizeof(buf)),
                            "create veth nk1 for eth0: File exists");
}

/* Five requests pipelined, answered by the recorded replies (seq 1001-1005). */
static void test_pipelined_answers(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_addr a = addr("10.0.0.2", 24), gw = addr("192.0.2.1", 32);
        struct nook_err err = {0};
        char buf[512];

        net_addr_put(r, RTM_NEWADDR, 9999, "eth0", &a, 0);
        net_addr_put(r, RTM_NEWADDR, 9999, "eth1", &a, 0);
        net_route_put(r, RTM_NEWROUTE, 0, "eth0", NULL, &gw, false);
        net_bridge_put(r, "lo", (const uint8_t[6]){2});
        nl_req_expect(r, EEXIST);
        net_link_up_put(r, 0, "lo");
        nl_req_number(r, 1001);
        assert_int_equal(r->pending, 5);
        /* Answers arrive one datagram each, in order. */
        assert_false(nl_req_feed(r, reply_addr_no_device, sizeof(reply_addr_no_device)));
        assert_false(
            nl_req_feed(r, reply_addr_no_device_uncapped, sizeof(reply_addr_no_device_uncapped)));
        assert_false(
            nl_req_feed(r, reply_route_unreachable_gw, sizeof(reply_route_unreachable_gw)));
        assert_false(nl_req_feed(r, reply_link_exists, sizeof(reply_link_exists)));
        assert_true(nl_req_feed(r, reply_ack, sizeof(reply_ack)));

        assert_int_equal(r->msg[0].result, ENODEV);
        assert_int_equal(r->msg[1].result, ENODEV);
        assert_int_equal(r->msg[2].result, ENETUNREACH);
        assert_int_equal(r->msg[3].result, EEXIST);
        assert_int_equal(r->msg[4].result, 0);
        /* The first failure is the one reported, with the kernel's words. */
        assert_int_equal(nl_req_status(r, &err), -1);
        assert_int_equal(err.errnum, ENODEV);
        assert_string_equal(nook_err_format(&err, buf, sizeof(buf)),
                            "add address 10.0.0.2/24 to eth0: ipv4: Device not found: No such "
                            "device");
}

static void test_expected_errno_is_success(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct nook_err err = {0};

        net_bridge_put(r, "lo", (const uint8_t[6]){2});
        nl_req_expect(r, EEXIST);
        net_link_up_put(r, 0, "lo");
        nl_req_number(r, 1004);
        assert_false(nl_req_feed(r, reply_link_exists, sizeof(reply_link_exists)));
        assert_true(nl_req_feed(r, reply_ack, sizeof(reply_ack)));
        assert_int_equal(nl_req_status(r, &err), 0);
        assert_int_equal(r->msg[0].result, EEXIST);
}

static void test_foreign_answers_are_ignored(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct nook_err err = {0};

        net_link_up_put(r, 0, "lo");
        nl_req_number(r, 2000);
        /* Seq 1005: an answer to an earlier request. */
        assert_false(nl_req_feed(r, reply_ack, sizeof(reply_ack)));
        assert_false(nl_req_feed(r, reply_link_exists, sizeof(reply_link_exists)));
        assert_int_equal(r->pending, 1);
        assert_int_equal(nl_req_status(r, &err), 0);
}

/* An nftables batch: begin and end are not acked; when the kernel refuses the batch it
 * answers begin alone, and nothing else will come. */
static void test_refused_batch_answers_everything(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct nook_err err = {0};
        struct nlmsghdr *nlh;

        nlh = mnl_nlmsg_put_header(nl_req_put_raw(r, false, "start nftables batch"));
        nlh->nlmsg_type = NLMSG_MIN_TYPE;
        nlh = nl_req_put(r, RTM_NEWLINK, 0, "add rule");
        nl_req_number(r, 1004);
        assert_int_equal(r->pending, 1);
        assert_true(nl_req_feed(r, reply_link_exists, sizeof(reply_link_exists)));
        assert_int_equal(nl_req_status(r, &err), -1);
        assert_string_equal(err.msg, "start nftables batch");
        assert_int_equal(err.errnum, EEXIST);
}

/* A link's answer: index, peer index (IFLA_LINK), master and kind. */
static void test_link_answer(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        struct net_link l;
        char reply[512];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(reply);
        struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        struct nlattr *info;

        net_link_get_put(r, "nk1", &l);
        nl_req_number(r, 77);
        nlh->nlmsg_type = RTM_NEWLINK;
        nlh->nlmsg_seq = 77;
        ifm->ifi_index = 9;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, "nk1");
        mnl_attr_put_u32(nlh, IFLA_LINK, 2);
        mnl_attr_put_u32(nlh, IFLA_MASTER, 7);
        /* As the kernel sends it: NUL-terminated. */
        mnl_attr_put_strz(nlh, IFLA_IFALIAS, "nook:c1");
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        mnl_attr_nest_end(nlh, info);
        assert_false(nl_req_feed(r, reply, nlh->nlmsg_len));
        assert_true(l.found);
        assert_int_equal(l.index, 9);
        assert_int_equal(l.link, 2);
        assert_int_equal(l.master, 7);
        assert_string_equal(l.kind, "veth");
        assert_string_equal(l.alias, "nook:c1");
}

/* The mark on a host side just created: set by name, as its index is not known yet;
 * the alias's bytes without a NUL, which the kernel would keep as part of it. */
static void test_link_alias_request(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        const struct nlmsghdr *nlh;
        const struct ifinfomsg *ifm;
        const struct nlattr *a;
        struct walk w;

        net_link_alias_put(r, 0, "nk1", "nook:c1");
        nlh = only_message(r);
        assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
        ifm = mnl_nlmsg_get_payload(nlh);
        assert_int_equal(ifm->ifi_index, 0);
        /* Nothing else of the link changes. */
        assert_int_equal(ifm->ifi_flags, 0);
        assert_int_equal(ifm->ifi_change, 0);
        w = walk_message(nlh, sizeof(*ifm));
        assert_string_equal(mnl_attr_get_str(expect_attr(&w, IFLA_IFNAME, 4)), "nk1");
        a = expect_attr(&w, IFLA_IFALIAS, 7);
        assert_memory_equal(mnl_attr_get_payload(a), "nook:c1", 7);
        expect_end(&w);
        assert_string_equal(r->msg[0].what, "set the alias of nk1");
}

/* Putting a link's alias back: by index (the name may have moved meanwhile); an empty
 * alias, an attribute without payload, removes it. */
static void test_link_alias_by_index_and_removal(void **state)
{
        _cleanup_nl_req_ struct nl_req *r = nl_req_new();
        const struct nlmsghdr *nlh;
        struct walk w;

        net_link_alias_put(r, 12, "nk1", "");
        nlh = only_message(r);
        assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 12);
        w = walk_message(nlh, sizeof(struct ifinfomsg));
        assert_int_equal(mnl_attr_get_payload_len(expect_attr(&w, IFLA_IFALIAS, 0)), 0);
        expect_end(&w);
}

/* Only a veth nook marked for the container is its to remove. */
static void test_link_marked_for(void **state)
{
        struct net_link l = {.found = true, .kind = "veth", .alias = "nook:c1"};

        assert_true(net_link_marked_for(&l, "nook:c1"));
        assert_false(net_link_marked_for(&l, "nook:c2")); /* another container's */
        assert_false(net_link_marked_for(&l, "nook:c"));
        snprintf(l.alias, sizeof(l.alias), "nook:c10");
        assert_false(net_link_marked_for(&l, "nook:c1"));
        l.alias[0] = '\0';
        assert_false(net_link_marked_for(&l, "nook:c1")); /* made by hand: ip link add */
        snprintf(l.alias, sizeof(l.alias), "nook:c1");
        snprintf(l.kind, sizeof(l.kind), "bridge");
        assert_false(net_link_marked_for(&l, "nook:c1")); /* a bridge someone named so */
        snprintf(l.kind, sizeof(l.kind), "veth");
        l.found = false;
        assert_false(net_link_marked_for(&l, "nook:c1"));
}

/* --- owner tags: nft rule comments, host-side veth aliases -------------------------------- */

static void test_owner_tag(void **state)
{
        char a[NET_OWNER_TAG_MAX], b[NET_OWNER_TAG_MAX], id[201];

        net_owner_tag("web1", a, sizeof(a));
        assert_string_equal(a, "nook:web1");
        memset(id, 'x', 200);
        id[200] = '\0';
        net_owner_tag(id, a, sizeof(a));
        id[199] = 'y';
        net_owner_tag(id, b, sizeof(b));
        /* Cut to fit nft's comments, told apart by the hash, longer than any uncut tag. */
        assert_int_equal(strlen(a), 5 + 100 + 1 + 16);
        assert_true(strlen(a) < 128);
        assert_string_not_equal(a, b);
        assert_memory_equal(a, b, 105);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_veth_request),
            cmocka_unit_test(test_veth_request_defaults),
            cmocka_unit_test(test_bridge_request),
            cmocka_unit_test(test_link_get_request),
            cmocka_unit_test(test_addr_request_bytes),
            cmocka_unit_test(test_addr6_request),
            cmocka_unit_test(test_addr_delete_request),
            cmocka_unit_test(test_default_route_request),
            cmocka_unit_test(test_host_route_request),
            cmocka_unit_test(test_neigh_requests),
            cmocka_unit_test(test_decode_error_with_extended_ack),
            cmocka_unit_test(test_decode_error_without_message),
            cmocka_unit_test(test_error_text),
            cmocka_unit_test(test_pipelined_answers),
            cmocka_unit_test(test_expected_errno_is_success),
            cmocka_unit_test(test_foreign_answers_are_ignored),
            cmocka_unit_test(test_refused_batch_answers_everything),
            cmocka_unit_test(test_link_answer),
            cmocka_unit_test(test_owner_tag),
            cmocka_unit_test(test_link_alias_request),
            cmocka_unit_test(test_link_alias_by_index_and_removal),
            cmocka_unit_test(test_link_marked_for),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
