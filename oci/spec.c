/* `nook spec`'s default config.json, and the built-in seccomp profile it carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/internal.h"

/* oci/seccomp-default.json, NUL-terminated, from oci/seccomp_default.S. */
extern const char nook_seccomp_default_json[];

const char *oci_seccomp_default_profile_json(void)
{
        return nook_seccomp_default_json;
}

/* The template follows `runc spec` so bundles move between runtimes, except that the
 * process gets no terminal: a default bundle then runs without a console socket. */

static char *const default_args[] = {"sh", NULL};
static char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
static char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
static char *const default_namespaces[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
static char *const masked_paths[] = {"/proc/acpi",
                                     "/proc/asound",
                                     "/proc/kcore",
                                     "/proc/keys",
                                     "/proc/latency_stats",
                                     "/proc/timer_list",
                                     "/proc/timer_stats",
                                     "/proc/sched_debug",
                                     "/sys/firmware",
                                     "/proc/scsi",
                                     NULL};
static char *const readonly_paths[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                       "/proc/sysrq-trigger", NULL};

struct spec_mount {
        const char *destination;
        const char *type;
        const char *source;
        char *const options[8];
};

static const struct spec_mount spec_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* As in runc: an unprivileged user may not be allowed to mount sysfs or cgroupfs, and with
 * a single mapped id there is no gid 5 inside, so rootless bundles bind the host's /sys
 * (which brings /sys/fs/cgroup along) and drop gid=5. */
static const struct spec_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static void spec_mount_write(struct json_writer *w, const struct spec_mount *m, bool rootless)
{
        json_w_object_open(w);
        json_w_kv_string(w, "destination", m->destination);
        json_w_kv_string(w, "type", m->type);
        json_w_kv_string(w, "source", m->source);
        if (m->options[0]) {
                json_w_key(w, "options");
                json_w_array_open(w);
                for (char *const *o = m->options; *o; o++)
                        if (!(rootless && str_has_prefix(*o, "gid=")))
                                json_w_string(w, *o);
                json_w_array_close(w);
        }
        json_w_object_close(w);
}

static void spec_mounts_write(struct json_writer *w, bool rootless)
{
        json_w_key(w, "mounts");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(spec_mounts); i++) {
                const struct spec_mount *m = &spec_mounts[i];

                if (rootless && strcmp(m->destination, "/sys/fs/cgroup") == 0)
                        continue;
                if (rootless && strcmp(m->destination, "/sys") == 0)
                        m = &rootless_sys;
                spec_mount_write(w, m, rootless);
        }
        json_w_array_close(w);
}

static void spec_process_write(struct json_writer *w, char *const *args)
{
        json_w_key(w, "process");
        json_w_object_open(w);
        json_w_kv_bool(w, "terminal", false);
        json_w_key(w, "user");
        json_w_object_open(w);
        json_w_kv_int(w, "uid", 0);
        json_w_kv_int(w, "gid", 0);
        json_w_object_close(w);
        json_w_kv_strv(w, "args", args && args[0] ? args : default_args);
        json_w_kv_strv(w, "env", default_env);
        json_w_kv_string(w, "cwd", "/");

        json_w_key(w, "capabilities");
        json_w_object_open(w);
        json_w_kv_strv(w, "bounding", default_caps);
        json_w_kv_strv(w, "effective", default_caps);
        json_w_kv_strv(w, "permitted", default_caps);
        json_w_object_close(w);

        json_w_key(w, "rlimits");
        json_w_array_open(w);
        json_w_object_open(w);
        json_w_kv_string(w, "type", "RLIMIT_NOFILE");
        json_w_kv_int(w, "hard", 1024);
        json_w_kv_int(w, "soft", 1024);
        json_w_object_close(w);
        json_w_array_close(w);

        json_w_kv_bool(w, "noNewPrivileges", true);
        json_w_object_close(w);
}

static void spec_idmaps_write(struct json_writer *w, const char *key, uint64_t host_id)
{
        json_w_key(w, key);
        json_w_array_open(w);
        json_w_object_open(w);
        json_w_kv_int(w, "containerID", 0);
        json_w_key(w, "hostID");
        json_w_uint(w, host_id);
        json_w_kv_int(w, "size", 1);
        json_w_object_close(w);
        json_w_array_close(w);
}

/* The built-in profile is compiled-in data that the unit tests parse: a failure here is
 * a broken build, not bad input. */
static void spec_seccomp_write(struct json_writer *w)
{
        _cleanup_json_ json_val profile = NULL;
        struct nook_err err = {0};

        if (json_parse(oci_seccomp_default_profile_json(), &profile, &err) < 0) {
                fprintf(stderr, "nook: the built-in seccomp profile: %s\n", err.msg);
                abort();
        }
        json_w_key(w, "seccomp");
        json_w_value(w, profile);
}

static void spec_linux_write(struct json_writer *w, bool rootless)
{
        json_w_key(w, "linux");
        json_w_object_open(w);

        json_w_key(w, "namespaces");
        json_w_array_open(w);
        for (char *const *ns = default_namespaces; *ns; ns++) {
                json_w_object_open(w);
                json_w_kv_string(w, "type", *ns);
                json_w_object_close(w);
        }
        if (rootless) {
                json_w_object_open(w);
                json_w_kv_string(w, "type", "user");
                json_w_object_close(w);
        }
        json_w_array_close(w);

        if (rootless) {
                spec_idmaps_write(w, "uidMappings", getuid());
                spec_idmaps_write(w, "gidMappings", getgid());
        }
        json_w_kv_strv(w, "maskedPaths", masked_paths);
        json_w_kv_strv(w, "readonlyPaths", readonly_paths);
        spec_seccomp_write(w);
        json_w_object_close(w);
}

char *oci_config_default_json(char *const *args, bool rootless)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);

        json_w_object_open(w);
        json_w_kv_string(w, "ociVersion", "1.2.0");
        spec_process_write(w, args);
        json_w_key(w, "root");
        json_w_object_open(w);
        json_w_kv_string(w, "path", "rootfs");
        json_w_kv_bool(w, "readonly", true);
        json_w_object_close(w);
        json_w_kv_string(w, "hostname", "nook");
        spec_mounts_write(w, rootless);
        spec_linux_write(w, rootless);
        json_w_object_close(w);

        return writer_take(w);
}

struct oci_config *oci_config_default(char *const *args, bool rootless)
{
        _cleanup_free_ char *json = oci_config_default_json(args, rootless);
        struct oci_config *c = NULL;
        struct nook_err err = {0};

        /* nook's own template: failing to parse it is a broken build. */
        if (oci_config_parse(json, &c, &err) < 0) {
                fprintf(stderr, "nook: the default config.json: %s\n", err.msg);
                abort();
        }
        return c;
}
