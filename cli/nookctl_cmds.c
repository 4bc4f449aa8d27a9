#include "cli/nookctl_cmds.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/console.h"
#include "manager/ctid.h"
#include "manager/ops.h"

#define H_HELP H_HELP_CTL
#define H_JOBS "  -j, --jobs N        containers handled at once (default: the CPU count)\n"

int ctl_open_home(const struct nookctl_globals *g, struct nook_home *h, struct nook_err *err)
{
        return home_open(h, g->home, g->root, g->cgroup_parent, err);
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

static void show_progress_line(void *data, size_t done, size_t failed, size_t n)
{
        fprintf(stderr, "\r%s: %zu/%zu done, %zu failed%s", (const char *)data, done, n, failed,
                done == n ? "\n" : "");
}

static void show_output(const struct fleet_job *j)
{
        char *save = NULL;

        if (j->error)
                printf("%s: failed: %s\n", j->ctid, j->error);
        else
                printf("%s: exit status %d\n", j->ctid, j->status);
        for (char *l = j->output ? strtok_r(j->output, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save))
                printf("%s| %s\n", j->ctid, l);
        fflush(stdout);
}

int ctl_fleet(char *const *ids, fleet_fn fn, void *ctx, const char *verb,
              const struct fleet_opts *o)
{
        _cleanup_(fleet_report_free) struct fleet_report r = {0};
        struct fleet_opts fo = *o;
        struct nook_err err = {0};
        bool here = ids[0] && !ids[1] && !o->barrier;

        if (isatty(2)) {
                fo.progress = show_progress_line;
                fo.progress_data = (void *)verb;
        }
        if (fleet_run(ids, fn, ctx, &fo, &r, &err) < 0)
                cmd_report(&err);
        if (here) {
                if (r.jobs[0].error)
                        fprintf(stderr, "nookctl: %s\n", r.jobs[0].error);
                return r.jobs[0].status;
        }
        for (size_t i = 0; o->label_output && i < r.n; i++)
                show_output(&r.jobs[i]);
        for (size_t i = 0; i < r.n; i++) {
                const struct fleet_job *j = &r.jobs[i];
                if (j->error)
                        fprintf(stderr, "nookctl: %s: %s\n", j->ctid, j->error);
                else if (j->status && !o->label_output)
                        fprintf(stderr, "nookctl: %s: exit status %d\n", j->ctid, j->status);
        }
        if (o->barrier)
                fprintf(stderr, "nookctl: %s --barrier: %zu of %zu released within %.3f ms\n", verb,
                        r.released, r.n, (double)r.spread_ns / 1e6);
        if (r.failed)
                fprintf(stderr, "nookctl: %s failed for %zu of %zu containers\n", verb, r.failed,
                        r.n);
        return r.failed || err.msg[0] ? 1 : 0;
}

/* Opens the home, loads the registry (under the home lock when `locked`) and resolves
 * spec.  Only the CTIDs are read, unless spec names a container by its --name alias:
 * then every config.json is, to find it. */
static int load_targets(const struct nookctl_globals *g, const char *spec, bool locked,
                        struct nook_home *h, struct registry *r, char ***ids, struct nook_err *err)
{
        if (ctl_open_home(g, h, err) < 0 || (locked && home_lock(h, err) < 0) ||
            registry_load_ctids(h, r, err) < 0)
                return -1;
        if (registry_targets(r, spec, ids, err) == 0)
                return 0;
        nook_err_clear(err);
        registry_free(r);
        if (registry_load(h, r, err) < 0)
                return -1;
        return registry_targets(r, spec, ids, err);
}

/* Every container created with --onboot yes. */
static int onboot_targets(const struct nookctl_globals *g, struct nook_home *h, struct registry *r,
                          char ***ids, struct nook_err *err)
{
        if (ctl_open_home(g, h, err) < 0 || registry_load(h, r, err) < 0)
                return -1;
        *ids = xcalloc(1, sizeof(char *));
        for (size_t i = 0; i < r->n; i++)
                if (r->v[i].complete && r->v[i].s.onboot)
                        strv_push(ids, r->v[i].ctid);
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

struct fleet_cmd {
        struct cmd_parser p;
        const char *allowed; /* option letters this command takes */
        fleet_fn fn;
        bool home_lock;
};

/* The options of the simple fleet commands into ops and fo. */
static int parse_fleet_opts(const struct fleet_cmd *fc, int argc, char **argv, struct ct_ops *ops,
                            struct fleet_opts *fo, bool *all_onboot)
{
        uint64_t t;
        int c;

        while ((c = cmd_next_option(&fc->p, argc, argv)) != -1) {
                if (c == '?')
                        return -1;
                if (!strchr(fc->allowed, c))
                        return cmd_usage_fail(&fc->p, "unknown option %s", argv[optind - 1]);
                switch (c) {
                case 'j':
                        if (ctl_parse_jobs(optarg, &fo->jobs) < 0)
                                return -1;
                        break;
                case 'f':
                        ops->fast = true;
                        break;
                case 'F':
                        ops->force = true;
                        break;
                case 'o':
                        *all_onboot = true;
                        break;
                case 't':
                        if (parse_uint64(optarg, &t) < 0 || t > 86400)
                                return cmd_usage_fail(&fc->p, "--timeout %s: expected seconds",
                                                      optarg);
                        ops->timeout = (unsigned)t;
                        break;
                }
        }
        if (*all_onboot && argc - optind != 0)
                return cmd_usage_fail(&fc->p, "--all-onboot takes no CTID");
        return *all_onboot ? 0 : cmd_positionals(&fc->p, argc, argv, 1, false);
}

/* start/stop/restart/mount/umount/destroy: options, CTID list, fleet. */
static int run_fleet_cmd(const struct nookctl_globals *g, const struct fleet_cmd *fc, int argc,
                         char **argv)
{
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        struct ct_ops ops = {.h = &h, .timeout = CT_STOP_TIMEOUT_DEFAULT};
        struct fleet_opts fo = {0};
        struct nook_err err = {0};
        bool all_onboot = false;

        if (parse_fleet_opts(fc, argc, argv, &ops, &fo, &all_onboot) < 0)
                return 1;
        fo.waits_on_disk = fc->fn == ct_op_destroy;
        if (all_onboot ? onboot_targets(g, &h, &r, &ids, &err) < 0
                       : load_targets(g, argv[optind], fc->home_lock, &h, &r, &ids, &err) < 0)
                return cmd_report(&err);
        if (ids[0] == NULL)
                return 0;
        /* Before a fleet meets a kernel limit halfway. */
        if (fc->fn == ct_op_start && ids[1]) {
                /* What the fleet needs depends on every container's settings (read
                 * twice only when the list named a container by its alias). */
                registry_free(&r);
                if (registry_load(&h, &r, &err) < 0)
                        return cmd_report(&err);
                ctl_warn_limits(&h, &r);
                /* The workers need none of it: a heap left full of freed parse results
                 * costs each forked worker a copy-on-write fault per page its malloc
                 * touches (64 a container). */
                registry_free(&r);
                malloc_trim(0);
        }
        /* A fleet's stop waits for all the shutdowns at once, not --jobs at a time;
         * what is left is then killed and cleaned up by the jobs. */
        if ((fc->fn == ct_op_stop || fc->fn == ct_op_restart) && !ops.fast && ids[1]) {
                ct_shutdown_all(&ops, ids);
                ops.fast = true;
        }
        if (fc->fn == ct_op_stop && ids[1]) {
                int rc;

                ops.keep_links = true;
                rc = ctl_fleet(ids, fc->fn, &ops, fc->p.name, &fo);
                ct_links_delete(&ops, ids);
                return rc;
        }
        return ctl_fleet(ids, fc->fn, &ops, fc->p.name, &fo);
}

#define FLEET_CMD(fname, cname, allowed_, fn_, lock_, help_)                                       \
        static int fname(const struct nookctl_globals *g, int argc, char **argv)                   \
        {                                                                                          \
                static const struct fleet_cmd fc = {                                               \
                    {cname, "j:h", fleet_opts, help_}, allowed_, fn_, lock_};                      \
                return run_fleet_cmd(g, &fc, argc, argv);                                          \
        }

FLEET_CMD(cmd_start, "start", "jo", ct_op_start, false,
          "Usage: nookctl start [OPTIONS] CTID\n"
          "       nookctl start --all-onboot\n"
          "Mount the container's root in a mount namespace of its own and boot its init,\n"
          "detached; its console goes to containers/CTID/console.log.  While it runs,\n"
          "the host reaches its root at /proc/PID/root (nookctl list -o pid).\n\n" H_JOBS
          "      --all-onboot    start every container created with --onboot yes\n" H_HELP)
FLEET_CMD(cmd_stop, "stop", "jft", ct_op_stop, false,
          "Usage: nookctl stop [OPTIONS] CTID\n"
          "Ask the init to shut down (SIGRTMIN+3 for systemd, SIGUSR2 for busybox init,\n"
          "SIGPWR for sysvinit), wait, then kill what is left; unmount the root.\n\n"
          "      --fast          kill at once, without a clean shutdown\n"
          "      --timeout S     seconds to wait for the shutdown (default 60)\n" H_JOBS H_HELP)
FLEET_CMD(cmd_restart, "restart", "jft", ct_op_restart, false,
          "Usage: nookctl restart [OPTIONS] CTID\nStop, then start.\n\n"
          "      --fast          kill at once, without a clean shutdown\n"
          "      --timeout S     seconds to wait for the shutdown (default 60)\n" H_JOBS H_HELP)
FLEET_CMD(cmd_mount, "mount", "j", ct_op_mount, false,
          "Usage: nookctl mount CTID\nMount the container's root (overlayfs of its template "
          "and\nprivate layer) at containers/CTID/rootfs; a start then runs on that mount.\n"
          "A running container is mounted already, in its own namespace.\n\n" H_JOBS H_HELP)
FLEET_CMD(cmd_umount, "umount", "j", ct_op_umount, false,
          "Usage: nookctl umount CTID\nUnmount a stopped container's root.\n\n" H_JOBS H_HELP)
FLEET_CMD(cmd_destroy, "destroy", "jF", ct_op_destroy, true,
          "Usage: nookctl destroy [OPTIONS] CTID\n"
          "Remove the container: its private layer and configuration.\n\n"
          "      --force         stop it first when it runs\n"
          "  -j, --jobs N        containers handled at once (default: 16 a CPU, at most 64:\n"
          "                      a destroy mostly waits for the disk)\n" H_HELP)

FLEET_CMD(
    cmd_suspend, "suspend", "j", ct_op_suspend, false,
    "Usage: nookctl suspend CTID\n"
    "       nookctl chkpnt CTID\n"
    "Dump the running container's processes with CRIU into HOME/dump/CTID (open TCP\n"
    "connections and file locks too) and stop it; 'resume' or 'start' brings it back\n"
    "with the same processes, PIDs and IP address; 'stop' discards the dump.\n\n" H_JOBS H_HELP)
FLEET_CMD(cmd_resume, "resume", "j", ct_op_resume, false,
          "Usage: nookctl resume CTID\n"
          "Bring a suspended container back from its dump (HOME/dump/CTID), which then\n"
          "goes; a failed resume keeps it.\n\n" H_JOBS H_HELP)

static int cmd_status(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"status", "h", help_only,
                                            "Usage: nookctl status CTID\n"
                                            "Print 'CTID ID exist|deleted mounted|unmounted "
                                            "running|down', and ' suspended' for a\ncontainer with "
                                            "a dump, per container.\n\n" H_HELP};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        struct nook_err err = {0};

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        /* A CTID that does not exist is reported as deleted, not refused; names are
         * looked up in the registry. */
        if (ctl_open_home(g, &h, &err) < 0 || ctid_parse_list(argv[optind], &ids, &err) < 0 ||
            registry_load(&h, &r, &err) < 0)
                return cmd_report(&err);
        for (char **id = ids; *id; id++) {
                const struct ct_entry *e = registry_lookup(&r, *id);
                const char *ctid = e ? e->ctid : *id;
                struct ct_status st;

                ct_status_of(&h, ctid, &st);
                printf("CTID %s %s %s %s%s\n", ctid,
                       st.exists ? "exist" : (st.broken ? "broken" : "deleted"),
                       st.mounted ? "mounted" : "unmounted", st.running ? "running" : "down",
                       st.suspended ? " suspended" : "");
        }
        return 0;
}

/* --- exec, enter, console ------------------------------------------------------------ */

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
    "      --barrier       start COMMAND in every container at the same instant (each\n"
    "                      waits, set up, right before its execve; the spread of the\n"
    "                      releases is printed)\n" H_JOBS H_HELP;

static int cmd_exec(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"exec", "", NULL, exec_help};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        _cleanup_free_ char *script = NULL;
        struct fleet_opts fo = {0};
        struct ct_ops ops = {.h = &h};
        struct nook_err err = {0};
        const char *spec = NULL;
        char *sh_args[4] = {"/bin/sh", "-c", NULL, NULL};
        int i;

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
                ops.args = sh_args;
        } else {
                ops.args = argv + i;
        }
        if (load_targets(g, spec, false, &h, &r, &ids, &err) < 0)
                return cmd_report(&err);
        fo.label_output = ids[1] != NULL || fo.barrier;
        return ctl_fleet(ids, ct_op_exec, &ops, "exec", &fo);
}

/* enter and console: exactly one container, opened. */
static int open_one(const struct nookctl_globals *g, const struct cmd_parser *p, const char *spec,
                    struct nook_home *h, struct ct **c, struct nook_err *err)
{
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;

        if (load_targets(g, spec, false, h, &r, &ids, err) < 0)
                return -1;
        if (ids[1])
                return cmd_usage_fail(p, "%s takes one container", p->name);
        return ct_open(h, ids[0], 0, c, err);
}

static int cmd_enter(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"enter", "h", help_only,
                                            "Usage: nookctl enter CTID\n"
                                            "An interactive login shell (/bin/sh -l) in the "
                                            "container, on a new terminal.\n\n" H_HELP};
        static char *args[] = {"/bin/sh", "-l", NULL};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_ct_ struct ct *c = NULL;
        struct nook_err err = {0};
        int status = 0;

        if (cmd_next_option(&p, argc, argv) != -1 || cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (open_one(g, &p, argv[optind], &h, &c, &err) < 0)
                return cmd_report(&err);
        if (!isatty(0))
                return cmd_usage_error(&p, "enter needs a terminal on stdin (use exec)");
        return ct_exec(c, args, true, NULL, &status, &err) < 0 ? cmd_report(&err) : status;
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
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_ct_ struct ct *c = NULL;
        struct nook_err err = {0};
        bool follow = true;
        int ch;

        while ((ch = cmd_next_option(&p, argc, argv)) != -1) {
                if (ch != 'n')
                        return 1;
                follow = false;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (open_one(g, &p, argv[optind], &h, &c, &err) < 0 || ct_console(c, follow, 1, &err) < 0)
                return cmd_report(&err);
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
    {"suspend", cmd_suspend, "dump running containers with CRIU and stop them"},
    {"chkpnt", cmd_suspend, "vzctl's name for suspend"},
    {"resume", cmd_resume, "bring suspended containers back"},
    {"status", cmd_status, "exist|deleted mounted|unmounted running|down"},
    {"mount", cmd_mount, "mount a container's root filesystem"},
    {"umount", cmd_umount, "unmount it"},
    {"destroy", cmd_destroy, "remove containers"},
    {"exec", cmd_exec, "run a command in containers (--barrier: all at once)"},
    {"enter", cmd_enter, "an interactive login shell in a container"},
    {"console", cmd_console, "show and follow a container's console"},
    {"list", cmd_list, "list containers (vzlist)"},
    {"stats", cmd_stats, "resource usage, peaks, limits and limit hits (beancounters)"},
    {"template", cmd_template, "create, import, export, list and remove templates"},
    {"backup", cmd_backup, "write a container's private layer and config to a tarball"},
    {"restore", cmd_restore, "make a container from a backup"},
    {"migrate", cmd_migrate, "move a container to another host over ssh (vzmigrate)"},
    {"receive", cmd_receive, "the destination's half of migrate"},
    {"doctor", cmd_doctor, "the kernel limits a fleet meets, and --tune to raise them"},
    {NULL, NULL, NULL},
};
