/* Shared by the parsers of config.json's parts (runtime/config*.c), not by anyone else. */
#ifndef NOOK_RUNTIME_CONFIG_INTERNAL_H
#define NOOK_RUNTIME_CONFIG_INTERNAL_H

#include "common/error.h"

/* Records "<path>.<key>: <message>" (or "<path>: <message>" when key is NULL) and
 * returns -1: the one shape of every config error, which names the JSON path. */
int config_field_error(struct nook_err *err, const char *path, const char *key, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

#endif
