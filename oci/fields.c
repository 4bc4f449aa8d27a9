/* The typed field readers every parser of oci/ shares (oci/internal.h), and the
 * members of an object that the model keeps for the writer without knowing them. */
#include "oci/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

char *path_key(const char *parent, const char *key)
{
        return parent[0] ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

char *path_index(const char *parent, size_t i)
{
        return xasprintf("%s[%zu]", parent, i);
}

json_val lookup(json_val obj, const char *path, const char *key, char **fpath)
{
        json_val v = json_get(obj, key);

        if (json_is_null(v))
                return NULL;
        *fpath = path_key(path, key);
        return v;
}

int config_field_error(struct nook_err *err, const char *path, const char *key, const char *fmt,
                       ...)
{
        _cleanup_free_ char *fpath = key ? path_key(path, key) : xstrdup(path);
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        return nook_err_set(err, 0, "%s: %s", fpath, msg);
}

int require(json_val obj, const char *path, const char *key, struct nook_err *err)
{
        if (!json_is_null(json_get(obj, key)))
                return 0;
        return config_field_error(err, path, key, "required property is missing");
}

int opt_string(json_val obj, const char *path, const char *key, char **out, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_string(v, fpath, out, err) < 0 ? -1 : 1;
}

int req_string(json_val obj, const char *path, const char *key, char **out, struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_string(obj, path, key, out, err);
}

int opt_bool(json_val obj, const char *path, const char *key, bool *out, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_bool(v, fpath, out, err) < 0 ? -1 : 1;
}

int opt_int64(json_val obj, const char *path, const char *key, int64_t *out, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_int64(v, fpath, out, err) < 0 ? -1 : 1;
}

int opt_uint(json_val obj, const char *path, const char *key, uint64_t max, uint64_t *out,
             struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_uint64(v, fpath, max, out, err) < 0 ? -1 : 1;
}

int opt_u32(json_val obj, const char *path, const char *key, uint32_t *out, struct nook_err *err)
{
        uint64_t u;
        int r = opt_uint(obj, path, key, UINT32_MAX, &u, err);

        if (r > 0)
                *out = (uint32_t)u;
        return r;
}

int req_u32(json_val obj, const char *path, const char *key, uint32_t *out, struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_u32(obj, path, key, out, err);
}

int opt_strv(json_val obj, const char *path, const char *key, char ***out, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);

        if (v == NULL)
                return 0;
        return json_as_strv(v, fpath, out, err) < 0 ? -1 : 1;
}

int opt_object(json_val obj, const char *path, const char *key, json_val *out, char **fpath,
               struct nook_err *err)
{
        _cleanup_free_ char *p = NULL;
        json_val v = lookup(obj, path, key, &p);

        if (v == NULL)
                return 0;
        if (json_expect_object(v, p, err) < 0)
                return -1;
        *out = v;
        if (fpath)
                *fpath = TAKE_PTR(p);
        return 1;
}

static bool is_absolute(const char *s)
{
        return s[0] == '/';
}

int opt_abs_path(json_val obj, const char *path, const char *key, char **out, struct nook_err *err)
{
        int r = opt_string(obj, path, key, out, err);

        if (r > 0 && !is_absolute(*out))
                return config_field_error(err, path, key, "must be an absolute path");
        return r;
}

int req_abs_path(json_val obj, const char *path, const char *key, char **out, struct nook_err *err)
{
        if (require(obj, path, key, err) < 0)
                return -1;
        return opt_abs_path(obj, path, key, out, err);
}

int opt_path_list(json_val obj, const char *path, const char *key, char ***out,
                  struct nook_err *err)
{
        int r = opt_strv(obj, path, key, out, err);

        for (size_t i = 0; r > 0 && (*out)[i]; i++)
                if (!is_absolute((*out)[i])) {
                        _cleanup_free_ char *fpath = path_key(path, key);
                        return nook_err_set(err, 0, "%s[%zu]: must be an absolute path", fpath, i);
                }
        return r;
}

int opt_kv(json_val obj, const char *path, const char *key, struct oci_kv **out, size_t *n,
           struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = NULL;
        int r = opt_object(obj, path, key, &v, &fpath, err);

        if (r <= 0)
                return r;
        *n = json_object_len(v);
        *out = xcalloc(*n, sizeof(**out));
        for (size_t i = 0; i < *n; i++) {
                const char *k = json_object_key(v, i);
                _cleanup_free_ char *kpath = path_key(fpath, k);

                (*out)[i].key = xstrdup(k);
                if (json_as_string(json_object_value(v, i), kpath, &(*out)[i].value, err) < 0)
                        return -1;
        }
        return 1;
}

int config_parse_list(json_val obj, const char *path, const char *key, config_item_parser parse,
                      size_t size, void **items, size_t *n, struct nook_err *err)
{
        _cleanup_free_ char *fpath = NULL;
        json_val v = lookup(obj, path, key, &fpath);
        char *arr;

        if (v == NULL)
                return 0;
        if (json_expect_array(v, fpath, err) < 0)
                return -1;
        *n = json_array_len(v);
        *items = arr = xcalloc(*n, size);
        for (size_t i = 0; i < *n; i++) {
                _cleanup_free_ char *ipath = path_index(fpath, i);
                json_val e = json_array_get(v, i);

                if (json_expect_object(e, ipath, err) < 0 ||
                    parse(e, ipath, arr + i * size, err) < 0)
                        return -1;
        }
        return 1;
}

size_t first_duplicate(const void *items, size_t n, size_t size, size_t offset)
{
        const char *base = items;

        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (*(const int *)(base + i * size + offset) ==
                            *(const int *)(base + j * size + offset))
                                return i;
        return n;
}

int opt_range(json_val obj, const char *path, const char *key, int64_t min, int64_t max,
              struct oci_opt *out, struct nook_err *err)
{
        int64_t n;
        int r = opt_int64(obj, path, key, &n, err);

        if (r <= 0)
                return r;
        if (n < min || n > max)
                return config_field_error(err, path, key, "%lld is out of range (%lld to %lld)",
                                          (long long)n, (long long)min, (long long)max);
        *out = (struct oci_opt){true, n};
        return 1;
}

const char *first_unsupported(json_val o, const char *const *keys)
{
        for (; *keys; keys++)
                if (!json_is_null(json_get(o, *keys)))
                        return *keys;
        return NULL;
}

void free_kv(struct oci_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

static bool is_known(const char *key, const char *const *known)
{
        for (; *known; known++)
                if (strcmp(*known, key) == 0)
                        return true;
        return false;
}

void extras_collect(json_val o, const char *const *known, struct oci_extras *out)
{
        for (size_t i = 0; i < json_object_len(o); i++) {
                const char *key = json_object_key(o, i);
                _cleanup_json_writer_ struct json_writer *w = NULL;

                if (is_known(key, known))
                        continue;
                w = json_writer_new(false);
                json_w_value(w, json_object_value(o, i));
                out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
                out->v[out->n++] = (struct oci_kv){xstrdup(key), writer_take(w)};
        }
}

void extras_free(struct oci_extras *e)
{
        free_kv(e->v, e->n);
        *e = (struct oci_extras){0};
}

void extras_write(struct json_writer *w, const struct oci_extras *e)
{
        for (size_t i = 0; i < e->n; i++) {
                _cleanup_json_ json_val v = NULL;

                /* Written by extras_collect from a parsed value: it parses. */
                if (json_parse(e->v[i].value, &v, NULL) < 0)
                        continue;
                json_w_key(w, e->v[i].key);
                json_w_value(w, v);
        }
}

void write_kv(struct json_writer *w, const char *key, const struct oci_kv *kv, size_t n)
{
        json_w_key(w, key);
        json_w_object_open(w);
        for (size_t i = 0; i < n; i++)
                json_w_kv_string(w, kv[i].key, kv[i].value);
        json_w_object_close(w);
}

char *writer_take(struct json_writer *w)
{
        size_t len;
        const char *text = json_writer_text(w, &len);

        return xstrndup(text, len);
}
