#include "runtime/notify.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define NOTIFY_DIR  "notify"
#define NOTIFY_NAME "notify.sock"

static void set_env(struct oci_process *p, const char *entry)
{
        size_t klen = (size_t)(strchr(entry, '=') - entry) + 1;

        for (size_t i = 0; p->env[i]; i++) {
                if (strncmp(p->env[i], entry, klen) == 0) {
                        free(p->env[i]);
                        p->env[i] = xstrdup(entry);
                        return;
                }
        }
        strv_push(&p->env, entry);
}

int notify_prepare(struct oci_config *c, const char *state_dir, struct nook_err *err)
{
        static char *const options[] = {"bind", "nosuid", "noexec", "nodev", "ro", NULL};
        _cleanup_free_ char *dir = xasprintf("%s/%s", state_dir, NOTIFY_DIR);
        struct oci_mount *m;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return nook_err_sys(err, "mkdir %s", dir);
        c->mounts = xrealloc(c->mounts, (c->n_mounts + 1) * sizeof(*c->mounts));
        m = &c->mounts[c->n_mounts++];
        *m = (struct oci_mount){.destination = xstrdup("/run/notify"),
                                .type = xstrdup("bind"),
                                .source = TAKE_PTR(dir),
                                .options = strv_dup(options)};
        if (oci_mount_parse_options(m, err) < 0)
                return -1;
        set_env(c->process, "NOTIFY_SOCKET=" NOTIFY_IN_CONTAINER);
        return 0;
}

bool notify_prepared(const char *state_dir)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", state_dir, NOTIFY_DIR);
        struct stat sb;

        return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int unix_address(const char *path, struct sockaddr_un *a, socklen_t *len,
                        struct nook_err *err)
{
        *a = (struct sockaddr_un){.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(a->sun_path))
                return nook_err_set(err, ENAMETOOLONG, "notify socket %s", path);
        /* systemd's abstract sockets are written with a leading '@'. */
        strcpy(a->sun_path, path);
        if (a->sun_path[0] == '@')
                a->sun_path[0] = '\0';
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) +
                           (path[0] == '@' ? 0 : 1));
        return 0;
}

int notify_listen(const char *state_dir, struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s/%s", state_dir, NOTIFY_DIR, NOTIFY_NAME);
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un a;
        socklen_t len;

        if (sock < 0)
                return nook_err_sys(err, "notify socket");
        if (unix_address(path, &a, &len, err) < 0)
                return -1;
        unlink(path);
        if (bind(sock, (struct sockaddr *)&a, len) < 0)
                return nook_err_sys(err, "bind %s", path);
        if (chmod(path, 0777) < 0)
                return nook_err_sys(err, "chmod %s", path);
        return TAKE_FD(sock);
}

/* Whether one line of msg starts with READY= (runc wants the whole datagram to). */
static bool has_ready(const char *msg)
{
        for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (str_has_prefix(l, "READY="))
                        return true;
        return false;
}

/* READY=1, then MAINPID, each a datagram of its own as runc sends them. */
static int send_ready(const char *host_socket, pid_t pid, struct nook_err *err)
{
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        char mainpid[32];
        const char *msgs[] = {"READY=1\n", mainpid};
        struct sockaddr_un a;
        socklen_t len;

        snprintf(mainpid, sizeof(mainpid), "MAINPID=%d\n", (int)pid);
        if (s < 0)
                return nook_err_sys(err, "notify socket");
        if (unix_address(host_socket, &a, &len, err) < 0)
                return -1;
        for (size_t i = 0; i < 2; i++)
                if (sendto(s, msgs[i], strlen(msgs[i]), 0, (struct sockaddr *)&a, len) < 0)
                        return nook_err_sys(err, "notify %s", host_socket);
        return 0;
}

int notify_relay(int sock, int pidfd, pid_t pid, const char *host_socket, struct nook_err *err)
{
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};

        for (;;) {
                char buf[4096];
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return nook_err_sys(err, "poll the notify socket");
                }
                if (p[0].revents & POLLIN) {
                        n = recv(sock, buf, sizeof(buf) - 1, 0);
                        if (n < 0 && errno != EINTR && errno != EAGAIN)
                                return nook_err_sys(err, "read the notify socket");
                        if (n > 0) {
                                buf[n] = '\0';
                                if (has_ready(buf))
                                        return send_ready(host_socket, pid, err);
                                nook_debug("notify: dropped %s", buf);
                        }
                        continue;
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        nook_debug("notify: the container exited before READY=1");
                        return 0;
                }
        }
}
