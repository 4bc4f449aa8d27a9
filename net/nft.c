/* NAT and port forwards: one nftables table owned by nook, "inet nook", made on first use:
 *
 *   chain publish      (regular) per container: dnat of each published port
 *   chain prerouting   nat hook prerouting priority dstnat:
 *                        fib daddr type local jump publish
 *   chain output       nat hook output priority dstnat, for connections from the host:
 *                        ip daddr 127.0.0.0/8 return; ip6 daddr ::1 return
 *                        fib daddr type local jump publish
 *   chain postrouting  nat hook postrouting priority srcnat; per container:
 *                        ip saddr ADDR [oifname != BRIDGE] masquerade
 *
 * Each container's rules carry the comment "nook:<id>" (rule userdata, as nft writes
 * comments), so that its rules are found and deleted by dumping the table's rules; no
 * other table is touched and nothing is flushed.  Every change is one batch.
 *
 * Loopback destinations are left alone: a dnat of 127.0.0.1 would need route_localnet,
 * which exposes services bound to the host's loopback to its neighbours.  There is no
 * forward chain: an accept here cannot overrule a drop in another table (every base
 * chain of a hook must accept), so a host firewall that drops forwarded traffic must
 * allow the containers' itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/internal.h"

#define TABLE       "nook"
#define NFT_FAMILY  NFPROTO_INET
#define PRIO_DSTNAT (-100)
#define PRIO_SRCNAT 100

static void rule_freep(struct nftnl_rule **r)
{
        if (*r)
                nftnl_rule_free(*r);
}
#define _cleanup_rule_ _cleanup_(rule_freep)

bool net_nft_needed(const struct net_config *cfg)
{
        for (size_t i = 0; cfg && i < cfg->n_ifaces; i++)
                if (cfg->ifaces[i].masquerade || cfg->ifaces[i].n_publish)
                        return true;
        return false;
}

/* --- expressions --------------------------------------------------------------------------- */

static void add_meta(struct nftnl_rule *r, uint32_t key)
{
        struct nftnl_expr *e = nftnl_expr_alloc("meta");

        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
        nftnl_rule_add_expr(r, e);
}

static void add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
        struct nftnl_expr *e = nftnl_expr_alloc("payload");

        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
        nftnl_rule_add_expr(r, e);
}

static void add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
        struct nftnl_expr *e = nftnl_expr_alloc("cmp");

        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        nftnl_rule_add_expr(r, e);
}

static void add_nfproto(struct nftnl_rule *r, int family)
{
        uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

        add_meta(r, NFT_META_NFPROTO);
        add_cmp(r, NFT_CMP_EQ, &proto, 1);
}

static void add_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
        struct nftnl_expr *e = nftnl_expr_alloc("immediate");

        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
        if (chain)
                nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
        nftnl_rule_add_expr(r, e);
}

static void add_immediate(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
        struct nftnl_expr *e = nftnl_expr_alloc("immediate");

        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
        nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
        nftnl_rule_add_expr(r, e);
}

/* fib daddr type local */
static void add_daddr_local(struct nftnl_rule *r)
{
        struct nftnl_expr *e = nftnl_expr_alloc("fib");
        uint32_t local = RTN_LOCAL;

        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
        nftnl_rule_add_expr(r, e);
        add_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

/* --- messages ------------------------------------------------------------------------------ */

static struct nftnl_rule *new_rule(const char *chain, const char *tag)
{
        struct nftnl_rule *r = nftnl_rule_alloc();

        nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFT_FAMILY);
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE);
        nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
        if (tag) {
                struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

                nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, tag);
                nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
                                    nftnl_udata_buf_len(ud));
                nftnl_udata_buf_free(ud);
        }
        return r;
}

__attribute__((format(printf, 4, 5))) static void
put_rule(struct nl_req *q, uint16_t type, struct nftnl_rule *r, const char *fmt, ...)
{
        uint16_t flags = type == NFT_MSG_NEWRULE ? NLM_F_CREATE | NLM_F_APPEND : 0;
        struct nlmsghdr *nlh;
        char what[NL_WHAT_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        nlh = nftnl_nlmsg_build_hdr(nl_req_put_raw(q, true, "%s", what), type, NFT_FAMILY,
                                    flags | NLM_F_ACK, 0);
        nftnl_rule_nlmsg_build_payload(nlh, r);
}

static void put_batch_begin(struct nl_req *q)
{
        nftnl_batch_begin(nl_req_put_raw(q, false, "start nftables batch"), 0);
}

static void put_batch_end(struct nl_req *q)
{
        nftnl_batch_end(nl_req_put_raw(q, false, "end nftables batch"), 0);
}

static void put_chain(struct nl_req *q, const char *name, int hook, int prio)
{
        struct nftnl_chain *c = nftnl_chain_alloc();
        struct nlmsghdr *nlh;

        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
        if (hook >= 0) {
                nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
                nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
                nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
                nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
        }
        nlh = nftnl_nlmsg_build_hdr(nl_req_put_raw(q, true, "create nft chain inet nook %s", name),
                                    NFT_MSG_NEWCHAIN, NFT_FAMILY, NLM_F_CREATE | NLM_F_ACK, 0);
        nftnl_chain_nlmsg_build_payload(nlh, c);
        nftnl_chain_free(c);
}

/* The table, its chains and the rules of its base chains; fails with EEXIST when the
 * table exists (another nook made it meanwhile): the batch is all or nothing. */
static void put_table(struct nl_req *q)
{
        struct nftnl_table *t = nftnl_table_alloc();
        struct nlmsghdr *nlh;
        static const uint8_t loopback6[16] = {[15] = 1};
        uint8_t net127 = 127;

        nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE);
        nlh = nftnl_nlmsg_build_hdr(nl_req_put_raw(q, true, "create nft table inet nook"),
                                    NFT_MSG_NEWTABLE, NFT_FAMILY,
                                    NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0);
        nftnl_table_nlmsg_build_payload(nlh, t);
        nftnl_table_free(t);

        put_chain(q, "publish", -1, 0);
        put_chain(q, "prerouting", NF_INET_PRE_ROUTING, PRIO_DSTNAT);
        put_chain(q, "output", NF_INET_LOCAL_OUT, PRIO_DSTNAT);
        put_chain(q, "postrouting", NF_INET_POST_ROUTING, PRIO_SRCNAT);

        {
                _cleanup_rule_ struct nftnl_rule *r = new_rule("prerouting", NULL);

                add_daddr_local(r);
                add_verdict(r, NFT_JUMP, "publish");
                put_rule(q, NFT_MSG_NEWRULE, r, "add nft rule to inet nook prerouting");
        }
        {
                _cleanup_rule_ struct nftnl_rule *r = new_rule("output", NULL);

                add_nfproto(r, AF_INET);
                add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 1); /* daddr's first byte */
                add_cmp(r, NFT_CMP_EQ, &net127, 1);
                add_verdict(r, NFT_RETURN, NULL);
                put_rule(q, NFT_MSG_NEWRULE, r, "add nft rule to inet nook output");
        }
        {
                _cleanup_rule_ struct nftnl_rule *r = new_rule("output", NULL);

                add_nfproto(r, AF_INET6);
                add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16);
                add_cmp(r, NFT_CMP_EQ, loopback6, 16);
                add_verdict(r, NFT_RETURN, NULL);
                put_rule(q, NFT_MSG_NEWRULE, r, "add nft rule to inet nook output");
        }
        {
                _cleanup_rule_ struct nftnl_rule *r = new_rule("output", NULL);

                add_daddr_local(r);
                add_verdict(r, NFT_JUMP, "publish");
                put_rule(q, NFT_MSG_NEWRULE, r, "add nft rule to inet nook output");
        }
}

static void put_masquerade(struct nl_req *q, const struct net_iface *ifc, const struct net_addr *a,
                           const char *tag)
{
        _cleanup_rule_ struct nftnl_rule *r = new_rule("postrouting", tag);
        char text[64], oif[16] = {0};

        add_nfproto(r, a->family);
        if (a->family == AF_INET)
                add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
        else
                add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
        add_cmp(r, NFT_CMP_EQ, a->bytes, a->family == AF_INET ? 4 : 16);
        if (ifc->mode == NET_MODE_BRIDGE) {
                /* Traffic between containers of the bridge keeps its addresses. */
                snprintf(oif, sizeof(oif), "%s", ifc->bridge);
                add_meta(r, NFT_META_OIFNAME);
                add_cmp(r, NFT_CMP_NEQ, oif, sizeof(oif));
        }
        nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
        put_rule(q, NFT_MSG_NEWRULE, r, "add nft masquerade rule for %s of %s",
                 net_addr_format(a, false, text, sizeof(text)), ifc->name);
}

static void put_publish(struct nl_req *q, const struct net_iface *ifc, const struct net_publish *p,
                        const struct net_addr *a, const char *tag)
{
        _cleanup_rule_ struct nftnl_rule *r = new_rule("publish", tag);
        struct nftnl_expr *nat = nftnl_expr_alloc("nat");
        uint16_t dport = htons(p->host_port), to_port = htons(p->ct_port);
        uint8_t proto = p->proto;
        char text[64];

        add_nfproto(r, a->family);
        add_meta(r, NFT_META_L4PROTO);
        add_cmp(r, NFT_CMP_EQ, &proto, 1);
        add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2); /* th dport */
        add_cmp(r, NFT_CMP_EQ, &dport, 2);
        add_immediate(r, NFT_REG_1, a->bytes, a->family == AF_INET ? 4 : 16);
        add_immediate(r, NFT_REG_2, &to_port, 2);
        nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
        nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY,
                           a->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
        nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
        nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
        nftnl_rule_add_expr(r, nat);
        put_rule(q, NFT_MSG_NEWRULE, r, "add nft rule publishing %s:%u:%u of %s to %s",
                 net_proto_name(p->proto), p->host_port, p->ct_port, ifc->name,
                 net_addr_format(a, false, text, sizeof(text)));
}

/* The netfilter socket stays open for the next call of this thread and closes with the
 * process: releasing one right after a transaction that deleted rules waits for the
 * kernel to free them (nf_tables flushes its destroy work, an RCU grace period: 10 ms
 * here), while at exit that work is usually done. */
static __thread struct nl_sock nft_sock;

static struct nl_sock *nft_socket(struct nook_err *err)
{
        if (nft_sock.nl == NULL && nl_open(&nft_sock, NETLINK_NETFILTER, -1, err) < 0) {
                nook_err_prefix(err, "nftables");
                return NULL;
        }
        return &nft_sock;
}

/* A batch is one sendmsg, which the socket's send buffer (200 KiB) bounds; a container
 * with that many rules gets several batches. */
#define BATCH_SPLIT (64 * 1024)

struct batcher {
        struct nl_sock *s;
        struct nl_req *q;
        bool with_table;
        struct nook_err *err;
};

static void batch_start(struct batcher *b)
{
        nl_req_reset(b->q);
        put_batch_begin(b->q);
        if (b->with_table)
                put_table(b->q);
}

static int batch_flush(struct batcher *b)
{
        put_batch_end(b->q);
        if (nl_req_run(b->s, b->q, b->err) < 0)
                return -1;
        /* The table exists from the first batch on. */
        b->with_table = false;
        batch_start(b);
        return 0;
}

static int put_container_rules(struct batcher *b, const struct net_config *cfg, const char *tag)
{
        static const int families[] = {AF_INET, AF_INET6};

        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                const struct net_iface *ifc = &cfg->ifaces[i];

                for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
                        /* Published ports go to the first address of the family. */
                        const struct net_addr *to = net_iface_first_addr(ifc, families[f]);

                        /* Without a gateway of the family the replies would not return. */
                        if (!net_iface_gateway(ifc, families[f]) || !to)
                                continue;
                        for (size_t k = 0; ifc->masquerade && k < ifc->n_addrs; k++)
                                if (ifc->addrs[k].family == families[f])
                                        put_masquerade(b->q, ifc, &ifc->addrs[k], tag);
                        for (size_t k = 0; k < ifc->n_publish; k++)
                                put_publish(b->q, ifc, &ifc->publish[k], to, tag);
                        if (nl_req_size(b->q) > BATCH_SPLIT && batch_flush(b) < 0)
                                return -1;
                }
        }
        return batch_flush(b);
}

static int add_rules(struct nl_sock *s, struct nl_req *q, const struct net_config *cfg,
                     const char *tag, bool with_table, struct nook_err *err)
{
        struct batcher b = {.s = s, .q = q, .with_table = with_table, .err = err};

        batch_start(&b);
        return put_container_rules(&b, cfg, tag);
}

int net_nft_add(const struct net_config *cfg, const char *id, struct nook_err *err)
{
        NOOK_ERR_ENSURE(err);
        _cleanup_nl_req_ struct nl_req *q = nl_req_new();
        struct nl_sock *s = nft_socket(err);
        char tag[NET_OWNER_TAG_MAX];

        if (s == NULL)
                return -1;
        net_owner_tag(id, tag, sizeof(tag));
        /* Usually the table exists: one round trip.  ENOENT: no table yet, so make it in
         * the same batch as the rules; EEXIST: another nook just made it. */
        if (add_rules(s, q, cfg, tag, false, err) == 0)
                return 0;
        if (err->errnum != ENOENT)
                return -1;
        if (add_rules(s, q, cfg, tag, true, err) == 0)
                return 0;
        if (err->errnum != EEXIST)
                return -1;
        return add_rules(s, q, cfg, tag, false, err);
}

/* --- removal ------------------------------------------------------------------------------- */

struct found_rule {
        char chain[NFT_CHAIN_MAXNAMELEN];
        uint64_t handle;
};

struct rule_search {
        const char *tag;
        struct found_rule *found;
        size_t n, cap;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
        const char **comment = data;
        uint8_t len = nftnl_udata_len(attr);
        const char *value = nftnl_udata_get(attr);

        if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && len > 0 && value[len - 1] == '\0')
                *comment = value;
        return 0;
}

static void on_rule(const struct nlmsghdr *nlh, void *data)
{
        struct rule_search *s = data;
        _cleanup_rule_ struct nftnl_rule *r = nftnl_rule_alloc();
        const char *comment = NULL;
        const void *ud;
        uint32_t len;

        if (nftnl_rule_nlmsg_parse(nlh, r) < 0 || !nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
                return;
        ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
        if (nftnl_udata_parse(ud, len, comment_cb, &comment) < 0 || comment == NULL ||
            strcmp(comment, s->tag) != 0)
                return;
        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                s->found = xrealloc(s->found, s->cap * sizeof(*s->found));
        }
        snprintf(s->found[s->n].chain, sizeof(s->found[s->n].chain), "%s",
                 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
        s->found[s->n++].handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
}

static int find_rules(struct nl_sock *s, struct nl_req *q, struct rule_search *search,
                      struct nook_err *err)
{
        _cleanup_rule_ struct nftnl_rule *filter = nftnl_rule_alloc();
        struct nlmsghdr *nlh;
        struct nfgenmsg *nfg;

        search->n = 0;
        nl_req_reset(q);
        nlh = nl_req_put_dump(q, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE,
                              "list the rules of nft table inet nook");
        nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
        nfg->nfgen_family = NFT_FAMILY;
        nfg->version = NFNETLINK_V0;
        nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, TABLE);
        nftnl_rule_nlmsg_build_payload(nlh, filter);
        nl_req_expect(q, ENOENT); /* no table: nothing to remove */
        nl_req_on_reply(q, on_rule, search);
        return nl_req_run(s, q, err);
}

int net_nft_remove(const char *id, struct nook_err *err)
{
        NOOK_ERR_ENSURE(err);
        _cleanup_nl_req_ struct nl_req *q = nl_req_new();
        struct nl_sock *s = nft_socket(err);
        struct rule_search search = {0};
        char tag[NET_OWNER_TAG_MAX];
        int r = -1;

        if (s == NULL)
                return -1;
        net_owner_tag(id, tag, sizeof(tag));
        search.tag = tag;
        /* A rule that vanishes meanwhile (a concurrent teardown) fails the whole batch:
         * list again and retry. */
        for (int attempt = 0; attempt < 3; attempt++) {
                size_t done = 0;

                if (find_rules(s, q, &search, err) < 0)
                        break;
                if (search.n == 0) {
                        r = 0;
                        break;
                }
                while (done < search.n) {
                        nl_req_reset(q);
                        put_batch_begin(q);
                        for (; done < search.n && nl_req_size(q) < BATCH_SPLIT; done++) {
                                _cleanup_rule_ struct nftnl_rule *rule =
                                    new_rule(search.found[done].chain, NULL);

                                nftnl_rule_set_u64(rule, NFTNL_RULE_HANDLE,
                                                   search.found[done].handle);
                                put_rule(q, NFT_MSG_DELRULE, rule,
                                         "delete nft rule %llu of inet nook %s",
                                         (unsigned long long)search.found[done].handle,
                                         search.found[done].chain);
                        }
                        put_batch_end(q);
                        if (nl_req_run(s, q, err) < 0)
                                break;
                }
                if (done == search.n) {
                        r = 0;
                        break;
                }
                if (err->errnum != ENOENT)
                        break;
        }
        free(search.found);
        return r;
}
