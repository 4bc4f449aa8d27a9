#include "manager/ctlist.h"
#include "manager/suspend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"
#include "manager/beancounters.h"
#include "manager/diskusage.h"

enum {
        F_CTID,
        F_NPROC,
        F_STATUS,
        F_IP,
        F_HOSTNAME,
        F_NAME,
        F_OSTEMPLATE,
        F_ONBOOT,
        F_DESCRIPTION,
        F_RAM,
        F_SWAP,
        F_RAM_USAGE,
        F_SWAP_USAGE,
        F_CPU_USAGE,
        F_CPULIMIT,
        F_CPUUNITS,
        F_NUMPROC,
        F_DISK,
        F_UPTIME,
        F_MOUNTED,
        F_PID,
        F_CPUMASK,
        F_NODEMASK,
        F_IOLIMIT,
        F_IOPSLIMIT,
        F_IOPRIO,
        F_BC, /* the beancounter fields of bc_fields, in their order */
};

/* list -o's names of beancounters (nookctl stats): a resource's column. */
static const struct {
        enum bc_resource res;
        enum bc_column col;
} bc_fields[] = {
    {BC_RAM, BC_MAXHELD},      {BC_RAM, BC_FAILCNT},   {BC_SWAP, BC_FAILCNT},
    {BC_OOM, BC_FAILCNT},      {BC_KMEM, BC_HELD},     {BC_NUMPROC, BC_MAXHELD},
    {BC_NUMPROC, BC_FAILCNT},  {BC_NUMFILE, BC_HELD},  {BC_CPU, BC_FAILCNT},
    {BC_IO_READ, BC_HELD},     {BC_IO_WRITE, BC_HELD}, {BC_IO_READOPS, BC_HELD},
    {BC_IO_WRITEOPS, BC_HELD}, {BC_IO_WAIT, BC_HELD},  {BC_DISK, BC_HELD},
    {BC_DISKINODES, BC_HELD},
};

const struct list_field list_fields[] = {
    [F_CTID] = {"ctid", "CTID", false},
    [F_NPROC] = {"numproc_usage", "NPROC", true},
    [F_STATUS] = {"status", "STATUS", false},
    [F_IP] = {"ip", "IP_ADDR", false},
    [F_HOSTNAME] = {"hostname", "HOSTNAME", false},
    [F_NAME] = {"name", "NAME", false},
    [F_OSTEMPLATE] = {"ostemplate", "OSTEMPLATE", false},
    [F_ONBOOT] = {"onboot", "ONBOOT", false},
    [F_DESCRIPTION] = {"description", "DESCRIPTION", false},
    [F_RAM] = {"ram", "RAM", true},
    [F_SWAP] = {"swap", "SWAP", true},
    [F_RAM_USAGE] = {"ram_usage", "RAM_USAGE", true},
    [F_SWAP_USAGE] = {"swap_usage", "SWAP_USAGE", true},
    [F_CPU_USAGE] = {"cpu_usage", "CPU_USEC", true},
    [F_CPULIMIT] = {"cpulimit", "CPULIM", true},
    [F_CPUUNITS] = {"cpuunits", "CPUUNITS", true},
    [F_NUMPROC] = {"numproc", "NUMPROC", true},
    [F_DISK] = {"disk", "DISK_USED", true},
    [F_UPTIME] = {"uptime", "UPTIME", true},
    [F_MOUNTED] = {"mounted", "MOUNTED", false},
    [F_PID] = {"pid", "PID", true},
    [F_CPUMASK] = {"cpumask", "CPUMASK", false},
    [F_NODEMASK] = {"nodemask", "NODEMASK", false},
    [F_IOLIMIT] = {"iolimit", "IOLIMIT", true},
    [F_IOPSLIMIT] = {"iopslimit", "IOPSLIMIT", true},
    [F_IOPRIO] = {"ioprio", "IOPRIO", true},
    [F_BC] = {"ram_peak", "RAM_PEAK", true},
    {"ram_failcnt", "RAM_FAILCNT", true},
    {"swap_failcnt", "SWAP_FAILCNT", true},
    {"oom_kills", "OOM_KILLS", true},
    {"kmem_usage", "KMEM", true},
    {"numproc_peak", "NPROC_PEAK", true},
    {"numproc_failcnt", "NPROC_FAILCNT", true},
    {"numfile_usage", "NUMFILE", true},
    {"cpu_throttled", "CPU_THROTTLED", true},
    {"io_read", "IO_READ", true},
    {"io_write", "IO_WRITE", true},
    {"io_readops", "IO_READOPS", true},
    {"io_writeops", "IO_WRITEOPS", true},
    {"io_wait", "IO_WAIT_USEC", true},
    {"diskspace_usage", "DISKSPACE_USED", true},
    {"diskinodes_usage", "DISKINODES_USED", true},
    {"diskspace", "DISKSPACE", true},
    {"diskinodes", "DISKINODES", true},
};
const size_t list_n_fields = sizeof(list_fields) / sizeof(list_fields[0]);

int list_field_find(const char *name)
{
        for (size_t i = 0; i < list_n_fields; i++)
                if (strcmp(list_fields[i].name, name) == 0)
                        return (int)i;
        /* vzlist's spelling of the default columns. */
        if (strcmp(name, "nproc") == 0)
                return F_NPROC;
        if (strcmp(name, "ip_addr") == 0)
                return F_IP;
        return -1;
}

static int info_cmp(const void *key, const void *b)
{
        return strcmp(key, ((const struct container_info *)b)->state->id);
}

int list_rows(const struct nook_home *h, const struct registry *r, struct list_row **rows,
              size_t *n, struct nook_err *err)
{
        struct container_info *info = NULL;
        size_t n_info = 0;

        if (container_list(&h->rt, &info, &n_info, err) < 0)
                return -1;
        *rows = xcalloc(r->n ? r->n : 1, sizeof(**rows));
        for (size_t i = 0; i < r->n; i++) {
                struct list_row *row = &(*rows)[i];
                struct container_info *ci =
                    n_info ? bsearch(r->v[i].ctid, info, n_info, sizeof(*info), info_cmp) : NULL;

                row->e = &r->v[i];
                row->suspended = home_ct_suspended(h, r->v[i].ctid);
                if (ci && (ci->status == CONTAINER_RUNNING || ci->status == CONTAINER_PAUSED ||
                           ci->status == CONTAINER_CREATED)) {
                        row->running = true;
                        row->pid = ci->state->pid;
                        row->cgroup =
                            ci->state->cgroup_path ? xstrdup(ci->state->cgroup_path) : NULL;
                }
                /* vzctl's sense: a running container is mounted (in its own namespace). */
                row->mounted = row->running;
                if (!row->running) {
                        _cleanup_free_ char *root = home_ct_path(h, r->v[i].ctid, "rootfs");
                        row->mounted = rootfs_is_mount_point(root);
                }
        }
        *n = r->n;
        container_list_free(info, n_info);
        return 0;
}

void list_rows_free(struct list_row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(rows[i].cgroup);
        free(rows);
}

/* A number from a running container's cgroup file (see cgroup_read_u64). */
static bool cgroup_number(const struct list_row *row, const char *file, const char *key,
                          uint64_t *out)
{
        return row->running && row->cgroup &&
               cgroup_read_u64(row->cgroup, file, key, out, NULL) == 0;
}

static bool uptime_of(pid_t pid, uint64_t *out)
{
        _cleanup_free_ char *text = NULL;
        uint64_t start;
        double up;

        if (proc_start_time(pid, &start) < 0 ||
            read_file("/proc/uptime", &text, NULL, 0, NULL) < 0 || sscanf(text, "%lf", &up) != 1)
                return false;
        double since = up - (double)start / (double)sysconf(_SC_CLK_TCK);
        *out = since > 0 ? (uint64_t)since : 0;
        return true;
}

static char *join_ips(char **ips)
{
        char *r = NULL;

        for (size_t i = 0; ips && ips[i]; i++) {
                char a[64];
                char *n = xasprintf("%s%s%s", r ? r : "", r ? " " : "", ct_ip_addr(ips[i], a));
                free(r);
                r = n;
        }
        return r ? r : xstrdup("-");
}

static char *number(uint64_t v, bool ok, uint64_t *num, bool *has_num)
{
        *has_num = ok;
        *num = ok ? v : 0;
        return ok ? xasprintf("%" PRIu64, v) : xstrdup("-");
}

static char *text_or_dash(const char *s)
{
        return xstrdup(s && s[0] ? s : "-");
}

char *list_value(const struct nook_home *h, const struct list_row *row, int f, uint64_t *num,
                 bool *has_num)
{
        const struct ct_settings *s = &row->e->s;
        uint64_t v = 0;

        *has_num = false;
        *num = 0;
        switch (f) {
        case F_CTID:
                return xstrdup(row->e->ctid);
        case F_NPROC:
                return number(v, bc_tasks(row, &v, NULL), num, has_num);
        case F_STATUS:
                return xstrdup(!row->e->complete ? "broken"
                               : row->running    ? "running"
                               : row->suspended  ? "suspended"
                                                 : "stopped");
        case F_IP:
                return join_ips(s->ips);
        case F_HOSTNAME:
                return text_or_dash(s->hostname);
        case F_NAME:
                return text_or_dash(s->name);
        case F_OSTEMPLATE:
                return text_or_dash(s->ostemplate);
        case F_ONBOOT:
                return xstrdup(s->onboot ? "yes" : "no");
        case F_DESCRIPTION:
                return text_or_dash(s->description);
        case F_RAM:
                return number(s->ram, s->ram != 0, num, has_num);
        case F_SWAP:
                return number(s->swap, s->ram != 0, num, has_num);
        case F_RAM_USAGE:
                return number(v, cgroup_number(row, "memory.current", NULL, &v), num, has_num);
        case F_SWAP_USAGE:
                return number(v, cgroup_number(row, "memory.swap.current", NULL, &v), num, has_num);
        case F_CPU_USAGE:
                return number(v, cgroup_number(row, "cpu.stat", "usage_usec", &v), num, has_num);
        case F_CPULIMIT:
                return number(s->cpulimit, s->cpulimit != 0, num, has_num);
        case F_CPUUNITS:
                return number(s->cpuunits, s->cpuunits != 0, num, has_num);
        case F_NUMPROC:
                return number(s->numproc, s->numproc != 0, num, has_num);
        case F_DISK: {
                _cleanup_free_ char *priv = home_ct_path(h, row->e->ctid, "private");
                return number(disk_usage(priv), true, num, has_num);
        }
        case F_UPTIME:
                return number(v, row->running && uptime_of(row->pid, &v), num, has_num);
        case F_MOUNTED:
                return xstrdup(row->mounted ? "yes" : "no");
        case F_PID:
                return number((uint64_t)row->pid, row->running, num, has_num);
        case F_CPUMASK:
                return xstrdup(s->cpumask ? s->cpumask : "all");
        case F_NODEMASK:
                return xstrdup(s->nodemask ? s->nodemask : "all");
        case F_IOLIMIT:
                return number(s->iolimit, s->iolimit != 0, num, has_num);
        case F_IOPSLIMIT:
                return number(s->iopslimit, s->iopslimit != 0, num, has_num);
        case F_IOPRIO: {
                int p = s->ioweight ? ct_ioprio_of(s->ioweight) : 4;
                return number((uint64_t)p, p >= 0, num, has_num);
        }
        default:
                break;
        }
        /* The quotas: the hard limits, as vzlist's diskspace columns. */
        if (f == F_BC + (int)ARRAY_SIZE(bc_fields))
                return number(s->disk.space_hard, s->disk.space_hard != 0, num, has_num);
        if (f == F_BC + (int)ARRAY_SIZE(bc_fields) + 1)
                return number(s->disk.inodes_hard, s->disk.inodes_hard != 0, num, has_num);
        if (f >= F_BC && (size_t)(f - F_BC) < ARRAY_SIZE(bc_fields)) {
                struct bc_value b;
                enum bc_column c = bc_fields[f - F_BC].col;

                bc_read(h, row, bc_fields[f - F_BC].res, &b);
                return number(b.v[c], b.has[c], num, has_num);
        }
        return xstrdup("-");
}
