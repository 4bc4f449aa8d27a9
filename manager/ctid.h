/* Container ids of nookctl (CTIDs): numbers as in vzctl (101) or names matching
 * [A-Za-z0-9][A-Za-z0-9_.-]{0,63}; on the command line a list of them and of numeric
 * ranges: "101-160", "101,105,110-120", "web,db".  Option values may hold {ID} (the
 * CTID) and {N} (its index in the list, from 1), expanded per container. */
#ifndef NOOK_MANAGER_CTID_H
#define NOOK_MANAGER_CTID_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define CTID_MAX_LEN  64
#define CTID_MAX_LIST 10000

bool ctid_valid(const char *s);

/* The CTIDs of spec, in order, without duplicates; at most CTID_MAX_LIST of them.
 * Errors: "CTID list 1-20000: more than 10000 containers". */
int ctid_parse_list(const char *spec, char ***out, struct nook_err *err);

/* value with every {ID} replaced by ctid and every {N} by index (newly allocated). */
char *ctid_expand(const char *value, const char *ctid, size_t index);

#endif
