/* The names the runtime-spec gives to kernel constants: hooks, namespaces, rlimits,
 * mount propagation and capabilities.  One table each, read by the parsers, the
 * writers and `nook features`. */
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "oci/internal.h"

const char *const oci_hook_kind_names[OCI_HOOK_KIND_COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

const struct name_value *by_name(const struct name_value *table, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return &table[i];
        return NULL;
}

const char *name_of(const struct name_value *table, size_t n, unsigned long value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return NULL;
}

/* ---- namespaces ---- */

const struct oci_ns_kind oci_ns_kinds[] = {
    {CLONE_NEWUSER, "user", "user"},       {CLONE_NEWPID, "pid", "pid"},
    {CLONE_NEWTIME, "time", "time"},       {CLONE_NEWUTS, "uts", "uts"},
    {CLONE_NEWIPC, "ipc", "ipc"},          {CLONE_NEWNET, "network", "net"},
    {CLONE_NEWCGROUP, "cgroup", "cgroup"}, {CLONE_NEWNS, "mount", "mnt"},
};
const size_t oci_ns_kinds_count = ARRAY_SIZE(oci_ns_kinds);

const struct oci_ns_kind *oci_ns_kind_by_name(const char *name)
{
        for (size_t i = 0; i < oci_ns_kinds_count; i++)
                if (strcmp(oci_ns_kinds[i].name, name) == 0)
                        return &oci_ns_kinds[i];
        return NULL;
}

const struct oci_ns_kind *oci_ns_kind_by_flag(int flag)
{
        for (size_t i = 0; i < oci_ns_kinds_count; i++)
                if (oci_ns_kinds[i].flag == flag)
                        return &oci_ns_kinds[i];
        return NULL;
}

/* ---- rlimits ---- */

// clang-format off
#define RLIMIT_NAME(n) {"RLIMIT_" #n, RLIMIT_##n}
// clang-format on
static const struct name_value rlimit_names[] = {
    RLIMIT_NAME(AS),     RLIMIT_NAME(CORE),   RLIMIT_NAME(CPU),        RLIMIT_NAME(DATA),
    RLIMIT_NAME(FSIZE),  RLIMIT_NAME(LOCKS),  RLIMIT_NAME(MEMLOCK),    RLIMIT_NAME(MSGQUEUE),
    RLIMIT_NAME(NICE),   RLIMIT_NAME(NOFILE), RLIMIT_NAME(NPROC),      RLIMIT_NAME(RSS),
    RLIMIT_NAME(RTPRIO), RLIMIT_NAME(RTTIME), RLIMIT_NAME(SIGPENDING), RLIMIT_NAME(STACK),
};

int oci_rlimit_from_name(const char *name)
{
        const struct name_value *e = BY_NAME(rlimit_names, name);
        return e ? (int)e->value : -1;
}

const char *oci_rlimit_name(int resource)
{
        const char *n = NAME_OF(rlimit_names, (unsigned long)resource);
        return n ? n : "?";
}

/* ---- mount propagation ---- */

const struct name_value oci_propagation_names[] = {
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};
const size_t oci_propagation_names_count = ARRAY_SIZE(oci_propagation_names);

/* ---- capabilities ---- */

/* The kernel's names, in the spec's spelling; a table of our own rather than libcap's,
 * so the parser, nookctl and `nook features` agree on one list whatever libcap is
 * installed. */
static const char *const cap_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (cap_names[i] && strcmp(cap_names[i], name) == 0)
                        return (int)i;
        return -1;
}

const char *oci_cap_name(int cap)
{
        return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

int oci_cap_last(void)
{
        return (int)ARRAY_SIZE(cap_names) - 1;
}
