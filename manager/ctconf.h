/* A nookctl container's settings and their one home, the bundle's config.json.
 *
 * nookctl-only settings are annotations (org.nook.ostemplate, .name, .onboot,
 * .description, .nameserver, .searchdomain); the network is org.nook.net.eth0 (see
 * man/nook.8, NETWORKING); limits are linux.resources; everything else is a system container's
 * OCI config built on `nook spec`'s (its seccomp profile, masked and read-only paths):
 * /sbin/init as process 1 without a terminal, the capabilities of ct_default_caps(),
 * a writable cgroup2 mount for systemd guests, /run as a tmpfs, env container=nook.
 * Writing a config keeps whatever else the existing one holds. */
#ifndef NOOK_MANAGER_CTCONF_H
#define NOOK_MANAGER_CTCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "manager/quota.h"
#include "oci/oci.h"

#define CT_ANN_OSTEMPLATE   "org.nook.ostemplate"
#define CT_ANN_NAME         "org.nook.name"
#define CT_ANN_ONBOOT       "org.nook.onboot"
#define CT_ANN_DESCRIPTION  "org.nook.description"
#define CT_ANN_NAMESERVER   "org.nook.nameserver"
#define CT_ANN_SEARCHDOMAIN "org.nook.searchdomain"
#define CT_ANN_NET          "org.nook.net.eth0"
#define CT_ANN_DISKSPACE    "org.nook.diskspace"  /* "SOFT:HARD", bytes */
#define CT_ANN_DISKINODES   "org.nook.diskinodes" /* "SOFT:HARD" */
#define CT_ANN_PROJID       "org.nook.projid"     /* its project of the disk quotas */
#define CT_ANN_PROCFS       "org.nook.procfs"     /* lxcfs, auto or host: runtime/lxcfs.h */
#define CT_DEFAULT_BRIDGE   "nookbr0"
#define CT_DEFAULT_SUBNET   "10.0.0.0/24" /* of `--ipadd auto` */
#define CT_CPU_PERIOD       100000
/* Below this a busybox init and a shell do not fit; the kernel itself takes less. */
#define CT_MIN_RAM (16ULL << 20)

struct ct_settings {
        char *name; /* alias, NULL for none */
        char *ostemplate;
        char *hostname; /* NULL: the CTID */
        char *description;
        bool onboot;
        char **ips;       /* "ADDR/PREFIX" (normalized), NULL-terminated, may be NULL */
        bool routed;      /* mode=routed instead of a bridge */
        char *bridge;     /* bridge mode: default nookbr0 */
        char *routed_dev; /* routed mode: the uplink, NULL for none */
        char **nameservers;
        char **searchdomains;
        uint64_t ram, swap;         /* bytes; 0 = no limit */
        uint64_t cpulimit;          /* percent of one CPU; 0 = none */
        uint64_t cpuunits;          /* cpu.shares; 0 = default */
        uint64_t numproc;           /* pids.limit; 0 = none */
        char *cpumask;              /* cpuset.cpus ("0-3,6"); NULL: every CPU */
        char *nodemask;             /* cpuset.mems; NULL: every memory node */
        uint64_t iolimit;           /* bytes/s read and written on the disk io_dev; 0 = none */
        uint64_t iopslimit;         /* operations/s likewise; 0 = none */
        int64_t io_major, io_minor; /* the disk of iolimit and iopslimit */
        uint64_t ioweight;          /* io.weight of --ioprio; 0: the kernel's default (100) */
        struct quota_limits disk;   /* --diskspace, --diskinodes */
        uint32_t projid;            /* its disk quotas' project once it had one; 0: none */
        char *procfs;               /* "lxcfs", "auto" (LXCFS when it runs) or "host" */
        bool sync_off;              /* --sync off: the guest's sync(2) returns at once (a
                                     * seccomp rule: sync, SCMP_ACT_ERRNO, errnoRet 0) */
        uint64_t caps;              /* bit n = capability n */
        char **devices;             /* "c:MAJOR:MINOR:ACCESS" (MAJOR/MINOR may be '*', ACCESS
                                     * of rwm or "none"), beside nook's default devices */
        char *cgroups_path;
};

void ct_settings_free(struct ct_settings *s);
/* A deep copy of src into dst. */
void ct_settings_copy(struct ct_settings *dst, const struct ct_settings *src);

/* The capabilities a system container starts with: Docker's default set plus what a
 * VPS's init and daemons need inside their own namespaces. */
uint64_t ct_default_caps(void);

/* Reads the settings of a container's parsed config.json. */
int ct_settings_from_config(const struct oci_config *c, struct ct_settings *s,
                            struct nook_err *err);

/* Reads a bundle's config.json at path (*config may be NULL: not wanted) and its
 * settings. */
int ct_config_read(const char *path, struct oci_config **config, struct ct_settings *s,
                   struct nook_err *err);

/* Replaces s's part of config c; the rest of c stays as it is.  ctid names the
 * hostname default. */
void ct_config_apply(struct oci_config *c, const char *ctid, const struct ct_settings *s);
/* A new container's config: `nook spec`'s with s applied. */
struct oci_config *ct_config_new(const char *ctid, const struct ct_settings *s);

/* The linux.resources of s, for the config and for container_update. */
struct oci_resources *ct_resources(const struct ct_settings *s);

/* Checks and normalizes one --ipadd value ("10.0.0.5" -> "10.0.0.5/24" in bridge mode,
 * /32 routed; "10.5.0.1+300/16" -> "10.5.1.45/16"); *out is newly allocated.  The
 * network and broadcast addresses of the subnet are refused. */
int ct_ip_normalize(const char *ip, bool routed, char **out, struct nook_err *err);
/* The address part of a normalized "ADDR/PREFIX", for comparisons (static buffer). */
const char *ct_ip_addr(const char *ip, char buf[64]);
/* Whether a normalized "ADDR/PREFIX" is the first host of its subnet: the gateway a
 * bridged container of that subnet gets, which no container may take. */
bool ct_ip_is_gateway(const char *ip);
/* Whether s is a host name of DNS labels (letters, digits, '-', not at either end of
 * a label; at most 63 per label and 253 in all). */
bool ct_hostname_valid(const char *s);
/* vzctl's --ioprio 0-7 as io.weight: each step doubles, 4 is the kernel's default 100;
 * and back (-1: a weight that is none of them). */
uint64_t ct_ioprio_weight(unsigned prio);
int ct_ioprio_of(uint64_t weight);
/* "512M", "2G", "1048576", "64K" into bytes. */
int ct_parse_size(const char *opt, const char *s, uint64_t *out, struct nook_err *err);
/* Checks a --devices value, "c|b:MAJOR|*:MINOR|*:[r][w][m]|none", and sets *out to
 * its normal form (newly allocated). */
int ct_device_normalize(const char *spec, char **out, struct nook_err *err);
/* "CAP_NET_ADMIN" or "net_admin" into its number, -1 when unknown. */
int ct_cap_from_name(const char *name);

#endif
