/* The commands of `nookctl` and what they share: the home, target resolution (CTID
 * lists, ranges and --name aliases) and the fleet options. */
#ifndef NOOK_CLI_NOOKCTL_CMDS_H
#define NOOK_CLI_NOOKCTL_CMDS_H

#include <stdbool.h>

#include "manager/archive.h"
#include "manager/home.h"
#include "manager/registry.h"

struct nookctl_globals {
        const char *home;
        const char *root;
        const char *cgroup_parent;
};

struct nookctl_command {
        const char *name;
        int (*run)(const struct nookctl_globals *g, int argc, char **argv);
        const char *summary;
};

extern const struct nookctl_command nookctl_commands[];

/* Prints err once ("nookctl: ...") and gives exit status 1. */
int ctl_report(const struct nook_err *err);
/* Opens the home of the globals; prints the failure. */
int ctl_open_home(const struct nookctl_globals *g, struct nook_home *h);
/* The CTIDs a command-line list names, each an existing container (by CTID or by its
 * --name); "container X does not exist" otherwise. */
int ctl_targets(const struct registry *r, const char *spec, char ***out, struct nook_err *err);
/* --jobs N */
int ctl_parse_jobs(const char *v, unsigned *out);

/* A progress display on stderr when it is a terminal (what names the operation), and
 * its last line. */
struct archive_progress ctl_progress(const char *what);
void ctl_progress_end(const struct archive_progress *p);

int cmd_template(const struct nookctl_globals *g, int argc, char **argv);
int cmd_backup(const struct nookctl_globals *g, int argc, char **argv);
int cmd_restore(const struct nookctl_globals *g, int argc, char **argv);
int cmd_create(const struct nookctl_globals *g, int argc, char **argv);
int cmd_set(const struct nookctl_globals *g, int argc, char **argv);
int cmd_list(const struct nookctl_globals *g, int argc, char **argv);

#endif
