#include "common/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* A removed key leaves a tombstone so that probes for keys after it go on. */
static char tombstone;

struct strmap_slot {
        char *key; /* NULL: empty; &tombstone: removed */
        void *value;
};

static uint64_t hash(const char *s)
{
        uint64_t h = 14695981039346656037ULL; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

/* The slot holding key, or NULL. */
static struct strmap_slot *find(const struct strmap *m, const char *key)
{
        if (m->cap == 0)
                return NULL;
        for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                struct strmap_slot *s = &m->slots[i];

                if (s->key == NULL)
                        return NULL;
                if (s->key != &tombstone && strcmp(s->key, key) == 0)
                        return s;
        }
}

static void insert(struct strmap *m, char *key, void *value)
{
        size_t i = hash(key) & (m->cap - 1);

        while (m->slots[i].key != NULL && m->slots[i].key != &tombstone)
                i = (i + 1) & (m->cap - 1);
        if (m->slots[i].key == NULL)
                m->used++;
        m->slots[i] = (struct strmap_slot){key, value};
        m->n++;
}

/* Keeps at most half of the slots used, tombstones included. */
static void grow(struct strmap *m)
{
        struct strmap_slot *old = m->slots;
        size_t old_cap = m->cap;

        if ((m->used + 1) * 2 <= m->cap)
                return;
        m->cap = m->cap ? m->cap * 2 : 64;
        while (m->n * 4 < m->cap && m->cap > 64)
                m->cap /= 2; /* mostly tombstones: rehash at the same size or smaller */
        m->slots = xcalloc(m->cap, sizeof(*m->slots));
        m->used = m->n = 0;
        for (size_t i = 0; i < old_cap; i++)
                if (old[i].key && old[i].key != &tombstone)
                        insert(m, old[i].key, old[i].value);
        free(old);
}

void strmap_put(struct strmap *m, const char *key, void *value)
{
        struct strmap_slot *s = find(m, key);

        if (s) {
                s->value = value;
                return;
        }
        grow(m);
        insert(m, xstrdup(key), value);
}

void *strmap_get(const struct strmap *m, const char *key)
{
        struct strmap_slot *s = find(m, key);

        return s ? s->value : NULL;
}

void strmap_del(struct strmap *m, const char *key, const void *value)
{
        struct strmap_slot *s = find(m, key);

        if (s == NULL || (value && s->value != value))
                return;
        free(s->key);
        s->key = &tombstone;
        s->value = NULL;
        m->n--;
}

void strmap_free(struct strmap *m)
{
        for (size_t i = 0; i < m->cap; i++)
                if (m->slots[i].key != &tombstone)
                        free(m->slots[i].key);
        free(m->slots);
        *m = (struct strmap){0};
}
