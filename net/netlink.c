#include "net/netlink.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* Returns to the namespace we came from.  Failing to is not recoverable: every later
 * host-side step (and /proc/sys) would act on the container's namespace. */
static void netns_return(int self_fd)
{
        if (setns(self_fd, CLONE_NEWNET) < 0) {
                fprintf(stderr, "nook: return to our own network namespace: %s\n", strerror(errno));
                abort();
        }
}

int nl_open(struct nl_sock *s, int protocol, int netns_fd, struct nook_err *err)
{
        _cleanup_close_ int self = -1;
        int one = 1;

        *s = (struct nl_sock){0};
        if (netns_fd >= 0) {
                self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
                if (self < 0)
                        return nook_err_sys(err, "open /proc/thread-self/ns/net");
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        return nook_err_sys(err, "enter the container's network namespace");
        }
        s->nl = mnl_socket_open2(protocol, SOCK_CLOEXEC);
        if (netns_fd >= 0) {
                int saved = errno;

                netns_return(self);
                errno = saved;
        }
        if (s->nl == NULL)
                return nook_err_sys(err, "open netlink socket");
        if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                nook_err_sys(err, "bind netlink socket");
                nl_close(s);
                return -1;
        }
        /* Both are best effort: without them errors are plain errnos and acks larger. */
        (void)mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
        s->portid = mnl_socket_get_portid(s->nl);
        s->rbuf = xmalloc(NL_RECV_BUF);
        return 0;
}

void nl_close(struct nl_sock *s)
{
        if (s->nl != NULL)
                mnl_socket_close(s->nl);
        free(s->rbuf);
        *s = (struct nl_sock){0};
}

/* --- requests ---------------------------------------------------------------------- */

struct nl_req *nl_req_new(void)
{
        struct nl_req *r = xcalloc(1, sizeof(*r));

        r->cap = 4 * NL_MSG_MAX;
        r->buf = xmalloc(r->cap);
        r->msg_cap = 16;
        r->msg = xcalloc(r->msg_cap, sizeof(*r->msg));
        return r;
}

void nl_req_free(struct nl_req *r)
{
        free(r->buf);
        free(r->msg);
        free(r);
}

void nl_req_reset(struct nl_req *r)
{
        r->n = 0;
}

static size_t req_end(const struct nl_req *r)
{
        const struct nlmsghdr *last;

        if (r->n == 0)
                return 0;
        last = (const struct nlmsghdr *)(r->buf + r->msg[r->n - 1].off);
        /* Each message gets NL_MSG_MAX bytes of room; one that is larger is a bug. */
        if (last->nlmsg_len > NL_MSG_MAX) {
                fprintf(stderr, "nook: netlink message of %u bytes (a bug)\n", last->nlmsg_len);
                abort();
        }
        return r->msg[r->n - 1].off + NLMSG_ALIGN(last->nlmsg_len);
}

__attribute__((format(printf, 3, 0))) static void *req_add(struct nl_req *r, bool ack,
                                                           const char *fmt, va_list ap)
{
        size_t off = req_end(r);
        struct nl_msg_state *m;

        while (off + NL_MSG_MAX > r->cap) {
                r->cap *= 2;
                r->buf = xrealloc(r->buf, r->cap);
        }
        if (r->n == r->msg_cap) {
                r->msg_cap *= 2;
                r->msg = xrealloc(r->msg, r->msg_cap * sizeof(*r->msg));
        }
        m = &r->msg[r->n++];
        *m = (struct nl_msg_state){.off = off, .ack = ack};
        vsnprintf(m->what, sizeof(m->what), fmt, ap);
        memset(r->buf + off, 0, NL_MSG_MAX);
        return r->buf + off;
}

struct nlmsghdr *nl_req_put(struct nl_req *r, uint16_t type, uint16_t flags, const char *fmt, ...)
{
        struct nlmsghdr *nlh;
        va_list ap;

        va_start(ap, fmt);
        nlh = mnl_nlmsg_put_header(req_add(r, true, fmt, ap));
        va_end(ap);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        return nlh;
}

struct nlmsghdr *nl_req_put_dump(struct nl_req *r, uint16_t type, const char *fmt, ...)
{
        struct nlmsghdr *nlh;
        va_list ap;

        va_start(ap, fmt);
        nlh = mnl_nlmsg_put_header(req_add(r, true, fmt, ap));
        va_end(ap);
        nlh->nlmsg_type = type;
        /* Answered by NLMSG_DONE; an ack would only follow a failure. */
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        r->msg[r->n - 1].dump = true;
        return nlh;
}

void *nl_req_put_raw(struct nl_req *r, bool ack, const char *fmt, ...)
{
        void *p;
        va_list ap;

        va_start(ap, fmt);
        p = req_add(r, ack, fmt, ap);
        va_end(ap);
        return p;
}

void nl_req_expect(struct nl_req *r, int errnum)
{
        r->msg[r->n - 1].expected = errnum;
}

void nl_req_on_reply(struct nl_req *r, nl_data_cb cb, void *data)
{
        r->msg[r->n - 1].cb = cb;
        r->msg[r->n - 1].cb_data = data;
}

struct nlmsghdr *nl_req_last(struct nl_req *r)
{
        return (struct nlmsghdr *)(r->buf + r->msg[r->n - 1].off);
}

size_t nl_req_last_index(const struct nl_req *r)
{
        return r->n - 1;
}

const void *nl_req_data(struct nl_req *r, size_t *len)
{
        *len = req_end(r);
        return r->buf;
}

size_t nl_req_size(const struct nl_req *r)
{
        return req_end(r);
}

/* --- answers --------------------------------------------------------------------------- */

static const char *ext_ack_msg(const struct nlattr *attrs, size_t len)
{
        const struct nlattr *a;

        for (a = attrs; mnl_attr_ok(a, (int)len); a = mnl_attr_next(a)) {
                if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG)
                        continue;
                /* Only a NUL-terminated, non-empty string is used. */
                if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
                    mnl_attr_get_payload_len(a) < 2)
                        return NULL;
                return mnl_attr_get_str(a);
        }
        return NULL;
}

int nl_decode_error(const struct nlmsghdr *nlh, const char **msg)
{
        size_t plen = mnl_nlmsg_get_payload_len(nlh), off;
        const char *payload = mnl_nlmsg_get_payload(nlh);
        int error;

        *msg = NULL;
        if (nlh->nlmsg_type == NLMSG_DONE) {
                if (plen < sizeof(int))
                        return 0;
                memcpy(&error, payload, sizeof(error));
                off = sizeof(int);
        } else {
                const struct nlmsgerr *e = (const struct nlmsgerr *)payload;

                if (plen < sizeof(*e))
                        return EBADMSG;
                error = e->error;
                off = sizeof(*e);
                /* Without NETLINK_CAP_ACK the whole request follows the header. */
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                        off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
        }
        if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
                *msg = ext_ack_msg((const struct nlattr *)(payload + off), plen - off);
        return error < 0 ? -error : error;
}

int nl_error_set(struct nook_err *err, int errnum, const char *kmsg, const char *what)
{
        char text[256];

        if (kmsg == NULL || kmsg[0] == '\0')
                return nook_err_set(err, errnum, "%s", what);
        snprintf(text, sizeof(text), "%s", kmsg);
        /* The kernel's sentences start upper-case, ours do not ("IPv6: ..." stays). */
        if (isupper((unsigned char)text[0]) && islower((unsigned char)text[1]))
                text[0] = (char)tolower((unsigned char)text[0]);
        return nook_err_set(err, errnum, "%s: %s", what, text);
}

static void answer(struct nl_req *r, size_t i, int errnum, const char *kmsg)
{
        struct nl_msg_state *m = &r->msg[i];

        if (m->answered)
                return;
        m->answered = true;
        m->result = errnum;
        if (m->ack)
                r->pending--;
        if (errnum != 0 && errnum != m->expected && i < r->fail) {
                r->fail = i;
                r->fail_errnum = errnum;
                snprintf(r->fail_msg, sizeof(r->fail_msg), "%s", kmsg ? kmsg : "");
        }
}

static void handle(struct nl_req *r, const struct nlmsghdr *nlh)
{
        size_t i = nlh->nlmsg_seq - r->base;
        const char *kmsg;
        int errnum;

        if (nlh->nlmsg_seq < r->base || i >= r->n)
                return; /* an answer to an earlier request that gave up early */
        if (nlh->nlmsg_type == NLMSG_ERROR || (nlh->nlmsg_type == NLMSG_DONE && r->msg[i].dump)) {
                errnum = nl_decode_error(nlh, &kmsg);
                if (nlh->nlmsg_type == NLMSG_ERROR && !r->msg[i].ack && errnum != 0) {
                        /* A message nobody waits for failed (an nftables batch begin): the
                         * kernel gave up on everything after it. */
                        for (size_t j = i; j < r->n; j++)
                                answer(r, j, errnum, kmsg);
                        return;
                }
                answer(r, i, errnum, kmsg);
        } else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && r->msg[i].cb != NULL) {
                r->msg[i].cb(nlh, r->msg[i].cb_data);
        }
}

void nl_req_number(struct nl_req *r, uint32_t base)
{
        r->base = base;
        r->pending = 0;
        r->fail = r->n;
        r->fail_errnum = 0;
        r->fail_msg[0] = '\0';
        for (size_t i = 0; i < r->n; i++) {
                struct nlmsghdr *nlh = (struct nlmsghdr *)(r->buf + r->msg[i].off);

                nlh->nlmsg_seq = base + (uint32_t)i;
                r->msg[i].seq = nlh->nlmsg_seq;
                r->msg[i].answered = false;
                r->msg[i].result = 0;
                if (r->msg[i].ack)
                        r->pending++;
        }
}

bool nl_req_feed(struct nl_req *r, const void *buf, size_t len)
{
        const struct nlmsghdr *nlh = buf;

        for (int left = (int)len; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
                handle(r, nlh);
        return r->pending == 0;
}

int nl_req_status(const struct nl_req *r, struct nook_err *err)
{
        if (r->fail < r->n)
                return nl_error_set(err, r->fail_errnum, r->fail_msg, r->msg[r->fail].what);
        return 0;
}

int nl_req_run(struct nl_sock *s, struct nl_req *r, struct nook_err *err)
{
        nl_req_number(r, s->seq + 1);
        s->seq += (uint32_t)r->n;
        if (r->n == 0)
                return 0;
        if (mnl_socket_sendto(s->nl, r->buf, req_end(r)) < 0)
                return nook_err_sys(err, "%s: send netlink request", r->msg[0].what);
        while (r->pending > 0) {
                ssize_t n = mnl_socket_recvfrom(s->nl, s->rbuf, NL_RECV_BUF);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nook_err_sys(err, "%s: read netlink answer",
                                            r->msg[r->fail < r->n ? r->fail : 0].what);
                }
                nl_req_feed(r, s->rbuf, (size_t)n);
        }
        return nl_req_status(r, err);
}
