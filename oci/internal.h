/* Shared by the parsers and writers of config.json's parts (the files of oci/), nobody else.
 *
 * Every parser gets the JSON path of the object it reads ("" for the document itself)
 * so errors can name the exact field.  Present-but-null counts as absent everywhere.
 * The opt_* readers return 1 when the field was present, 0 when absent, -1 on error;
 * the req_* ones refuse an absent field. */
#ifndef NOOK_OCI_INTERNAL_H
#define NOOK_OCI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/json.h"
#include "oci/oci.h"

/* ---- paths and errors (oci/fields.c) ---- */

/* "<parent>.<key>" ("<key>" for the document), "<parent>[i]"; newly allocated. */
char *path_key(const char *parent, const char *key);
char *path_index(const char *parent, size_t i);

/* Records "<path>.<key>: <message>" (or "<path>: <message>" when key is NULL) and
 * returns -1: the one shape of every config error, which names the JSON path. */
int config_field_error(struct nook_err *err, const char *path, const char *key, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* obj.key unless absent or null; its path goes to *fpath (caller frees). */
json_val lookup(json_val obj, const char *path, const char *key, char **fpath);
int require(json_val obj, const char *path, const char *key, struct nook_err *err);

int opt_string(json_val obj, const char *path, const char *key, char **out, struct nook_err *err);
int req_string(json_val obj, const char *path, const char *key, char **out, struct nook_err *err);
int opt_bool(json_val obj, const char *path, const char *key, bool *out, struct nook_err *err);
int opt_int64(json_val obj, const char *path, const char *key, int64_t *out, struct nook_err *err);
/* An integer in [min, max] into an oci_opt. */
int opt_range(json_val obj, const char *path, const char *key, int64_t min, int64_t max,
              struct oci_opt *out, struct nook_err *err);
int opt_uint(json_val obj, const char *path, const char *key, uint64_t max, uint64_t *out,
             struct nook_err *err);
int opt_u32(json_val obj, const char *path, const char *key, uint32_t *out, struct nook_err *err);
int req_u32(json_val obj, const char *path, const char *key, uint32_t *out, struct nook_err *err);
int opt_strv(json_val obj, const char *path, const char *key, char ***out, struct nook_err *err);
/* obj.key checked to be an object; its path goes to *fpath when fpath is not NULL. */
int opt_object(json_val obj, const char *path, const char *key, json_val *out, char **fpath,
               struct nook_err *err);
int opt_abs_path(json_val obj, const char *path, const char *key, char **out, struct nook_err *err);
int req_abs_path(json_val obj, const char *path, const char *key, char **out, struct nook_err *err);
/* An array of absolute paths (maskedPaths, readonlyPaths). */
int opt_path_list(json_val obj, const char *path, const char *key, char ***out,
                  struct nook_err *err);
/* An object of string values (annotations, sysctl, unified). */
int opt_kv(json_val obj, const char *path, const char *key, struct oci_kv **out, size_t *n,
           struct nook_err *err);

/* obj.key as an array of objects, each parsed by `parse` into an element of `size`
 * bytes; 0 when absent, 1 when parsed.  The array and its length are stored before the
 * elements are parsed, so on failure the caller's free function releases them too. */
typedef int (*config_item_parser)(json_val v, const char *path, void *item, struct nook_err *err);
int config_parse_list(json_val obj, const char *path, const char *key, config_item_parser parse,
                      size_t size, void **items, size_t *n, struct nook_err *err);
#define CONFIG_PARSE_LIST(obj, path, key, parse, items, n, err)                                    \
        config_parse_list(obj, path, key, parse, sizeof(*(items)), (void **)&(items), &(n), err)

/* Index of the first element whose int member at `offset` repeats an earlier element's,
 * or n when all differ. */
size_t first_duplicate(const void *items, size_t n, size_t size, size_t offset);

/* Settings of runtime-spec 1.2 that nook does not implement (`nook features` does not
 * offer them): the first of keys present in o, for create to refuse rather than to run
 * a container with less than its config asks for. */
const char *first_unsupported(json_val o, const char *const *keys);

void free_kv(struct oci_kv *kv, size_t n);

/* ---- members the model does not know (oci/fields.c) ---- */

/* The members of o whose keys are not in the NULL-terminated `known`. */
void extras_collect(json_val o, const char *const *known, struct oci_extras *out);
void extras_free(struct oci_extras *e);
/* Writes them as members of the object the caller opened. */
void extras_write(struct json_writer *w, const struct oci_extras *e);

/* ---- name tables (oci/names.c) ---- */

struct name_value {
        const char *name;
        unsigned long value;
};
const struct name_value *by_name(const struct name_value *table, size_t n, const char *name);
const char *name_of(const struct name_value *table, size_t n, unsigned long value);
#define BY_NAME(table, name)  by_name(table, ARRAY_SIZE(table), name)
#define NAME_OF(table, value) name_of(table, ARRAY_SIZE(table), value)

/* MS_* propagation by its name in mount options and rootfsPropagation. */
extern const struct name_value oci_propagation_names[];
extern const size_t oci_propagation_names_count;

/* ---- parts of the document ---- */

int parse_mount(json_val v, const char *path, void *item, struct nook_err *err);
int parse_idmaps(json_val obj, const char *path, const char *key, struct oci_idmap **maps,
                 size_t *n, struct nook_err *err);
int parse_linux(json_val o, const char *path, struct oci_linux *l, struct nook_err *err);
void free_linux(struct oci_linux *l);

/* ---- writing (oci/write.c, oci/write_linux.c) ---- */

void write_process(struct json_writer *w, const struct oci_process *p);
void write_mounts(struct json_writer *w, const struct oci_config *c);
void write_idmaps(struct json_writer *w, const char *key, const struct oci_idmap *m, size_t n);
void write_linux(struct json_writer *w, const struct oci_linux *l);
void write_resources(struct json_writer *w, const struct oci_resources *r);
void write_seccomp(struct json_writer *w, const struct oci_seccomp *s);
void write_kv(struct json_writer *w, const char *key, const struct oci_kv *kv, size_t n);
/* The writer's text as a new string. */
char *writer_take(struct json_writer *w);

#endif
