/* nookctl list: vzlist's table, or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctlist.h"

static const char list_help[] =
    "Usage: nookctl list [OPTIONS] [CTID]\n"
    "List running containers (all with -a), like vzlist.  Default columns:\n"
    "CTID NPROC STATUS IP_ADDR HOSTNAME.\n\n"
    "  -a, --all            running and stopped containers\n"
    "  -S, --stopped        stopped containers only\n"
    "  -H, --no-header      no header line\n"
    "  -o, --output F1,F2   columns (see -L)\n"
    "  -s, --sort [-]FIELD  sort by FIELD (- for descending)\n"
    "  -j, --json           JSON: one object per container with the chosen fields\n"
    "  -L, --list-fields    print the field names\n"
    "  -h, --help           show this help\n";

struct cell {
        char *text;
        uint64_t num;
        bool has_num;
};

struct list_opts {
        bool all, stopped, no_header, json;
        int fields[32];
        size_t n_fields;
        int sort_field;
        bool sort_desc;
};

static int parse_fields(const char *spec, struct list_opts *lo)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        char *save = NULL;

        lo->n_fields = 0;
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                int i = list_field_find(f);
                if (i < 0) {
                        fprintf(stderr, "nookctl list: unknown field %s (see 'nookctl list -L')\n",
                                f);
                        return -1;
                }
                if (lo->n_fields == 32) {
                        fprintf(stderr, "nookctl list: at most 32 fields\n");
                        return -1;
                }
                lo->fields[lo->n_fields++] = i;
        }
        if (lo->n_fields == 0) {
                fprintf(stderr, "nookctl list: -o needs at least one field\n");
                return -1;
        }
        return 0;
}

/* For qsort: rows as arrays of cells, compared on one column. */
static __thread int sort_col;
static __thread bool sort_desc, sort_numeric;

static int row_cmp(const void *a, const void *b)
{
        const struct cell *x = *(struct cell *const *)a + sort_col;
        const struct cell *y = *(struct cell *const *)b + sort_col;
        int r;

        if (sort_numeric && (x->has_num || y->has_num))
                r = x->has_num != y->has_num ? (x->has_num ? 1 : -1)
                                             : (x->num > y->num) - (x->num < y->num);
        else
                r = sort_col == 0 ? ctid_cmp(x->text, y->text) : strcmp(x->text, y->text);
        return sort_desc ? -r : r;
}

static void print_table(struct cell **rows, size_t n, const struct list_opts *lo, size_t cols)
{
        size_t width[33] = {0};

        for (size_t c = 0; c < cols; c++) {
                width[c] = strlen(list_fields[lo->fields[c]].header);
                for (size_t i = 0; i < n; i++)
                        if (strlen(rows[i][c].text) > width[c])
                                width[c] = strlen(rows[i][c].text);
        }
        if (!lo->no_header) {
                for (size_t c = 0; c < cols; c++) {
                        const struct list_field *f = &list_fields[lo->fields[c]];
                        printf(c + 1 < cols || f->numeric ? "%s%*s" : "%s%-*s", c ? " " : "",
                               f->numeric ? (int)width[c] : -(int)width[c], f->header);
                }
                printf("\n");
        }
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < cols; c++) {
                        const struct list_field *f = &list_fields[lo->fields[c]];
                        if (c + 1 == cols && !f->numeric)
                                printf("%s%s", c ? " " : "", rows[i][c].text);
                        else
                                printf("%s%*s", c ? " " : "",
                                       f->numeric ? (int)width[c] : -(int)width[c],
                                       rows[i][c].text);
                }
                printf("\n");
        }
}

static void print_json(struct cell **rows, size_t n, const struct list_opts *lo, size_t cols)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);

        json_w_array_open(w);
        for (size_t i = 0; i < n; i++) {
                json_w_object_open(w);
                for (size_t c = 0; c < cols; c++) {
                        const struct list_field *f = &list_fields[lo->fields[c]];
                        json_w_key(w, f->name);
                        if (rows[i][c].has_num)
                                json_w_uint(w, rows[i][c].num);
                        else if (strcmp(rows[i][c].text, "-") == 0)
                                json_w_null(w);
                        else
                                json_w_string(w, rows[i][c].text);
                }
                json_w_object_close(w);
        }
        json_w_array_close(w);
        printf("%s\n", json_writer_text(w, NULL));
}

static int parse_list_opts(const struct cmd_parser *p, int argc, char **argv, struct list_opts *lo)
{
        static const int defaults[] = {0, 1, 2, 3, 4}; /* ctid nproc status ip hostname */
        int c;

        memcpy(lo->fields, defaults, sizeof(defaults));
        lo->n_fields = ARRAY_SIZE(defaults);
        while ((c = cmd_next_option(p, argc, argv)) != -1) {
                switch (c) {
                case 'a':
                        lo->all = true;
                        break;
                case 'S':
                        lo->stopped = true;
                        break;
                case 'H':
                        lo->no_header = true;
                        break;
                case 'j':
                        lo->json = true;
                        break;
                case 'o':
                        if (parse_fields(optarg, lo) < 0)
                                return -1;
                        break;
                case 's':
                        lo->sort_desc = optarg[0] == '-';
                        lo->sort_field = list_field_find(optarg + lo->sort_desc);
                        if (lo->sort_field < 0)
                                return cmd_usage_fail(p, "unknown sort field %s", optarg);
                        break;
                case 'L':
                        for (size_t i = 0; i < list_n_fields; i++)
                                printf("%-14s %s\n", list_fields[i].name, list_fields[i].header);
                        exit(0);
                default:
                        return -1;
                }
        }
        if (argc - optind > 1)
                return cmd_usage_fail(p, "expected at most one CTID list");
        return 0;
}

int cmd_list(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                             {"stopped", no_argument, NULL, 'S'},
                                             {"no-header", no_argument, NULL, 'H'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"sort", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"list-fields", no_argument, NULL, 'L'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        static const struct cmd_parser p = {"list", "aSHo:s:jLh", opts, list_help};
        struct list_opts lo = {.sort_field = 0};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        struct nook_err err = {0};
        struct list_row *rows = NULL;
        _cleanup_strv_ char **only = NULL;
        _cleanup_free_ struct cell **table = NULL;
        size_t n = 0, shown = 0, cols;
        int sort_col_idx = -1;

        if (parse_list_opts(&p, argc, argv, &lo) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            (optind < argc && registry_targets(&r, argv[optind], &only, &err) < 0) ||
            list_rows(&h, &r, &rows, &n, &err) < 0)
                return cmd_report(&err);
        /* The sort field is computed as a hidden last column when not shown. */
        cols = lo.n_fields;
        for (size_t c = 0; c < cols; c++)
                if (lo.fields[c] == lo.sort_field)
                        sort_col_idx = (int)c;
        if (sort_col_idx < 0) {
                lo.fields[cols] = lo.sort_field;
                sort_col_idx = (int)cols;
        }
        table = xcalloc(n ? n : 1, sizeof(*table));
        for (size_t i = 0; i < n; i++) {
                const struct list_row *row = &rows[i];
                bool listed = only == NULL;
                for (char **o = only; o && *o; o++)
                        listed |= strcmp(*o, row->e->ctid) == 0;
                if (!listed ||
                    (only == NULL && !lo.all && (lo.stopped ? row->running : !row->running)))
                        continue;
                struct cell *cells = xcalloc(cols + 1, sizeof(*cells));
                for (size_t c = 0; c <= cols; c++)
                        if (c < cols || sort_col_idx == (int)cols)
                                cells[c].text = list_value(&h, row, lo.fields[c], &cells[c].num,
                                                           &cells[c].has_num);
                table[shown++] = cells;
        }
        sort_col = sort_col_idx;
        sort_desc = lo.sort_desc;
        sort_numeric = list_fields[lo.sort_field].numeric;
        if (shown > 1)
                qsort(table, shown, sizeof(*table), row_cmp);
        if (lo.json)
                print_json(table, shown, &lo, cols);
        else
                print_table(table, shown, &lo, cols);
        for (size_t i = 0; i < shown; i++) {
                for (size_t c = 0; c <= cols; c++)
                        free(table[i][c].text);
                free(table[i]);
        }
        list_rows_free(rows, n);
        return 0;
}
