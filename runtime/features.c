/* `nook features`: what this build supports, in the runtime-spec features document
 * format, so clients (podman, containerd) can tell before they ask. */
#include <linux/capability.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/seccomp.h"
#include "common/json.h"
#include "runtime/checkpoint.h"
#include "runtime/container.h"

static const char *const mount_options[] = {
    "async",      "atime",    "bind",        "dev",      "diratime",    "dirsync",
    "exec",       "idmap",    "lazytime",    "mand",     "noatime",     "nodev",
    "nodiratime", "noexec",   "nolazytime",  "nomand",   "norelatime",  "nostrictatime",
    "nosuid",     "private",  "rbind",       "relatime", "remount",     "ridmap",
    "ro",         "rprivate", "rshared",     "rslave",   "runbindable", "rw",
    "shared",     "slave",    "strictatime", "suid",     "sync",        "unbindable",
};

static void write_enabled(struct json_writer *w, const char *key, bool enabled)
{
        json_w_key(w, key);
        json_w_object_open(w);
        json_w_kv_bool(w, "enabled", enabled);
        json_w_object_close(w);
}

static void write_linux(struct json_writer *w)
{
        json_w_key(w, "linux");
        json_w_object_open(w);
        json_w_key(w, "namespaces");
        json_w_array_open(w);
        for (size_t i = 0; i < oci_ns_kinds_count; i++)
                json_w_string(w, oci_ns_kinds[i].name);
        json_w_array_close(w);
        json_w_key(w, "capabilities");
        json_w_array_open(w);
        for (int c = 0; c <= CAP_LAST_CAP; c++) {
                char *name = cap_to_name(c);
                _cleanup_free_ char *upper = xstrdup(name ? name : "");
                for (char *p = upper; *p; p++)
                        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
                cap_free(name);
                json_w_string(w, upper);
        }
        json_w_array_close(w);
        json_w_key(w, "cgroup");
        json_w_object_open(w);
        json_w_kv_bool(w, "v1", false);
        json_w_kv_bool(w, "v2", true);
        json_w_kv_bool(w, "systemd", false);
        json_w_kv_bool(w, "systemdUser", false);
        json_w_object_close(w);
        json_w_key(w, "seccomp");
        seccomp_write_features(w);
        write_enabled(w, "apparmor", false);
        write_enabled(w, "selinux", false);
        write_enabled(w, "intelRdt", false);
        json_w_key(w, "mountExtensions");
        json_w_object_open(w);
        write_enabled(w, "idmap", true);
        json_w_object_close(w);
        json_w_object_close(w);
}

char *container_features_json(void)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(true);
        _cleanup_free_ char *why = NULL;
        bool checkpoint = container_checkpoint_available(&why);

        json_w_object_open(w);
        json_w_kv_string(w, "ociVersionMin", "1.0.0");
        json_w_kv_string(w, "ociVersionMax", "1.2.0");
        json_w_key(w, "hooks");
        json_w_array_open(w);
        for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                json_w_string(w, oci_hook_kind_names[k]);
        json_w_array_close(w);
        json_w_key(w, "mountOptions");
        json_w_array_open(w);
        for (size_t i = 0; i < ARRAY_SIZE(mount_options); i++)
                json_w_string(w, mount_options[i]);
        json_w_array_close(w);
        write_linux(w);
        json_w_key(w, "annotations");
        json_w_object_open(w);
        json_w_kv_string(w, "org.nook.version", PACKAGE_VERSION);
        /* runc's and crun's way to say it (org.opencontainers.runc.checkpoint.enabled):
         * CRIU's own check, since Debian's CRIU fails on kernels newer than it knows. */
        json_w_kv_string(w, "org.nook.checkpoint.enabled", checkpoint ? "true" : "false");
        if (why)
                json_w_kv_string(w, "org.nook.checkpoint.reason", why);
        json_w_object_close(w);
        json_w_object_close(w);
        return xstrdup(json_writer_text(w, NULL));
}
