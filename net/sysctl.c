/* Network sysctls of the namespace nook runs in (/proc/sys/net reflects the caller's). */
#include <fcntl.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

int net_sysctl_ensure(const char *path, const char *value, struct nook_err *err)
{
        _cleanup_free_ char *full = xasprintf("/proc/sys/%s", path);
        _cleanup_free_ char *cur = NULL;
        size_t len, vlen = strlen(value);

        /* Reading is cheap; a write can take the rtnl lock and notify listeners. */
        if (read_file(full, &cur, &len, 64, err) < 0)
                return -1;
        while (len > 0 && (cur[len - 1] == '\n' || cur[len - 1] == ' '))
                cur[--len] = '\0';
        if (len == vlen && memcmp(cur, value, vlen) == 0)
                return 0;
        return write_file_at(AT_FDCWD, full, value, vlen, err);
}
