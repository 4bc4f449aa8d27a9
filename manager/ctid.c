#include "manager/ctid.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

bool ctid_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > CTID_MAX_LEN || !isalnum((unsigned char)s[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

static bool all_digits(const char *s, size_t n)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        return true;
}

static bool listed(char **v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

static int push_unique(char ***v, size_t *n, const char *s, const char *spec, struct nook_err *err)
{
        if (listed(*v, *n, s))
                return 0;
        if (*n >= CTID_MAX_LIST)
                return nook_err_set(err, 0, "CTID list %s: more than %d containers", spec,
                                    CTID_MAX_LIST);
        strv_push(v, s);
        (*n)++;
        return 0;
}

/* "LO-HI" with both ends numbers; 1 when item is such a range, 0 when not, -1 on error. */
static int parse_range(const char *item, const char *spec, char ***v, size_t *n,
                       struct nook_err *err)
{
        const char *dash = strchr(item, '-');
        uint64_t lo, hi;

        if (dash == NULL || !all_digits(item, (size_t)(dash - item)) ||
            !all_digits(dash + 1, strlen(dash + 1)))
                return 0;
        _cleanup_free_ char *los = xstrndup(item, (size_t)(dash - item));
        if (parse_uint64(los, &lo) < 0 || parse_uint64(dash + 1, &hi) < 0)
                return nook_err_set(err, 0, "CTID range %s: number out of range", item);
        if (lo > hi)
                return nook_err_set(err, 0, "CTID range %s: %" PRIu64 " is above %" PRIu64, item,
                                    lo, hi);
        if (hi - lo >= CTID_MAX_LIST)
                return nook_err_set(err, 0, "CTID range %s: more than %d containers", item,
                                    CTID_MAX_LIST);
        for (uint64_t i = lo; i <= hi; i++) {
                char buf[24];
                snprintf(buf, sizeof(buf), "%" PRIu64, i);
                if (push_unique(v, n, buf, spec, err) < 0)
                        return -1;
        }
        return 1;
}

int ctid_parse_list(const char *spec, char ***out, struct nook_err *err)
{
        _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
        _cleanup_free_ char *copy = xstrdup(spec);
        char *save = NULL;
        size_t n = 0;

        if (spec[0] == '\0' || spec[0] == ',' || spec[strlen(spec) - 1] == ',' ||
            strstr(spec, ",,"))
                return nook_err_set(err, 0, "CTID list '%s': empty entry", spec);
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                int r = parse_range(item, spec, &v, &n, err);
                if (r < 0)
                        return -1;
                if (r > 0)
                        continue;
                if (!ctid_valid(item))
                        return nook_err_set(err, 0,
                                            "invalid CTID %s: expected a number, a range "
                                            "such as 101-160 or a name of [A-Za-z0-9_.-] "
                                            "(at most %d, starting with a letter or digit)",
                                            item, CTID_MAX_LEN);
                if (push_unique(&v, &n, item, spec, err) < 0)
                        return -1;
        }
        *out = TAKE_PTR(v);
        return 0;
}

char *ctid_expand(const char *value, const char *ctid, size_t index)
{
        size_t cap = strlen(value) + 1, len = 0;
        char *out = xmalloc(cap);
        char num[24];

        snprintf(num, sizeof(num), "%zu", index);
        for (const char *p = value; *p;) {
                const char *rep = NULL;
                size_t skip = 1;

                if (strncmp(p, "{ID}", 4) == 0)
                        rep = ctid, skip = 4;
                else if (strncmp(p, "{N}", 3) == 0)
                        rep = num, skip = 3;
                size_t add = rep ? strlen(rep) : 1;
                if (len + add + 1 > cap) {
                        cap = (len + add + 1) * 2;
                        out = xrealloc(out, cap);
                }
                if (rep)
                        memcpy(out + len, rep, add);
                else
                        out[len] = *p;
                len += add;
                p += skip;
        }
        out[len] = '\0';
        return out;
}
