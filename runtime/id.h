/* Container ids: what a caller may name a container.  An id becomes a directory under
 * --root, so it must never traverse: no '/', not "." or "..", no leading dot, at most
 * 1024 bytes, printable characters only. */
#ifndef NOOK_RUNTIME_ID_H
#define NOOK_RUNTIME_ID_H

#include "common/error.h"

#define CONTAINER_ID_MAX 1024

int container_id_validate(const char *id, struct nook_err *err);

#endif
