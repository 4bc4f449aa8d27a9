/* The only place that reads or writes JSON (with yajl).
 *
 * Reading: json_parse() gives a tree; the accessors below look fields up and check
 * their types, reporting "<path>: expected a string" style errors, so a parser of a
 * document (config.json, state.json) names the JSON path of whatever is wrong.
 *
 * Writing: a json_writer produces compact or pretty JSON text.
 */
#ifndef NOOK_COMMON_JSON_H
#define NOOK_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct yajl_val_s *json_val;

int json_parse(const char *text, json_val *out, struct nook_err *err);
void json_free(json_val v);
static inline void json_freep(json_val *v)
{
        json_free(*v);
}
#define _cleanup_json_ __attribute__((cleanup(json_freep)))

/* Field of an object, NULL when absent (or when v is not an object). */
json_val json_get(json_val obj, const char *key);

bool json_is_null(json_val v);
bool json_is_object(json_val v);
bool json_is_array(json_val v);

size_t json_object_len(json_val obj);
const char *json_object_key(json_val obj, size_t i);
json_val json_object_value(json_val obj, size_t i);
size_t json_array_len(json_val arr);
json_val json_array_get(json_val arr, size_t i);

/* Typed reads of a value; `path` names it in the error ("process.args[0]").  The
 * returned string is newly allocated. */
int json_expect_object(json_val v, const char *path, struct nook_err *err);
int json_expect_array(json_val v, const char *path, struct nook_err *err);
int json_as_string(json_val v, const char *path, char **out, struct nook_err *err);
int json_as_bool(json_val v, const char *path, bool *out, struct nook_err *err);
int json_as_int64(json_val v, const char *path, int64_t *out, struct nook_err *err);
/* Integers in [0, max]. */
int json_as_uint64(json_val v, const char *path, uint64_t max, uint64_t *out, struct nook_err *err);
/* An array of strings into a NULL-terminated vector. */
int json_as_strv(json_val v, const char *path, char ***out, struct nook_err *err);

struct json_writer;
struct json_writer *json_writer_new(bool pretty);
void json_writer_free(struct json_writer *w);
static inline void json_writer_freep(struct json_writer **w)
{
        if (*w)
                json_writer_free(*w);
}
#define _cleanup_json_writer_ __attribute__((cleanup(json_writer_freep)))

void json_w_object_open(struct json_writer *w);
void json_w_object_close(struct json_writer *w);
void json_w_array_open(struct json_writer *w);
void json_w_array_close(struct json_writer *w);
void json_w_key(struct json_writer *w, const char *key);
void json_w_string(struct json_writer *w, const char *s); /* NULL writes null */
void json_w_int(struct json_writer *w, int64_t v);
void json_w_uint(struct json_writer *w, uint64_t v);
void json_w_bool(struct json_writer *w, bool v);
void json_w_null(struct json_writer *w);
/* key + value in one call, for the common case. */
void json_w_kv_string(struct json_writer *w, const char *key, const char *s);
void json_w_kv_int(struct json_writer *w, const char *key, int64_t v);
void json_w_kv_bool(struct json_writer *w, const char *key, bool v);
void json_w_kv_strv(struct json_writer *w, const char *key, char *const *v);
/* Any parsed value, nested objects and arrays included (NULL writes null). */
void json_w_value(struct json_writer *w, json_val v);
/* The members of the object obj (key and value each) except those whose key is in the
 * NULL-terminated skip list, inside an object the caller opened: edits a document by
 * copying what it does not change and writing the changed keys itself. */
void json_w_members(struct json_writer *w, json_val obj, const char *const *skip);
/* The text written so far (owned by the writer, NUL-terminated). */
const char *json_writer_text(struct json_writer *w, size_t *len);

/* Drops the whitespace between the tokens of the valid JSON text (len bytes) in place
 * and returns its new length; strings are kept byte for byte. */
size_t json_minify(char *text, size_t len);

#endif
