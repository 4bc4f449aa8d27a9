/* nookctl on another host, over ssh (as vzmigrate reaches its destination): the
 * command's stdin from a file, its stdout captured, and its failure as the one line the
 * remote nookctl (or ssh) printed. */
#ifndef NOOK_MANAGER_REMOTE_H
#define NOOK_MANAGER_REMOTE_H

#include "common/error.h"

struct remote {
        const char *dest;    /* [USER@]HOST */
        char **ssh_opts;     /* extra ssh options, already split; NULL for none */
        const char *home;    /* --home for the remote nookctl, NULL: its default */
        const char *nookctl; /* the program there, NULL: "nookctl" */
        /* One ssh connection for all the commands of a migration (ssh's ControlMaster
         * at this socket path): each new one costs a handshake, inside the downtime
         * too.  NULL: a connection per command. */
        const char *control_path;
};

/* Runs `ssh OPTS -- DEST NOOKCTL ARGS...` (each argument quoted for the remote shell),
 * stdin from in_fd (-1: /dev/null); its stdout into *out when out is not NULL. */
int remote_nookctl(const struct remote *r, const char *const *args, int in_fd, char **out,
                   struct nook_err *err);

/* Ends the shared connection (ssh -O exit), if there is one. */
void remote_close(const struct remote *r);

#endif
