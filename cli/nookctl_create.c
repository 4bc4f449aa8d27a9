/* create and set: their options (shared), then manager/settings.c and manager/set.c
 * do the work. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/nookctl_cmds.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"
#include "manager/ops.h"
#include "manager/set.h"

enum {
        O_OSTEMPLATE = 256,
        O_IPADD,
        O_IPDEL,
        O_HOSTNAME,
        O_NAME,
        O_RAM,
        O_SWAP,
        O_CPUS,
        O_CPULIMIT,
        O_CPUUNITS,
        O_NUMPROC,
        O_ONBOOT,
        O_BRIDGE,
        O_ROUTED,
        O_NAMESERVER,
        O_SEARCHDOMAIN,
        O_USERPASSWD,
        O_CAPABILITY,
        O_DESCRIPTION,
        O_SAVE,
        O_DEVICES,
        O_CPUMASK,
        O_NODEMASK,
        O_IOLIMIT,
        O_IOPSLIMIT,
        O_IOPRIO,
        O_DISKSPACE,
        O_DISKINODES,
        O_PROCFS,
        O_SYNC,
};

static const struct option ct_options[] = {
    {"ostemplate", required_argument, NULL, O_OSTEMPLATE},
    {"ipadd", required_argument, NULL, O_IPADD},
    {"ipdel", required_argument, NULL, O_IPDEL},
    {"hostname", required_argument, NULL, O_HOSTNAME},
    {"name", required_argument, NULL, O_NAME},
    {"ram", required_argument, NULL, O_RAM},
    {"swap", required_argument, NULL, O_SWAP},
    {"cpus", required_argument, NULL, O_CPUS},
    {"cpulimit", required_argument, NULL, O_CPULIMIT},
    {"cpuunits", required_argument, NULL, O_CPUUNITS},
    {"numproc", required_argument, NULL, O_NUMPROC},
    {"onboot", required_argument, NULL, O_ONBOOT},
    {"bridge", required_argument, NULL, O_BRIDGE},
    {"routed", required_argument, NULL, O_ROUTED},
    {"nameserver", required_argument, NULL, O_NAMESERVER},
    {"searchdomain", required_argument, NULL, O_SEARCHDOMAIN},
    {"userpasswd", required_argument, NULL, O_USERPASSWD},
    {"capability", required_argument, NULL, O_CAPABILITY},
    {"description", required_argument, NULL, O_DESCRIPTION},
    {"save", no_argument, NULL, O_SAVE},
    {"devices", required_argument, NULL, O_DEVICES},
    {"cpumask", required_argument, NULL, O_CPUMASK},
    {"nodemask", required_argument, NULL, O_NODEMASK},
    {"iolimit", required_argument, NULL, O_IOLIMIT},
    {"iopslimit", required_argument, NULL, O_IOPSLIMIT},
    {"ioprio", required_argument, NULL, O_IOPRIO},
    {"diskspace", required_argument, NULL, O_DISKSPACE},
    {"diskinodes", required_argument, NULL, O_DISKINODES},
    {"procfs", required_argument, NULL, O_PROCFS},
    {"sync", required_argument, NULL, O_SYNC},
    {"jobs", required_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define H_COMMON                                                                                   \
        "      --ipadd IP[/P]       add an address (repeatable; default prefix /24, /64;\n"        \
        "                           routed /32, /128); IP+K is K addresses after IP\n"             \
        "                           (10.5.0.1+{N}/16); auto[:SUBNET] the lowest free one\n"        \
        "                           after the gateway (default 10.0.0.0/24)\n"                     \
        "      --hostname H         host name (DNS labels; default the CTID)\n"                    \
        "      --name N             an alias usable in place of the CTID\n"                        \
        "      --ram SIZE           memory limit (512M, 2G; at least 16M)\n"                       \
        "      --swap SIZE          swap allowed beside --ram\n"                                   \
        "      --cpus N             at most N CPUs' worth of time\n"                               \
        "      --cpulimit PCT       CPU time in percent of one CPU (200 = two CPUs)\n"             \
        "      --cpuunits N         relative CPU weight (cpu.shares)\n"                            \
        "      --numproc N          most processes and threads (pids.limit)\n"                     \
        "      --cpumask LIST|all   run on these CPUs only (0-3,6: cpuset.cpus)\n"                 \
        "      --nodemask LIST|all  allocate on these memory nodes only (cpuset.mems)\n"           \
        "      --iolimit RATE       bytes a second read and written on the home's disk\n"          \
        "                           (5M, 1G; 0: none; io.max rbps and wbps)\n"                     \
        "      --iopslimit N        disk operations a second (0: none; io.max riops, wiops)\n"     \
        "      --ioprio 0-7         disk time weight, 4 the default, each step doubles\n"          \
        "                           (io.weight 6 to 800)\n"                                        \
        "      --diskspace S[:H]    disk quota of the private layer, soft and hard (10G:11G;\n"    \
        "                           0: none); the home needs project quotas (ext4 or XFS)\n"       \
        "      --diskinodes S[:H]   most files and directories, soft and hard\n"                   \
        "      --procfs lxcfs|host|auto  /proc/meminfo, cpuinfo, stat, uptime... of the\n"         \
        "                           container's own (LXCFS; auto, the default: when it\n"          \
        "                           runs) or the host's, from the next start\n"                    \
        "      --sync on|off        off: the guest's sync(2) returns at once instead of\n"         \
        "                           flushing every filesystem of the host (fsync and syncfs\n"     \
        "                           still work; stop flushes its layer), from the next start\n"    \
        "      --onboot yes|no      start with 'nookctl start --all-onboot' at boot\n"             \
        "      --bridge NAME        attach to bridge NAME (default nookbr0)\n"                     \
        "      --routed DEV         routed (venet-style) through uplink DEV, no bridge\n"          \
        "      --nameserver IP      resolver in /etc/resolv.conf (repeatable)\n"                   \
        "      --searchdomain D     search domain in /etc/resolv.conf (repeatable)\n"              \
        "      --description TEXT   free text\n"                                                   \
        "      --devices c|b:MAJ:MIN:ACCESS  allow (r, w, m) or deny (none) a device;\n"           \
        "                           MAJ/MIN may be *; repeatable\n"                                \
        "  -j, --jobs N             containers handled at once (default: the CPU count)\n"         \
        "  -h, --help               show this help\n"

static const char create_help[] =
    "Usage: nookctl create CTID [OPTIONS]\n"
    "Create containers: a private overlay layer over a template and a config.json under\n"
    "HOME/containers/CTID.  A gateway defaults to the first host address of the subnet\n"
    "(--ipadd 10.0.0.101/24: 10.0.0.1, put on the bridge).  {ID} and {N} expand in\n"
    "values: nookctl create 101-160 --ipadd 10.0.0.{ID}/24 --hostname stu{ID}\n\n"
    "      --ostemplate T       template (default minimal)\n" H_COMMON;

static const char set_help[] =
    "Usage: nookctl set CTID [OPTIONS] [--save]\n"
    "Change settings.  A running container gets them at once where the kernel allows:\n"
    "limits, addresses, host name, /etc/hosts, /etc/resolv.conf, passwords.  --save also\n"
    "writes config.json; without it a running container's change lasts until restart.\n\n"
    "      --save               write the configuration\n"
    "      --ipdel IP|all       remove an address (repeatable) or all of them\n"
    "      --userpasswd U:P     set user U's password (created if missing); written\n"
    "                           into the container's /etc/shadow at once\n"
    "      --capability CAP:on|off  add or drop a capability (from the next start)\n" H_COMMON;

static int parse_opts(const struct cmd_parser *p, bool is_set, int argc, char **argv,
                      struct ct_edit *o, unsigned *jobs)
{
        int c;

        while ((c = cmd_next_option(p, argc, argv)) != -1) {
                bool set_only = c == O_IPDEL || c == O_USERPASSWD || c == O_SAVE;
                if (c == '?')
                        return -1;
                if ((set_only && !is_set) || (is_set && c == O_OSTEMPLATE))
                        return cmd_usage_fail(p, "unknown option %s", argv[optind - 1]);
                switch (c) {
                case O_OSTEMPLATE:
                        o->ostemplate = optarg;
                        break;
                case O_IPADD:
                        strv_push(&o->ipadd, optarg);
                        break;
                case O_IPDEL:
                        strv_push(&o->ipdel, optarg);
                        break;
                case O_HOSTNAME:
                        o->hostname = optarg;
                        break;
                case O_NAME:
                        o->name = optarg;
                        break;
                case O_RAM:
                        o->ram = optarg;
                        break;
                case O_SWAP:
                        o->swap = optarg;
                        break;
                case O_CPUS:
                        o->cpus = optarg;
                        break;
                case O_CPULIMIT:
                        o->cpulimit = optarg;
                        break;
                case O_CPUUNITS:
                        o->cpuunits = optarg;
                        break;
                case O_NUMPROC:
                        o->numproc = optarg;
                        break;
                case O_ONBOOT:
                        o->onboot = optarg;
                        break;
                case O_BRIDGE:
                        o->bridge = optarg;
                        break;
                case O_ROUTED:
                        o->routed = optarg;
                        break;
                case O_NAMESERVER:
                        strv_push(&o->nameservers, optarg);
                        break;
                case O_SEARCHDOMAIN:
                        strv_push(&o->searchdomains, optarg);
                        break;
                case O_USERPASSWD:
                        o->userpasswd = optarg;
                        break;
                case O_CAPABILITY:
                        strv_push(&o->caps, optarg);
                        break;
                case O_DESCRIPTION:
                        o->description = optarg;
                        break;
                case O_SAVE:
                        o->save = true;
                        break;
                case O_DEVICES:
                        strv_push(&o->devices, optarg);
                        break;
                case O_CPUMASK:
                        o->cpumask = optarg;
                        break;
                case O_NODEMASK:
                        o->nodemask = optarg;
                        break;
                case O_IOLIMIT:
                        o->iolimit = optarg;
                        break;
                case O_IOPSLIMIT:
                        o->iopslimit = optarg;
                        break;
                case O_IOPRIO:
                        o->ioprio = optarg;
                        break;
                case O_DISKSPACE:
                        o->diskspace = optarg;
                        break;
                case O_DISKINODES:
                        o->diskinodes = optarg;
                        break;
                case O_PROCFS:
                        o->procfs = optarg;
                        break;
                case O_SYNC:
                        o->sync = optarg;
                        break;
                case 'j':
                        if (ctl_parse_jobs(optarg, jobs) < 0)
                                return -1;
                        break;
                }
        }
        if (o->bridge && o->routed)
                return cmd_usage_fail(p, "--bridge and --routed exclude each other");
        return cmd_positionals(p, argc, argv, 1, false);
}

int cmd_create(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"create", "j:h", ct_options, create_help};
        _cleanup_(ct_edit_free) struct ct_edit e = {0};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        struct fleet_opts fo = {0};
        struct ct_ops ops = {.h = &h, .r = &r};
        struct nook_err err = {0};

        if (parse_opts(&p, false, argc, argv, &e, &fo.jobs) < 0)
                return 1;
        if (ctid_parse_list(argv[optind], &ids, &err) < 0 || ctl_open_home(g, &h, &err) < 0 ||
            home_lock(&h, &err) < 0 || registry_load(&h, &r, &err) < 0 ||
            ct_create_prepare(&h, &r, &e, ids, &err) < 0)
                return cmd_report(&err);
        return ctl_fleet(ids, ct_op_create, &ops, "create", &fo);
}

int cmd_set(const struct nookctl_globals *g, int argc, char **argv)
{
        static const struct cmd_parser p = {"set", "j:h", ct_options, set_help};
        _cleanup_(ct_edit_free) struct ct_edit e = {0};
        _cleanup_home_ struct nook_home h = NOOK_HOME_INIT;
        _cleanup_registry_ struct registry r = {0};
        _cleanup_strv_ char **ids = NULL;
        _cleanup_(ct_set_freep) struct ct_set *set = NULL;
        struct fleet_opts fo = {0};
        struct nook_err err = {0};

        if (parse_opts(&p, true, argc, argv, &e, &fo.jobs) < 0)
                return 1;
        if (ctl_open_home(g, &h, &err) < 0 || home_lock(&h, &err) < 0 ||
            registry_load(&h, &r, &err) < 0 || registry_targets(&r, argv[optind], &ids, &err) < 0 ||
            ct_set_prepare(&h, &r, &e, ids, &set, &err) < 0)
                return cmd_report(&err);
        return ctl_fleet(ids, ct_set_one, set, "set", &fo);
}
