#include "manager/live.h"

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
#include "net/net.h"
#include "ns/ns.h"

int live_set_hostname(pid_t pid, const char *hostname, struct nook_err *err)
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
                struct nook_err e;
                if (ns_join_pidfd(pidfd, CLONE_NEWUTS, &e) < 0)
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

int live_change_addr(pid_t pid, const char *ip, bool add, struct nook_err *err)
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
