/* What one container's network would clash with in the others'. */
#include <stdio.h>
#include <string.h>

#include "net/internal.h"

/* Two interfaces share a link layer when on the same bridge; routed ones share the
 * host's routing table. */
static bool same_network(const struct net_iface *a, const struct net_iface *b)
{
        if (a->mode != b->mode)
                return false;
        return a->mode == NET_MODE_ROUTED || strcmp(a->bridge, b->bridge) == 0;
}

static const char *where(const struct net_iface *a, char *buf, size_t len)
{
        if (a->mode == NET_MODE_ROUTED)
                snprintf(buf, len, "routed");
        else
                snprintf(buf, len, "on bridge %s", a->bridge);
        return buf;
}

static int check_iface(const struct net_iface *a, const struct net_config *other,
                       struct nook_err *err)
{
        char text[64], place[32];

        for (size_t j = 0; j < other->n_ifaces; j++) {
                const struct net_iface *b = &other->ifaces[j];

                if (strcmp(a->host, b->host) == 0)
                        return nook_err_set(err, 0,
                                            "annotation %s: host=%s: host-side interface %s "
                                            "already exists",
                                            a->annotation, a->host, a->host);
                if (same_network(a, b)) {
                        for (size_t k = 0; k < a->n_addrs; k++) {
                                const struct net_addr *x = &a->addrs[k];

                                net_addr_format(x, true, text, sizeof(text));
                                for (size_t l = 0; l < b->n_addrs; l++)
                                        if (net_addr_equal(x, &b->addrs[l]))
                                                return nook_err_set(
                                                    err, 0,
                                                    "annotation %s: ip=%s: address already used "
                                                    "by container %s (%s)",
                                                    a->annotation, text, other->id,
                                                    where(b, place, sizeof(place)));
                                if (b->mode == NET_MODE_BRIDGE &&
                                    (net_addr_equal(x, &b->gw4) || net_addr_equal(x, &b->gw6)))
                                        return nook_err_set(err, 0,
                                                            "annotation %s: ip=%s: the gateway "
                                                            "of container %s on bridge %s",
                                                            a->annotation, text, other->id,
                                                            b->bridge);
                        }
                }
                for (size_t k = 0; k < a->n_publish; k++)
                        for (size_t l = 0; l < b->n_publish; l++) {
                                const struct net_publish *p = &a->publish[k], *q = &b->publish[l];

                                if (p->proto == q->proto && p->host_port == q->host_port)
                                        return nook_err_set(err, 0,
                                                            "annotation %s: publish=%s:%u:%u: "
                                                            "%s port %u is already published "
                                                            "by container %s",
                                                            a->annotation, net_proto_name(p->proto),
                                                            p->host_port, p->ct_port,
                                                            net_proto_name(p->proto), p->host_port,
                                                            other->id);
                        }
        }
        return 0;
}

int net_check_collisions(const struct net_config *mine, const struct net_config *const *others,
                         size_t n_others, struct nook_err *err)
{
        if (mine == NULL)
                return 0;
        for (size_t o = 0; o < n_others; o++) {
                if (others[o] == NULL || others[o] == mine ||
                    (mine->id && others[o]->id && strcmp(mine->id, others[o]->id) == 0))
                        continue;
                for (size_t i = 0; i < mine->n_ifaces; i++)
                        if (check_iface(&mine->ifaces[i], others[o], err) < 0)
                                return -1;
        }
        return 0;
}
