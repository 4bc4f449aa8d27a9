/* The kernel limits a fleet meets before it runs out of memory: what N containers need
 * of each, what the host has now, and the sysctl that raises it (`nookctl doctor`, and
 * the warning of a start that would meet one).  Values are read from /proc/sys; one
 * that this network namespace does not show (the neighbour tables exist only in the
 * initial one) is reported as unknown, never guessed. */
#ifndef NOOK_MANAGER_DOCTOR_H
#define NOOK_MANAGER_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "manager/home.h"
#include "manager/registry.h"

/* What the fleet is: systemd guests need far more (processes, inotify, keys) than a
 * busybox or sysvinit one. */
struct doctor_fleet {
        size_t systemd; /* containers whose template boots systemd */
        size_t other;
};

struct doctor_row {
        const char *sysctl; /* "fs.inotify.max_user_instances" */
        const char *why;    /* one line: what uses it */
        bool known;         /* the current value could be read */
        /* It cannot be written from here: the initial network namespace's own, shown
         * read-only in another (nf_conntrack_max), so neither short nor tunable here. */
        bool read_only;
        uint64_t now;
        uint64_t need;
        bool tuned; /* doctor_tune raised it */
};

#define DOCTOR_ROWS 16

/* The fleet of a home: every container of r (running or not: what it would need if all
 * ran), plus `more` of template tmpl (NULL: systemd, the hungriest). */
void doctor_fleet_of(const struct nook_home *h, const struct registry *r, size_t more,
                     const char *tmpl, struct doctor_fleet *f);

/* Fills rows (DOCTOR_ROWS of them; *n the number filled) for the fleet. */
void doctor_check(const struct doctor_fleet *f, struct doctor_row rows[DOCTOR_ROWS], size_t *n);
/* Whether a row's limit is short (known and below the need). */
bool doctor_short(const struct doctor_row *r);
/* Raises every short limit to its need (never lowers one); the first failure is
 * reported after trying them all. */
int doctor_tune(struct doctor_row *rows, size_t n, struct nook_err *err);

#endif
