/* nookctl migrate: the source's half (manager/migrate.h). */
#include "manager/migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/backup.h"
#include "manager/ct.h"
#include "manager/suspend.h"
#include "manager/template.h"
#include "runtime/checkpoint.h"

/* Pre-dumps before the final one: the first copies all memory while the container
 * runs, the second only what changed meanwhile, so the freeze dumps little. */
#define PRE_DUMPS 2
_Static_assert(PRE_DUMPS <= CT_PRE_DUMPS_MAX, "receive takes pre-dumps 1 to CT_PRE_DUMPS_MAX");

struct migration {
        uint64_t start_ms; /* for the progress lines */
        struct nook_home *h;
        struct ct *c;
        const struct migrate_opts *o;
        bool dest_touched; /* something may be left there: abort it on failure */
};

static void say(const struct migration *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct migration *m, const char *fmt, ...)
{
        va_list ap;

        if (m->o->log == NULL)
                return;
        va_start(ap, fmt);
        fprintf(m->o->log, "migrate %s: [%6llu ms] ", m->c->ctid,
                (unsigned long long)(now_ms() - m->start_ms));
        vfprintf(m->o->log, fmt, ap);
        fputc('\n', m->o->log);
        fflush(m->o->log);
        va_end(ap);
}

static int remote(const struct migration *m, char **out, struct nook_err *err, ...)
{
        const char *args[8];
        size_t n = 0;
        va_list ap;

        va_start(ap, err);
        while (n < ARRAY_SIZE(args) - 1 && (args[n] = va_arg(ap, const char *)) != NULL)
                n++;
        va_end(ap);
        args[n] = NULL;
        return remote_nookctl(&m->o->remote, args, -1, out, err);
}

/* The destination has the template, the same, and no container ctid. */
static int check_destination(const struct migration *m, struct nook_err *err)
{
        const char *tmpl = m->c->s.ostemplate, *dest = m->o->remote.dest;
        _cleanup_free_ char *theirs = NULL, *status = NULL;
        char ours[65];

        if (tmpl == NULL)
                return nook_err_set(err, 0, "container %s has no template", m->c->ctid);
        if (template_checksum(m->h, tmpl, ours, err) < 0 ||
            remote(m, &theirs, err, "template", "checksum", tmpl, NULL) < 0)
                return -1;
        theirs[strcspn(theirs, "\n")] = '\0';
        if (strcmp(ours, theirs) != 0)
                return nook_err_set(err, 0,
                                    "template %s differs on %s (checksum %.12s here, %.12s there)",
                                    tmpl, dest, ours, theirs);
        if (remote(m, &status, err, "status", m->c->ctid, NULL) < 0)
                return -1;
        if (strstr(status, " deleted ") == NULL)
                return nook_err_set(err, 0, "container %s already exists on %s", m->c->ctid, dest);
        return 0;
}

/* A tarball of members of dir, sent to `nookctl receive CTID what [arg]` there. */
static int send_tar(struct migration *m, const char *dir, const char *const *members,
                    const char *what, const char *arg, bool is_backup, struct nook_err *err)
{
        _cleanup_free_ char *spool = xasprintf("%s/migrate", m->h->dir);
        _cleanup_free_ char *file = xasprintf("%s/%s.%s.tar", spool, m->c->ctid, what);
        const char *args[] = {"receive", m->c->ctid, what, arg, NULL};
        _cleanup_close_ int fd = -1;
        int r;

        if (mkdir_p(spool, 0700, err) < 0)
                return -1;
        r = is_backup ? ct_backup_locked(m->h, m->c->ctid, file, NULL, err)
                      : archive_create(file, dir, members, NULL, err);
        if (r == 0 && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
                r = nook_err_sys(err, "open %s", file);
        unlink(file);
        if (r < 0)
                return -1;
        m->dest_touched = true;
        return remote_nookctl(&m->o->remote, args, fd, NULL, err);
}

static void abort_destination(struct migration *m)
{
        struct nook_err e = {0};

        if (m->dest_touched && remote(m, NULL, &e, "receive", m->c->ctid, "abort", NULL) < 0)
                say(m, "could not clean up %s: %s", m->o->remote.dest, e.msg);
}

/* --parent-path of the dump after pre-dump i: beside it, in <home>/dump. */
static char *parent_path(const char *ctid, int i)
{
        _cleanup_free_ char *name = ct_pre_dump_name(ctid, i);

        return xasprintf("../%s", name);
}

static void remove_dumps(const struct migration *m)
{
        ct_dumps_remove(m->h, m->c->ctid);
}

static int offline(struct migration *m, bool running, struct nook_err *err)
{
        struct nook_err e = {0};

        if (running) {
                say(m, "stopping");
                if (ct_stop(m->c, false, CT_STOP_TIMEOUT_DEFAULT, false, err) < 0)
                        return -1;
        }
        say(m, "copying its config and private layer");
        if (send_tar(m, NULL, NULL, "backup", NULL, true, err) < 0 ||
            (running && (say(m, "starting it on %s", m->o->remote.dest),
                         remote(m, NULL, err, "start", m->c->ctid, NULL) < 0))) {
                abort_destination(m);
                if (running && ct_start(m->c, &e) < 0)
                        say(m, "could not start it again here: %s", e.msg);
                return -1;
        }
        return 0;
}

static int pre_dumps(struct migration *m, const char *dumps, struct nook_err *err)
{
        for (int i = 1; i <= PRE_DUMPS; i++) {
                _cleanup_free_ char *name = ct_pre_dump_name(m->c->ctid, i);
                _cleanup_free_ char *image = xasprintf("%s/%s", dumps, name);
                _cleanup_free_ char *parent = i > 1 ? parent_path(m->c->ctid, i - 1) : NULL;
                const char *members[] = {name, NULL};
                char n[16];
                struct checkpoint_opts co = {.c = {.image_path = image, .manage_cgroups_mode = -1},
                                             .pre_dump = true,
                                             .parent_path = parent};

                snprintf(n, sizeof(n), "%d", i);
                say(m, "pre-dump %d", i);
                if (container_checkpoint(&m->h->rt, m->c->ctid, &co, err) < 0 ||
                    send_tar(m, dumps, members, "predump", n, false, err) < 0)
                        return -1;
        }
        return 0;
}

static int online(struct migration *m, struct migrate_result *res, struct nook_err *err)
{
        _cleanup_free_ char *dumps = xasprintf("%s/dump", m->h->dir);
        _cleanup_free_ char *image = xasprintf("%s/%s", dumps, m->c->ctid);
        _cleanup_free_ char *parent = parent_path(m->c->ctid, PRE_DUMPS);
        const char *members[] = {m->c->ctid, NULL};
        struct checkpoint_opts co = {.c = {.image_path = image,
                                           .tcp_established = true,
                                           .file_locks = true,
                                           .manage_cgroups_mode = -1},
                                     .parent_path = parent};
        struct nook_err e = {0};
        uint64_t t0;

        remove_dumps(m);
        if (mkdir_p(dumps, 0700, err) < 0 || pre_dumps(m, dumps, err) < 0) {
                abort_destination(m);
                remove_dumps(m);
                return -1;
        }
        say(m, "freezing for the final dump");
        t0 = now_ms();
        if (container_checkpoint(&m->h->rt, m->c->ctid, &co, err) < 0) {
                /* CRIU leaves the container running when its dump fails. */
                abort_destination(m);
                remove_dumps(m);
                return -1;
        }
        /* Here it is gone; the rest of a stop (host links, the root) before the copy. */
        say(m, "dumped; copying its config and private layer");
        if (ct_stop(m->c, true, 0, false, err) < 0 ||
            send_tar(m, NULL, NULL, "backup", NULL, true, err) < 0 ||
            (say(m, "copying the dump and restoring it there"),
             send_tar(m, dumps, members, "dump", NULL, false, err) < 0)) {
                abort_destination(m);
                if (ct_resume(m->c, &e) < 0)
                        say(m, "could not resume it here: %s (its dump is kept in %s)", e.msg,
                            image);
                else
                        remove_dumps(m);
                return -1;
        }
        res->downtime_ms = now_ms() - t0;
        say(m, "running on %s", m->o->remote.dest);
        remove_dumps(m);
        return 0;
}

static int migrate(struct migration *m, struct migrate_result *res, struct nook_err *err)
{
        bool running = ct_running(m->c, NULL);

        res->online = m->o->online && running;
        if (check_destination(m, err) < 0 ||
            (res->online ? online(m, res, err) : offline(m, running, err)) < 0)
                return -1;
        if (m->o->keep_src)
                return 0;
        say(m, "removing it here");
        return ct_destroy(m->c, true, err);
}

int ct_migrate(struct nook_home *h, const char *ctid, const struct migrate_opts *o,
               struct migrate_result *res, struct nook_err *err)
{
        _cleanup_ct_ struct ct *c = NULL;
        _cleanup_free_ char *spool = xasprintf("%s/migrate", h->dir);
        _cleanup_free_ char *control = xasprintf("%s/ssh-%s", spool, ctid);
        struct migrate_opts shared = *o;
        struct migration m = {.start_ms = now_ms(), .h = h, .o = &shared};
        int r;

        *res = (struct migrate_result){0};
        if (ct_open(h, ctid, CT_LOCK, &c, err) < 0)
                return -1;
        m.c = c;
        if (ct_suspended(c))
                return nook_err_set(err, 0, "container %s is suspended: resume it first", ctid);
        if (mkdir_p(spool, 0700, err) < 0)
                return -1;
        shared.remote.control_path = control;
        r = migrate(&m, res, err);
        remote_close(&shared.remote);
        return r < 0 ? nook_err_prefix(err, "migrate %s to %s", ctid, o->remote.dest) : 0;
}
