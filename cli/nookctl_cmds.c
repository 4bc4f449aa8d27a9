#include "cli/nookctl_cmds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "manager/ct.h"
#include "manager/ctid.h"
#include "manager/fleet.h"
#include "ns/ns.h"

#define H_HELP "  -h, --help          show this help\n"
#define H_JOBS "  -j, --jobs N        containers handled at once (default: the CPU count)\n"

int ctl_report(const struct nook_err *err)
{
        nook_log_err(err);
        return 1;
}

int ctl_open_home(const struct nookctl_globals *g, struct nook_home *h)
{
        struct nook_err err = {0};

        if (home_open(h, g->home, g->root, g->cgroup_parent, &err) < 0)
                return ctl_report(&err);
        return 0;
}

int ctl_parse_jobs(const char *v, unsigned *out)
{
        int n = parse_count("--jobs", v);

        if (n <= 0) {
                if (n == 0)
                        fprintf(stderr, "nookctl: --jobs 0: expected at least 1\n");
                return -1;
        }
        *out = (unsigned)n;
        return 0;
}

int ctl_targets(const struct registry *r, const char *spec, char ***out, struct nook_err *err)
{
        _cleanup_strv_ char **items = NULL;
        _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));

        if (ctid_parse_list(spec, &items, err) < 0)
                return -1;
        for (char **it = items; *it; it++) {
                const struct ct_entry *e = registry_lookup(r, *it);
                if (e == NULL)
                        return nook_err_set(err, 0, "container %s does not exist", *it);
                strv_push(&v, e->ctid);
        }
        *out = TAKE_PTR(v);
        return 0;
}

/* What the fleet workers of the simple commands need. */
struct op_ctx {
        struct nook_home *h;
        bool fast, force;
        unsigned timeout;
        char **args; /* exec */
};

/* Opens the home, loads the registry (under the home lock when `locked`) and resolves
 * spec; prints failures. */
static int load_targets(const struct nookctl_globals *g, const char *spec, bool locked,
                        struct nook_home *h, struct registry *r, char ***ids)
{
        struct nook_err err = {0};

        if (ctl_open_home(g, h) != 0)
                return -1;
        if ((locked && home_lock(h, &err) < 0) || registry_load(h, r, &err) < 0 ||
            ctl_targets(r, spec, ids, &err) < 0) {
                ctl_report(&err);
                return -1;
        }
        return 0;
}

static const struct option fleet_opts[] = {
    {"jobs", required_argument, NULL, 'j'},
    {"fast", no_argument, NULL, 'f'},
    {"timeout", required_argument, NULL, 't'},
    {"force", no_argument, NULL, 'F'},
    {"all-onboot", no_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

struct fleet_cmd {
        struct cmd_parser p;
        const char *allowed; /* option letters this command takes */
        fleet_fn fn;
        bool home_lock;
};

static int op_start(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        (void)i;
        return ct_start(c->h, ctid, err);
}

static int op_stop(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        (void)i;
        return ct_stop(c->h, ctid, c->fast, c->timeout, err);
}

static int op_restart(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        (void)i;
        if (ct_stop(c->h, ctid, c->fast, c->timeout, err) < 0)
                return -1;
        return ct_start(c->h, ctid, err);
}

static int op_mount(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        _cleanup_close_ int lock = home_lock_ct(c->h, ctid, err);
        (void)i;
        return lock < 0 ? -1 : ct_mount(c->h, ctid, err);
}

static int op_umount(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        _cleanup_close_ int lock = home_lock_ct(c->h, ctid, err);
        struct ct_status st;
        (void)i;
        if (lock < 0)
                return -1;
        ct_status(c->h, ctid, &st);
        if (st.running)
                return nook_err_set(err, 0, "container %s is running: stop it first", ctid);
        return ct_umount(c->h, ctid, err);
}

static int op_destroy(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        (void)i;
        return ct_destroy(c->h, ctid, c->force, err);
}

static int op_status(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        _cleanup_free_ char *dir = home_ct_dir(c->h, ctid);
        struct ct_status st;
        struct stat sb;
        (void)i, (void)err;
        ct_status(c->h, ctid, &st);
        printf("CTID %s %s %s %s\n", ctid,
               st.exists ? "exist" : (stat(dir, &sb) == 0 ? "broken" : "deleted"),
               st.mounted ? "mounted" : "unmounted", st.running ? "running" : "down");
        return 0;
}

/* start/stop/restart/mount/umount/destroy/status: options, CTID list, fleet. */
static int run_fleet_cmd(const struct nookctl_globals *g, const struct fleet_cmd *fc, int argc,
                         char **argv)
{
        struct nook_home h;
        struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        struct op_ctx ctx = {.h = &h, .timeout = CT_STOP_TIMEOUT_DEFAULT};
        struct fleet_opts fo = {.verb = fc->p.name};
        bool all_onboot = false;
        uint64_t t;
        int c, rc;

        while ((c = cmd_next_option(&fc->p, argc, argv)) != -1) {
                if (c == '?' || !strchr(fc->allowed, c))
                        return c == '?'
                                   ? 1
                                   : cmd_usage_error(&fc->p, "unknown option %s", argv[optind - 1]);
                switch (c) {
                case 'j':
                        if (ctl_parse_jobs(optarg, &fo.jobs) < 0)
                                return 1;
                        break;
                case 'f':
                        ctx.fast = true;
                        break;
                case 'F':
                        ctx.force = true;
                        break;
                case 'o':
                        all_onboot = true;
                        break;
                case 't':
                        if (parse_uint64(optarg, &t) < 0 || t > 86400)
                                return cmd_usage_error(&fc->p, "--timeout %s: expected seconds",
                                                       optarg);
                        ctx.timeout = (unsigned)t;
                        break;
                }
        }
        if (all_onboot) {
                struct nook_err err = {0};
                if (argc - optind != 0)
                        return cmd_usage_error(&fc->p, "--all-onboot takes no CTID");
                if (ctl_open_home(g, &h) != 0)
                        return 1;
                if (registry_load(&h, &r, &err) < 0)
                        return ctl_report(&err);
                ids = xcalloc(1, sizeof(char *));
                for (size_t i = 0; i < r.n; i++)
                        if (r.v[i].complete && r.v[i].s.onboot)
                                strv_push(&ids, r.v[i].ctid);
                if (ids[0] == NULL) {
                        registry_free(&r);
                        home_close(&h);
                        return 0;
                }
        } else {
                if (cmd_positionals(&fc->p, argc, argv, 1, false) < 0)
                        return 1;
                if (load_targets(g, argv[optind], fc->home_lock, &h, &r, &ids) < 0)
                        return 1;
        }
        rc = fleet_run(ids, fc->fn, &ctx, &fo);
        registry_free(&r);
        home_close(&h);
        return rc;
}

#define FLEET_CMD(fname, cname, allowed_, fn_, lock_, help_)                                       \
        static int fname(const struct nookctl_globals *g, int argc, char **argv)                   \
        {                                                                                          \
                static const struct fleet_cmd fc = {                                               \
                    {cname, "j:h", fleet_opts, help_}, allowed_, fn_, lock_};                      \
                return run_fleet_cmd(g, &fc, argc, argv);                                          \
        }

FLEET_CMD(cmd_start, "start", "jo", op_start, false,
          "Usage: nookctl start [OPTIONS] CTID\n"
          "       nookctl start --all-onboot\n"
          "Mount the container's root and boot its init, detached; its console goes to\n"
          "containers/CTID/console.log.\n\n" H_JOBS
          "      --all-onboot    start every container created with --onboot yes\n" H_HELP)
FLEET_CMD(cmd_stop, "stop", "jft", op_stop, false,
          "Usage: nookctl stop [OPTIONS] CTID\n"
          "Ask the init to shut down (SIGRTMIN+3 for systemd, SIGUSR2 for busybox init,\n"
          "SIGPWR for sysvinit), wait, then kill what is left; unmount the root.\n\n"
          "      --fast          kill at once, without a clean shutdown\n"
          "      --timeout S     seconds to wait for the shutdown (default 60)\n" H_JOBS H_HELP)
FLEET_CMD(cmd_restart, "restart", "jft", op_restart, false,
          "Usage: nookctl restart [OPTIONS] CTID\nStop, then start.\n\n"
          "      --fast          kill at once, without a clean shutdown\n"
          "      --timeout S     seconds to wait for the shutdown (default 60)\n" H_JOBS H_HELP)
FLEET_CMD(cmd_mount, "mount", "j", op_mount, false,
          "Usage: nookctl mount CTID\nMount the container's root (overlayfs of its template "
          "and\nprivate layer) at containers/CTID/rootfs.\n\n" H_JOBS H_HELP)
FLEET_CMD(cmd_umount, "umount", "j", op_umount, false,
          "Usage: nookctl umount CTID\nUnmount a stopped container's root.\n\n" H_JOBS H_HELP)
FLEET_CMD(cmd_destroy, "destroy", "jF", op_destroy, true,
          "Usage: nookctl destroy [OPTIONS] CTID\n"
          "Remove the container: its private layer and configuration.\n\n"
          "      --force         stop it first when it runs\n" H_JOBS H_HELP)

static int cmd_status(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"status", "h", help_only,
                                            "Usage: nookctl status CTID\n"
                                            "Print 'CTID ID exist|deleted mounted|unmounted "
                                            "running|down' per container.\n\n" H_HELP};
        struct nook_home h;
        struct registry r = {0};
        struct nook_err err = {0};
        _cleanup_strv_ char **ids = NULL;
        struct op_ctx ctx = {.h = &h};

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (ctl_open_home(g, &h) != 0)
                return 1;
        /* A CTID that does not exist is reported as deleted, not refused; names are
         * looked up in the registry. */
        if (ctid_parse_list(argv[optind], &ids, &err) < 0 || registry_load(&h, &r, &err) < 0) {
                registry_free(&r);
                home_close(&h);
                return ctl_report(&err);
        }
        for (char **id = ids; *id; id++) {
                const struct ct_entry *e = registry_lookup(&r, *id);
                op_status(&ctx, 0, e ? e->ctid : *id, &err);
        }
        registry_free(&r);
        home_close(&h);
        return 0;
}

/* --- exec, enter, console ------------------------------------------------------------ */

static int op_exec(void *ctx, size_t i, const char *ctid, struct nook_err *err)
{
        struct op_ctx *c = ctx;
        int status;
        (void)i;
        if (ct_exec(c->h, ctid, c->args, false, &status, err) < 0)
                return -1;
        return status;
}

static char *read_stdin(void)
{
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap);
        ssize_t n;

        while ((n = read(0, buf + len, cap - len - 1)) > 0) {
                len += (size_t)n;
                if (len + 1 == cap)
                        buf = xrealloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        return buf;
}

static const char exec_help[] =
    "Usage: nookctl exec CTID [--barrier] [--jobs N] [--] COMMAND [ARGS...]\n"
    "       nookctl exec CTID -  < script\n"
    "Run COMMAND in running containers; its exit status is nookctl's.  '-' runs a\n"
    "shell script read from stdin.  With several containers each one's exit status\n"
    "and output are printed labelled 'CTID| line'.\n\n"
    "      --barrier       start COMMAND in every container at the same instant\n" H_JOBS H_HELP;

static int cmd_exec(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"exec", "", NULL, exec_help};
        struct nook_home h;
        struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        _cleanup_free_ char *script = NULL;
        struct fleet_opts fo = {.verb = "exec"};
        struct op_ctx ctx = {.h = &h};
        const char *spec = NULL;
        char *sh_args[4] = {"/bin/sh", "-c", NULL, NULL};
        int i, rc;

        /* Options may come before or after the CTID; the command starts at "--" or at
         * the first other word after the CTID. */
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        fputs(exec_help, stdout);
                        return 0;
                }
                if (strcmp(a, "--barrier") == 0) {
                        fo.barrier = true;
                } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
                        if (i + 1 >= argc)
                                return cmd_usage_error(&p, "option %s needs a value", a);
                        if (ctl_parse_jobs(argv[++i], &fo.jobs) < 0)
                                return 1;
                } else if (str_has_prefix(a, "--jobs=")) {
                        if (ctl_parse_jobs(a + 7, &fo.jobs) < 0)
                                return 1;
                } else if (a[0] == '-' && a[1] != '\0') {
                        return cmd_usage_error(&p, "unknown option %s", a);
                } else if (spec == NULL) {
                        spec = a;
                } else {
                        break;
                }
        }
        if (spec == NULL || i >= argc)
                return cmd_usage_error(&p, "expected CTID and a command");
        if (strcmp(argv[i], "-") == 0 && i + 1 == argc) {
                script = read_stdin();
                sh_args[2] = script;
                ctx.args = sh_args;
        } else {
                ctx.args = argv + i;
        }
        if (load_targets(g, spec, false, &h, &r, &ids) < 0)
                return 1;
        fo.label_output = ids[1] != NULL || fo.barrier;
        rc = fleet_run(ids, op_exec, &ctx, &fo);
        registry_free(&r);
        home_close(&h);
        return rc;
}

/* enter and console: exactly one container.  *ctid is newly allocated. */
static int load_one(const struct nookctl_globals *g, const struct cmd_parser *p, const char *spec,
                    struct nook_home *h, char **ctid)
{
        struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;

        if (load_targets(g, spec, false, h, &r, &ids) < 0)
                return -1;
        registry_free(&r);
        if (ids[1]) {
                home_close(h);
                return cmd_usage_error(p, "%s takes one container", p->name), -1;
        }
        *ctid = xstrdup(ids[0]);
        return 0;
}

static int cmd_enter(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"enter", "h", help_only,
                                            "Usage: nookctl enter CTID\n"
                                            "An interactive login shell (/bin/sh -l) in the "
                                            "container, on a new terminal.\n\n" H_HELP};
        static char *args[] = {"/bin/sh", "-l", NULL};
        struct nook_home h;
        _cleanup_free_ char *ctid = NULL;
        struct nook_err err = {0};
        int status = 0, rc;

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (load_one(g, &p, argv[optind], &h, &ctid) < 0)
                return 1;
        if (!isatty(0))
                rc = cmd_usage_error(&p, "enter needs a terminal on stdin (use exec)");
        else
                rc = ct_exec(&h, ctid, args, true, &status, &err) < 0 ? ctl_report(&err) : status;
        home_close(&h);
        return rc;
}

/* Copies what was appended to fd since *off to stdout. */
static void copy_new(int fd, off_t *off)
{
        char buf[65536];
        ssize_t n;

        while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
                if (write_all(1, buf, (size_t)n) < 0)
                        return;
                *off += n;
        }
}

static int cmd_console(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {{"no-follow", no_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "console", "nh", opts,
            "Usage: nookctl console [--no-follow] CTID\n"
            "Show the container's console (the output of its init, kept in\n"
            "containers/CTID/console.log: no daemon holds a terminal for it) and follow it\n"
            "until the container stops or Ctrl-C.\n\n"
            "  -n, --no-follow     print what is there and return\n" H_HELP};
        struct nook_home h;
        _cleanup_free_ char *ctid = NULL, *log = NULL;
        _cleanup_close_ int fd = -1, pidfd = -1;
        bool follow = true;
        struct ct_status st;
        off_t off = 0;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c != 'n')
                        return 1;
                follow = false;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (load_one(g, &p, argv[optind], &h, &ctid) < 0)
                return 1;
        log = home_ct_path(&h, ctid, "console.log");
        fd = open(log, O_RDONLY | O_CLOEXEC);
        ct_status(&h, ctid, &st);
        if (fd >= 0)
                copy_new(fd, &off);
        if (follow && st.running && (pidfd = ns_pidfd_open(st.pid)) >= 0) {
                struct pollfd pf = {.fd = pidfd, .events = POLLIN};
                while (poll(&pf, 1, 200) == 0) {
                        if (fd < 0)
                                fd = open(log, O_RDONLY | O_CLOEXEC);
                        if (fd >= 0)
                                copy_new(fd, &off);
                }
                if (fd >= 0)
                        copy_new(fd, &off);
        }
        home_close(&h);
        return 0;
}

/* --- progress of long operations ----------------------------------------------------- */

static void show_progress(void *data, uint64_t done, uint64_t total)
{
        const char *what = data;

        if (total)
                fprintf(stderr, "\r%s: %llu%%", what, (unsigned long long)(done * 100 / total));
        else
                fprintf(stderr, "\r%s: %.1f MiB", what, (double)done / (1 << 20));
        fflush(stderr);
}

struct archive_progress ctl_progress(const char *what)
{
        struct archive_progress p = {NULL, NULL};

        if (isatty(2))
                p = (struct archive_progress){show_progress, (void *)what};
        return p;
}

void ctl_progress_end(const struct archive_progress *p)
{
        if (p->fn)
                fputc('\n', stderr);
}

const struct nookctl_command nookctl_commands[] = {
    {"create", cmd_create, "create containers from a template"},
    {"set", cmd_set, "change settings, live and/or in the configuration (--save)"},
    {"start", cmd_start, "boot containers"},
    {"stop", cmd_stop, "shut containers down"},
    {"restart", cmd_restart, "stop and start"},
    {"status", cmd_status, "exist|deleted mounted|unmounted running|down"},
    {"mount", cmd_mount, "mount a container's root filesystem"},
    {"umount", cmd_umount, "unmount it"},
    {"destroy", cmd_destroy, "remove containers"},
    {"exec", cmd_exec, "run a command in containers (--barrier: all at once)"},
    {"enter", cmd_enter, "an interactive login shell in a container"},
    {"console", cmd_console, "show and follow a container's console"},
    {"list", cmd_list, "list containers (vzlist)"},
    {"template", cmd_template, "create, import, export, list and remove templates"},
    {"backup", cmd_backup, "write a container's private layer and config to a tarball"},
    {"restore", cmd_restore, "make a container from a backup"},
    {NULL, NULL, NULL},
};
