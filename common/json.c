#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/cleanup.h"
#include "common/util.h"

int json_parse(const char *text, json_val *out, struct nook_err *err)
{
        char errbuf[512] = "";
        json_val v = yajl_tree_parse(text, errbuf, sizeof(errbuf));

        if (v == NULL) {
                /* yajl's message spans lines (it quotes the input); keep the first. */
                char *nl = strchr(errbuf, '\n');
                if (nl)
                        *nl = '\0';
                return nook_err_set(err, 0, "invalid JSON: %s", errbuf[0] ? errbuf : "parse error");
        }
        *out = v;
        return 0;
}

void json_free(json_val v)
{
        if (v)
                yajl_tree_free(v);
}

json_val json_get(json_val obj, const char *key)
{
        if (obj == NULL || !YAJL_IS_OBJECT(obj))
                return NULL;
        for (size_t i = 0; i < obj->u.object.len; i++)
                if (strcmp(obj->u.object.keys[i], key) == 0)
                        return obj->u.object.values[i];
        return NULL;
}

bool json_is_null(json_val v)
{
        return v == NULL || YAJL_IS_NULL(v);
}

bool json_is_object(json_val v)
{
        return v && YAJL_IS_OBJECT(v);
}

bool json_is_array(json_val v)
{
        return v && YAJL_IS_ARRAY(v);
}

size_t json_object_len(json_val obj)
{
        return json_is_object(obj) ? obj->u.object.len : 0;
}

const char *json_object_key(json_val obj, size_t i)
{
        return obj->u.object.keys[i];
}

json_val json_object_value(json_val obj, size_t i)
{
        return obj->u.object.values[i];
}

size_t json_array_len(json_val arr)
{
        return json_is_array(arr) ? arr->u.array.len : 0;
}

json_val json_array_get(json_val arr, size_t i)
{
        return arr->u.array.values[i];
}

static int type_error(const char *path, const char *what, struct nook_err *err)
{
        return nook_err_set(err, 0, "%s: expected %s", path, what);
}

int json_expect_object(json_val v, const char *path, struct nook_err *err)
{
        return json_is_object(v) ? 0 : type_error(path, "an object", err);
}

int json_expect_array(json_val v, const char *path, struct nook_err *err)
{
        return json_is_array(v) ? 0 : type_error(path, "an array", err);
}

int json_as_string(json_val v, const char *path, char **out, struct nook_err *err)
{
        if (v == NULL || !YAJL_IS_STRING(v))
                return type_error(path, "a string", err);
        *out = xstrdup(v->u.string);
        return 0;
}

int json_as_bool(json_val v, const char *path, bool *out, struct nook_err *err)
{
        if (v == NULL || !(YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)))
                return type_error(path, "a boolean", err);
        *out = YAJL_IS_TRUE(v);
        return 0;
}

int json_as_int64(json_val v, const char *path, int64_t *out, struct nook_err *err)
{
        /* From the number's text: yajl's own integer conversion overflows on INT64_MIN. */
        if (v == NULL || !YAJL_IS_NUMBER(v) || parse_int64(v->u.number.r, out) < 0)
                return type_error(path, "an integer", err);
        return 0;
}

int json_as_uint64(json_val v, const char *path, uint64_t max, uint64_t *out, struct nook_err *err)
{
        uint64_t u;

        if (v == NULL || !YAJL_IS_NUMBER(v))
                return type_error(path, "a non-negative integer", err);
        /* yajl keeps the text of every number; parse it ourselves so values above
         * INT64_MAX (e.g. rlimits of 2^64-1) are exact. */
        if (parse_uint64(v->u.number.r, &u) < 0)
                return type_error(path, "a non-negative integer", err);
        if (u > max)
                return nook_err_set(err, 0, "%s: %" PRIu64 " is out of range (at most %" PRIu64 ")",
                                    path, u, max);
        *out = u;
        return 0;
}

int json_as_strv(json_val v, const char *path, char ***out, struct nook_err *err)
{
        char **r;
        size_t n;

        if (json_expect_array(v, path, err) < 0)
                return -1;
        n = v->u.array.len;
        r = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
                json_val e = v->u.array.values[i];
                if (e == NULL || !YAJL_IS_STRING(e)) {
                        strv_free(r);
                        return nook_err_set(err, 0, "%s[%zu]: expected a string", path, i);
                }
                r[i] = xstrdup(e->u.string);
        }
        *out = r;
        return 0;
}

struct json_writer {
        yajl_gen g;
};

struct json_writer *json_writer_new(bool pretty)
{
        struct json_writer *w = xcalloc(1, sizeof(*w));

        w->g = yajl_gen_alloc(NULL);
        if (w->g == NULL)
                abort();
        yajl_gen_config(w->g, yajl_gen_beautify, pretty ? 1 : 0);
        yajl_gen_config(w->g, yajl_gen_indent_string, "\t");
        yajl_gen_config(w->g, yajl_gen_validate_utf8, 0);
        return w;
}

void json_writer_free(struct json_writer *w)
{
        yajl_gen_free(w->g);
        free(w);
}

void json_w_object_open(struct json_writer *w)
{
        yajl_gen_map_open(w->g);
}

void json_w_object_close(struct json_writer *w)
{
        yajl_gen_map_close(w->g);
}

void json_w_array_open(struct json_writer *w)
{
        yajl_gen_array_open(w->g);
}

void json_w_array_close(struct json_writer *w)
{
        yajl_gen_array_close(w->g);
}

void json_w_key(struct json_writer *w, const char *key)
{
        yajl_gen_string(w->g, (const unsigned char *)key, strlen(key));
}

void json_w_string(struct json_writer *w, const char *s)
{
        if (s == NULL)
                yajl_gen_null(w->g);
        else
                yajl_gen_string(w->g, (const unsigned char *)s, strlen(s));
}

void json_w_int(struct json_writer *w, int64_t v)
{
        yajl_gen_integer(w->g, v);
}

void json_w_uint(struct json_writer *w, uint64_t v)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
        yajl_gen_number(w->g, buf, (size_t)n);
}

void json_w_bool(struct json_writer *w, bool v)
{
        yajl_gen_bool(w->g, v);
}

void json_w_null(struct json_writer *w)
{
        yajl_gen_null(w->g);
}

void json_w_kv_string(struct json_writer *w, const char *key, const char *s)
{
        json_w_key(w, key);
        json_w_string(w, s);
}

void json_w_kv_int(struct json_writer *w, const char *key, int64_t v)
{
        json_w_key(w, key);
        json_w_int(w, v);
}

void json_w_kv_bool(struct json_writer *w, const char *key, bool v)
{
        json_w_key(w, key);
        json_w_bool(w, v);
}

void json_w_kv_strv(struct json_writer *w, const char *key, char *const *v)
{
        json_w_key(w, key);
        json_w_array_open(w);
        for (size_t i = 0; v && v[i]; i++)
                json_w_string(w, v[i]);
        json_w_array_close(w);
}

void json_w_value(struct json_writer *w, json_val v)
{
        if (json_is_null(v)) {
                yajl_gen_null(w->g);
        } else if (YAJL_IS_STRING(v)) {
                json_w_string(w, v->u.string);
        } else if (YAJL_IS_NUMBER(v)) {
                /* The number's own text: exact for any integer or fraction yajl read. */
                yajl_gen_number(w->g, v->u.number.r, strlen(v->u.number.r));
        } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
                yajl_gen_bool(w->g, YAJL_IS_TRUE(v));
        } else if (YAJL_IS_OBJECT(v)) {
                yajl_gen_map_open(w->g);
                for (size_t i = 0; i < v->u.object.len; i++) {
                        json_w_key(w, v->u.object.keys[i]);
                        json_w_value(w, v->u.object.values[i]);
                }
                yajl_gen_map_close(w->g);
        } else {
                yajl_gen_array_open(w->g);
                for (size_t i = 0; i < v->u.array.len; i++)
                        json_w_value(w, v->u.array.values[i]);
                yajl_gen_array_close(w->g);
        }
}

static bool key_listed(const char *key, const char *const *list)
{
        for (; list && *list; list++)
                if (strcmp(*list, key) == 0)
                        return true;
        return false;
}

void json_w_members(struct json_writer *w, json_val obj, const char *const *skip)
{
        for (size_t i = 0; i < json_object_len(obj); i++) {
                if (key_listed(obj->u.object.keys[i], skip))
                        continue;
                json_w_key(w, obj->u.object.keys[i]);
                json_w_value(w, obj->u.object.values[i]);
        }
}

const char *json_writer_text(struct json_writer *w, size_t *len)
{
        const unsigned char *buf;
        size_t n;

        yajl_gen_get_buf(w->g, &buf, &n);
        if (len)
                *len = n;
        return (const char *)buf;
}

size_t json_minify(char *text, size_t len)
{
        bool in_string = false, escaped = false;
        size_t out = 0;

        for (size_t i = 0; i < len; i++) {
                char c = text[i];

                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (c == '\\')
                                escaped = true;
                        else if (c == '"')
                                in_string = false;
                } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                        continue;
                } else if (c == '"') {
                        in_string = true;
                }
                text[out++] = c;
        }
        return out;
}
