/* Shared by the parsers of config.json's parts (runtime/config*.c), not by anyone else. */
#ifndef NOOK_RUNTIME_CONFIG_INTERNAL_H
#define NOOK_RUNTIME_CONFIG_INTERNAL_H

#include <stddef.h>

#include "common/error.h"
#include "common/json.h"

/* Records "<path>.<key>: <message>" (or "<path>: <message>" when key is NULL) and
 * returns -1: the one shape of every config error, which names the JSON path. */
int config_field_error(struct nook_err *err, const char *path, const char *key, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* obj.key as an array of objects, each parsed by `parse` into an element of `size`
 * bytes; 0 when absent, 1 when parsed.  The array and its length are stored before the
 * elements are parsed, so on failure the caller's free function releases them too. */
typedef int (*config_item_parser)(json_val v, const char *path, void *item, struct nook_err *err);
int config_parse_list(json_val obj, const char *path, const char *key, config_item_parser parse,
                      size_t size, void **items, size_t *n, struct nook_err *err);
#define CONFIG_PARSE_LIST(obj, path, key, parse, items, n, err)                                    \
        config_parse_list(obj, path, key, parse, sizeof(*(items)), (void **)&(items), &(n), err)

#endif
