/* `nookctl set`: the batch checked under the home lock, then per container the
 * changes a running one takes at once (limits through container_update, the host name
 * from inside its UTS namespace, addresses over netlink in its network namespace),
 * the files of its root (/etc, passwords) and, with --save, its config.json. */
#include "manager/set.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ct.h"
#include "manager/passwd.h"
#include "net/net.h"
#include "ns/ns.h"
#include "runtime/container.h"

struct set_job {
        struct ct *c; /* opened under the home lock, locked by its worker */
        struct ct_settings new;
};

struct ct_set {
        const struct ct_edit *e;
        struct set_job *jobs;
        size_t n;
};

static int live_set_hostname(pid_t pid, const char *hostname, struct nook_err *err)
{
        _cleanup_close_ int pidfd = ns_pidfd_open(pid);
        pid_t child;
        int ws;

        if (pidfd < 0)
                return nook_err_sys(err, "set host name: open init %d", (int)pid);
        /* setns(CLONE_NEWUTS) would change this process's name space for good: a child
         * does it. */
        child = fork();
        if (child < 0)
                return nook_err_sys(err, "set host name: fork");
        if (child == 0) {
                if (ns_join_pidfd(pidfd, CLONE_NEWUTS, NULL) < 0)
                        _exit(2);
                _exit(sethostname(hostname, strlen(hostname)) < 0 ? 3 : 0);
        }
        while (waitpid(child, &ws, 0) < 0)
                if (errno != EINTR)
                        return nook_err_sys(err, "set host name: wait");
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
                return nook_err_set(err, 0, "set host name %s in the container: %s", hostname,
                                    WIFEXITED(ws) && WEXITSTATUS(ws) == 2
                                        ? "cannot join its UTS namespace"
                                        : "sethostname failed");
        return 0;
}

static int live_change_addr(pid_t pid, const char *ip, bool add, struct nook_err *err)
{
        _cleanup_close_ int pidfd = ns_pidfd_open(pid);
        _cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)pid);
        _cleanup_close_ int netns = open(path, O_RDONLY | O_CLOEXEC);
        struct net_addr a;

        if (pidfd < 0 || netns < 0)
                return nook_err_sys(err, "open the network namespace of %d", (int)pid);
        /* The pid could have been reused between the two opens: the pidfd says. */
        if (ns_pidfd_send_signal(pidfd, 0) < 0)
                return nook_err_sys(err, "container init %d", (int)pid);
        if (net_addr_parse(ip, &a, err) < 0)
                return -1;
        return net_addr_change(netns, "eth0", &a, add, err);
}

static bool listed(char **v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

/* A list of all of this host's CPUs or memory nodes (sysfs's "online"). */
static char *all_of(const char *file)
{
        char *text = NULL;

        if (read_file(file, &text, NULL, 4096, NULL) < 0)
                return xstrdup("0");
        text[strcspn(text, "\n")] = '\0';
        return text;
}

/* The limits old had and new lifts: a running container's cgroup keeps what is not
 * written over, so they are written as "none". */
static void lift_removed(struct oci_resources *r, const struct ct_settings *old,
                         const struct ct_settings *new)
{
        if (old->cpumask && !new->cpumask)
                r->cpu.cpus = all_of("/sys/devices/system/cpu/online");
        if (old->nodemask && !new->nodemask)
                r->cpu.mems = all_of("/sys/devices/system/node/online");
        if (old->iolimit && !new->iolimit)
                for (int k = OCI_THROTTLE_READ_BPS; k <= OCI_THROTTLE_WRITE_BPS; k++)
                        oci_resources_add_throttle(r, k, old->io_major, old->io_minor, 0);
        if (old->iopslimit && !new->iopslimit)
                for (int k = OCI_THROTTLE_READ_IOPS; k <= OCI_THROTTLE_WRITE_IOPS; k++)
                        oci_resources_add_throttle(r, k, old->io_major, old->io_minor, 0);
        if (old->ioweight && !new->ioweight)
                oci_resources_set_unified(r, "io.weight", "default 100");
}

/* The changes a running container takes at once. */
static int apply_live(const struct ct_set *set, const struct set_job *j, pid_t pid,
                      struct nook_err *err)
{
        const struct ct_edit *e = set->e;
        const struct ct_settings *old = &j->c->s;

        if (ct_edit_limits(e)) {
                _cleanup_resources_ struct oci_resources *r = ct_resources(&j->new);
                lift_removed(r, old, &j->new);
                if (container_update(&j->c->h->rt, j->c->ctid, r, err) < 0)
                        return -1;
        }
        if (e->hostname && live_set_hostname(pid, j->new.hostname, err) < 0)
                return -1;
        for (char **ip = old->ips; ip && *ip; ip++)
                if (!listed(j->new.ips, *ip) && live_change_addr(pid, *ip, false, err) < 0)
                        return -1;
        for (char **ip = j->new.ips; ip &&*ip; ip++)
                if (!listed(old->ips, *ip) && live_change_addr(pid, *ip, true, err) < 0)
                        return -1;
        return 0;
}

/* Files inside the root: /etc/hostname, hosts, resolv.conf, the password. */
static int apply_files(const struct ct_set *set, const struct set_job *j, const char *root,
                       struct nook_err *err)
{
        const struct ct_edit *e = set->e;

        if (ct_edit_etc(e) && ct_sync_etc(j->c, root, &j->new, err) < 0)
                return -1;
        if (e->userpasswd) {
                _cleanup_free_ char *user = NULL, *pass = NULL;
                if (passwd_parse(e->userpasswd, &user, &pass, err) < 0 ||
                    passwd_set(root, user, pass, err) < 0)
                        return nook_err_prefix(err, "container %s", j->c->ctid);
        }
        return 0;
}

int ct_set_one(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct ct_set *set = ctx;
        struct set_job *j = &set->jobs[i];
        const struct ct_edit *e = set->e;
        bool mounted_here = false, running;
        pid_t pid = 0;
        int r = 0;

        (void)ctid;
        if (ct_lock(j->c, err) < 0)
                return -1;
        running = ct_running(j->c, &pid);
        if (!running && !e->save && !e->userpasswd)
                return nook_err_set(err, 0,
                                    "container %s is not running: use --save to change its "
                                    "configuration",
                                    j->c->ctid);
        if (running && apply_live(set, j, pid, err) < 0)
                return -1;
        /* A quota is the filesystem's, running or not: it holds at once. */
        if (ct_edit_disk(e) && ct_disk_quota(j->c->dir, &j->new, true, err) < 0)
                return nook_err_prefix(err, "container %s", j->c->ctid);
        if ((running || e->save) && (ct_edit_etc(e) || e->userpasswd)) {
                /* A running container's root is mounted in its own namespace only, and
                 * reached through its init; a second overlay of the same layers on the
                 * host would be undefined. */
                _cleanup_free_ char *root =
                    running ? xasprintf("/proc/%d/root", (int)pid) : xstrdup(j->c->rootfs);

                if (!running && !j->c->mounted) {
                        if (ct_mount(j->c, err) < 0)
                                return -1;
                        mounted_here = true;
                }
                r = apply_files(set, j, root, err);
                if (mounted_here)
                        ct_umount(j->c, NULL);
        }
        if (r == 0 && e->save)
                r = ct_config_save(j->c, &j->new, err);
        return r;
}

int ct_set_prepare(const struct nook_home *h, struct registry *r, const struct ct_edit *e,
                   char *const *ids, struct ct_set **out, struct nook_err *err)
{
        _cleanup_(ct_set_freep) struct ct_set *set = xcalloc(1, sizeof(*set));

        set->e = e;
        set->n = strv_length(ids);
        set->jobs = xcalloc(set->n ? set->n : 1, sizeof(*set->jobs));
        if (e->userpasswd) {
                _cleanup_free_ char *user = NULL, *pass = NULL;
                if (passwd_parse(e->userpasswd, &user, &pass, err) < 0)
                        return -1;
        }
        for (size_t i = 0; i < set->n; i++) {
                struct set_job *j = &set->jobs[i];
                struct ct_entry *entry = registry_get(r, ids[i]);

                if (ct_open(h, ids[i], 0, &j->c, err) < 0)
                        return -1;
                ct_settings_copy(&j->new, &j->c->s);
                if (ct_edit_apply(h, e, ids[i], i + 1, &j->new, r, err) < 0 ||
                    registry_check_unique(r, ids[i], &j->new, err) < 0)
                        return nook_err_prefix(err, "set %s", ids[i]);
                /* Later containers of the batch see this one's new name and addresses. */
                registry_update(r, entry, &j->new);
        }
        *out = TAKE_PTR(set);
        return 0;
}

void ct_set_free(struct ct_set *set)
{
        for (size_t i = 0; i < set->n; i++) {
                if (set->jobs[i].c)
                        ct_close(set->jobs[i].c);
                ct_settings_free(&set->jobs[i].new);
        }
        free(set->jobs);
        free(set);
}
