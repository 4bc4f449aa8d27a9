/* The fields of `nookctl list` (vzlist): each container's values, read from its
 * settings (the registry), nook's runtime state and the files of its cgroup; disk
 * usage walks the private layer, so it is computed only when asked for. */
#ifndef NOOK_MANAGER_CTLIST_H
#define NOOK_MANAGER_CTLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "manager/home.h"
#include "manager/registry.h"

struct list_field {
        const char *name;   /* for -o and -s */
        const char *header; /* column title */
        bool numeric;       /* sorted by value, right-aligned */
};

extern const struct list_field list_fields[];
extern const size_t list_n_fields;
/* Index of the field called name, or -1. */
int list_field_find(const char *name);

struct list_row {
        const struct ct_entry *e;
        bool running, mounted;
        bool suspended; /* it has a dump (manager/suspend.h) */
        pid_t pid;
        char *cgroup; /* cgroup path of a running container */
};

/* One row per container of the registry; the runtime state is read once for all. */
int list_rows(const struct nook_home *h, const struct registry *r, struct list_row **rows,
              size_t *n, struct nook_err *err);
void list_rows_free(struct list_row *rows, size_t n);

/* Field f of a row as text ("-" when it has no value) and, for numeric fields, as a
 * number (*has_num false when none).  Newly allocated. */
char *list_value(const struct nook_home *h, const struct list_row *row, int f, uint64_t *num,
                 bool *has_num);

#endif
