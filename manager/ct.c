#include "manager/ct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/registry.h"
#include "manager/template.h"
#include "net/net.h"
#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/container.h"

static const char *const layers[] = {"private", "work", "rootfs"};

/* Whether containers/<ctid>/rootfs is a mount point, from statx's mount-root flag: a
 * look at one path instead of the mount table, which is long with a thousand mounted
 * containers.  Kernels without the flag (before 5.8) get the mount table. */
bool ct_mounted(const struct nook_home *h, const char *ctid)
{
        _cleanup_free_ char *target = home_ct_path(h, ctid, "rootfs");
        _cleanup_fclose_ FILE *f = NULL;
        struct statx stx;
        char line[8192];

        if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS,
                  &stx) < 0)
                return false;
        if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        f = fopen("/proc/self/mountinfo", "re");
        while (f && fgets(line, sizeof(line), f)) {
                char mp[4096];
                /* id parent major:minor root mount-point ... (spaces are escaped) */
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, target) == 0)
                        return true;
        }
        return false;
}

static int runtime_state(const struct nook_home *h, const char *ctid, struct container_state **st,
                         enum container_status *status)
{
        struct nook_err ignored;

        if (state_read(h->rt.root, ctid, st, &ignored) < 0)
                return -1;
        *status = state_status(*st);
        return 0;
}

int ct_status(const struct nook_home *h, const char *ctid, struct ct_status *out)
{
        _cleanup_free_ char *cfg = home_ct_path(h, ctid, "config.json");
        _cleanup_state_ struct container_state *st = NULL;
        enum container_status s;

        *out = (struct ct_status){0};
        out->exists = access(cfg, F_OK) == 0;
        out->mounted = ct_mounted(h, ctid);
        if (runtime_state(h, ctid, &st, &s) == 0 &&
            (s == CONTAINER_RUNNING || s == CONTAINER_PAUSED || s == CONTAINER_CREATED)) {
                out->running = true;
                out->pid = st->pid;
        }
        return 0;
}

int ct_config_save(const struct nook_home *h, const char *ctid, const char *json,
                   struct nook_err *err)
{
        _cleanup_free_ char *path = home_ct_path(h, ctid, "config.json");

        return write_file_atomic(path, json, strlen(json), 0600, err);
}

static int fill_bundle(const struct nook_home *h, const char *ctid, const struct ct_settings *s,
                       struct nook_err *err)
{
        _cleanup_free_ char *json = NULL;

        for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
                _cleanup_free_ char *d = home_ct_path(h, ctid, layers[i]);
                if (mkdir(d, 0755) < 0)
                        return nook_err_sys(err, "mkdir %s", d);
        }
        json = ct_config_json(NULL, ctid, s);
        return ct_config_save(h, ctid, json, err);
}

int ct_create(struct nook_home *h, const char *ctid, const struct ct_settings *s,
              struct nook_err *err)
{
        _cleanup_free_ char *dir = home_ct_dir(h, ctid);
        _cleanup_free_ char *cdir = xasprintf("%s/containers", h->dir);

        if (mkdir(dir, 0700) < 0) {
                if (errno == EEXIST)
                        return nook_err_set(err, 0, "container %s already exists", ctid);
                return nook_err_sys(err, "container %s: mkdir %s", ctid, dir);
        }
        if (fill_bundle(h, ctid, s, err) < 0) {
                _cleanup_close_ int cfd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct nook_err ignored;
                if (cfd >= 0)
                        remove_tree_at(cfd, ctid, &ignored);
                return nook_err_prefix(err, "container %s", ctid);
        }
        return 0;
}

int ct_mount(const struct nook_home *h, const char *ctid, struct nook_err *err)
{
        struct ct_settings s = {0};
        _cleanup_free_ char *lower = NULL, *upper = home_ct_path(h, ctid, "private");
        _cleanup_free_ char *work = home_ct_path(h, ctid, "work");
        _cleanup_free_ char *target = home_ct_path(h, ctid, "rootfs");
        _cleanup_free_ char *opts = NULL;

        if (ct_mounted(h, ctid))
                return 0;
        if (ct_config_load(h, ctid, NULL, &s, err) < 0)
                return -1;
        if (s.ostemplate == NULL || !template_exists(h, s.ostemplate)) {
                nook_err_set(err, 0, "container %s: template %s does not exist", ctid,
                             s.ostemplate ? s.ostemplate : "(none)");
                ct_settings_free(&s);
                return -1;
        }
        lower = home_template_dir(h, s.ostemplate);
        ct_settings_free(&s);
        opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
        if (mount("overlay", target, "overlay", 0, opts) < 0)
                return nook_err_sys(err, "container %s: mount overlay at %s", ctid, target);
        return 0;
}

int ct_umount(const struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_free_ char *target = home_ct_path(h, ctid, "rootfs");

        while (ct_mounted(h, ctid))
                if (umount2(target, 0) < 0)
                        return nook_err_sys(err, "container %s: unmount %s", ctid, target);
        return 0;
}

static char *hosts_text(const char *ctid, const struct ct_settings *s)
{
        const char *hn = s->hostname ? s->hostname : ctid;
        _cleanup_free_ char *short_name = xstrndup(hn, strcspn(hn, "."));
        char *text = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");

        for (char **ip = s->ips; ip && *ip; ip++) {
                char a[64];
                char *n =
                    strcmp(short_name, hn) == 0
                        ? xasprintf("%s%s\t%s\n", text, ct_ip_addr(*ip, a), hn)
                        : xasprintf("%s%s\t%s %s\n", text, ct_ip_addr(*ip, a), hn, short_name);
                free(text);
                text = n;
        }
        if (s->ips == NULL || s->ips[0] == NULL) {
                char *n = xasprintf("%s127.0.1.1\t%s\n", text, hn);
                free(text);
                text = n;
        }
        return text;
}

static char *resolv_text(const struct ct_settings *s)
{
        char *text = xstrdup("");

        for (char **d = s->searchdomains; d && *d; d++) {
                char *n = xasprintf("%s%s%s", text, d == s->searchdomains ? "search " : " ", *d);
                free(text);
                text = n;
        }
        if (s->searchdomains && s->searchdomains[0]) {
                char *n = xasprintf("%s\n", text);
                free(text);
                text = n;
        }
        for (char **ns = s->nameservers; ns && *ns; ns++) {
                char *n = xasprintf("%snameserver %s\n", text, *ns);
                free(text);
                text = n;
        }
        return text;
}

int ct_sync_etc(const struct nook_home *h, const char *ctid, const struct ct_settings *s,
                struct nook_err *err)
{
        _cleanup_free_ char *root = home_ct_path(h, ctid, "rootfs");
        _cleanup_free_ char *hostname = xasprintf("%s\n", s->hostname ? s->hostname : ctid);
        _cleanup_free_ char *hosts = hosts_text(ctid, s);
        _cleanup_free_ char *resolv = resolv_text(s);

        if (rootfs_write_file_in(root, "/etc/hostname", hostname, strlen(hostname), 0644, err) <
                0 ||
            rootfs_write_file_in(root, "/etc/hosts", hosts, strlen(hosts), 0644, err) < 0)
                return nook_err_prefix(err, "container %s", ctid);
        /* Without nameservers the template's resolv.conf stays as it is. */
        if (resolv[0] &&
            rootfs_write_file_in(root, "/etc/resolv.conf", resolv, strlen(resolv), 0644, err) < 0)
                return nook_err_prefix(err, "container %s", ctid);
        return 0;
}

/* Runs container_create with the init's stdio on console.log: no process of nookctl
 * stays to hold a terminal for it. */
static int create_detached(const struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_free_ char *bundle = home_ct_dir(h, ctid);
        _cleanup_free_ char *log = home_ct_path(h, ctid, "console.log");
        _cleanup_close_ int logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int saved[3] = {-1, -1, -1};
        struct create_opts o = {.bundle = bundle};
        struct create_result res;
        int r;

        if (logfd < 0 || null < 0)
                return nook_err_sys(err, "container %s: open %s", ctid, log);
        fflush(stdout);
        fflush(stderr);
        for (int i = 0; i < 3; i++)
                saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
        dup2(null, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        r = container_create(&h->rt, ctid, &o, &res, err);
        for (int i = 0; i < 3; i++) {
                if (saved[i] >= 0) {
                        dup2(saved[i], i);
                        close(saved[i]);
                } else {
                        close(i);
                }
        }
        if (r < 0)
                return -1;
        close(res.pidfd);
        return 0;
}

/* Removes the runtime state of a container that is not running any more. */
static void delete_stale(const struct nook_home *h, const char *ctid)
{
        _cleanup_state_ struct container_state *st = NULL;
        enum container_status s;
        struct nook_err ignored;

        if (runtime_state(h, ctid, &st, &s) == 0)
                container_delete(&h->rt, ctid, true, &ignored);
}

int ct_start(const struct nook_home *h, const char *ctid, struct nook_err *err)
{
        _cleanup_close_ int lock = home_lock_ct(h, ctid, err);
        struct ct_status cs;
        struct ct_settings s = {0};
        bool was_mounted;
        int r;

        if (lock < 0)
                return -1;
        ct_status(h, ctid, &cs);
        if (!cs.exists)
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if (cs.running)
                return nook_err_set(err, 0, "container %s is already running", ctid);
        delete_stale(h, ctid);
        if (ct_config_load(h, ctid, NULL, &s, err) < 0)
                return -1;
        was_mounted = cs.mounted;
        r = ct_mount(h, ctid, err);
        if (r == 0)
                r = ct_sync_etc(h, ctid, &s, err);
        ct_settings_free(&s);
        if (r == 0 && (r = create_detached(h, ctid, err)) == 0) {
                r = container_start(&h->rt, ctid, err);
                if (r < 0) {
                        struct nook_err ignored;
                        container_delete(&h->rt, ctid, true, &ignored);
                }
        }
        if (r < 0 && !was_mounted) {
                struct nook_err ignored;
                ct_umount(h, ctid, &ignored);
        }
        return r;
}

/* Waits until the process behind pidfd is gone, at most timeout_ms; true if it is. */
static bool wait_gone(int pidfd, int timeout_ms)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        uint64_t end = now_ms() + (uint64_t)timeout_ms;

        for (;;) {
                uint64_t now = now_ms();
                int r;
                if (now >= end)
                        return poll(&p, 1, 0) > 0;
                r = poll(&p, 1, (int)(end - now));
                if (r > 0)
                        return true;
                if (r < 0 && errno != EINTR)
                        return false;
        }
}

/* The host side of a stopped container's veth pairs goes away with its network
 * namespace, which the kernel tears down in its own time: a start right after the stop
 * would find the name still taken.  Deleting them makes stop complete. */
static void delete_host_links(const struct nook_home *h, const char *ctid)
{
        _cleanup_free_ char *path = home_ct_path(h, ctid, "config.json");
        _cleanup_free_ char *text = NULL;
        _cleanup_config_ struct oci_config *cfg = NULL;
        __attribute__((cleanup(net_config_freep))) struct net_config *net = NULL;
        struct nook_err ignored;

        if (read_file(path, &text, NULL, 16 << 20, &ignored) < 0 ||
            oci_config_parse(text, &cfg, &ignored) < 0 ||
            net_config_parse(cfg->annotations, cfg->n_annotations, ctid, &net, &ignored) < 0 ||
            net == NULL)
                return;
        for (size_t i = 0; i < net->n_ifaces; i++)
                net_link_delete(net->ifaces[i].host, ctid, &ignored);
}

static int stop_locked(const struct nook_home *h, const char *ctid, bool fast, unsigned timeout,
                       struct nook_err *err)
{
        _cleanup_close_ int pidfd = -1;
        struct ct_status cs;

        ct_status(h, ctid, &cs);
        if (cs.running) {
                struct ct_settings s = {0};
                pidfd = ns_pidfd_open(cs.pid);
                if (!fast && pidfd >= 0 && ct_config_load(h, ctid, NULL, &s, err) == 0) {
                        int sig = template_stop_signal(h, s.ostemplate ? s.ostemplate : "");
                        ct_settings_free(&s);
                        if (container_kill(&h->rt, ctid, sig, false, err) == 0)
                                wait_gone(pidfd, (int)timeout * 1000);
                }
                if (pidfd < 0 || !wait_gone(pidfd, 0)) {
                        if (container_kill(&h->rt, ctid, SIGKILL, true, err) < 0 && pidfd >= 0 &&
                            !wait_gone(pidfd, 0))
                                return nook_err_prefix(err, "stop container %s", ctid);
                        if (pidfd >= 0)
                                wait_gone(pidfd, 10000);
                }
        }
        delete_stale(h, ctid);
        delete_host_links(h, ctid);
        return ct_umount(h, ctid, err);
}

int ct_stop(const struct nook_home *h, const char *ctid, bool fast, unsigned timeout,
            struct nook_err *err)
{
        _cleanup_close_ int lock = home_lock_ct(h, ctid, err);
        _cleanup_free_ char *cfg = home_ct_path(h, ctid, "config.json");

        if (lock < 0)
                return -1;
        if (access(cfg, F_OK) < 0)
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        return stop_locked(h, ctid, fast, timeout, err);
}

int ct_destroy(struct nook_home *h, const char *ctid, bool force, struct nook_err *err)
{
        _cleanup_free_ char *cdir = xasprintf("%s/containers", h->dir);
        _cleanup_free_ char *lockfile = xasprintf("%s/locks/%s.lock", h->dir, ctid);
        _cleanup_free_ char *dir = home_ct_dir(h, ctid);
        _cleanup_close_ int cfd = -1;
        struct ct_status cs;
        struct stat st;

        _cleanup_close_ int lock = -1;

        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if ((lock = home_lock_ct(h, ctid, err)) < 0)
                return -1;
        ct_status(h, ctid, &cs);
        if (cs.running && !force)
                return nook_err_set(err, 0, "container %s is running: stop it first or use --force",
                                    ctid);
        if (stop_locked(h, ctid, true, 0, err) < 0)
                return -1;
        /* Never descend into a mounted root: that would delete the template's files. */
        if (ct_mounted(h, ctid))
                return nook_err_set(err, 0, "container %s: its root is still mounted", ctid);
        cfd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return nook_err_sys(err, "open %s", cdir);
        if (remove_tree_at(cfd, ctid, err) < 0)
                return nook_err_prefix(err, "destroy container %s", ctid);
        unlink(lockfile);
        return 0;
}

int ct_exec(const struct nook_home *h, const char *ctid, char **args, bool tty, int *status,
            struct nook_err *err)
{
        struct exec_opts o = {.args = args, .tty = tty, .cwd = "/"};
        struct ct_status st;

        ct_status(h, ctid, &st);
        if (!st.exists)
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if (!st.running)
                return nook_err_set(err, 0, "container %s is not running", ctid);
        return container_exec(&h->rt, ctid, &o, status, err);
}
