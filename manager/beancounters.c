#include "manager/beancounters.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/diskusage.h"
#include "manager/quota.h"

const char *const bc_names[BC_COUNT] = {
    [BC_RAM] = "ram",
    [BC_SWAP] = "swap",
    [BC_KMEM] = "kmem",
    [BC_OOM] = "oom",
    [BC_NUMPROC] = "numproc",
    [BC_NUMFILE] = "numfile",
    [BC_CPU] = "cpu",
    [BC_IO_READ] = "io_read",
    [BC_IO_WRITE] = "io_write",
    [BC_IO_READOPS] = "io_readops",
    [BC_IO_WRITEOPS] = "io_writeops",
    [BC_IO_WAIT] = "io_wait",
    [BC_DISK] = "diskspace",
    [BC_DISKINODES] = "diskinodes",
};

const char *const bc_column_names[BC_COLUMNS] = {"held", "maxheld", "limit", "failcnt"};

static void put(struct bc_value *out, enum bc_column c, uint64_t v)
{
        out->v[c] = v;
        out->has[c] = true;
}

/* A number from a running container's cgroup file, into column c; "max" is no limit. */
static void from_cgroup(const struct list_row *row, const char *file, const char *key,
                        struct bc_value *out, enum bc_column c)
{
        uint64_t v;

        if (row->running && row->cgroup && cgroup_read_u64(row->cgroup, file, key, &v, NULL) == 0)
                put(out, c, v);
}

/* A limit of the settings (0: none), unless the running cgroup said already. */
static void limit_of(uint64_t setting, struct bc_value *out)
{
        if (!out->has[BC_LIMIT] && setting)
                put(out, BC_LIMIT, setting);
}

/* Sums of the keys of io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N wios=N ...") over
 * every device. */
static bool io_stat(const struct list_row *row, const char *key, uint64_t *out)
{
        _cleanup_free_ char *text = NULL;
        size_t klen = strlen(key);

        if (!row->running || !row->cgroup || cgroup_read(row->cgroup, "io.stat", &text, NULL) < 0)
                return false;
        *out = 0;
        for (char *p = text; (p = strstr(p, key)) != NULL; p += klen)
                if ((p == text || p[-1] == ' ') && p[klen] == '=')
                        *out += strtoull(p + klen + 1, NULL, 10);
        return true;
}

/* "full avg10=0.00 avg60=0.00 avg300=0.00 total=N" of io.pressure. */
static bool io_wait(const struct list_row *row, uint64_t *out)
{
        _cleanup_free_ char *text = NULL;
        const char *full, *total;

        if (!row->running || !row->cgroup ||
            cgroup_read(row->cgroup, "io.pressure", &text, NULL) < 0 ||
            (full = strstr(text, "full ")) == NULL || (total = strstr(full, "total=")) == NULL)
                return false;
        *out = strtoull(total + 6, NULL, 10);
        return true;
}

static uint64_t count_fds(const char *pid)
{
        _cleanup_free_ char *path = xasprintf("/proc/%s/fd", pid);
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *e;
        uint64_t n = 0;

        while (d && (e = readdir(d)) != NULL)
                n += e->d_name[0] != '.';
        return n;
}

uint64_t bc_procs(int dirfd, uint64_t *files)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *e;
        uint64_t n = 0;
        int fd;

        if (read_file_at(dirfd, "cgroup.procs", &text, NULL, 0, NULL) == 0)
                for (char *p = text, *nl; *p; p = nl + 1) {
                        nl = strchr(p, '\n');
                        if (nl == NULL)
                                break;
                        *nl = '\0';
                        n++;
                        if (files)
                                *files += count_fds(p);
                }
        fd = dup(dirfd);
        if (fd < 0 || (d = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return n;
        }
        while ((e = readdir(d)) != NULL) {
                if (e->d_type != DT_DIR || e->d_name[0] == '.')
                        continue;
                _cleanup_close_ int sub =
                    openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub >= 0)
                        n += bc_procs(sub, files);
        }
        return n;
}

bool bc_tasks(const struct list_row *row, uint64_t *procs, uint64_t *files)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -1;

        if (!row->running || row->cgroup == NULL || cgroup_directory(row->cgroup, &dir, NULL) < 0 ||
            (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return false;
        if (files)
                *files = 0;
        *procs = bc_procs(fd, files);
        return true;
}

/* A counter of cgroup v2's usual four files: PREFIX.current, .peak, .max, and the
 * times .max was hit (PREFIX.events max); setting is the limit of the settings. */
static void counter(const struct list_row *row, const char *prefix, uint64_t setting,
                    struct bc_value *out)
{
        static const char *const files[BC_COLUMNS] = {"current", "peak", "max", "events"};

        for (int c = 0; c < BC_COLUMNS; c++) {
                _cleanup_free_ char *file = xasprintf("%s.%s", prefix, files[c]);
                from_cgroup(row, file, c == BC_FAILCNT ? "max" : NULL, out, c);
        }
        limit_of(setting, out);
}

/* The memory of the kernel on the container's behalf: memory.stat's "kernel" where the
 * kernel sums it (5.18 and later), else its main parts. */
static bool kernel_memory(const struct list_row *row, uint64_t *out)
{
        static const char *const parts[] = {"slab", "kernel_stack", "pagetables", "sock"};
        uint64_t v;

        if (!row->running || !row->cgroup)
                return false;
        if (cgroup_read_u64(row->cgroup, "memory.stat", "kernel", out, NULL) == 0)
                return true;
        *out = 0;
        for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
                if (cgroup_read_u64(row->cgroup, "memory.stat", parts[i], &v, NULL) == 0)
                        *out += v;
        return true;
}

void bc_read(const struct nook_home *h, const struct list_row *row, enum bc_resource res,
             struct bc_value *out)
{
        const struct ct_settings *s = &row->e->s;
        uint64_t v = 0;

        *out = (struct bc_value){0};
        switch (res) {
        case BC_RAM:
                counter(row, "memory", s->ram, out);
                break;
        case BC_SWAP:
                counter(row, "memory.swap", s->swap, out);
                break;
        case BC_KMEM:
                if (kernel_memory(row, &v))
                        put(out, BC_HELD, v);
                break;
        case BC_OOM:
                from_cgroup(row, "memory.events", "oom_kill", out, BC_FAILCNT);
                break;
        case BC_NUMPROC:
                counter(row, "pids", s->numproc, out);
                break;
        case BC_NUMFILE: {
                uint64_t procs;

                if (bc_tasks(row, &procs, &v))
                        put(out, BC_HELD, v);
                break;
        }
        case BC_CPU:
                from_cgroup(row, "cpu.stat", "usage_usec", out, BC_HELD);
                from_cgroup(row, "cpu.stat", "nr_throttled", out, BC_FAILCNT);
                break;
        case BC_IO_READ:
        case BC_IO_WRITE:
        case BC_IO_READOPS:
        case BC_IO_WRITEOPS: {
                static const char *const keys[] = {"rbytes", "wbytes", "rios", "wios"};
                bool bytes = res == BC_IO_READ || res == BC_IO_WRITE;

                if (io_stat(row, keys[res - BC_IO_READ], &v))
                        put(out, BC_HELD, v);
                limit_of(bytes ? s->iolimit : s->iopslimit, out);
                break;
        }
        case BC_IO_WAIT:
                if (io_wait(row, &v))
                        put(out, BC_HELD, v);
                break;
        case BC_DISK:
        case BC_DISKINODES: {
                _cleanup_free_ char *priv = home_ct_path(h, row->e->ctid, "private");
                uint64_t inodes = 0;
                bool quota = s->projid && quota_usage(priv, s->projid, &v, &inodes, NULL) == 0;

                if (res == BC_DISK) {
                        put(out, BC_HELD, quota ? v : disk_usage(priv));
                        if (s->disk.space_hard)
                                put(out, BC_LIMIT, s->disk.space_hard);
                } else if (quota) {
                        put(out, BC_HELD, inodes);
                        if (s->disk.inodes_hard)
                                put(out, BC_LIMIT, s->disk.inodes_hard);
                }
                break;
        }
        default:
                break;
        }
}
