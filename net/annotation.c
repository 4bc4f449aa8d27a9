/* The org.nook.net.<ifname> annotations: parsing and validation, before anything touches
 * the host.  Errors read "annotation <name>: <key=value as written>: <what is wrong>". */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/internal.h"
#include "oci/oci.h"

/* --- small helpers shared with the rest of net/ -------------------------------------------- */

const char *net_addr_format(const struct net_addr *a, bool with_prefix, char *buf, size_t len)
{
        char text[INET6_ADDRSTRLEN];

        if (inet_ntop(a->family, a->bytes, text, sizeof(text)) == NULL)
                snprintf(text, sizeof(text), "?");
        if (with_prefix)
                snprintf(buf, len, "%s/%u", text, a->prefix);
        else
                snprintf(buf, len, "%s", text);
        return buf;
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
        return a->family == b->family &&
               memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

int net_addr_add(struct net_addr *a, uint64_t k)
{
        size_t len = a->family == AF_INET ? 4 : 16;
        unsigned carry = 0;

        /* Byte by byte from the last, k's bytes from its lowest. */
        for (size_t i = len; i-- > 0;) {
                unsigned sum = a->bytes[i] + (unsigned)(k & 0xff) + carry;

                a->bytes[i] = (uint8_t)sum;
                carry = sum >> 8;
                k >>= 8;
        }
        return carry || k ? -1 : 0;
}

bool net_addr_in_subnet(const struct net_addr *subnet, const struct net_addr *a)
{
        unsigned bits = subnet->prefix;

        if (a->family != subnet->family)
                return false;
        for (size_t i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
                uint8_t mask = (uint8_t)(0xff00 >> (bits >= 8 ? 8 : bits));

                if ((a->bytes[i] & mask) != (subnet->bytes[i] & mask))
                        return false;
        }
        return true;
}

uint64_t net_hash(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a ... */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
        /* ... with splitmix64's finalizer, so that similar ids differ in every digit. */
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
        return h ^ (h >> 31);
}

void net_host_name(const char *id, size_t index, char out[NET_IFNAME_MAX + 1])
{
        snprintf(out, NET_IFNAME_MAX + 1, "nk%011llx%zx", (unsigned long long)(net_hash(id) >> 20),
                 index & 0xf);
}

void net_ct_mac(const char *id, const char *ifname, uint8_t mac[6])
{
        _cleanup_free_ char *key = xasprintf("%s/%s", id, ifname);
        uint64_t h = net_hash(key);

        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)(h >> (8 * i));
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* locally administered, unicast */
}

void net_owner_tag(const char *id, char *buf, size_t len)
{
        /* nft shows comments of up to 128 bytes; a long id is cut and told apart by a
         * hash, and such a tag is longer than any uncut one, so the two never meet. */
        enum { ID_MAX = 100 };

        if (strlen(id) <= ID_MAX)
                snprintf(buf, len, NET_OWNER_TAG_PREFIX "%s", id);
        else
                snprintf(buf, len, NET_OWNER_TAG_PREFIX "%.*s~%016llx", ID_MAX, id,
                         (unsigned long long)net_hash(id));
}

const char *net_proto_name(uint8_t proto)
{
        return proto == IPPROTO_TCP ? "tcp" : "udp";
}

/* --- errors ---------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static int bad(struct nook_err *err, const char *ann,
                                                     const char *item, const char *fmt, ...)
{
        char why[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        if (item)
                return nook_err_set(err, 0, "annotation %s: %s: %s", ann, item, why);
        return nook_err_set(err, 0, "annotation %s: %s", ann, why);
}

/* --- values ------------------------------------------------------------------------------ */

/* The kernel's dev_valid_name(), and no '%' (the kernel would number it: "eth%d"). */
static const char *ifname_problem(const char *name)
{
        static __thread char why[96];
        size_t len = strlen(name);

        if (len == 0)
                return "interface name must not be empty";
        if (len > NET_IFNAME_MAX) {
                snprintf(why, sizeof(why), "interface name is %zu bytes long (at most %d)", len,
                         NET_IFNAME_MAX);
                return why;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return "interface name must not be . or ..";
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
                if (*p == '/')
                        return "interface name must not contain '/'";
                if (*p == ':' || *p == '%')
                        return "interface name must not contain ':' or '%'";
                if (isspace(*p) || *p < 0x20 || *p == 0x7f)
                        return "interface name must not contain spaces or control characters";
        }
        return NULL;
}

static bool v4_unicast(const struct net_addr *a)
{
        uint32_t h = ntohl(a->v4.s_addr);

        return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 0xe;
}

static bool v6_unicast(const struct net_addr *a)
{
        return !IN6_IS_ADDR_UNSPECIFIED(&a->v6) && !IN6_IS_ADDR_LOOPBACK(&a->v6) &&
               !IN6_IS_ADDR_MULTICAST(&a->v6) && !IN6_IS_ADDR_V4MAPPED(&a->v6);
}

/* Whether a and b share the first prefix bits. */
static bool same_subnet(const struct net_addr *a, const struct net_addr *b, unsigned prefix)
{
        unsigned full = prefix / 8, rest = prefix % 8;

        if (a->family != b->family || memcmp(a->bytes, b->bytes, full) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((a->bytes[full] ^ b->bytes[full]) & (0xff << (8 - rest))) == 0;
}

/* ADDR or ADDR/PREFIX.  Returns what is wrong, or NULL. */
static const char *parse_addr(const char *text, bool want_prefix, struct net_addr *a)
{
        static __thread char why[96];
        _cleanup_free_ char *copy = xstrdup(text);
        char *slash = strchr(copy, '/');
        unsigned max;
        uint64_t prefix;

        *a = (struct net_addr){0};
        if (slash)
                *slash = '\0';
        a->family = strchr(copy, ':') ? AF_INET6 : AF_INET;
        max = a->family == AF_INET ? 32 : 128;
        if (inet_pton(a->family, copy, a->bytes) != 1)
                return a->family == AF_INET ? "invalid IPv4 address" : "invalid IPv6 address";
        if (a->family == AF_INET ? !v4_unicast(a) : !v6_unicast(a))
                return "not a unicast address";
        if (!want_prefix) {
                if (slash)
                        return "expected an address without /PREFIX";
                a->prefix = (uint8_t)max;
                return NULL;
        }
        if (!slash)
                return "expected ADDRESS/PREFIX";
        if (!isdigit((unsigned char)slash[1]) || parse_uint64(slash + 1, &prefix) < 0 ||
            prefix < 1 || prefix > max) {
                snprintf(why, sizeof(why), "invalid prefix length %s (%s allows 1-%u)", slash + 1,
                         a->family == AF_INET ? "IPv4" : "IPv6", max);
                return why;
        }
        a->prefix = (uint8_t)prefix;
        if (a->family == AF_INET && prefix < 31) {
                uint32_t host = ntohl(a->v4.s_addr) & ((1u << (32 - prefix)) - 1);

                if (host == 0)
                        return "is the network address of its subnet";
                if (host == (1u << (32 - prefix)) - 1)
                        return "is the broadcast address of its subnet";
        }
        return NULL;
}

int net_addr_parse_subnet(const char *text, struct net_addr *a, struct nook_err *err)
{
        const char *slash = strchr(text, '/');
        _cleanup_free_ char *addr = xstrndup(text, slash ? (size_t)(slash - text) : 0);
        uint64_t prefix;
        struct net_addr masked = {0};

        *a = (struct net_addr){.family = strchr(text, ':') ? AF_INET6 : AF_INET};
        if (slash == NULL || inet_pton(a->family, addr, a->bytes) != 1 ||
            !isdigit((unsigned char)slash[1]) || parse_uint64(slash + 1, &prefix) < 0 ||
            prefix < 1 || prefix > (a->family == AF_INET ? 32u : 128u))
                return nook_err_set(err, EINVAL, "%s: expected a subnet ADDRESS/PREFIX", text);
        a->prefix = (uint8_t)prefix;
        /* Its network address: the host bits of what was written cleared. */
        masked.family = a->family;
        masked.prefix = a->prefix;
        for (unsigned i = 0, bits = a->prefix; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0)
                masked.bytes[i] = a->bytes[i] & (uint8_t)(0xff00 >> (bits >= 8 ? 8 : bits));
        *a = masked;
        return 0;
}

int net_addr_parse(const char *text, struct net_addr *a, struct nook_err *err)
{
        const char *why = parse_addr(text, true, a);

        return why ? nook_err_set(err, EINVAL, "%s: %s", text, why) : 0;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
        if (strlen(s) != 17)
                return false;
        for (int i = 0; i < 6; i++) {
                const char *p = s + 3 * i;

                if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
                    (i < 5 && p[2] != ':'))
                        return false;
                mac[i] = (uint8_t)strtoul((char[3]){p[0], p[1], '\0'}, NULL, 16);
        }
        return true;
}

static bool parse_port(const char *s, uint16_t *port)
{
        uint64_t v;

        if (!isdigit((unsigned char)s[0]) || parse_uint64(s, &v) < 0 || v < 1 || v > 65535)
                return false;
        *port = (uint16_t)v;
        return true;
}

/* One PROTO:HOSTPORT:CTPORT. */
static int parse_publish(const char *ann, const char *entry, struct net_iface *ifc,
                         struct nook_err *err)
{
        _cleanup_free_ char *item = xasprintf("publish=%s", entry);
        _cleanup_free_ char *copy = xstrdup(entry);
        char *host = strchr(copy, ':'), *ct = host ? strchr(host + 1, ':') : NULL;
        struct net_publish p = {0};

        if (!host || !ct || strchr(ct + 1, ':'))
                return bad(err, ann, item, "expected PROTO:HOSTPORT:CTPORT (e.g. tcp:8080:80)");
        *host++ = '\0';
        *ct++ = '\0';
        if (strcmp(copy, "tcp") == 0)
                p.proto = IPPROTO_TCP;
        else if (strcmp(copy, "udp") == 0)
                p.proto = IPPROTO_UDP;
        else
                return bad(err, ann, item, "unknown protocol %s (expected tcp or udp)", copy);
        if (!parse_port(host, &p.host_port))
                return bad(err, ann, item, "host port %s is out of range (1-65535)", host);
        if (!parse_port(ct, &p.ct_port))
                return bad(err, ann, item, "container port %s is out of range (1-65535)", ct);
        if (ifc->n_publish == NET_MAX_PUBLISH)
                return bad(err, ann, item, "more than %d published ports", NET_MAX_PUBLISH);
        ifc->publish[ifc->n_publish++] = p;
        return 0;
}

/* --- one annotation ----------------------------------------------------------------------- */

struct seen {
        /* The first key=value of each single-valued key, for messages about it. */
        char *bridge, *mode, *dev, *mac, *mtu, *host, *nat, *gw4, *gw6, *publish;
        char *ips[NET_MAX_ADDRS];
        bool routed_mode, bridge_mode;
};

static void seen_free(struct seen *s)
{
        /* Also the cleanup function of a struct seen variable. */
        free(s->bridge);
        free(s->mode);
        free(s->dev);
        free(s->mac);
        free(s->mtu);
        free(s->host);
        free(s->nat);
        free(s->gw4);
        free(s->gw6);
        free(s->publish);
        for (size_t i = 0; i < NET_MAX_ADDRS; i++)
                free(s->ips[i]);
}

static int once(const char *ann, const char *item, char **slot, struct nook_err *err)
{
        if (*slot)
                return bad(err, ann, item, "given twice (first as %s)", *slot);
        *slot = xstrdup(item);
        return 0;
}

static int parse_name_value(const char *ann, const char *item, const char *value, char *out,
                            struct nook_err *err)
{
        const char *why = ifname_problem(value);

        if (why)
                return bad(err, ann, item, "%s", why);
        snprintf(out, NET_IFNAME_MAX + 1, "%s", value);
        return 0;
}

static int parse_item(const char *ann, const char *item, struct net_iface *ifc, struct seen *s,
                      struct nook_err *err)
{
        _cleanup_free_ char *key = NULL;
        const char *eq = strchr(item, '='), *value;
        const char *why;

        if (item[0] == '\0')
                return bad(err, ann, NULL, "empty key (two commas, or one at an end)");
        if (!eq)
                return bad(err, ann, item, "expected KEY=VALUE");
        key = xstrndup(item, (size_t)(eq - item));
        value = eq + 1;

        if (strcmp(key, "bridge") == 0) {
                if (once(ann, item, &s->bridge, err) < 0)
                        return -1;
                return parse_name_value(ann, item, value, ifc->bridge, err);
        }
        if (strcmp(key, "mode") == 0) {
                if (once(ann, item, &s->mode, err) < 0)
                        return -1;
                if (strcmp(value, "routed") == 0)
                        s->routed_mode = true;
                else if (strcmp(value, "bridge") == 0)
                        s->bridge_mode = true;
                else
                        return bad(err, ann, item, "unknown mode %s (expected routed or bridge)",
                                   value);
                return 0;
        }
        if (strcmp(key, "dev") == 0) {
                if (once(ann, item, &s->dev, err) < 0)
                        return -1;
                return parse_name_value(ann, item, value, ifc->dev, err);
        }
        if (strcmp(key, "host") == 0) {
                if (once(ann, item, &s->host, err) < 0)
                        return -1;
                return parse_name_value(ann, item, value, ifc->host, err);
        }
        if (strcmp(key, "ip") == 0) {
                struct net_addr a;

                if (ifc->n_addrs == NET_MAX_ADDRS)
                        return bad(err, ann, item, "more than %d addresses", NET_MAX_ADDRS);
                if ((why = parse_addr(value, true, &a)) != NULL)
                        return bad(err, ann, item, "%s", why);
                for (size_t i = 0; i < ifc->n_addrs; i++)
                        if (net_addr_equal(&ifc->addrs[i], &a))
                                return bad(err, ann, item, "address given twice (first as %s)",
                                           s->ips[i]);
                s->ips[ifc->n_addrs] = xstrdup(item);
                ifc->addrs[ifc->n_addrs++] = a;
                return 0;
        }
        if (strcmp(key, "gw") == 0) {
                struct net_addr a;

                if ((why = parse_addr(value, false, &a)) != NULL)
                        return bad(err, ann, item, "%s", why);
                if (a.family == AF_INET) {
                        if (once(ann, item, &s->gw4, err) < 0)
                                return -1;
                        ifc->gw4 = a;
                } else {
                        if (once(ann, item, &s->gw6, err) < 0)
                                return -1;
                        ifc->gw6 = a;
                }
                return 0;
        }
        if (strcmp(key, "mac") == 0) {
                if (once(ann, item, &s->mac, err) < 0)
                        return -1;
                if (!parse_mac(value, ifc->mac))
                        return bad(err, ann, item,
                                   "invalid MAC address (expected xx:xx:xx:xx:xx:xx)");
                if (ifc->mac[0] & 1)
                        return bad(err, ann, item, "a multicast MAC address");
                if (!(ifc->mac[0] | ifc->mac[1] | ifc->mac[2] | ifc->mac[3] | ifc->mac[4] |
                      ifc->mac[5]))
                        return bad(err, ann, item, "the MAC address must not be all zeros");
                ifc->has_mac = true;
                return 0;
        }
        if (strcmp(key, "mtu") == 0) {
                uint64_t mtu;

                if (once(ann, item, &s->mtu, err) < 0)
                        return -1;
                if (!isdigit((unsigned char)value[0]) || parse_uint64(value, &mtu) < 0 ||
                    mtu < 68 || mtu > 65535)
                        return bad(err, ann, item, "mtu out of range (68-65535)");
                ifc->mtu = (uint32_t)mtu;
                return 0;
        }
        if (strcmp(key, "nat") == 0) {
                if (once(ann, item, &s->nat, err) < 0)
                        return -1;
                if (strcmp(value, "masquerade") != 0)
                        return bad(err, ann, item, "unknown nat %s (expected masquerade)", value);
                ifc->masquerade = true;
                return 0;
        }
        if (strcmp(key, "publish") == 0) {
                _cleanup_free_ char *copy = xstrdup(value);
                char *save = NULL;

                if (!s->publish)
                        s->publish = xstrdup(item);
                if (value[0] == '\0')
                        return bad(err, ann, item,
                                   "expected PROTO:HOSTPORT:CTPORT (e.g. tcp:8080:80)");
                for (char *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save))
                        if (parse_publish(ann, e, ifc, err) < 0)
                                return -1;
                return 0;
        }
        return bad(err, ann, item, "unknown key %s", key);
}

/* The gateway of a family: a unicast address outside the container's own; in bridge mode
 * inside one of its subnets, whose prefix it takes (the bridge's address). */
static int check_gateway(const char *ann, const char *item, struct net_iface *ifc,
                         struct net_addr *gw, struct nook_err *err)
{
        bool any = false;

        for (size_t i = 0; i < ifc->n_addrs; i++) {
                if (ifc->addrs[i].family != gw->family)
                        continue;
                if (net_addr_equal(&ifc->addrs[i], gw))
                        return bad(err, ann, item,
                                   "the gateway is one of the container's own addresses");
                any = true;
        }
        if (!any)
                return bad(err, ann, item, "no ip= address of its family");
        if (ifc->mode == NET_MODE_ROUTED)
                return 0; /* on-link: it need not be in a subnet */
        for (size_t i = 0; i < ifc->n_addrs; i++) {
                if (same_subnet(&ifc->addrs[i], gw, ifc->addrs[i].prefix)) {
                        gw->prefix = ifc->addrs[i].prefix;
                        return 0;
                }
        }
        return bad(err, ann, item, "outside every subnet of the ip= addresses");
}

const struct net_addr *net_iface_first_addr(const struct net_iface *ifc, int family)
{
        for (size_t i = 0; i < ifc->n_addrs; i++)
                if (ifc->addrs[i].family == family)
                        return &ifc->addrs[i];
        return NULL;
}

const struct net_addr *net_iface_gateway(const struct net_iface *ifc, int family)
{
        const struct net_addr *gw = family == AF_INET ? &ifc->gw4 : &ifc->gw6;

        return gw->family ? gw : NULL;
}

static bool has_family(const struct net_iface *ifc, int family)
{
        return net_iface_first_addr(ifc, family) != NULL;
}

/* What the keys of one annotation must satisfy together; fills in routed gateways. */
static int check_iface(const char *ann, struct net_iface *ifc, const struct seen *s,
                       struct nook_err *err)
{
        if (s->routed_mode && s->bridge)
                return bad(err, ann, s->mode, "excludes %s", s->bridge);
        if (s->routed_mode) {
                ifc->mode = NET_MODE_ROUTED;
                if (ifc->n_addrs == 0)
                        return bad(err, ann, s->mode, "needs an ip= address");
        } else if (s->bridge) {
                ifc->mode = NET_MODE_BRIDGE;
        } else if (s->bridge_mode) {
                return bad(err, ann, s->mode, "needs bridge=NAME");
        } else {
                return bad(err, ann, NULL, "one of bridge=NAME or mode=routed is required");
        }
        if (s->dev && ifc->mode != NET_MODE_ROUTED)
                return bad(err, ann, s->dev, "only with mode=routed");
        if (ifc->gw4.family && check_gateway(ann, s->gw4, ifc, &ifc->gw4, err) < 0)
                return -1;
        if (ifc->gw6.family && check_gateway(ann, s->gw6, ifc, &ifc->gw6, err) < 0)
                return -1;
        if (ifc->mode == NET_MODE_ROUTED) {
                /* The host answers for these on the veth (a static neighbour entry). */
                if (!ifc->gw4.family && has_family(ifc, AF_INET)) {
                        ifc->gw4 = (struct net_addr){.family = AF_INET, .prefix = 32};
                        inet_pton(AF_INET, "169.254.1.1", ifc->gw4.bytes);
                }
                if (!ifc->gw6.family && has_family(ifc, AF_INET6)) {
                        ifc->gw6 = (struct net_addr){.family = AF_INET6, .prefix = 128};
                        inet_pton(AF_INET6, "fe80::1", ifc->gw6.bytes);
                }
        }
        if ((ifc->masquerade || ifc->n_publish) && !ifc->gw4.family && !ifc->gw6.family)
                return bad(err, ann, ifc->masquerade ? s->nat : s->publish,
                           "needs gw= (the replies are routed through the host)");
        if (ifc->mtu && ifc->mtu < 1280 && has_family(ifc, AF_INET6))
                return bad(err, ann, s->mtu, "IPv6 needs an mtu of at least 1280");
        return 0;
}

static int parse_iface(const char *ann, const char *value, struct net_iface *ifc,
                       struct nook_err *err)
{
        _cleanup_free_ char *copy = xstrdup(value);
        _cleanup_(seen_free) struct seen s = {0};
        const char *why;
        char *p = copy;

        ifc->annotation = xstrdup(ann);
        why = ifname_problem(ann + strlen(NET_ANNOTATION_PREFIX));
        if (why)
                return bad(err, ann, NULL, "%s", why);
        snprintf(ifc->name, sizeof(ifc->name), "%s", ann + strlen(NET_ANNOTATION_PREFIX));

        /* Items are split by hand: strtok would skip empty ones, which are mistakes. */
        for (;;) {
                char *comma = strchr(p, ',');

                if (comma)
                        *comma = '\0';
                if (parse_item(ann, p, ifc, &s, err) < 0)
                        return -1;
                if (!comma)
                        break;
                p = comma + 1;
        }

        return check_iface(ann, ifc, &s, err);
}

/* --- the whole configuration ---------------------------------------------------------------- */

static int cmp_iface(const void *a, const void *b)
{
        return strcmp(((const struct net_iface *)a)->name, ((const struct net_iface *)b)->name);
}

/* What must hold across the interfaces of one container. */
static int check_across(struct net_config *cfg, struct nook_err *err)
{
        char text[64];

        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                struct net_iface *a = &cfg->ifaces[i];

                for (size_t j = i + 1; j < cfg->n_ifaces; j++) {
                        struct net_iface *b = &cfg->ifaces[j];

                        if (strcmp(a->host, b->host) == 0)
                                return nook_err_set(err, 0,
                                                    "annotation %s: host=%s: also the host side "
                                                    "of %s",
                                                    b->annotation, b->host, a->annotation);
                        for (size_t k = 0; k < a->n_addrs; k++)
                                for (size_t l = 0; l < b->n_addrs; l++)
                                        if (net_addr_equal(&a->addrs[k], &b->addrs[l]))
                                                return nook_err_set(
                                                    err, 0,
                                                    "annotation %s: ip=%s: also an address of %s",
                                                    b->annotation,
                                                    net_addr_format(&b->addrs[l], true, text,
                                                                    sizeof(text)),
                                                    a->annotation);
                }
                for (size_t j = 0; j < cfg->n_ifaces; j++) {
                        const struct net_iface *b = &cfg->ifaces[j];

                        if (a->mode == NET_MODE_BRIDGE && strcmp(a->bridge, b->host) == 0)
                                return nook_err_set(err, 0,
                                                    "annotation %s: bridge=%s: the host side of "
                                                    "%s has that name",
                                                    a->annotation, a->bridge, b->annotation);
                        for (size_t k = 0; k < a->n_publish; k++)
                                for (size_t l = 0; l < b->n_publish; l++) {
                                        const struct net_publish *p = &a->publish[k],
                                                                 *q = &b->publish[l];

                                        if ((i < j || (i == j && k < l)) && p->proto == q->proto &&
                                            p->host_port == q->host_port)
                                                return nook_err_set(
                                                    err, 0,
                                                    "annotation %s: publish=%s:%u:%u: %s port %u "
                                                    "is published twice",
                                                    b->annotation, net_proto_name(q->proto),
                                                    q->host_port, q->ct_port,
                                                    net_proto_name(q->proto), q->host_port);
                                }
                }
        }
        return 0;
}

int net_config_parse(const struct oci_kv *ann, size_t n, const char *id, struct net_config **out,
                     struct nook_err *err)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        size_t count = 0, len = strlen(NET_ANNOTATION_PREFIX);

        *out = NULL;
        for (size_t i = 0; i < n; i++)
                if (strncmp(ann[i].key, NET_ANNOTATION_PREFIX, len) == 0)
                        count++;
        if (count == 0)
                return 0;

        cfg = xcalloc(1, sizeof(*cfg));
        cfg->id = xstrdup(id);
        cfg->ifaces = xcalloc(count, sizeof(*cfg->ifaces));
        for (size_t i = 0; i < n; i++) {
                if (strncmp(ann[i].key, NET_ANNOTATION_PREFIX, len) != 0)
                        continue;
                if (cfg->n_ifaces == NET_MAX_IFACES)
                        return nook_err_set(err, 0,
                                            "annotation %s: more than %d network interfaces",
                                            ann[i].key, NET_MAX_IFACES);
                if (parse_iface(ann[i].key, ann[i].value, &cfg->ifaces[cfg->n_ifaces++], err) < 0)
                        return -1;
        }
        qsort(cfg->ifaces, cfg->n_ifaces, sizeof(*cfg->ifaces), cmp_iface);
        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                if (i > 0 && strcmp(cfg->ifaces[i].name, cfg->ifaces[i - 1].name) == 0)
                        return nook_err_set(err, 0, "annotation %s: given twice",
                                            cfg->ifaces[i].annotation);
                if (cfg->ifaces[i].host[0] == '\0')
                        net_host_name(id, i, cfg->ifaces[i].host);
        }
        if (check_across(cfg, err) < 0)
                return -1;
        *out = TAKE_PTR(cfg);
        return 0;
}

void net_config_free(struct net_config *cfg)
{
        if (cfg == NULL)
                return;
        for (size_t i = 0; i < cfg->n_ifaces; i++)
                free(cfg->ifaces[i].annotation);
        free(cfg->ifaces);
        free(cfg->id);
        free(cfg);
}
