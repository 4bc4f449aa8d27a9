/* nook checkpoint: a running container into a CRIU image directory. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/checkpoint_internal.h"
#include "runtime/internal.h"
#include "runtime/lxcfs.h"

int checkpoint_open_dir(const char *path, bool create, int *fd, struct nook_err *err)
{
        if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
                return nook_err_sys(err, "create %s", path);
        *fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*fd < 0)
                return nook_err_sys(err, "open %s", path);
        return 0;
}

int checkpoint_external_mounts(const struct nook_criu *criu, struct oci_config *c, bool restore,
                               struct nook_err *err)
{
        /* LXCFS's files are bound in at create, not written in the config. */
        if (lxcfs_add_mounts(c, NOOK_LXCFS_DIR, NULL) < 0)
                nook_debug("checkpoint: LXCFS's mounts left out");
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];

                if (!m->bind)
                        continue;
                if (criu->criu_add_ext_mount(m->destination,
                                             restore && m->source ? m->source : m->destination) < 0)
                        return nook_err_set(err, ENOMEM, "CRIU: external mount %s", m->destination);
        }
        return 0;
}

void checkpoint_common_options(const struct nook_criu *criu, const struct criu_opts_common *o)
{
        criu->criu_set_tcp_established(o->tcp_established);
        criu->criu_set_ext_unix_sk(o->ext_unix_sk);
        criu->criu_set_shell_job(o->shell_job);
        criu->criu_set_file_locks(o->file_locks);
        criu->criu_set_orphan_pts_master(true);
        criu->criu_set_manage_cgroups(true);
        criu->criu_set_manage_cgroups_mode(o->manage_cgroups_mode < 0 ? NOOK_CRIU_CG_SOFT
                                                                      : o->manage_cgroups_mode);
        /* nftables, not iptables: CRIU depends on libnftables, iptables may be absent. */
        criu->criu_set_network_lock(NOOK_CRIU_NETWORK_LOCK_NFTABLES);
}

/* The mount ids of the container's own mount namespace, as one " id id ... " string. */
static char *mount_ids(pid_t pid)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/mountinfo", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *ids = xstrdup(" ");
        char line[4096];

        while (f && fgets(line, sizeof(line), f)) {
                char *n = xasprintf("%s%u ", ids, (unsigned)strtoul(line, NULL, 10));
                free(ids);
                ids = n;
        }
        return ids;
}

static unsigned fd_mnt_id(pid_t pid, int fd)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/fdinfo/%d", (int)pid, fd);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[256];

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "mnt_id:", 7) == 0)
                        return (unsigned)strtoul(line + 7, NULL, 10);
        return 0;
}

static bool is_tty(const struct stat *sb)
{
        unsigned maj = major(sb->st_rdev);

        return S_ISCHR(sb->st_mode) && (maj == 4 || maj == 5 || (maj >= 136 && maj <= 143));
}

/* What the init's fd n is, as CRIU will know it: "pipe:[ino]", "tty[rdev:dev]" or
 * "file[mnt:ino]" for a terminal or a file outside the container (which CRIU is told
 * are external), else the path.  NULL when the fd is closed. */
static char *descriptor(const struct nook_criu *criu, pid_t pid, int n, const char *ids)
{
        _cleanup_free_ char *link = xasprintf("/proc/%d/fd/%d", (int)pid, n);
        char target[4096], key[64];
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        struct stat sb;

        if (len < 0)
                return NULL;
        target[len] = '\0';
        if (str_has_prefix(target, "pipe:") || str_has_prefix(target, "socket:") ||
            stat(link, &sb) < 0)
                return xstrdup(target);
        if (is_tty(&sb)) {
                snprintf(key, sizeof(key), "tty[%" PRIx64 ":%" PRIx64 "]", (uint64_t)sb.st_rdev,
                         (uint64_t)sb.st_dev);
        } else {
                char id[16];
                unsigned mnt = fd_mnt_id(pid, n);
                snprintf(id, sizeof(id), " %u ", mnt);
                if (strstr(ids, id) != NULL || (!S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode)))
                        return xstrdup(target);
                snprintf(key, sizeof(key), "file[%x:%" PRIx64 "]", mnt, (uint64_t)sb.st_ino);
        }
        criu->criu_add_external(key);
        return xstrdup(key);
}

/* descriptors.json, as runc and crun keep it: where the init's 0, 1 and 2 led. */
static int save_descriptors(const struct nook_criu *criu, pid_t pid, const char *image_path,
                            struct nook_err *err)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        _cleanup_free_ char *ids = mount_ids(pid);
        _cleanup_free_ char *path = xasprintf("%s/%s", image_path, CHECKPOINT_DESCRIPTORS);
        const char *text;
        size_t len;

        json_w_array_open(w);
        for (int n = 0; n < 3; n++) {
                _cleanup_free_ char *d = descriptor(criu, pid, n, ids);
                json_w_string(w, d);
        }
        json_w_array_close(w);
        text = json_writer_text(w, &len);
        return write_file_atomic(path, text, len, 0600, err);
}

/* Its own network namespace is external (see checkpoint.h): restore brings a new one. */
static int external_netns(const struct nook_criu *criu, pid_t pid, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)pid);
        _cleanup_free_ char *key = NULL;
        struct stat ours, its;

        if (stat("/proc/self/ns/net", &ours) < 0 || stat(path, &its) < 0)
                return nook_err_sys(err, "stat %s", path);
        if (ours.st_ino == its.st_ino)
                return 0;
        key = xasprintf("net[%" PRIu64 "]:" CHECKPOINT_NETNS_KEY, (uint64_t)its.st_ino);
        if (criu->criu_add_external(key) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: external %s", key);
        return 0;
}

static int set_freezer(const struct nook_criu *criu, const struct container_state *st,
                       struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;

        if (st->cgroup_path == NULL)
                return 0;
        if (cgroup_directory(st->cgroup_path, &dir, err) < 0)
                return -1;
        if (criu->criu_set_freeze_cgroup(dir) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: freeze cgroup %s", dir);
        return 0;
}

static int dump(const struct nook_criu *criu, const struct container_state *st,
                struct oci_config *config, const struct checkpoint_opts *o, int image_fd,
                const char *work, struct nook_err *err)
{
        int r;

        criu->criu_set_images_dir_fd(image_fd);
        criu->criu_set_pid(st->pid);
        if (o->parent_path) {
                criu->criu_set_track_mem(true);
                if (criu->criu_set_parent_images(o->parent_path) < 0)
                        return nook_err_set(err, ENOMEM, "CRIU: parent images");
        }
        if (o->pre_dump) {
                criu->criu_set_track_mem(true);
                if (set_freezer(criu, st, err) < 0)
                        return -1;
                if (criu->criu_pre_dump() != 0)
                        return nook_criu_failed("pre-dump", work, CHECKPOINT_PRE_DUMP_LOG, err);
                return 0;
        }
        if (criu->criu_set_root(st->rootfs) < 0)
                return nook_err_set(err, ENOMEM, "CRIU: root %s", st->rootfs);
        if (save_descriptors(criu, st->pid, o->c.image_path, err) < 0 ||
            checkpoint_external_mounts(criu, config, false, err) < 0 ||
            external_netns(criu, st->pid, err) < 0 || set_freezer(criu, st, err) < 0)
                return -1;
        checkpoint_common_options(criu, &o->c);
        criu->criu_set_leave_running(o->leave_running);
        criu->criu_set_auto_dedup(o->auto_dedup);
        r = criu->criu_dump();
        if (r < 0)
                return nook_criu_failed("dump", work, CHECKPOINT_DUMP_LOG, err);
        return 0;
}

int container_checkpoint(const struct nook_runtime *rt, const char *id,
                         const struct checkpoint_opts *o, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_close_ int image_fd = -1, work_fd = -1;
        const struct nook_criu *criu;
        const char *work = o->c.work_path ? o->c.work_path : o->c.image_path;
        enum container_status status;

        if (o->c.image_path == NULL)
                return nook_err_set(err, EINVAL, "checkpoint: --image-path is required");
        if (o->parent_path && o->parent_path[0] == '/')
                return nook_err_set(err, EINVAL,
                                    "checkpoint: --parent-path %s: must be relative to the image "
                                    "path",
                                    o->parent_path);
        if (container_load(rt, id, &st, err) < 0)
                return -1;
        status = state_status(st);
        if (status != CONTAINER_RUNNING && status != CONTAINER_PAUSED)
                return nook_err_set(err, 0, "cannot checkpoint container %s: it is %s", id,
                                    container_status_name(status));
        /* A guest that manages its own cgroups (systemd: slices, scopes, and watches on
         * their memory.events) cannot come back with CRIU 3.17 on cgroup v2: it makes
         * again only the cgroups that hold a task, and moves the init through the
         * container's own cgroup, which the kernel refuses once controllers are enabled
         * below it.  Refused before a dump that would stop it for good. */
        if (!o->leave_running && !o->pre_dump && st->cgroup_path &&
            cgroup_has_children(st->cgroup_path))
                return nook_err_set(err, 0,
                                    "cannot checkpoint container %s: its processes manage their "
                                    "own cgroups (systemd inside), which CRIU cannot restore on "
                                    "cgroup v2; it keeps running",
                                    id);
        if (container_load_config(st, &config, err) < 0)
                return -1;
        if (checkpoint_open_dir(o->c.image_path, true, &image_fd, err) < 0 ||
            (o->c.work_path && checkpoint_open_dir(o->c.work_path, true, &work_fd, err) < 0))
                return nook_err_prefix(err, "checkpoint %s", id);
        if (nook_criu_open(work_fd >= 0 ? work_fd : image_fd,
                           o->pre_dump ? CHECKPOINT_PRE_DUMP_LOG : CHECKPOINT_DUMP_LOG, &criu,
                           err) < 0 ||
            dump(criu, st, config, o, image_fd, work, err) < 0)
                return nook_err_prefix(err, "checkpoint %s", id);
        nook_debug("checkpoint %s: dumped pid %d into %s", id, (int)st->pid, o->c.image_path);
        if (o->leave_running || o->pre_dump)
                return 0;
        /* CRIU killed the processes: what is left is a stopped container. */
        return container_delete(rt, id, true, err);
}

bool container_checkpoint_available(char **why)
{
        return nook_criu_available(why);
}

int checkpoint_cg_mode(const char *name)
{
        static const char *const names[] = {"ignore", "none",   "props",  "soft",
                                            "full",   "strict", "default"};

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(name, names[i]) == 0)
                        return (int)i;
        return -1;
}
