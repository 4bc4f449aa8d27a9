/* Every container of a home, read once per command: the CTIDs under
 * <home>/containers/ and each one's settings from its config.json.  Names, addresses
 * and template users are derived from it, not stored twice.  A directory without a
 * config.json is a create that was killed midway; it is listed (so destroy can clean
 * it) but owns nothing. */
#ifndef NOOK_MANAGER_REGISTRY_H
#define NOOK_MANAGER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strmap.h"
#include "manager/ctconf.h"
#include "manager/home.h"

struct ct_entry {
        char *ctid;
        bool complete; /* has a config.json that parsed */
        struct ct_settings s;
};

struct registry {
        struct ct_entry *v; /* sorted: numbers by value first, then names */
        size_t n;
        /* address (without prefix) -> CTID and --name -> CTID, so that a fleet's
         * thousandth check costs what its first did */
        struct strmap by_ip, by_name;
        /* subnet -> how far `--ipadd auto` has looked in it already */
        struct strmap auto_next;
};

int registry_load(const struct nook_home *h, struct registry *r, struct nook_err *err);
/* Only the CTIDs, none of their settings (every entry incomplete, no name or address
 * known): enough to resolve a list of CTIDs without reading every config.json, which
 * costs 0.25 ms a container (a quarter of a second in each command at 1000). */
int registry_load_ctids(const struct nook_home *h, struct registry *r, struct nook_err *err);
void registry_free(struct registry *r);
#define _cleanup_registry_ __attribute__((cleanup(registry_free)))

struct ct_entry *registry_get(const struct registry *r, const char *ctid);
/* By CTID, else by --name alias; NULL when neither. */
struct ct_entry *registry_lookup(const struct registry *r, const char *ctid_or_name);

/* The CTIDs a command-line list names (ranges, lists, --name aliases), each an
 * existing container: "container X does not exist" otherwise. */
int registry_targets(const struct registry *r, const char *spec, char ***out, struct nook_err *err);

/* Adds an entry (a container being created) and returns it; s is moved in. */
struct ct_entry *registry_add(struct registry *r, const char *ctid, struct ct_settings *s);
/* Gives entry e the addresses and name of s (a `set` of the batch), so that later
 * checks see them. */
void registry_update(struct registry *r, struct ct_entry *e, const struct ct_settings *s);

/* The container other than `self` that uses address ip (normalized) or name, or NULL. */
const struct ct_entry *registry_ip_user(const struct registry *r, const char *ip, const char *self);
const struct ct_entry *registry_name_user(const struct registry *r, const char *name,
                                          const char *self);
/* Refuses settings s of container ctid whose name or an address another container of
 * r has (or that list an address twice): "address 10.0.0.5 is used by container 101". */
int registry_check_unique(const struct registry *r, const char *ctid, const struct ct_settings *s,
                          struct nook_err *err);
size_t registry_template_users(const struct registry *r, const char *tmpl);

/* The lowest free address of subnet ("10.5.0.0/16", normalized) after its first host
 * (the gateway), for `--ipadd auto`: free of every container of r and of the addresses
 * `also` (the container's own, NULL-terminated).  *out is "ADDR/PREFIX", with the
 * subnet's prefix, or /32 (/128) when routed.  "no free address in SUBNET" when full. */
int registry_free_ip(struct registry *r, const char *subnet, bool routed, char *const *also,
                     char **out, struct nook_err *err);

/* CTID order: numbers by value, before names, names alphabetically. */
int ctid_cmp(const char *a, const char *b);

#endif
