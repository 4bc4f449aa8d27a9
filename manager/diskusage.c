#include "manager/diskusage.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/util.h"

/* nftw has no context argument; one walk runs at a time per process. */
static __thread uint64_t du_total;
static __thread struct du_seen {
        dev_t dev;
        ino_t ino;
} * du_seen;
static __thread size_t du_n_seen, du_cap_seen;

static int du_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)path, (void)type, (void)ftw;
        if (st->st_nlink > 1 && !S_ISDIR(st->st_mode)) {
                for (size_t i = 0; i < du_n_seen; i++)
                        if (du_seen[i].dev == st->st_dev && du_seen[i].ino == st->st_ino)
                                return 0;
                if (du_n_seen == du_cap_seen) {
                        du_cap_seen = du_cap_seen ? du_cap_seen * 2 : 64;
                        du_seen = xrealloc(du_seen, du_cap_seen * sizeof(*du_seen));
                }
                du_seen[du_n_seen++] = (struct du_seen){st->st_dev, st->st_ino};
        }
        du_total += (uint64_t)st->st_blocks * 512;
        return 0;
}

uint64_t disk_usage(const char *path)
{
        du_total = 0;
        du_n_seen = 0;
        nftw(path, du_visit, 32, FTW_PHYS | FTW_MOUNT);
        free(du_seen);
        du_seen = NULL;
        du_cap_seen = 0;
        return du_total;
}
