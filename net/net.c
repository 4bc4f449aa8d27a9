#include "net/net.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "common/cleanup.h"

/* libmnl's MNL_SOCKET_BUFFER_SIZE is computed at run time (a VLA); the ack of one
 * request fits in far less than this. */
#define NETLINK_BUF_SIZE 8192

static void mnl_socket_closep(struct mnl_socket **nl)
{
        if (*nl != NULL)
                mnl_socket_close(*nl);
}

/* Sends one request and reads until its ack; a NETLINK error sets errno to the kernel's
 * error, which mnl_cb_run reports as MNL_CB_ERROR. */
static int netlink_transact(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, size_t len)
{
        uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
        ssize_t n;
        int r;

        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -1;
        do {
                n = mnl_socket_recvfrom(nl, buf, len);
                if (n < 0)
                        return -1;
                r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
        } while (r > MNL_CB_STOP);
        return r < 0 ? -1 : 0;
}

int net_loopback_up(struct nook_err *err)
{
        _cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
        char buf[NETLINK_BUF_SIZE];
        unsigned int index = if_nametoindex("lo");
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifm;

        if (index == 0)
                return nook_err_sys(err, "set lo up: find lo");
        nl = mnl_socket_open(NETLINK_ROUTE);
        if (nl == NULL)
                return nook_err_sys(err, "set lo up: open netlink socket");
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return nook_err_sys(err, "set lo up: bind netlink socket");

        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = (uint32_t)time(NULL);
        ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = (int)index;
        ifm->ifi_flags = IFF_UP;
        ifm->ifi_change = IFF_UP;

        if (netlink_transact(nl, nlh, buf, sizeof(buf)) < 0)
                return nook_err_sys(err, "set lo up");
        return 0;
}
