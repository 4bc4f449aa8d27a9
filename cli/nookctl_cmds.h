/* The commands of `nookctl` and what they share: the home, target resolution and
 * running a fleet operation with its report printed. */
#ifndef NOOK_CLI_NOOKCTL_CMDS_H
#define NOOK_CLI_NOOKCTL_CMDS_H

#include <stdbool.h>

#include "manager/archive.h"
#include "manager/fleet.h"
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

#define H_HELP_CTL "  -h, --help          show this help\n"

/* Opens the home of the globals. */
int ctl_open_home(const struct nookctl_globals *g, struct nook_home *h, struct nook_err *err);
/* --jobs N (prints its own error). */
int ctl_parse_jobs(const char *v, unsigned *out);

/* Runs fn over ids and prints the outcome: with label_output each container's status
 * and output ("CTID| line"), then every failure ("nookctl: CTID: cause", for one
 * container without a barrier "nookctl: cause") and how many failed.  Returns the exit
 * status: one container's own, else 1 when any failed. */
int ctl_fleet(char *const *ids, fleet_fn fn, void *ctx, const char *verb,
              const struct fleet_opts *o);

/* A progress display on stderr when it is a terminal (what names the operation), and
 * its last line. */
struct archive_progress ctl_progress(const char *what);
void ctl_progress_end(const struct archive_progress *p);

int cmd_template(const struct nookctl_globals *g, int argc, char **argv);
int cmd_backup(const struct nookctl_globals *g, int argc, char **argv);
int cmd_restore(const struct nookctl_globals *g, int argc, char **argv);
int cmd_migrate(const struct nookctl_globals *g, int argc, char **argv);
int cmd_receive(const struct nookctl_globals *g, int argc, char **argv);
int cmd_create(const struct nookctl_globals *g, int argc, char **argv);
int cmd_set(const struct nookctl_globals *g, int argc, char **argv);
int cmd_list(const struct nookctl_globals *g, int argc, char **argv);
int cmd_stats(const struct nookctl_globals *g, int argc, char **argv);
int cmd_doctor(const struct nookctl_globals *g, int argc, char **argv);

/* Warns on stderr of every kernel limit the home's containers would meet if all ran
 * (nookctl doctor's table, short rows only). */
void ctl_warn_limits(const struct nook_home *h, const struct registry *r);

#endif
