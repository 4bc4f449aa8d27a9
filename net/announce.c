/* Telling a LAN where an address now lives: what vzctl's arpsend does when a venet
 * VPS starts on a host (and so after a migration), for a routed container whose
 * uplink answers for its addresses.  IPv4: a gratuitous ARP (a request for the address
 * from the address, with the uplink's MAC), which updates every neighbour's cache.
 * IPv6: an unsolicited neighbour advertisement with the override flag to all nodes. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/internal.h"

static int garp(int index, const uint8_t mac[6], const struct in_addr *ip, struct nook_err *err)
{
        _cleanup_close_ int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
        struct sockaddr_ll to = {.sll_family = AF_PACKET,
                                 .sll_protocol = htons(ETH_P_ARP),
                                 .sll_ifindex = index,
                                 .sll_halen = ETH_ALEN};
        struct ether_arp a = {0};

        if (fd < 0)
                return nook_err_sys(err, "socket(AF_PACKET)");
        memset(to.sll_addr, 0xff, ETH_ALEN);
        a.arp_hrd = htons(ARPHRD_ETHER);
        a.arp_pro = htons(ETH_P_IP);
        a.arp_hln = ETH_ALEN;
        a.arp_pln = 4;
        a.arp_op = htons(ARPOP_REQUEST);
        memcpy(a.arp_sha, mac, ETH_ALEN);
        memcpy(a.arp_spa, ip, 4);
        memcpy(a.arp_tpa, ip, 4);
        if (sendto(fd, &a, sizeof(a), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return nook_err_sys(err, "send a gratuitous ARP");
        return 0;
}

static int unsolicited_na(const char *dev, const uint8_t mac[6], const struct in6_addr *ip,
                          struct nook_err *err)
{
        _cleanup_close_ int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        struct sockaddr_in6 to = {.sin6_family = AF_INET6};
        struct {
                struct nd_neighbor_advert na;
                struct nd_opt_hdr opt;
                uint8_t mac[6];
        } __attribute__((packed)) m = {0};
        int hops = 255;

        if (fd < 0)
                return nook_err_sys(err, "socket(ICMPv6)");
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0)
                return nook_err_sys(err, "ICMPv6 socket on %s", dev);
        inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
        to.sin6_scope_id = if_nametoindex(dev);
        m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
        m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
        m.na.nd_na_target = *ip;
        m.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
        m.opt.nd_opt_len = 1;
        memcpy(m.mac, mac, 6);
        if (sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                return nook_err_sys(err, "send a neighbour advertisement");
        return 0;
}

int net_announce(const struct net_link *uplink, const char *dev, const struct net_addr *addrs,
                 size_t n, struct nook_err *err)
{
        if (!uplink->has_mac)
                return 0;
        for (size_t i = 0; i < n; i++) {
                int r = addrs[i].family == AF_INET
                            ? garp(uplink->index, uplink->mac, &addrs[i].v4, err)
                            : unsolicited_na(dev, uplink->mac, &addrs[i].v6, err);
                if (r < 0)
                        return nook_err_prefix(err, "announce on %s", dev);
        }
        return 0;
}
