/* The OCI runtime-spec model (oci/types.h): config.json, an exec's process.json and a
 * LinuxResources document parsed and validated in one place before anything touches
 * the host, written back, and `nook spec`'s default.  Unknown properties are ignored
 * by the runtime, as the spec requires, but kept for the writer; errors name the JSON
 * path: "config.json: process.args[0]: expected a string".
 *
 * This floor knows config.json's structure and nothing else of nook: it includes only
 * common/.  What runs a config (rootfs/, net/, cgroup/, runtime/) reads the structs. */
#ifndef NOOK_OCI_OCI_H
#define NOOK_OCI_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/json.h"
#include "oci/types.h"

/* ---- config.json (oci/config.c) ---- */

/* Parses config.json text; errors are prefixed with "config.json: ". */
int oci_config_parse(const char *text, struct oci_config **out, struct nook_err *err);
/* Reads and parses <bundle>/config.json. */
int oci_config_load(const char *bundle, struct oci_config **out, struct nook_err *err);
void oci_config_free(struct oci_config *c);
static inline void oci_config_freep(struct oci_config **c)
{
        if (*c)
                oci_config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(oci_config_freep)))

/* config.json text of c (pretty-printed when pretty); parsing it gives c again. */
char *oci_config_to_json(const struct oci_config *c, bool pretty);

const char *oci_annotation(const struct oci_config *c, const char *key);
/* Sets (value != NULL) or removes an annotation. */
void oci_annotation_set(struct oci_config *c, const char *key, const char *value);
bool oci_config_has_namespace(const struct oci_config *c, int type);
const struct oci_namespace *oci_config_namespace(const struct oci_config *c, int type);

/* ---- process (oci/process.c) ---- */

/* A process object on its own (exec --process FILE); path prefix "process". */
int oci_process_parse(const char *text, struct oci_process **out, struct nook_err *err);
int oci_process_parse_json(json_val v, const char *path, struct oci_process **out,
                           struct nook_err *err);
void oci_process_free(struct oci_process *p);
char *oci_process_to_json(const struct oci_process *p);

/* ---- mounts (oci/mounts.c) ---- */

/* Mount options -> flags/propagation/data (used by the parser and by unit tests). */
int oci_mount_parse_options(struct oci_mount *m, struct nook_err *err);
/* Frees what m holds (not m itself). */
void oci_mount_free(struct oci_mount *m);
/* Appends a mount to c (source NULL: the type's name), its options parsed. */
int oci_config_add_mount(struct oci_config *c, const char *dest, const char *type,
                         const char *source, char *const *options, struct nook_err *err);

/* ---- linux.resources (oci/resources.c) ---- */

/* Parses a LinuxResources object; path names it in errors ("linux.resources"). */
int oci_resources_parse(json_val v, const char *path, struct oci_resources **out,
                        struct nook_err *err);
/* The same from JSON text (`nook update -r FILE`); errors are prefixed "resources". */
int oci_resources_parse_text(const char *text, struct oci_resources **out, struct nook_err *err);
struct oci_resources *oci_resources_new(void);
void oci_resources_free(struct oci_resources *r);
static inline void oci_resources_freep(struct oci_resources **r)
{
        if (*r)
                oci_resources_free(*r);
}
#define _cleanup_resources_ __attribute__((cleanup(oci_resources_freep)))
char *oci_resources_to_json(const struct oci_resources *r);
/* The ranges and rules of the limits a LinuxResources document may set (parsing runs
 * it; a caller that fills one in itself runs it too); normalizes as runc reads the
 * values (0 shares, quota or swap: not set; a quota without period: 100000).  path
 * names the object in errors. */
int oci_resources_check(struct oci_resources *r, const char *path, struct nook_err *err);
/* A device rule's access bits (OCI_DEV_*) from "rwm" and back; -1 for a string that
 * is not a subset of "rwm". */
int oci_device_access_parse(const char *s, unsigned *out);
const char *oci_device_access_text(unsigned access, char buf[4]);
/* Appends a copy of rule to r->devices. */
void oci_resources_add_device(struct oci_resources *r, const struct oci_device_rule *rule);

/* Appends a throttle entry (linux.resources.blockIO.throttle*Device; rate 0: no
 * limit) of kind for device major:minor. */
void oci_resources_add_throttle(struct oci_resources *r, enum oci_throttle_kind kind, int64_t major,
                                int64_t minor, uint64_t rate);
/* Sets linux.resources.unified[key] to value; and reads it (NULL: not set). */
void oci_resources_set_unified(struct oci_resources *r, const char *key, const char *value);
const char *oci_resources_unified(const struct oci_resources *r, const char *key);

/* Checks a cpu or memory-node list ("0-3,7") against the highest allowed number. */
int oci_cpu_list_check(const char *list, unsigned max, const char *path, struct nook_err *err);
/* The same against this host's possible CPUs, and its memory nodes; what names the
 * value in errors. */
int oci_cpus_check(const char *list, const char *what, struct nook_err *err);
int oci_mems_check(const char *list, const char *what, struct nook_err *err);

/* ---- linux.seccomp (oci/seccomp.c) ---- */

/* Parses the linux.seccomp object v; `path` names it in errors ("linux.seccomp"). */
int oci_seccomp_parse(json_val v, const char *path, struct oci_seccomp **out, struct nook_err *err);
void oci_seccomp_free(struct oci_seccomp *s);
/* Whether some rule notifies a seccomp agent (listenerPath) instead of deciding. */
bool oci_seccomp_uses_notify(const struct oci_seccomp *s);

/* ---- names of the spec (oci/names.c) ---- */

extern const char *const oci_hook_kind_names[OCI_HOOK_KIND_COUNT]; /* "prestart", ... */

struct oci_ns_kind {
        int flag;              /* CLONE_NEW* */
        const char *name;      /* "pid", "network", "mount", "ipc", "uts", "user", ... */
        const char *proc_name; /* its entry under /proc/<pid>/ns: "pid", "net", "mnt", ... */
};
/* All kinds, in the order they must be joined (user first, mount last: joining a
 * mount namespace changes how later paths resolve). */
extern const struct oci_ns_kind oci_ns_kinds[];
extern const size_t oci_ns_kinds_count;
const struct oci_ns_kind *oci_ns_kind_by_name(const char *name);
const struct oci_ns_kind *oci_ns_kind_by_flag(int flag);

/* rlimit name ("RLIMIT_NOFILE") to RLIMIT_* number, -1 when unknown; and back. */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);

/* "CAP_NET_ADMIN" to its number, -1 when unknown (exactly the spec's spelling); and
 * back (NULL beyond the last one this build knows). */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);
/* The highest capability number with a name. */
int oci_cap_last(void);

/* The seccomp names of the spec ("SCMP_ACT_ERRNO", "SCMP_CMP_EQ", "SCMP_ARCH_X86_64",
 * "SECCOMP_FILTER_FLAG_LOG"): for each kind, the i-th name (NULL past the last) and,
 * for architectures and flags, the value it stands for. */
const char *oci_seccomp_action_name(size_t i);
const char *oci_seccomp_op_name(size_t i);
const char *oci_seccomp_arch_name(size_t i, uint32_t *arch);
const char *oci_seccomp_flag_name(size_t i, unsigned int *flag);

/* ---- nook spec (oci/spec.c) ---- */

/* The default config.json of `nook spec` (args = NULL for the built-in "sh"). */
char *oci_config_default_json(char *const *args, bool rootless);
/* The same, parsed. */
struct oci_config *oci_config_default(char *const *args, bool rootless);
/* The built-in default seccomp profile (oci/seccomp-default.json) in OCI form, as text. */
const char *oci_seccomp_default_profile_json(void);

#endif
