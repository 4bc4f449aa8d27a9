/* A small layer over libmnl, private to net/: sockets (also in another network
 * namespace), pipelined requests whose errors carry the kernel's extended ack message,
 * and dumps.
 *
 * A request (struct nl_req) holds several messages that go out in one sendmsg; the
 * kernel handles them in order and answers each (an ack, or an error), so a chain such
 * as "add the addresses, then the routes" costs one round trip.  An nftables batch is
 * such a request too: begin, the messages, end. */
#ifndef NOOK_NET_NETLINK_H
#define NOOK_NET_NETLINK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define NL_RECV_BUF 16384 /* also caps the size of the kernel's dump messages */
#define NL_MSG_MAX  2048  /* the largest message we build */
#define NL_WHAT_MAX 112

struct nl_sock {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
        char *rbuf; /* NL_RECV_BUF bytes */
};

/* Opens a netlink socket of protocol (NETLINK_ROUTE, NETLINK_NETFILTER) with extended
 * acks; with netns_fd >= 0 the socket belongs to that network namespace (a socket stays
 * bound to the namespace it was created in), the calling thread's stays as it was. */
int nl_open(struct nl_sock *s, int protocol, int netns_fd, struct nook_err *err);
void nl_close(struct nl_sock *s);
static inline void nl_closep(struct nl_sock *s)
{
        nl_close(s);
}

/* Called for each data message answering a message of a request (a get's reply, each
 * part of a dump). */
typedef void (*nl_data_cb)(const struct nlmsghdr *nlh, void *data);

struct nl_msg_state {
        size_t off;   /* of the message in buf */
        bool ack;     /* the kernel answers it (NLM_F_ACK, or a dump's NLMSG_DONE) */
        bool dump;    /* answered by NLMSG_DONE */
        int expected; /* an errno that counts as success (EEXIST, ENODEV, ...), 0 = none */
        nl_data_cb cb;
        void *cb_data;
        uint32_t seq;
        bool answered;
        int result; /* 0 or the errno the kernel answered */
        char what[NL_WHAT_MAX];
};

struct nl_req {
        char *buf;
        size_t cap;
        struct nl_msg_state *msg;
        size_t n, msg_cap;
        /* While answers come in: */
        uint32_t base;  /* sequence number of msg[0] */
        size_t pending; /* messages not answered yet */
        size_t fail;    /* the first that failed, n if none */
        int fail_errnum;
        char fail_msg[256]; /* the kernel's text for it */
};

struct nl_req *nl_req_new(void);
void nl_req_free(struct nl_req *r);
static inline void nl_req_freep(struct nl_req **r)
{
        if (*r)
                nl_req_free(*r);
}
#define _cleanup_nl_req_ __attribute__((cleanup(nl_req_freep)))
void nl_req_reset(struct nl_req *r);

/* Appends a message: header with NLM_F_REQUEST | NLM_F_ACK | flags.  what names it in
 * errors ("add address 10.0.0.2/24 to eth0").  The caller adds the family header and
 * attributes (at most NL_MSG_MAX bytes in all).  Messages are numbered when sent. */
struct nlmsghdr *nl_req_put(struct nl_req *r, uint16_t type, uint16_t flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A dump request (NLM_F_DUMP): its answers go to the callback, then NLMSG_DONE. */
struct nlmsghdr *nl_req_put_dump(struct nl_req *r, uint16_t type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Room for a message the caller writes itself, header included (libnftnl builds its
 * own); ack says whether the kernel answers it. */
void *nl_req_put_raw(struct nl_req *r, bool ack, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For the last message put: an errno that is not a failure; a callback for replies. */
void nl_req_expect(struct nl_req *r, int errnum);
void nl_req_on_reply(struct nl_req *r, nl_data_cb cb, void *data);
/* The last message put, and its index. */
struct nlmsghdr *nl_req_last(struct nl_req *r);
size_t nl_req_last_index(const struct nl_req *r);
/* The bytes to send (for tests: the messages built so far, lengths final). */
const void *nl_req_data(struct nl_req *r, size_t *len);
size_t nl_req_size(const struct nl_req *r);

/* Sends the request and reads every answer.  Fails with the first message whose answer
 * is an error other than its expected one: "<what>: <kernel's message>" and its errno.
 * Each message's answer stays in r->msg[i].result (0 or the errno, expected or not). */
int nl_req_run(struct nl_sock *s, struct nl_req *r, struct nook_err *err);

/* The parts of nl_req_run, for tests that feed recorded answers: numbers the messages
 * from base; takes one datagram of answers, true once all are answered; the outcome. */
void nl_req_number(struct nl_req *r, uint32_t base);
bool nl_req_feed(struct nl_req *r, const void *buf, size_t len);
int nl_req_status(const struct nl_req *r, struct nook_err *err);

/* Decodes an NLMSG_ERROR (or NLMSG_DONE) message: returns the errno (0 for an ack) and
 * points *msg at the kernel's extended ack text, or NULL. */
int nl_decode_error(const struct nlmsghdr *nlh, const char **msg);
/* Fills err from an answer that is an error: "<what>: <kernel's message>", errno. */
int nl_error_set(struct nook_err *err, int errnum, const char *kmsg, const char *what);

#endif
