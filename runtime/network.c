/* A container's networking, from its org.nook.net.* annotations (net/ does the work):
 * checked before create touches the host, set up by the parent while the init waits
 * between clone and PARENT_READY, and released on delete or when create fails. */
#include "runtime/network.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

/* The directory of the network claims under the root (net_claim), made on first use. */
static int open_claims(const char *root, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/.net", root);
        int fd;

        if (mkdir_p(path, 0700, err) < 0)
                return -1;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        return fd;
}

/* A claim's owner still holds it while its state directory exists (a stopped container
 * keeps its addresses until it is deleted). */
static bool owner_exists(const char *id, void *data)
{
        const char *root = data;
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, id);
        struct stat sb;

        return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int container_net_claim(const struct nook_runtime *rt, const struct net_config *cfg,
                        struct nook_err *err)
{
        _cleanup_close_ int fd = -1;

        if (cfg == NULL)
                return 0;
        fd = open_claims(rt->root, err);
        if (fd < 0)
                return -1;
        return net_claim(cfg, fd, owner_exists, (void *)rt->root, err);
}

void container_net_unclaim(const struct nook_runtime *rt, const struct net_config *cfg)
{
        _cleanup_free_ char *path = xasprintf("%s/.net", rt->root);
        _cleanup_close_ int fd = -1;

        if (cfg == NULL)
                return;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                net_unclaim(cfg, fd);
}

int container_net_prepare(const struct nook_runtime *rt, const char *id, const struct oci_config *c,
                          struct net_config **out, struct nook_err *err)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        const struct oci_namespace *ns;

        *out = NULL;
        if (net_config_parse(c->annotations, c->n_annotations, id, &cfg, err) < 0)
                return -1;
        if (cfg == NULL)
                return 0;
        ns = oci_config_namespace(c, CLONE_NEWNET);
        if (ns == NULL || ns->path != NULL)
                return nook_err_set(err, 0,
                                    "annotations org.nook.net.*: need a new network namespace "
                                    "(linux.namespaces)");
        *out = TAKE_PTR(cfg);
        return 0;
}

static int open_netns(pid_t pid, struct nook_err *err)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return nook_err_sys(err, "open %s", path);
        return fd;
}

int container_net_setup(const struct net_config *cfg, pid_t pid, struct nook_err *err)
{
        _cleanup_close_ int fd = open_netns(pid, err);

        return fd < 0 ? -1 : net_setup(cfg, cfg->id, fd, err);
}

int container_loopback_up(pid_t pid, struct nook_err *err)
{
        _cleanup_close_ int fd = open_netns(pid, err);

        return fd < 0 ? -1 : net_loopback_up(fd, err);
}

void container_net_release(const struct nook_runtime *rt, const struct oci_kv *annotations,
                           size_t n, const char *id)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        struct nook_err err;

        if (net_config_parse(annotations, n, id, &cfg, &err) < 0 || cfg == NULL)
                return;
        if (net_teardown(cfg, id, &err) < 0)
                nook_log_err(&err);
        container_net_unclaim(rt, cfg);
}
