#include "manager/ct.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/quota.h"
#include "manager/template.h"
#include "net/net.h"
#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/container.h"

static const char *const layers[] = {"private", "work", "rootfs"};

void ct_close(struct ct *c)
{
        free(c->ctid);
        free(c->dir);
        free(c->rootfs);
        closep(&c->lock_fd);
        oci_config_free(c->config);
        ct_settings_free(&c->s);
        free(c);
}

int ct_lock(struct ct *c, struct nook_err *err)
{
        if (c->lock_fd < 0 && (c->lock_fd = home_lock_ct(c->h, c->ctid, err)) < 0)
                return -1;
        return 0;
}

char *ct_path(const struct ct *c, const char *file)
{
        return xasprintf("%s/%s", c->dir, file);
}

int ct_open(const struct nook_home *h, const char *ctid, unsigned flags, struct ct **out,
            struct nook_err *err)
{
        _cleanup_ct_ struct ct *c = xcalloc(1, sizeof(*c));
        _cleanup_free_ char *cfg = NULL;
        struct stat st;

        c->h = h;
        c->ctid = xstrdup(ctid);
        c->dir = home_ct_dir(h, ctid);
        c->rootfs = ct_path(c, "rootfs");
        c->lock_fd = -1;
        if (lstat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return nook_err_set(err, 0, "container %s does not exist", ctid);
        if ((flags & CT_LOCK) && ct_lock(c, err) < 0)
                return -1;
        cfg = ct_path(c, "config.json");
        if (access(cfg, F_OK) < 0) {
                if (!(flags & CT_BROKEN))
                        return nook_err_set(err, 0, "container %s does not exist", ctid);
        } else if (ct_config_read(cfg, &c->config, &c->s, (flags & CT_BROKEN) ? NULL : err) < 0) {
                if (!(flags & CT_BROKEN))
                        return nook_err_prefix(err, "container %s", ctid);
                ct_settings_free(&c->s);
        }
        c->mounted = rootfs_is_mount_point(c->rootfs);
        *out = TAKE_PTR(c);
        return 0;
}

bool ct_running(const struct ct *c, pid_t *pid)
{
        _cleanup_state_ struct container_state *st = NULL;
        enum container_status s;

        if (state_read(c->h->rt.root, c->ctid, &st, NULL) < 0)
                return false;
        s = state_status(st);
        if (s != CONTAINER_RUNNING && s != CONTAINER_PAUSED && s != CONTAINER_CREATED)
                return false;
        if (pid)
                *pid = st->pid;
        return true;
}

static int save_config(const char *dir, const struct oci_config *config, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
        _cleanup_free_ char *json = oci_config_to_json(config, true);

        return write_file_atomic(path, json, strlen(json), 0600, err);
}

int ct_config_save(struct ct *c, const struct ct_settings *s, struct nook_err *err)
{
        ct_config_apply(c->config, c->ctid, s);
        return save_config(c->dir, c->config, err);
}

static int fill_bundle(const char *dir, const char *ctid, const struct ct_settings *s,
                       struct nook_err *err)
{
        _cleanup_config_ struct oci_config *config = ct_config_new(ctid, s);

        for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
                _cleanup_free_ char *d = xasprintf("%s/%s", dir, layers[i]);
                if (mkdir(d, 0755) < 0)
                        return nook_err_sys(err, "mkdir %s", d);
        }
        return save_config(dir, config, err);
}

int ct_disk_quota(const char *dir, const struct ct_settings *s, bool attach, struct nook_err *err)
{
        _cleanup_free_ char *priv = xasprintf("%s/private", dir);
        _cleanup_free_ char *work = xasprintf("%s/work", dir);

        if (s->projid == 0)
                return 0;
        /* The work directory too: overlayfs makes copies there and renames them into
         * the upper layer, which a filesystem refuses (EXDEV) across projects. */
        if (attach &&
            (quota_attach(priv, s->projid, err) < 0 || quota_attach(work, s->projid, err) < 0))
                return -1;
        return quota_set(priv, s->projid, &s->disk, err);
}

int ct_create(const struct nook_home *h, const char *ctid, const struct ct_settings *s,
              struct nook_err *err)
{
        _cleanup_free_ char *dir = home_ct_dir(h, ctid);
        _cleanup_free_ char *cdir = xasprintf("%s/containers", h->dir);

        if (mkdir(dir, 0700) < 0) {
                if (errno == EEXIST)
                        return nook_err_set(err, 0, "container %s already exists", ctid);
                return nook_err_sys(err, "container %s: mkdir %s", ctid, dir);
        }
        if (fill_bundle(dir, ctid, s, err) < 0 || ct_disk_quota(dir, s, true, err) < 0) {
                _cleanup_close_ int cfd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cfd >= 0)
                        remove_tree_at(cfd, ctid, NULL);
                return nook_err_prefix(err, "container %s", ctid);
        }
        return 0;
}

int ct_mount(struct ct *c, struct nook_err *err)
{
        _cleanup_free_ char *lower = NULL, *upper = ct_path(c, "private");
        _cleanup_free_ char *work = ct_path(c, "work");
        const char *tmpl = c->s.ostemplate;

        if (c->mounted)
                return 0;
        if (tmpl == NULL || !template_exists(c->h, tmpl))
                return nook_err_set(err, 0, "container %s: template %s does not exist", c->ctid,
                                    tmpl ? tmpl : "(none)");
        lower = home_template_dir(c->h, tmpl);
        if (rootfs_overlay_mount(lower, upper, work, c->rootfs, err) < 0)
                return nook_err_prefix(err, "container %s", c->ctid);
        c->mounted = true;
        return 0;
}

int ct_umount(struct ct *c, struct nook_err *err)
{
        if (rootfs_overlay_umount(c->rootfs, err) < 0)
                return nook_err_prefix(err, "container %s", c->ctid);
        c->mounted = false;
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

/* Writes text to path in root unless the file holds it already: each write is a new
 * inode and a rename in the private layer, and a restart has nothing to change. */
static int sync_file(const char *root, const char *path, const char *text, struct nook_err *err)
{
        _cleanup_free_ char *old = NULL;
        size_t len = strlen(text);

        if (rootfs_read_file_in(root, path, &old, len + 1, NULL) == 0 && strcmp(old, text) == 0)
                return 0;
        return rootfs_write_file_in(root, path, text, len, 0644, err);
}

int ct_sync_etc(const struct ct *c, const char *root, const struct ct_settings *s,
                struct nook_err *err)
{
        _cleanup_free_ char *hostname = xasprintf("%s\n", s->hostname ? s->hostname : c->ctid);
        _cleanup_free_ char *hosts = hosts_text(c->ctid, s);
        _cleanup_free_ char *resolv = resolv_text(s);

        if (sync_file(root, "/etc/hostname", hostname, err) < 0 ||
            sync_file(root, "/etc/hosts", hosts, err) < 0)
                return nook_err_prefix(err, "container %s", c->ctid);
        /* Without nameservers the template's resolv.conf stays as it is. */
        if (resolv[0] && sync_file(root, "/etc/resolv.conf", resolv, err) < 0)
                return nook_err_prefix(err, "container %s", c->ctid);
        return 0;
}

int ct_with_console(const struct ct *c, int (*fn)(const struct ct *c, struct nook_err *err),
                    struct nook_err *err)
{
        _cleanup_free_ char *log = ct_path(c, "console.log");
        _cleanup_close_ int logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int saved[3] = {-1, -1, -1};
        int r;

        if (logfd < 0 || null < 0)
                return nook_err_sys(err, "container %s: open %s", c->ctid, log);
        fflush(stdout);
        fflush(stderr);
        for (int i = 0; i < 3; i++)
                saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
        dup2(null, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        r = fn(c, err);
        for (int i = 0; i < 3; i++) {
                if (saved[i] >= 0) {
                        dup2(saved[i], i);
                        close(saved[i]);
                } else {
                        close(i);
                }
        }
        return r;
}

static int create_detached(const struct ct *c, struct nook_err *err)
{
        struct create_opts o = {.bundle = c->dir};
        struct create_result res;

        if (container_create(&c->h->rt, c->ctid, &o, &res, err) < 0)
                return -1;
        close(res.pidfd);
        return 0;
}

/* Removes the runtime state of a container that is not running any more. */
static void delete_stale(const struct ct *c)
{
        _cleanup_state_ struct container_state *st = NULL;

        if (state_read(c->h->rt.root, c->ctid, &st, NULL) == 0)
                container_delete(&c->h->rt, c->ctid, true, NULL);
}

int ct_with_own_root(struct ct *c, int (*fn)(const struct ct *c, struct nook_err *err),
                     struct nook_err *err)
{
        struct rootfs_mntns saved;
        bool host_mounted = c->mounted;
        int r;

        if (rootfs_mntns_enter_private(&saved, err) < 0)
                return nook_err_prefix(err, "container %s", c->ctid);
        /* Mounted here, the root goes when the namespace does, the start failed or not:
         * the container's own copy of it is all that stays. */
        r = ct_mount(c, err);
        if (r == 0)
                r = fn(c, err);
        if (rootfs_mntns_leave(&saved, r < 0 ? NULL : err) < 0)
                r = -1;
        c->mounted = host_mounted; /* what ct_mount did here stayed here */
        return r;
}

static int start_here(const struct ct *c, struct nook_err *err)
{
        int r = ct_sync_etc(c, c->rootfs, &c->s, err);

        if (r == 0 && (r = ct_with_console(c, create_detached, err)) == 0) {
                r = container_start(&c->h->rt, c->ctid, NULL, err);
                if (r < 0)
                        container_delete(&c->h->rt, c->ctid, true, NULL);
        }
        return r;
}

int ct_start(struct ct *c, struct nook_err *err)
{
        if (ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is already running", c->ctid);
        delete_stale(c);
        /* The saved disk quota, over what a `set` without --save changed. */
        if (ct_disk_quota(c->dir, &c->s, false, err) < 0)
                return -1;
        return ct_with_own_root(c, start_here, err);
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
static void delete_host_links(const struct ct *c)
{
        _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
        _cleanup_strv_ char **owners = xcalloc(1, sizeof(char *));

        ct_host_links(c, &names, &owners);
        (void)net_links_delete(names, owners, NULL);
}

int ct_shutdown_begin(struct ct *c, struct nook_err *err)
{
        pid_t pid;
        int pidfd;

        if (!ct_running(c, &pid) || (pidfd = ns_pidfd_open(pid)) < 0)
                return -1;
        if (container_kill(&c->h->rt, c->ctid,
                           template_stop_signal(c->h, c->s.ostemplate ? c->s.ostemplate : ""),
                           false, err) < 0) {
                close(pidfd);
                return -1;
        }
        return pidfd;
}

int ct_stop(struct ct *c, bool fast, unsigned timeout, bool keep_links, struct nook_err *err)
{
        _cleanup_close_ int pidfd = -1;
        pid_t pid;

        if (ct_running(c, &pid)) {
                if (!fast && (pidfd = ct_shutdown_begin(c, NULL)) >= 0)
                        wait_gone(pidfd, (int)timeout * 1000);
                else
                        pidfd = ns_pidfd_open(pid);
                if (pidfd < 0 || !wait_gone(pidfd, 0)) {
                        if (container_kill(&c->h->rt, c->ctid, SIGKILL, true, err) < 0 &&
                            pidfd >= 0 && !wait_gone(pidfd, 0))
                                return nook_err_prefix(err, "stop container %s", c->ctid);
                        if (pidfd >= 0)
                                wait_gone(pidfd, 10000);
                }
        }
        delete_stale(c);
        if (!keep_links)
                delete_host_links(c);
        return ct_umount(c, err);
}

void ct_host_links(const struct ct *c, char ***names, char ***owners)
{
        __attribute__((cleanup(net_config_freep))) struct net_config *net = NULL;

        if (c->config == NULL ||
            net_config_parse(c->config->annotations, c->config->n_annotations, c->ctid, &net,
                             NULL) < 0 ||
            net == NULL)
                return;
        for (size_t i = 0; i < net->n_ifaces; i++) {
                strv_push(names, net->ifaces[i].host);
                strv_push(owners, c->ctid);
        }
}

int ct_destroy(struct ct *c, bool force, struct nook_err *err)
{
        _cleanup_free_ char *cdir = xasprintf("%s/containers", c->h->dir);
        _cleanup_free_ char *lockfile = xasprintf("%s/locks/%s.lock", c->h->dir, c->ctid);
        _cleanup_close_ int cfd = -1;

        if (ct_running(c, NULL) && !force)
                return nook_err_set(err, 0, "container %s is running: stop it first or use --force",
                                    c->ctid);
        if (ct_stop(c, true, 0, false, err) < 0)
                return -1;
        /* Never descend into a mounted root: that would delete the template's files. */
        if (rootfs_is_mount_point(c->rootfs))
                return nook_err_set(err, 0, "container %s: its root is still mounted", c->ctid);
        cfd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return nook_err_sys(err, "open %s", cdir);
        if (remove_tree_at(cfd, c->ctid, err) < 0)
                return nook_err_prefix(err, "destroy container %s", c->ctid);
        /* Its project's limits go with it (its files are gone). */
        if (c->s.projid)
                (void)quota_set(cdir, c->s.projid, &(struct quota_limits){0}, NULL);
        unlink(lockfile);
        return 0;
}

int ct_exec(const struct ct *c, char **args, bool tty, const struct exec_hooks *hooks, int *status,
            struct nook_err *err)
{
        struct exec_opts o = {.args = args, .tty = tty, .cwd = "/", .hooks = hooks};

        if (!ct_running(c, NULL))
                return nook_err_set(err, 0, "container %s is not running", c->ctid);
        return container_exec(&c->h->rt, c->ctid, &o, status, err);
}
