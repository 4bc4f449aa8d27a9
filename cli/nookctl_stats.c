/* nookctl stats: the beancounters of containers (manager/beancounters.c), a table per
 * container and the fleet's totals, or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "manager/beancounters.h"

static const char stats_help[] =
    "Usage: nookctl stats [--json] CTID\n"
    "Per resource, like OpenVZ's /proc/user_beancounters: what each container holds now,\n"
    "the most it held, its limit and how many times the limit was hit (failcnt); with\n"
    "more than one container, their totals.  CTID takes ranges and lists (101-130).\n"
    "Resources: ram, swap, kmem (bytes); oom (failcnt: OOM kills); numproc (tasks);\n"
    "numfile (open files); cpu (microseconds; failcnt: periods throttled); io_read,\n"
    "io_write (bytes), io_readops, io_writeops; io_wait (microseconds all its tasks\n"
    "stalled on I/O); diskspace (bytes of the private layer), diskinodes (with a\n"
    "disk quota).  '-': none.\n\n"
    "  -j, --json          JSON: {\"containers\": [...], \"total\": {...}}\n" H_HELP_CTL;

typedef struct bc_value bc_table[BC_COUNT];

static void add_to(bc_table total, const bc_table t)
{
        for (int r = 0; r < BC_COUNT; r++)
                for (int c = 0; c < BC_COLUMNS; c++)
                        if (t[r].has[c]) {
                                total[r].v[c] += t[r].v[c];
                                total[r].has[c] = true;
                        }
}

static void print_table(const char *title, const bc_table t)
{
        printf("%s\n  %-12s %15s %15s %15s %10s\n", title, "RESOURCE", "HELD", "MAXHELD", "LIMIT",
               "FAILCNT");
        for (int r = 0; r < BC_COUNT; r++) {
                char cell[BC_COLUMNS][24];

                for (int c = 0; c < BC_COLUMNS; c++)
                        if (t[r].has[c])
                                snprintf(cell[c], sizeof(cell[c]), "%" PRIu64, t[r].v[c]);
                        else
                                snprintf(cell[c], sizeof(cell[c]), "-");
                printf("  %-12s %15s %15s %15s %10s\n", bc_names[r], cell[BC_HELD],
                       cell[BC_MAXHELD], cell[BC_LIMIT], cell[BC_FAILCNT]);
        }
}

static void json_table(struct json_writer *w, const bc_table t)
{
        json_w_object_open(w);
        for (int r = 0; r < BC_COUNT; r++) {
                json_w_key(w, bc_names[r]);
                json_w_object_open(w);
                for (int c = 0; c < BC_COLUMNS; c++) {
                        json_w_key(w, bc_column_names[c]);
                        if (t[r].has[c])
                                json_w_uint(w, t[r].v[c]);
                        else
                                json_w_null(w);
                }
                json_w_object_close(w);
        }
        json_w_object_close(w);
}

int cmd_stats(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
            {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {"stats", "jh", opts, stats_help};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        _cleanup_json_writer_ struct json_writer *w = NULL;
        struct nook_err err = {0};
        struct list_row *rows = NULL;
        bc_table total = {0};
        size_t n = 0, shown = 0;
        bool json = false;
        int c;

        while ((c = cmd_next_option(&p, argc, argv)) != -1) {
                if (c != 'j')
                        return 1;
                json = true;
        }
        if (cmd_positionals(&p, argc, argv, 1, false) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            registry_targets(&r, argv[optind], &ids, &err) < 0 ||
            list_rows(&h, &r, &rows, &n, &err) < 0)
                return cmd_report(&err);
        if (json) {
                w = json_writer_new(true);
                json_w_object_open(w);
                json_w_key(w, "containers");
                json_w_array_open(w);
        }
        /* In the order the command line names them; list_rows keeps the registry's
         * order, so a container's row is at its registry entry's index. */
        for (char **id = ids; *id; id++) {
                const struct ct_entry *e = registry_get(&r, *id);
                const struct list_row *row = &rows[e - r.v];
                bc_table t;

                for (int res = 0; res < BC_COUNT; res++)
                        bc_read(&h, row, res, &t[res]);
                add_to(total, t);
                shown++;
                if (json) {
                        json_w_object_open(w);
                        json_w_kv_string(w, "ctid", *id);
                        json_w_kv_bool(w, "running", row->running);
                        json_w_key(w, "resources");
                        json_table(w, t);
                        json_w_object_close(w);
                } else {
                        _cleanup_free_ char *title =
                            xasprintf("%s (%s):", *id, row->running ? "running" : "stopped");
                        print_table(title, t);
                }
        }
        if (json) {
                json_w_array_close(w);
                json_w_key(w, "total");
                json_table(w, total);
                json_w_object_close(w);
                printf("%s\n", json_writer_text(w, NULL));
        } else if (shown > 1) {
                _cleanup_free_ char *title = xasprintf("total of %zu containers:", shown);
                print_table(title, total);
        }
        list_rows_free(rows, n);
        return 0;
}
