/* ssh as a child process: no library of ours speaks its protocol. */
#include "manager/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* 'arg' with each ' as '\'' : one word for the remote shell whatever arg holds. */
static char *quoted(const char *arg)
{
        char *out = xmalloc(strlen(arg) * 4 + 3), *p = out;

        *p++ = '\'';
        for (; *arg; arg++) {
                if (*arg == '\'') {
                        memcpy(p, "'\\''", 4);
                        p += 4;
                } else {
                        *p++ = *arg;
                }
        }
        *p++ = '\'';
        *p = '\0';
        return out;
}

static char *remote_command(const struct remote *r, const char *const *args)
{
        char *cmd = quoted(r->nookctl ? r->nookctl : "nookctl");

        if (r->home) {
                _cleanup_free_ char *q = quoted(r->home);
                char *n = xasprintf("%s --home %s", cmd, q);
                free(cmd);
                cmd = n;
        }
        for (; *args; args++) {
                _cleanup_free_ char *q = quoted(*args);
                char *n = xasprintf("%s %s", cmd, q);
                free(cmd);
                cmd = n;
        }
        return cmd;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
        *buf = xrealloc(*buf, *len + n + 1);
        memcpy(*buf + *len, data, n);
        *len += n;
        (*buf)[*len] = '\0';
}

/* The last non-empty line of text, without a leading "nookctl: " or "nookctl CMD: ". */
static const char *last_line(char *text)
{
        char *end = text + strlen(text), *line, *colon;

        while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
                *--end = '\0';
        line = strrchr(text, '\n');
        line = line ? line + 1 : text;
        if (str_has_prefix(line, "nookctl") && (colon = strstr(line, ": ")) != NULL)
                line = colon + 2;
        return line;
}

static void child(const struct remote *r, const char *cmd, int in_fd, int out_w, int err_w)
{
        char **argv = xcalloc(1, sizeof(char *));
        int null = open("/dev/null", O_RDONLY);

        strv_push(&argv, "ssh");
        for (char **o = r->ssh_opts; o && *o; o++)
                strv_push(&argv, *o);
        if (r->control_path) {
                _cleanup_free_ char *path = xasprintf("ControlPath=%s", r->control_path);
                const char *shared[] = {"-o", "ControlMaster=auto", "-o", path,
                                        "-o", "ControlPersist=120"};
                for (size_t i = 0; i < ARRAY_SIZE(shared); i++)
                        strv_push(&argv, shared[i]);
        }
        strv_push(&argv, "--");
        strv_push(&argv, r->dest);
        if (cmd)
                strv_push(&argv, cmd);
        dup2(in_fd >= 0 ? in_fd : null, 0);
        dup2(out_w, 1);
        dup2(err_w, 2);
        execvp("ssh", argv);
        _exit(127);
}

int remote_nookctl(const struct remote *r, const char *const *args, int in_fd, char **out,
                   struct nook_err *err)
{
        _cleanup_free_ char *cmd = remote_command(r, args);
        _cleanup_free_ char *so = NULL, *se = NULL;
        int o[2], e[2], status;
        size_t olen = 0, elen = 0;
        struct pollfd p[2];
        pid_t pid;

        if (pipe2(o, O_CLOEXEC) < 0)
                return nook_err_sys(err, "pipe");
        if (pipe2(e, O_CLOEXEC) < 0) {
                close(o[0]);
                close(o[1]);
                return nook_err_sys(err, "pipe");
        }
        pid = fork();
        if (pid == 0)
                child(r, cmd, in_fd, o[1], e[1]);
        close(o[1]);
        close(e[1]);
        p[0] = (struct pollfd){.fd = o[0], .events = POLLIN};
        p[1] = (struct pollfd){.fd = e[0], .events = POLLIN};
        while (pid > 0 && (p[0].fd >= 0 || p[1].fd >= 0)) {
                char buf[4096];
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        break;
                for (int i = 0; i < 2; i++) {
                        ssize_t n;
                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        n = read(p[i].fd, buf, sizeof(buf));
                        if (n <= 0) {
                                close(p[i].fd);
                                p[i].fd = -1;
                        } else if (i == 0) {
                                append(&so, &olen, buf, (size_t)n);
                        } else {
                                append(&se, &elen, buf, (size_t)n);
                        }
                }
        }
        for (int i = 0; i < 2; i++)
                if (p[i].fd >= 0)
                        close(p[i].fd);
        if (pid < 0)
                return nook_err_sys(err, "fork ssh");
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                if (out)
                        *out = so ? TAKE_PTR(so) : xstrdup("");
                return 0;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && (se == NULL || !se[0]))
                return nook_err_set(err, 0, "ssh: not found (install openssh-client)");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 255)
                return nook_err_set(err, 0, "ssh %s: %s", r->dest,
                                    se && se[0] ? last_line(se) : "failed");
        return nook_err_set(err, 0, "on %s: %s", r->dest,
                            se && se[0] ? last_line(se) : "the remote nookctl failed");
}

void remote_close(const struct remote *r)
{
        _cleanup_free_ char *path = NULL;
        char *argv[] = {"ssh", "-o", NULL, "-O", "exit", "--", (char *)r->dest, NULL};
        int null, status;
        pid_t pid;

        if (r->control_path == NULL)
                return;
        path = xasprintf("ControlPath=%s", r->control_path);
        argv[2] = path;
        pid = fork();
        if (pid == 0) {
                null = open("/dev/null", O_RDWR);
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
                execvp("ssh", argv);
                _exit(127);
        }
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}
