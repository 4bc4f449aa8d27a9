#include "manager/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"
#include "net/net.h"

static bool numeric(const char *s)
{
        for (; *s; s++)
                if (!isdigit((unsigned char)*s))
                        return false;
        return true;
}

int ctid_cmp(const char *a, const char *b)
{
        bool na = numeric(a), nb = numeric(b);

        if (na && nb) {
                size_t la = strlen(a), lb = strlen(b);
                if (la != lb)
                        return la < lb ? -1 : 1;
        } else if (na != nb) {
                return na ? -1 : 1;
        }
        return strcmp(a, b);
}

static int entry_cmp(const void *a, const void *b)
{
        return ctid_cmp(((const struct ct_entry *)a)->ctid, ((const struct ct_entry *)b)->ctid);
}

static void index_entry(struct registry *r, const struct ct_entry *e)
{
        char a[64];

        for (char **p = e->s.ips; p && *p; p++)
                if (strmap_get(&r->by_ip, ct_ip_addr(*p, a)) == NULL)
                        strmap_put(&r->by_ip, a, e->ctid);
        if (e->s.name && strmap_get(&r->by_name, e->s.name) == NULL)
                strmap_put(&r->by_name, e->s.name, e->ctid);
}

static void unindex_entry(struct registry *r, const struct ct_entry *e)
{
        char a[64];

        for (char **p = e->s.ips; p && *p; p++)
                strmap_del(&r->by_ip, ct_ip_addr(*p, a), e->ctid);
        if (e->s.name)
                strmap_del(&r->by_name, e->s.name, e->ctid);
}

static int load(const struct nook_home *h, bool settings, struct registry *r, struct nook_err *err)
{
        _cleanup_free_ char *cdir = xasprintf("%s/containers", h->dir);
        _cleanup_closedir_ DIR *d = opendir(cdir);
        struct dirent *e;
        size_t cap = 0;

        *r = (struct registry){0};
        if (d == NULL)
                return nook_err_sys(err, "open %s", cdir);
        while ((e = readdir(d)) != NULL) {
                struct ct_entry *ce;
                _cleanup_free_ char *cfg = NULL;

                if (e->d_type != DT_DIR || !ctid_valid(e->d_name))
                        continue;
                if (r->n == cap) {
                        cap = cap ? cap * 2 : 64;
                        r->v = xrealloc(r->v, cap * sizeof(*r->v));
                }
                ce = &r->v[r->n++];
                *ce = (struct ct_entry){.ctid = xstrdup(e->d_name)};
                if (!settings)
                        continue;
                cfg = home_ct_path(h, e->d_name, "config.json");
                ce->complete = ct_config_read(cfg, NULL, &ce->s, NULL) == 0;
        }
        if (r->n > 1) /* qsort's array may not be NULL, even for no elements */
                qsort(r->v, r->n, sizeof(*r->v), entry_cmp);
        for (size_t i = 0; i < r->n; i++)
                index_entry(r, &r->v[i]);
        return 0;
}

int registry_load(const struct nook_home *h, struct registry *r, struct nook_err *err)
{
        return load(h, true, r, err);
}

int registry_load_ctids(const struct nook_home *h, struct registry *r, struct nook_err *err)
{
        return load(h, false, r, err);
}

void registry_free(struct registry *r)
{
        for (size_t i = 0; i < r->n; i++) {
                free(r->v[i].ctid);
                ct_settings_free(&r->v[i].s);
        }
        free(r->v);
        strmap_free(&r->by_ip);
        strmap_free(&r->by_name);
        strmap_free(&r->auto_next);
        *r = (struct registry){0};
}

struct ct_entry *registry_get(const struct registry *r, const char *ctid)
{
        struct ct_entry key = {.ctid = (char *)ctid};

        /* bsearch's array may not be NULL, even for no elements */
        return r->n ? bsearch(&key, r->v, r->n, sizeof(*r->v), entry_cmp) : NULL;
}

struct ct_entry *registry_lookup(const struct registry *r, const char *ctid_or_name)
{
        struct ct_entry *e = registry_get(r, ctid_or_name);

        if (e)
                return e;
        const char *ctid = strmap_get(&r->by_name, ctid_or_name);

        return ctid ? registry_get(r, ctid) : NULL;
}

struct ct_entry *registry_add(struct registry *r, const char *ctid, struct ct_settings *s)
{
        size_t at = 0;

        while (at < r->n && ctid_cmp(r->v[at].ctid, ctid) < 0)
                at++;
        r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
        memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(*r->v));
        r->v[at] = (struct ct_entry){.ctid = xstrdup(ctid), .complete = true, .s = *s};
        *s = (struct ct_settings){0};
        r->n++;
        index_entry(r, &r->v[at]);
        return &r->v[at];
}

void registry_update(struct registry *r, struct ct_entry *e, const struct ct_settings *s)
{
        unindex_entry(r, e);
        strv_free(e->s.ips);
        e->s.ips = strv_dup(s->ips);
        free(e->s.name);
        e->s.name = s->name ? xstrdup(s->name) : NULL;
        index_entry(r, e);
}

/* The entry whose CTID `owner` is, unless that is self. */
static const struct ct_entry *other_than(const struct registry *r, const char *owner,
                                         const char *self)
{
        return owner && !(self && strcmp(owner, self) == 0) ? registry_get(r, owner) : NULL;
}

const struct ct_entry *registry_ip_user(const struct registry *r, const char *ip, const char *self)
{
        char want[64];

        return other_than(r, strmap_get(&r->by_ip, ct_ip_addr(ip, want)), self);
}

const struct ct_entry *registry_name_user(const struct registry *r, const char *name,
                                          const char *self)
{
        const struct ct_entry *e = other_than(r, name, self);

        if (e)
                return e;
        return other_than(r, strmap_get(&r->by_name, name), self);
}

size_t registry_template_users(const struct registry *r, const char *tmpl)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n; i++)
                if (r->v[i].s.ostemplate && strcmp(r->v[i].s.ostemplate, tmpl) == 0)
                        n++;
        return n;
}

int registry_check_unique(const struct registry *r, const char *ctid, const struct ct_settings *s,
                          struct nook_err *err)
{
        const struct ct_entry *other;

        if (s->name && (other = registry_name_user(r, s->name, ctid)) != NULL)
                return nook_err_set(err, 0, "name %s is taken by container %s", s->name,
                                    other->ctid);
        for (char **ip = s->ips; ip && *ip; ip++) {
                char a[64];
                if ((other = registry_ip_user(r, *ip, ctid)) != NULL)
                        return nook_err_set(err, 0, "address %s is used by container %s",
                                            ct_ip_addr(*ip, a), other->ctid);
                for (char **dup = s->ips; dup < ip; dup++) {
                        char b[64];
                        if (strcmp(ct_ip_addr(*dup, a), ct_ip_addr(*ip, b)) == 0)
                                return nook_err_set(err, 0, "address %s is given twice", a);
                }
        }
        return 0;
}

int registry_targets(const struct registry *r, const char *spec, char ***out, struct nook_err *err)
{
        _cleanup_strv_ char **items = NULL;
        _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));

        if (ctid_parse_list(spec, &items, err) < 0)
                return -1;
        for (char **it = items; *it; it++) {
                const struct ct_entry *e = registry_lookup(r, *it);
                if (e == NULL)
                        return nook_err_set(err, 0, "container %s does not exist", *it);
                strv_push(&v, e->ctid);
        }
        *out = TAKE_PTR(v);
        return 0;
}

static bool listed(char *const *ips, const char *addr)
{
        char a[64];

        for (; ips && *ips; ips++)
                if (strcmp(ct_ip_addr(*ips, a), addr) == 0)
                        return true;
        return false;
}

int registry_free_ip(struct registry *r, const char *subnet, bool routed, char *const *also,
                     char **out, struct nook_err *err)
{
        struct net_addr net;
        char text[64];
        uintptr_t from;

        if (net_addr_parse_subnet(subnet, &net, err) < 0)
                return -1;
        /* Offsets from the network address: 1 is the gateway, so from 2.  The hint
         * makes a fleet's allocations one pass over the subnet, not one each. */
        from = (uintptr_t)strmap_get(&r->auto_next, subnet);
        for (uintptr_t k = from > 2 ? from : 2;; k++) {
                struct net_addr a = net, next;

                if (net_addr_add(&a, k) < 0 || !net_addr_in_subnet(&net, &a))
                        break;
                /* IPv4's last address is the broadcast address. */
                next = a;
                if (a.family == AF_INET && net.prefix < 31 &&
                    (net_addr_add(&next, 1) < 0 || !net_addr_in_subnet(&net, &next)))
                        break;
                net_addr_format(&a, false, text, sizeof(text));
                if (strmap_get(&r->by_ip, text) || listed(also, text))
                        continue;
                strmap_put(&r->auto_next, subnet, (void *)(k + 1));
                a.prefix = routed ? (a.family == AF_INET ? 32 : 128) : net.prefix;
                *out = xstrdup(net_addr_format(&a, true, text, sizeof(text)));
                return 0;
        }
        return nook_err_set(err, 0, "no free address in %s", subnet);
}
