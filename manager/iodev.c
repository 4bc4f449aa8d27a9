#include "manager/iodev.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

int ct_io_device(const char *path, const char *what, int64_t *major, int64_t *minor,
                 struct nook_err *err)
{
        _cleanup_free_ char *sys = NULL, *part = NULL, *parent = NULL, *dev = NULL;
        unsigned ma, mi;
        struct stat st;

        if (stat(path, &st) < 0)
                return nook_err_sys(err, "%s: stat %s", what, path);
        ma = major(st.st_dev);
        mi = minor(st.st_dev);
        if (ma == 0)
                return nook_err_set(err, 0,
                                    "%s: %s is on a filesystem without a block device of its "
                                    "own (tmpfs, overlayfs, btrfs): the io controller limits "
                                    "disks",
                                    what, path);
        sys = xasprintf("/sys/dev/block/%u:%u", ma, mi);
        part = xasprintf("%s/partition", sys);
        /* A partition's sysfs directory sits in its disk's: the disk's "dev" says. */
        if (access(part, F_OK) == 0) {
                parent = xasprintf("%s/../dev", sys);
                if (read_file(parent, &dev, NULL, 64, err) < 0)
                        return nook_err_prefix(err, "%s: the disk of partition %u:%u", what, ma,
                                               mi);
                if (sscanf(dev, "%u:%u", &ma, &mi) != 2)
                        return nook_err_set(err, 0, "%s: %s: not MAJOR:MINOR", what, parent);
        }
        *major = ma;
        *minor = mi;
        return 0;
}
