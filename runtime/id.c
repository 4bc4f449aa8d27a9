#include "runtime/id.h"

#include <string.h>

int container_id_validate(const char *id, struct nook_err *err)
{
        size_t len = id ? strlen(id) : 0;

        if (len == 0)
                return nook_err_set(err, 0, "container id must not be empty");
        if (len > CONTAINER_ID_MAX)
                return nook_err_set(err, 0, "container id is %zu bytes long (at most %d)", len,
                                    CONTAINER_ID_MAX);
        if (id[0] == '.')
                return nook_err_set(err, 0, "invalid container id '%s': must not start with '.'",
                                    id);
        for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
                if (*p == '/')
                        return nook_err_set(err, 0,
                                            "invalid container id '%s': must not contain '/'", id);
                if (*p < 0x21 || *p == 0x7f)
                        return nook_err_set(err, 0,
                                            "invalid container id: must not contain spaces or "
                                            "control characters");
        }
        return 0;
}
