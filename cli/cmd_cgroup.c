/* nook pause, resume, update and events: a running container's cgroup. */
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

int cmd_pause(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "pause", "+h", help_only,
            "Usage: nook pause ID\nFreeze every process of a running container (its cgroup's "
            "cgroup.freeze); state then says paused.\n\n" H_HELP};
        return run_id_command(&p, container_pause, rt, argc, argv);
}

int cmd_resume(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct cmd_parser p = {
            "resume", "+h", help_only,
            "Usage: nook resume ID\nThaw the processes of a paused container.\n\n" H_HELP};
        return run_id_command(&p, container_resume, rt, argc, argv);
}

static const char *const update_help =
    "Usage: nook update [OPTIONS] ID\n"
    "Change the resource limits of a live container; limits not named stay as they are.\n\n"
    "  -r, --resources FILE     a LinuxResources JSON document ('-' for standard input);\n"
    "                           not together with the options below\n"
    "      --memory N           memory limit in bytes (-1: none)\n"
    "      --memory-reservation N  memory low boundary in bytes\n"
    "      --memory-swap N      memory plus swap limit in bytes (-1: none); needs --memory\n"
    "      --cpu-share N        relative CPU weight (2..262144; also --cpu-shares)\n"
    "      --cpu-quota N        CPU time per period in microseconds (-1: none)\n"
    "      --cpu-period N       the period in microseconds (default 100000)\n"
    "      --cpuset-cpus LIST   CPUs to run on, e.g. 0-1\n"
    "      --cpuset-mems LIST   memory nodes to use\n"
    "      --pids-limit N       maximum number of processes (-1: none)\n"
    "      --blkio-weight N     relative I/O weight (10..1000)\n"
    "      --cpu-rt-period N, --cpu-rt-runtime N  refused unless 0: cgroup v2 has no\n"
    "                           realtime group scheduling\n"
    "      --l3-cache-schema S, --mem-bw-schema S  refused: no Intel RDT\n"
    "      --kernel-memory N, --kernel-memory-tcp N  ignored: cgroup v2 accounts kernel\n"
    "                           memory with the rest\n" H_HELP;

/* The update options (runc's), each one number (or list) of a LinuxResources document,
 * or one nook cannot honour on cgroup v2. */
enum flag_kind { NUMBER, STRING, ZERO_ONLY, REFUSED, IGNORED };
static const struct update_flag {
        const char *name;
        enum flag_kind kind;
        size_t offset; /* NUMBER: of a struct oci_opt; STRING: of a char * */
} update_flags[] = {
    {"memory", NUMBER, offsetof(struct oci_resources, memory.limit)},
    {"memory-reservation", NUMBER, offsetof(struct oci_resources, memory.reservation)},
    {"memory-swap", NUMBER, offsetof(struct oci_resources, memory.swap)},
    {"cpu-shares", NUMBER, offsetof(struct oci_resources, cpu.shares)},
    {"cpu-share", NUMBER, offsetof(struct oci_resources, cpu.shares)},
    {"cpu-quota", NUMBER, offsetof(struct oci_resources, cpu.quota)},
    {"cpu-period", NUMBER, offsetof(struct oci_resources, cpu.period)},
    {"cpuset-cpus", STRING, offsetof(struct oci_resources, cpu.cpus)},
    {"cpuset-mems", STRING, offsetof(struct oci_resources, cpu.mems)},
    {"pids-limit", NUMBER, offsetof(struct oci_resources, pids_limit)},
    {"blkio-weight", NUMBER, offsetof(struct oci_resources, block_io.weight)},
    {"cpu-rt-period", ZERO_ONLY, 0},
    {"cpu-rt-runtime", ZERO_ONLY, 0},
    {"l3-cache-schema", REFUSED, 0},
    {"mem-bw-schema", REFUSED, 0},
    {"kernel-memory", IGNORED, 0},
    {"kernel-memory-tcp", IGNORED, 0},
};

/* The given flags as a LinuxResources document, checked as a file's would be. */
static int update_resources(const struct cmd_parser *p, char **values, struct oci_resources **out,
                            struct nook_err *err)
{
        _cleanup_resources_ struct oci_resources *r = oci_resources_new();

        for (size_t i = 0; i < ARRAY_SIZE(update_flags); i++) {
                const struct update_flag *f = &update_flags[i];
                char *field = (char *)r + f->offset;
                int64_t n;

                if (values[i] == NULL || f->kind == IGNORED)
                        continue;
                if (f->kind == REFUSED)
                        return cmd_usage_fail(p, "--%s: not supported (no Intel RDT)", f->name);
                if (f->kind == STRING) {
                        free(*(char **)field);
                        *(char **)field = xstrdup(values[i]);
                        continue;
                }
                if (parse_int64(values[i], &n) < 0)
                        return cmd_usage_fail(p, "--%s %s: expected a number", f->name, values[i]);
                if (f->kind == ZERO_ONLY && n != 0)
                        return cmd_usage_fail(p,
                                              "--%s %s: not supported with cgroup v2 (no realtime "
                                              "group scheduling)",
                                              f->name, values[i]);
                if (f->kind == NUMBER)
                        *(struct oci_opt *)field = (struct oci_opt){true, n};
        }
        if (oci_resources_check(r, "resources", err) < 0)
                return -1;
        *out = TAKE_PTR(r);
        return 0;
}

int cmd_update(const struct nook_runtime *rt, int argc, char **argv)
{
        static struct option opts[ARRAY_SIZE(update_flags) + 3];
        static const struct cmd_parser p = {"update", "r:h", opts, update_help};
        char *values[ARRAY_SIZE(update_flags)] = {0};
        _cleanup_free_ char *doc = NULL;
        _cleanup_resources_ struct oci_resources *r = NULL;
        const char *file = NULL;
        struct nook_err err = {0};
        bool any = false;
        int c;

        for (size_t i = 0; i < ARRAY_SIZE(update_flags); i++)
                opts[i] =
                    (struct option){update_flags[i].name, required_argument, NULL, 1000 + (int)i};
        opts[ARRAY_SIZE(update_flags)] = (struct option){"resources", required_argument, NULL, 'r'};
        opts[ARRAY_SIZE(update_flags) + 1] = (struct option){"help", no_argument, NULL, 'h'};
        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 'r')
                        file = optarg;
                else if (c >= 1000 && c < 1000 + (int)ARRAY_SIZE(update_flags)) {
                        values[c - 1000] = optarg;
                        any = true;
                } else
                        return 1;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (file && any)
                return cmd_usage_error(&p, "--resources and the limit options exclude each other");
        if (!file && !any)
                return cmd_usage_error(&p, "nothing to update: give --resources or a limit");
        if (file) {
                if (read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, &doc, NULL, 1 << 20,
                              &err) < 0 ||
                    oci_resources_parse_text(doc, &r, &err) < 0)
                        return cmd_report(&err);
        } else if (update_resources(&p, values, &r, &err) < 0) {
                return cmd_report(&err);
        }
        return container_update(rt, argv[optind], r, &err) < 0 ? cmd_report(&err) : 0;
}

static void print_event(const char *json, void *ctx)
{
        (void)ctx;
        printf("%s\n", json);
        fflush(stdout);
}

int cmd_events(const struct nook_runtime *rt, int argc, char **argv)
{
        static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
                                             {"interval", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {
            "events", "si:h", opts,
            "Usage: nook events [OPTIONS] ID\n"
            "Print the container's events as JSON lines until it stops, as runc does: its\n"
            "statistics every interval ({\"type\":\"stats\",...}) and {\"type\":\"oom\",...} "
            "each\ntime the kernel OOM-kills one of its processes.\n\n"
            "      --stats              print its statistics once and exit (memory, cpu, pids, "
            "io)\n"
            "      --interval T         the statistics' interval: 5s (the default), 500ms, "
            "1m30s;\n"
            "                           0 for OOM events only\n" H_HELP};
        _cleanup_free_ char *json = NULL;
        struct nook_err err = {0};
        bool stats = false;
        int c, interval_ms = 5000;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c == 's')
                        stats = true;
                else if (c != 'i' || (interval_ms = parse_duration_ms(optarg)) < 0)
                        return c == 'i' ? cmd_usage_error(&p,
                                                          "--interval %s: expected a duration "
                                                          "such as 5s or 500ms",
                                                          optarg)
                                        : 1;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (!stats)
                return container_events(rt, argv[optind], interval_ms, print_event, NULL, &err) < 0
                           ? cmd_report(&err)
                           : 0;
        if (container_stats_json(rt, argv[optind], &json, &err) < 0)
                return cmd_report(&err);
        printf("%s\n", json);
        return 0;
}
