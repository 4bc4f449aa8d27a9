/* Reading a cgroup's statistics: single-value files (memory.current, pids.max) and
 * flat-keyed ones of "key value" lines (memory.stat, cpu.stat, memory.events). */
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/util.h"

int cgroup_read_keyed(const char *path, const char *file, struct cgroup_stat **out, size_t *n,
                      struct nook_err *err)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        *out = NULL;
        *n = 0;
        if (cgroup_read(path, file, &text, err) < 0)
                return -1;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');

                if (sp == NULL)
                        continue;
                *sp = '\0';
                *out = xrealloc(*out, (*n + 1) * sizeof(**out));
                (*out)[(*n)++] = (struct cgroup_stat){xstrdup(line), xstrdup(sp + 1)};
        }
        return 0;
}

void cgroup_stats_free(struct cgroup_stat *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].key);
                free(v[i].value);
        }
        free(v);
}

int cgroup_read_u64(const char *path, const char *file, const char *key, uint64_t *out,
                    struct nook_err *err)
{
        _cleanup_free_ char *text = NULL;
        struct cgroup_stat *v = NULL;
        size_t n = 0;
        int r = -1;

        if (key == NULL) {
                if (cgroup_read(path, file, &text, err) < 0)
                        return -1;
                text[strcspn(text, "\n")] = '\0';
                if (parse_uint64(text, out) < 0)
                        return nook_err_set(err, 0, "%s: '%s' is not a number", file, text);
                return 0;
        }
        if (cgroup_read_keyed(path, file, &v, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].key, key) == 0)
                        r = parse_uint64(v[i].value, out);
        cgroup_stats_free(v, n);
        return r < 0 ? nook_err_set(err, 0, "%s: no number for %s", file, key) : 0;
}
