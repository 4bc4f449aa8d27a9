/* What the unit tests of config.json's parser share: documents written with ' for "
 * (dq), a parse that must succeed or fail with one message, and the skeletons of a
 * config with a process or a linux object. */
#ifndef NOOK_TESTS_UNIT_CONFIG_TEST_H
#define NOOK_TESTS_UNIT_CONFIG_TEST_H

#include <stdint.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "oci/oci.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CAP(c) (UINT64_C(1) << (c))

/* The documents below are written with ' for " to stay readable. */
static inline char *dq(const char *text)
{
        char *s = xstrdup(text);

        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

static inline struct oci_config *parse_ok(const char *text)
{
        _cleanup_free_ char *json = dq(text);
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        if (oci_config_parse(json, &c, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        assert_non_null(c);
        return c;
}

static inline void expect_error(const char *text, const char *msg)
{
        _cleanup_free_ char *json = dq(text);
        struct nook_err err = {0};
        struct oci_config *c = NULL;

        assert_true(oci_config_parse(json, &c, &err) < 0);
        assert_null(c);
        assert_string_equal(err.msg, msg);
}

#define HEAD         "{'ociVersion':'1.2.0','root':{'path':'rootfs'},"
#define PROCESS(...) HEAD "'process':{'args':['sh'],'cwd':'/'" __VA_ARGS__ "}}"
#define LINUX(...)   HEAD "'linux':{" __VA_ARGS__ "}}"

/* A config with every field family the model reads. */
static const char full_config[] __attribute__((unused)) =
    "{'ociVersion':'1.2.0',"
    " 'root':{'path':'rootfs','readonly':true},"
    " 'process':{"
    "  'terminal':true,"
    "  'consoleSize':{'height':24,'width':80},"
    "  'user':{'uid':1000,'gid':1001,'umask':18,'additionalGids':[5,4294967295]},"
    "  'args':['/bin/sh','-c','true'],"
    "  'env':['PATH=/bin','HOME=/root'],"
    "  'cwd':'/home',"
    "  'capabilities':{'bounding':['CAP_CHOWN','CAP_SYS_ADMIN'],'effective':['CAP_KILL'],"
    "                  'inheritable':[],'permitted':['CAP_NET_RAW','CAP_KILL'],"
    "                  'ambient':['CAP_NET_BIND_SERVICE']},"
    "  'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
    "             {'type':'RLIMIT_CORE','soft':18446744073709551615,"
    "              'hard':18446744073709551615}],"
    "  'noNewPrivileges':true,"
    "  'oomScoreAdj':-500,"
    "  'apparmorProfile':'nook-default',"
    "  'selinuxLabel':'system_u:system_r:container_t:s0'},"
    " 'hostname':'box',"
    " 'domainname':'example.org',"
    " 'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
    "           {'destination':'/data','type':'bind','source':'/srv/data',"
    "            'options':['rbind','ro','nosuid','rprivate']},"
    "           {'destination':'dev/shm','type':'tmpfs','source':'shm',"
    "            'options':['nosuid','mode=1777','size=65536k']}],"
    " 'hooks':{'prestart':[{'path':'/usr/bin/pre'}],"
    "          'createRuntime':[{'path':'/usr/bin/cr','args':['cr','--x'],'env':['A=1'],"
    "                            'timeout':5}],"
    "          'createContainer':[{'path':'/bin/cc'}],"
    "          'startContainer':[{'path':'/bin/sc'}],"
    "          'poststart':[{'path':'/bin/ps'}],"
    "          'poststop':[{'path':'/bin/a'},{'path':'/bin/b','timeout':null}]},"
    " 'annotations':{'org.example.key':'value','empty':''},"
    " 'linux':{"
    "  'namespaces':[{'type':'pid'},{'type':'network','path':'/var/run/netns/x'},"
    "                {'type':'mount'},{'type':'ipc'},{'type':'uts'},{'type':'user'},"
    "                {'type':'cgroup'},{'type':'time'}],"
    "  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
    "  'gidMappings':[{'containerID':0,'hostID':200000,'size':1000},"
    "                 {'containerID':1000,'hostID':1000,'size':1}],"
    "  'timeOffsets':{'boottime':{'secs':-3600,'nanosecs':5},"
    "                 'monotonic':{'secs':86400,'nanosecs':999999999}},"
    "  'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,"
    "              'uid':0,'gid':5},"
    "             {'path':'/dev/fifo','type':'p'}],"
    "  'cgroupsPath':'/nook/box',"
    "  'resources':{'memory':{'limit':1048576}},"
    "  'rootfsPropagation':'rslave',"
    "  'maskedPaths':['/proc/kcore'],"
    "  'readonlyPaths':['/proc/sys','/proc/bus'],"
    "  'sysctl':{'net.ipv4.ip_forward':'1','kernel.shmmax':'4096'},"
    "  'mountLabel':'system_u:object_r:container_file_t:s0',"
    "  'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'}}}";

#endif
