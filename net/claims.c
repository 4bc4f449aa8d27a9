/* What must be unique among the containers of one state root, claimed as files in one
 * directory: each address on a bridge (or among routed containers), each host-side
 * interface name and each published host port is a file made with O_EXCL that holds
 * its owner's id.  Two concurrent creates cannot both get one, and a create costs the
 * same next to a thousand containers as next to none (comparing with every other
 * container's state made the 200th networked create three times slower than the
 * first).
 *
 * Names: "ip:<bridge or 'routed'>:<address>", "host:<name>", "port:<proto>:<port>";
 * ':' cannot occur in an interface name.  Many containers share a bridge's gateway, so
 * a gateway is a directory "gw:<bridge>:<address>" holding one file per container that
 * uses it; no container may take a gateway as its own address, nor a taken address as
 * its gateway. */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/internal.h"

#define CLAIM_NAME_MAX 128

struct claimer {
        int dirfd;
        const struct net_config *cfg;
        bool (*owner_exists)(const char *id, void *data);
        void *data;
};

static const char *scope_of(const struct net_iface *f)
{
        return f->mode == NET_MODE_ROUTED ? "routed" : f->bridge;
}

static void addr_claim_name(const struct net_iface *f, const struct net_addr *a, const char *kind,
                            char *buf, size_t len)
{
        char text[64];

        net_addr_format(a, false, text, sizeof(text));
        snprintf(buf, len, "%s:%s:%s", kind, scope_of(f), text);
}

static void port_claim_name(const struct net_publish *p, char *buf, size_t len)
{
        snprintf(buf, len, "port:%s:%u", net_proto_name(p->proto), p->host_port);
}

/* The gateways a bridged interface shares with the others on its bridge. */
static size_t bridge_gateways(const struct net_iface *f, const struct net_addr *gws[2])
{
        size_t n = 0;

        if (f->mode != NET_MODE_BRIDGE)
                return 0;
        if (f->gw4.family)
                gws[n++] = &f->gw4;
        if (f->gw6.family)
                gws[n++] = &f->gw6;
        return n;
}

/* The id in claim `name`, "" when it cannot be read. */
static void claim_owner(int dirfd, const char *name, char *owner, size_t len)
{
        ssize_t n = readlinkat(dirfd, name, owner, len - 1);

        /* A file holding the id: a claim made before claims were symlinks. */
        if (n < 0 && errno == EINVAL) {
                _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                n = fd < 0 ? -1 : read(fd, owner, len - 1);
        }
        owner[n > 0 ? n : 0] = '\0';
}

static bool is_mine(const struct claimer *c, const char *owner)
{
        return strcmp(owner, c->cfg->id) == 0;
}

/* An owner whose state is gone (its root was wiped by hand, say) holds nothing. */
static bool is_stale(const struct claimer *c, const char *owner)
{
        return owner[0] == '\0' || !c->owner_exists(owner, c->data);
}

/* Creates claim `name` holding our id, whole or not at all: a symlink to the id, made
 * with its target in one call that fails on an existing name (a claim made empty and
 * then written would look stale to a racing create).  Its target lives in the inode: on
 * the tmpfs of /run a claim costs no page, as a file of one byte did. */
static int create_claim(const struct claimer *c, const char *name, struct nook_err *err)
{
        if (symlinkat(c->cfg->id, c->dirfd, name) == 0)
                return 0;
        if (errno == EEXIST)
                return 1;
        return nook_err_sys(err, "network claim %s", name);
}

/* Takes claim `name` for us; *owner = the holder's id when another container has it. */
static int take(const struct claimer *c, const char *name, char *owner, size_t len,
                struct nook_err *err)
{
        int r = create_claim(c, name, err);

        owner[0] = '\0';
        if (r <= 0)
                return r;
        claim_owner(c->dirfd, name, owner, len);
        if (is_mine(c, owner) || !is_stale(c, owner))
                return 0;
        /* Stale.  Two creates may find it so: one at a time takes it over, looking
         * again under the lock (a create that finds the name free needs no lock). */
        if (flock(c->dirfd, LOCK_EX) < 0)
                return nook_err_sys(err, "network claim %s: lock", name);
        claim_owner(c->dirfd, name, owner, len);
        r = 0;
        if (!is_mine(c, owner) && is_stale(c, owner)) {
                unlinkat(c->dirfd, name, 0);
                r = create_claim(c, name, err);
                owner[0] = '\0';
                if (r == 1)
                        claim_owner(c->dirfd, name, owner, len);
        }
        flock(c->dirfd, LOCK_UN);
        return r < 0 ? -1 : 0;
}

/* A live container (other than us) using gateway directory `name`, into owner. */
static bool gateway_user(const struct claimer *c, const char *name, char *owner, size_t len)
{
        _cleanup_closedir_ DIR *d = NULL;
        int fd = openat(c->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;

        if (fd < 0)
                return false;
        d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return false;
        }
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.' || is_mine(c, de->d_name))
                        continue;
                if (!c->owner_exists(de->d_name, c->data)) {
                        unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                snprintf(owner, len, "%s", de->d_name);
                return true;
        }
        return false;
}

/* Adds us to the users of gateway directory `name`. */
static int use_gateway(const struct claimer *c, const char *name, struct nook_err *err)
{
        /* An unclaim may remove the directory between our mkdir and our open: again. */
        for (int attempt = 0; attempt < 3; attempt++) {
                _cleanup_close_ int dfd = -1, fd = -1;

                if (mkdirat(c->dirfd, name, 0700) < 0 && errno != EEXIST)
                        return nook_err_sys(err, "network claim %s", name);
                dfd = openat(c->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0 && errno == ENOENT)
                        continue;
                if (dfd < 0)
                        return nook_err_sys(err, "network claim %s", name);
                fd = openat(dfd, c->cfg->id, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                if (fd >= 0)
                        return 0;
                if (errno != ENOENT)
                        return nook_err_sys(err, "network claim %s/%s", name, c->cfg->id);
        }
        return nook_err_set(err, EBUSY, "network claim %s: removed while being used", name);
}

static int claim_iface(const struct claimer *c, const struct net_iface *f, struct nook_err *err)
{
        char name[CLAIM_NAME_MAX], owner[NAME_MAX + 1], text[64];
        const struct net_addr *gws[2];
        size_t n_gws;

        snprintf(name, sizeof(name), "host:%s", f->host);
        if (take(c, name, owner, sizeof(owner), err) < 0)
                return -1;
        if (owner[0] && !is_mine(c, owner))
                return nook_err_set(err, 0,
                                    "annotation %s: host=%s: host-side interface %s already "
                                    "exists",
                                    f->annotation, f->host, f->host);
        for (size_t k = 0; k < f->n_addrs; k++) {
                const struct net_addr *a = &f->addrs[k];

                net_addr_format(a, true, text, sizeof(text));
                addr_claim_name(f, a, "ip", name, sizeof(name));
                if (take(c, name, owner, sizeof(owner), err) < 0)
                        return -1;
                if (owner[0] && !is_mine(c, owner))
                        return nook_err_set(err, 0,
                                            "annotation %s: ip=%s: address already used by "
                                            "container %s (%s%s)",
                                            f->annotation, text, owner,
                                            f->mode == NET_MODE_ROUTED ? "" : "on bridge ",
                                            scope_of(f));
                if (f->mode != NET_MODE_BRIDGE)
                        continue;
                addr_claim_name(f, a, "gw", name, sizeof(name));
                if (gateway_user(c, name, owner, sizeof(owner)))
                        return nook_err_set(err, 0,
                                            "annotation %s: ip=%s: the gateway of container %s "
                                            "on bridge %s",
                                            f->annotation, text, owner, f->bridge);
        }
        n_gws = bridge_gateways(f, gws);
        for (size_t k = 0; k < n_gws; k++) {
                addr_claim_name(f, gws[k], "gw", name, sizeof(name));
                if (use_gateway(c, name, err) < 0)
                        return -1;
                /* After our mark, so that of two racing creates one sees the other. */
                addr_claim_name(f, gws[k], "ip", name, sizeof(name));
                claim_owner(c->dirfd, name, owner, sizeof(owner));
                if (owner[0] && !is_mine(c, owner) && !is_stale(c, owner)) {
                        net_addr_format(gws[k], false, text, sizeof(text));
                        return nook_err_set(err, 0,
                                            "annotation %s: gw=%s: the address of container %s "
                                            "on bridge %s",
                                            f->annotation, text, owner, f->bridge);
                }
        }
        for (size_t k = 0; k < f->n_publish; k++) {
                const struct net_publish *p = &f->publish[k];

                snprintf(name, sizeof(name), "port:%s:%u", net_proto_name(p->proto), p->host_port);
                if (take(c, name, owner, sizeof(owner), err) < 0)
                        return -1;
                if (owner[0] && !is_mine(c, owner))
                        return nook_err_set(err, 0,
                                            "annotation %s: publish=%s:%u:%u: %s port %u is "
                                            "already published by container %s",
                                            f->annotation, net_proto_name(p->proto), p->host_port,
                                            p->ct_port, net_proto_name(p->proto), p->host_port,
                                            owner);
        }
        return 0;
}

int net_claim(const struct net_config *cfg, int dirfd,
              bool (*owner_exists)(const char *id, void *data), void *data, struct nook_err *err)
{
        struct claimer c = {.dirfd = dirfd, .cfg = cfg, .owner_exists = owner_exists, .data = data};

        if (cfg == NULL)
                return 0;
        for (size_t i = 0; i < cfg->n_ifaces; i++)
                if (claim_iface(&c, &cfg->ifaces[i], err) < 0) {
                        net_unclaim(cfg, dirfd);
                        return -1;
                }
        return 0;
}

/* Removes claim `name` if it is ours. */
static void drop(int dirfd, const struct net_config *cfg, const char *name)
{
        char owner[NAME_MAX + 1];

        claim_owner(dirfd, name, owner, sizeof(owner));
        if (strcmp(owner, cfg->id) == 0)
                unlinkat(dirfd, name, 0);
}

static void drop_gateway(int dirfd, const struct net_config *cfg, const char *name)
{
        _cleanup_close_ int dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
                return;
        unlinkat(dfd, cfg->id, 0);
        /* Fails while other containers use the gateway, as it should. */
        unlinkat(dirfd, name, AT_REMOVEDIR);
}

void net_unclaim(const struct net_config *cfg, int dirfd)
{
        char name[CLAIM_NAME_MAX];
        const struct net_addr *gws[2];
        size_t n_gws;

        if (cfg == NULL)
                return;
        for (size_t i = 0; i < cfg->n_ifaces; i++) {
                const struct net_iface *f = &cfg->ifaces[i];

                snprintf(name, sizeof(name), "host:%s", f->host);
                drop(dirfd, cfg, name);
                for (size_t k = 0; k < f->n_addrs; k++) {
                        addr_claim_name(f, &f->addrs[k], "ip", name, sizeof(name));
                        drop(dirfd, cfg, name);
                }
                n_gws = bridge_gateways(f, gws);
                for (size_t k = 0; k < n_gws; k++) {
                        addr_claim_name(f, gws[k], "gw", name, sizeof(name));
                        drop_gateway(dirfd, cfg, name);
                }
                for (size_t k = 0; k < f->n_publish; k++) {
                        port_claim_name(&f->publish[k], name, sizeof(name));
                        drop(dirfd, cfg, name);
                }
        }
}
