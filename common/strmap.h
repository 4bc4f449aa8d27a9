/* A hash map from strings to pointers, for lookups that a fleet of ten thousand makes
 * too often to scan a list each time (which container uses an address or a name).
 * Open addressing; the map copies its keys; values are the caller's. */
#ifndef NOOK_COMMON_STRMAP_H
#define NOOK_COMMON_STRMAP_H

#include <stddef.h>

struct strmap {
        struct strmap_slot *slots;
        size_t cap;  /* a power of two, or 0 */
        size_t used; /* live keys and tombstones */
        size_t n;    /* live keys */
};

/* Sets key to value (replacing an old value). */
void strmap_put(struct strmap *m, const char *key, void *value);
/* The value of key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Removes key when it maps to value (or to anything, value NULL). */
void strmap_del(struct strmap *m, const char *key, const void *value);
void strmap_free(struct strmap *m);

#endif
