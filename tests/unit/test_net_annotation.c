/* The org.nook.net.* annotations (net/annotation.c): every key, the defaults, the host
 * names derived from container ids, every malformed case with its exact message, and
 * the network claims that keep containers from colliding (net/claims.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "net/internal.h"
#include "oci/oci.h"

#define ETH0 "org.nook.net.eth0"

/* Parses "KEY", "VALUE", ... (NULL-terminated) as the annotations of container id. */
static int parse_kv(const char *id, struct net_config **cfg, struct nook_err *err, ...)
{
        struct oci_kv kv[32];
        size_t n = 0;
        const char *k;
        va_list ap;

        va_start(ap, err);
        while ((k = va_arg(ap, const char *)) != NULL) {
                kv[n].key = (char *)k;
                kv[n++].value = va_arg(ap, char *);
        }
        va_end(ap);
        return net_config_parse(kv, n, id, cfg, err);
}

static struct net_config *parse_ok(const char *value)
{
        struct net_config *cfg = NULL;
        struct nook_err err = {0};

        if (parse_kv("c1", &cfg, &err, ETH0, value, NULL) < 0)
                fail_msg("%s: unexpected error: %s", value, err.msg);
        assert_non_null(cfg);
        assert_int_equal(cfg->n_ifaces, 1);
        return cfg;
}

/* The exact error for annotation ETH0 = value. */
static void assert_error(const char *value, const char *want)
{
        struct net_config *cfg = (struct net_config *)1;
        struct nook_err err = {0};

        if (parse_kv("c1", &cfg, &err, ETH0, value, NULL) == 0)
                fail_msg("%s: accepted", value);
        assert_null(cfg);
        assert_int_equal(err.errnum, 0);
        if (strcmp(err.msg, want) != 0)
                fail_msg("%s:\n got:  %s\n want: %s", value, err.msg, want);
}

static void assert_addr(const struct net_addr *a, const char *text, unsigned prefix)
{
        char buf[64];

        assert_string_equal(net_addr_format(a, false, buf, sizeof(buf)), text);
        assert_int_equal(a->prefix, prefix);
}

/* --- valid configurations ------------------------------------------------------------------- */

static void test_no_net_annotations(void **state)
{
        struct net_config *cfg = (struct net_config *)1;
        struct nook_err err = {0};

        assert_int_equal(
            parse_kv("c1", &cfg, &err, "org.nook.other", "x", "org.nook.netx", "y", NULL), 0);
        assert_null(cfg);
        assert_int_equal(net_config_parse(NULL, 0, "c1", &cfg, &err), 0);
        assert_null(cfg);
}

static void test_every_key_bridge(void **state)
{
        struct net_config *cfg =
            parse_ok("bridge=nookbr0,ip=10.42.0.2/24,ip=fd00:42::2/64,gw=10.42.0.1,"
                     "gw=fd00:42::1,mac=02:AB:cd:00:00:01,mtu=1400,host=veth-web1,"
                     "nat=masquerade,publish=tcp:8080:80;udp:5353:53,publish=tcp:8443:443");
        const struct net_iface *i = &cfg->ifaces[0];

        assert_string_equal(cfg->id, "c1");
        assert_string_equal(i->annotation, ETH0);
        assert_string_equal(i->name, "eth0");
        assert_int_equal(i->mode, NET_MODE_BRIDGE);
        assert_string_equal(i->bridge, "nookbr0");
        assert_string_equal(i->dev, "");
        assert_int_equal(i->n_addrs, 2);
        assert_int_equal(i->addrs[0].family, AF_INET);
        assert_addr(&i->addrs[0], "10.42.0.2", 24);
        assert_int_equal(i->addrs[1].family, AF_INET6);
        assert_addr(&i->addrs[1], "fd00:42::2", 64);
        /* The gateway carries its subnet's prefix: the bridge's address. */
        assert_addr(&i->gw4, "10.42.0.1", 24);
        assert_addr(&i->gw6, "fd00:42::1", 64);
        assert_true(i->has_mac);
        assert_memory_equal(i->mac, ((uint8_t[]){0x02, 0xab, 0xcd, 0, 0, 1}), 6);
        assert_int_equal(i->mtu, 1400);
        assert_string_equal(i->host, "veth-web1");
        assert_true(i->masquerade);
        assert_int_equal(i->n_publish, 3);
        assert_int_equal(i->publish[0].proto, IPPROTO_TCP);
        assert_int_equal(i->publish[0].host_port, 8080);
        assert_int_equal(i->publish[0].ct_port, 80);
        assert_int_equal(i->publish[1].proto, IPPROTO_UDP);
        assert_int_equal(i->publish[1].host_port, 5353);
        assert_int_equal(i->publish[1].ct_port, 53);
        assert_int_equal(i->publish[2].host_port, 8443);
        assert_int_equal(i->publish[2].ct_port, 443);
        net_config_free(cfg);
}

static void test_defaults(void **state)
{
        struct net_config *cfg = parse_ok("bridge=br0,ip=10.0.0.2/16");
        const struct net_iface *i = &cfg->ifaces[0];

        assert_int_equal(i->mtu, 0);
        assert_false(i->has_mac);
        assert_false(i->masquerade);
        assert_int_equal(i->n_publish, 0);
        /* No gateway: no default route, nothing on the bridge. */
        assert_int_equal(i->gw4.family, 0);
        assert_int_equal(i->gw6.family, 0);
        assert_int_equal(strlen(i->host), 14);
        assert_memory_equal(i->host, "nk", 2);
        net_config_free(cfg);
}

static void test_gateway_prefix_from_its_subnet(void **state)
{
        /* The second subnet holds the gateway. */
        struct net_config *cfg =
            parse_ok("bridge=br0,ip=10.1.0.2/24,ip=10.2.0.2/16,gw=10.2.255.254");

        assert_addr(&cfg->ifaces[0].gw4, "10.2.255.254", 16);
        net_config_free(cfg);
}

static void test_routed(void **state)
{
        struct net_config *cfg =
            parse_ok("mode=routed,dev=up0,ip=192.0.2.50/24,ip=2001:db8::50/64");
        const struct net_iface *i = &cfg->ifaces[0];

        assert_int_equal(i->mode, NET_MODE_ROUTED);
        assert_string_equal(i->dev, "up0");
        assert_string_equal(i->bridge, "");
        /* The host answers for these gateways; they need no subnet. */
        assert_addr(&i->gw4, "169.254.1.1", 32);
        assert_addr(&i->gw6, "fe80::1", 128);
        net_config_free(cfg);

        cfg = parse_ok("mode=routed,ip=192.0.2.50/32,gw=192.0.2.1");
        assert_addr(&cfg->ifaces[0].gw4, "192.0.2.1", 32);
        assert_int_equal(cfg->ifaces[0].gw6.family, 0);
        assert_string_equal(cfg->ifaces[0].dev, "");
        net_config_free(cfg);
}

static void test_mode_bridge_spelled_out(void **state)
{
        struct net_config *cfg = parse_ok("mode=bridge,bridge=br0,ip=10.0.0.2/24");

        assert_int_equal(cfg->ifaces[0].mode, NET_MODE_BRIDGE);
        net_config_free(cfg);
}

static void test_interfaces_sorted_and_named(void **state)
{
        struct net_config *cfg = NULL;
        struct nook_err err = {0};
        char want[16];

        assert_int_equal(parse_kv("web", &cfg, &err, "org.nook.net.eth1", "bridge=b,ip=10.1.0.2/24",
                                  "org.nook.net.eth0", "bridge=b,ip=10.0.0.2/24", NULL),
                         0);
        assert_int_equal(cfg->n_ifaces, 2);
        assert_string_equal(cfg->ifaces[0].name, "eth0");
        assert_string_equal(cfg->ifaces[1].name, "eth1");
        /* The index is the position by name, not in the JSON. */
        net_host_name("web", 0, want);
        assert_string_equal(cfg->ifaces[0].host, want);
        net_host_name("web", 1, want);
        assert_string_equal(cfg->ifaces[1].host, want);
        assert_string_not_equal(cfg->ifaces[0].host, cfg->ifaces[1].host);
        net_config_free(cfg);
}

static void test_host_name_derivation(void **state)
{
        char a[16], b[16], long_id[1025];
        char(*names)[16] = xcalloc(2000, sizeof(*names));

        /* Stable. */
        net_host_name("web1", 0, a);
        net_host_name("web1", 0, b);
        assert_string_equal(a, b);
        /* At most 15 bytes, also for the longest ids. */
        memset(long_id, 'z', 1024);
        long_id[1024] = '\0';
        net_host_name(long_id, 15, a);
        assert_int_equal(strlen(a), 14);
        assert_int_equal(a[13], 'f');
        /* Unique across ids that differ little. */
        for (int i = 0; i < 2000; i++) {
                char id[16];

                snprintf(id, sizeof(id), "ct%d", i);
                net_host_name(id, 0, names[i]);
                assert_true(strlen(names[i]) <= 15);
                for (int j = 0; j < i; j++)
                        if (strcmp(names[i], names[j]) == 0)
                                fail_msg("ct%d and ct%d share %s", i, j, names[i]);
        }
        free(names);
}

/* --- malformed annotations ------------------------------------------------------------------- */

static void test_bad_addresses(void **state)
{
        assert_error("bridge=b,ip=10.0.0.300/24",
                     "annotation " ETH0 ": ip=10.0.0.300/24: invalid IPv4 address");
        assert_error("bridge=b,ip=fd00::zz/64",
                     "annotation " ETH0 ": ip=fd00::zz/64: invalid IPv6 address");
        assert_error("bridge=b,ip=10.0.0.2/33",
                     "annotation " ETH0 ": ip=10.0.0.2/33: invalid prefix length 33 (IPv4 "
                     "allows 1-32)");
        assert_error("bridge=b,ip=fd00::2/129",
                     "annotation " ETH0 ": ip=fd00::2/129: invalid prefix length 129 (IPv6 "
                     "allows 1-128)");
        assert_error("bridge=b,ip=10.0.0.2/0",
                     "annotation " ETH0 ": ip=10.0.0.2/0: invalid prefix length 0 (IPv4 "
                     "allows 1-32)");
        assert_error("bridge=b,ip=10.0.0.2/",
                     "annotation " ETH0 ": ip=10.0.0.2/: invalid prefix length  (IPv4 allows "
                     "1-32)");
        assert_error("bridge=b,ip=10.0.0.2/+24",
                     "annotation " ETH0 ": ip=10.0.0.2/+24: invalid prefix length +24 (IPv4 "
                     "allows 1-32)");
        assert_error("bridge=b,ip=10.0.0.2",
                     "annotation " ETH0 ": ip=10.0.0.2: expected ADDRESS/PREFIX");
        assert_error("bridge=b,ip=224.0.0.1/4",
                     "annotation " ETH0 ": ip=224.0.0.1/4: not a unicast address");
        assert_error("bridge=b,ip=127.0.0.2/8",
                     "annotation " ETH0 ": ip=127.0.0.2/8: not a unicast address");
        assert_error("bridge=b,ip=::1/128",
                     "annotation " ETH0 ": ip=::1/128: not a unicast address");
        assert_error("bridge=b,ip=ff02::1/64",
                     "annotation " ETH0 ": ip=ff02::1/64: not a unicast address");
        assert_error("bridge=b,ip=10.0.0.0/24",
                     "annotation " ETH0 ": ip=10.0.0.0/24: is the network address of its subnet");
        assert_error("bridge=b,ip=10.0.0.255/24",
                     "annotation " ETH0 ": ip=10.0.0.255/24: is the broadcast address of its "
                     "subnet");
        assert_error("bridge=b,ip=10.0.0.2/24,ip=10.0.0.2/16",
                     "annotation " ETH0 ": ip=10.0.0.2/16: address given twice (first as "
                     "ip=10.0.0.2/24)");
        assert_error("bridge=b,ip=", "annotation " ETH0 ": ip=: invalid IPv4 address");
}

static void test_bad_gateways(void **state)
{
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.1.0.1",
                     "annotation " ETH0 ": gw=10.1.0.1: outside every subnet of the ip= "
                     "addresses");
        assert_error("bridge=b,ip=fd00::2/64,gw=fd01::1",
                     "annotation " ETH0 ": gw=fd01::1: outside every subnet of the ip= "
                     "addresses");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=fd00::1",
                     "annotation " ETH0 ": gw=fd00::1: no ip= address of its family");
        assert_error("bridge=b,gw=10.0.0.1",
                     "annotation " ETH0 ": gw=10.0.0.1: no ip= address of its family");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1/24",
                     "annotation " ETH0 ": gw=10.0.0.1/24: expected an address without /PREFIX");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,gw=10.0.0.3",
                     "annotation " ETH0 ": gw=10.0.0.3: given twice (first as gw=10.0.0.1)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.2",
                     "annotation " ETH0 ": gw=10.0.0.2: the gateway is one of the container's "
                     "own addresses");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.256",
                     "annotation " ETH0 ": gw=10.0.0.256: invalid IPv4 address");
        assert_error("mode=routed,ip=10.0.0.2/32,gw=10.0.0.2",
                     "annotation " ETH0 ": gw=10.0.0.2: the gateway is one of the container's "
                     "own addresses");
}

static void test_bad_keys(void **state)
{
        assert_error("bridge=b,foo=bar", "annotation " ETH0 ": foo=bar: unknown key foo");
        assert_error("bridge=b,ipv4=10.0.0.2/24",
                     "annotation " ETH0 ": ipv4=10.0.0.2/24: unknown key ipv4");
        assert_error("bridge", "annotation " ETH0 ": bridge: expected KEY=VALUE");
        assert_error("bridge=b,,ip=10.0.0.2/24",
                     "annotation " ETH0 ": empty key (two commas, or one at an end)");
        assert_error("bridge=b,", "annotation " ETH0 ": empty key (two commas, or one at an end)");
        assert_error("", "annotation " ETH0 ": empty key (two commas, or one at an end)");
        assert_error("bridge=a,bridge=b",
                     "annotation " ETH0 ": bridge=b: given twice (first as bridge=a)");
        assert_error("bridge=b,host=x,host=y",
                     "annotation " ETH0 ": host=y: given twice (first as host=x)");
        assert_error("bridge=b,mtu=1400,mtu=1500",
                     "annotation " ETH0 ": mtu=1500: given twice (first as mtu=1400)");
}

static void test_bad_names(void **state)
{
        struct net_config *cfg = NULL;
        struct nook_err err = {0};

        assert_error("bridge=abcdefghijklmnop",
                     "annotation " ETH0 ": bridge=abcdefghijklmnop: interface name is 16 bytes "
                     "long (at most 15)");
        assert_error("bridge=a/b",
                     "annotation " ETH0 ": bridge=a/b: interface name must not contain '/'");
        assert_error("bridge=", "annotation " ETH0 ": bridge=: interface name must not be empty");
        assert_error("bridge=..",
                     "annotation " ETH0 ": bridge=..: interface name must not be . or ..");
        assert_error("bridge=br 0",
                     "annotation " ETH0 ": bridge=br 0: interface name must not contain spaces or "
                     "control characters");
        assert_error("bridge=br%d",
                     "annotation " ETH0 ": bridge=br%d: interface name must not contain ':' or "
                     "'%'");
        assert_error("bridge=b,host=0123456789abcdef",
                     "annotation " ETH0 ": host=0123456789abcdef: interface name is 16 bytes long "
                     "(at most 15)");
        assert_error("mode=routed,dev=a/b,ip=10.0.0.2/32",
                     "annotation " ETH0 ": dev=a/b: interface name must not contain '/'");
        /* The container's interface name is the annotation's suffix. */
        assert_int_equal(
            parse_kv("c1", &cfg, &err, "org.nook.net.abcdefghijklmnop", "bridge=b", NULL), -1);
        assert_string_equal(err.msg, "annotation org.nook.net.abcdefghijklmnop: interface name "
                                     "is 16 bytes long (at most 15)");
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.a/b", "bridge=b", NULL), -1);
        assert_string_equal(err.msg,
                            "annotation org.nook.net.a/b: interface name must not contain '/'");
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.", "bridge=b", NULL), -1);
        assert_string_equal(err.msg, "annotation org.nook.net.: interface name must not be empty");
        /* 15 bytes are fine. */
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.abcdefghijklmno",
                                  "bridge=abcdefghijklmno", NULL),
                         0);
        net_config_free(cfg);
}

static void test_bad_mac_and_mtu(void **state)
{
        assert_error("bridge=b,mac=02:00:00:00:00",
                     "annotation " ETH0 ": mac=02:00:00:00:00: invalid MAC address (expected "
                     "xx:xx:xx:xx:xx:xx)");
        assert_error("bridge=b,mac=02:00:00:00:00:0g",
                     "annotation " ETH0 ": mac=02:00:00:00:00:0g: invalid MAC address (expected "
                     "xx:xx:xx:xx:xx:xx)");
        assert_error("bridge=b,mac=02-00-00-00-00-01",
                     "annotation " ETH0 ": mac=02-00-00-00-00-01: invalid MAC address (expected "
                     "xx:xx:xx:xx:xx:xx)");
        assert_error("bridge=b,mac=01:00:5e:00:00:01",
                     "annotation " ETH0 ": mac=01:00:5e:00:00:01: a multicast MAC address");
        assert_error("bridge=b,mac=00:00:00:00:00:00",
                     "annotation " ETH0 ": mac=00:00:00:00:00:00: the MAC address must not be all "
                     "zeros");
        assert_error("bridge=b,mtu=67", "annotation " ETH0 ": mtu=67: mtu out of range (68-65535)");
        assert_error("bridge=b,mtu=65536",
                     "annotation " ETH0 ": mtu=65536: mtu out of range (68-65535)");
        assert_error("bridge=b,mtu=abc",
                     "annotation " ETH0 ": mtu=abc: mtu out of range (68-65535)");
        assert_error("bridge=b,mtu=-1500",
                     "annotation " ETH0 ": mtu=-1500: mtu out of range (68-65535)");
        assert_error("bridge=b,ip=fd00::2/64,mtu=1200",
                     "annotation " ETH0 ": mtu=1200: IPv6 needs an mtu of at least 1280");
}

static void test_bad_nat_and_publish(void **state)
{
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,nat=snat",
                     "annotation " ETH0 ": nat=snat: unknown nat snat (expected masquerade)");
        assert_error("bridge=b,ip=10.0.0.2/24,nat=masquerade",
                     "annotation " ETH0 ": nat=masquerade: needs gw= (the replies are routed "
                     "through the host)");
        assert_error("bridge=b,ip=10.0.0.2/24,publish=tcp:8080:80",
                     "annotation " ETH0 ": publish=tcp:8080:80: needs gw= (the replies are "
                     "routed through the host)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:70000:80",
                     "annotation " ETH0 ": publish=tcp:70000:80: host port 70000 is out of range "
                     "(1-65535)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:0:80",
                     "annotation " ETH0 ": publish=tcp:0:80: host port 0 is out of range "
                     "(1-65535)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:80:65536",
                     "annotation " ETH0 ": publish=tcp:80:65536: container port 65536 is out of "
                     "range (1-65535)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:80:x",
                     "annotation " ETH0 ": publish=tcp:80:x: container port x is out of range "
                     "(1-65535)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=sctp:80:80",
                     "annotation " ETH0 ": publish=sctp:80:80: unknown protocol sctp (expected "
                     "tcp or udp)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:80",
                     "annotation " ETH0 ": publish=tcp:80: expected PROTO:HOSTPORT:CTPORT (e.g. "
                     "tcp:8080:80)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:1:2:3",
                     "annotation " ETH0 ": publish=tcp:1:2:3: expected PROTO:HOSTPORT:CTPORT "
                     "(e.g. tcp:8080:80)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=",
                     "annotation " ETH0 ": publish=: expected PROTO:HOSTPORT:CTPORT (e.g. "
                     "tcp:8080:80)");
        /* The entry of a ';' list that is wrong is the one named. */
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:1:1;udp:0:1",
                     "annotation " ETH0 ": publish=udp:0:1: host port 0 is out of range "
                     "(1-65535)");
        assert_error("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:8080:80;tcp:8080:81",
                     "annotation " ETH0 ": publish=tcp:8080:81: tcp port 8080 is published twice");
}

static void test_bad_modes(void **state)
{
        assert_error("mode=vepa,ip=10.0.0.2/24",
                     "annotation " ETH0 ": mode=vepa: unknown mode vepa (expected routed or "
                     "bridge)");
        assert_error("mode=routed,bridge=br0,ip=10.0.0.2/24",
                     "annotation " ETH0 ": mode=routed: excludes bridge=br0");
        assert_error("mode=routed", "annotation " ETH0 ": mode=routed: needs an ip= address");
        assert_error("mode=bridge,ip=10.0.0.2/24",
                     "annotation " ETH0 ": mode=bridge: needs bridge=NAME");
        assert_error("ip=10.0.0.2/24",
                     "annotation " ETH0 ": one of bridge=NAME or mode=routed is required");
        assert_error("bridge=b,dev=eth0", "annotation " ETH0 ": dev=eth0: only with mode=routed");
}

static void test_bad_across_interfaces(void **state)
{
        struct net_config *cfg = (struct net_config *)1;
        struct nook_err err = {0};

        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.eth0", "bridge=b,host=x",
                                  "org.nook.net.eth1", "bridge=b,host=x", NULL),
                         -1);
        assert_null(cfg);
        assert_string_equal(err.msg, "annotation org.nook.net.eth1: host=x: also the host side of "
                                     "org.nook.net.eth0");
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.eth0", "bridge=b,ip=10.0.0.2/24",
                                  "org.nook.net.eth1", "bridge=c,ip=10.0.0.2/16", NULL),
                         -1);
        assert_string_equal(err.msg,
                            "annotation org.nook.net.eth1: ip=10.0.0.2/16: also an address "
                            "of org.nook.net.eth0");
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.eth0", "bridge=b,host=hb",
                                  "org.nook.net.eth1", "bridge=hb", NULL),
                         -1);
        assert_string_equal(err.msg, "annotation org.nook.net.eth1: bridge=hb: the host side of "
                                     "org.nook.net.eth0 has that name");
        assert_int_equal(parse_kv("c1", &cfg, &err, "org.nook.net.eth0",
                                  "bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=udp:53:53",
                                  "org.nook.net.eth1",
                                  "bridge=c,ip=10.1.0.2/24,gw=10.1.0.1,publish=udp:53:5353", NULL),
                         -1);
        assert_string_equal(err.msg,
                            "annotation org.nook.net.eth1: publish=udp:53:5353: udp port 53 "
                            "is published twice");
}

static void test_too_many(void **state)
{
        struct net_config *cfg = NULL;
        struct nook_err err = {0};
        struct oci_kv kv[NET_MAX_IFACES + 1];
        char keys[NET_MAX_IFACES + 1][32];
        char value[2048] = "bridge=b";

        for (int i = 0; i <= NET_MAX_IFACES; i++) {
                snprintf(keys[i], sizeof(keys[i]), "org.nook.net.eth%d", i);
                kv[i].key = keys[i];
                kv[i].value = (char *)"bridge=b";
        }
        assert_int_equal(net_config_parse(kv, NET_MAX_IFACES + 1, "c1", &cfg, &err), -1);
        assert_string_equal(err.msg, "annotation org.nook.net.eth16: more than 16 network "
                                     "interfaces");
        for (int i = 1; i <= NET_MAX_ADDRS + 1; i++) {
                size_t len = strlen(value);

                snprintf(value + len, sizeof(value) - len, ",ip=10.0.%d.2/24", i);
        }
        assert_error(value, "annotation " ETH0 ": ip=10.0.33.2/24: more than 32 addresses");
}

/* --- collisions ---------------------------------------------------------------------------------
 */

static struct net_config *config_of(const char *id, const char *value)
{
        struct net_config *cfg = NULL;
        struct nook_err err = {0};

        if (parse_kv(id, &cfg, &err, ETH0, value, NULL) < 0)
                fail_msg("%s: %s", value, err.msg);
        return cfg;
}

static bool all_alive(const char *id, void *data)
{
        return true;
}

/* Only the ids in data (a NULL-terminated list) have a state directory. */
static bool listed(const char *id, void *data)
{
        for (const char *const *p = data; *p; p++)
                if (strcmp(*p, id) == 0)
                        return true;
        return false;
}

/* A scratch directory for claims; removed by the caller with remove_tree_at. */
static int claims_dir(char *path)
{
        int fd;

        strcpy(path, "/tmp/nook-test-claims-XXXXXX");
        assert_non_null(mkdtemp(path));
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void assert_collision(const char *mine, const char *other, const char *want)
{
        struct net_config *a = config_of("me", mine), *b = config_of("other", other);
        struct nook_err err = {0};
        char path[64];
        int fd = claims_dir(path), r;

        assert_int_equal(net_claim(b, fd, all_alive, NULL, &err), 0);
        r = net_claim(a, fd, all_alive, NULL, &err);
        if (want == NULL && r != 0)
                fail_msg("%s vs %s: %s", mine, other, err.msg);
        if (want && (r == 0 || strcmp(err.msg, want) != 0))
                fail_msg("%s vs %s:\n got:  %s\n want: %s", mine, other, r ? err.msg : "(none)",
                         want);
        /* The loser holds nothing; the winner gives everything back. */
        if (r < 0)
                net_unclaim(b, fd);
        else {
                net_unclaim(a, fd);
                net_unclaim(b, fd);
        }
        assert_int_equal(rmdir(path), 0);
        close(fd);
        net_config_free(a);
        net_config_free(b);
}

static void test_collisions(void **state)
{
        assert_collision("bridge=br0,ip=10.0.0.2/24", "bridge=br0,ip=10.0.0.2/24",
                         "annotation " ETH0 ": ip=10.0.0.2/24: address already used by container "
                         "other (on bridge br0)");
        assert_collision("bridge=br0,ip=fd00::2/64", "bridge=br0,ip=10.0.0.3/24,ip=fd00::2/64",
                         "annotation " ETH0 ": ip=fd00::2/64: address already used by container "
                         "other (on bridge br0)");
        /* Separate bridges are separate networks. */
        assert_collision("bridge=br0,ip=10.0.0.2/24", "bridge=br1,ip=10.0.0.2/24", NULL);
        /* Routed containers share the host's routing table. */
        assert_collision("mode=routed,ip=192.0.2.5/32", "mode=routed,ip=192.0.2.5/24",
                         "annotation " ETH0 ": ip=192.0.2.5/32: address already used by "
                         "container other (routed)");
        assert_collision("bridge=br0,ip=10.0.0.1/24", "bridge=br0,ip=10.0.0.3/24,gw=10.0.0.1",
                         "annotation " ETH0 ": ip=10.0.0.1/24: the gateway of container other on "
                         "bridge br0");
        /* ... and the other way round. */
        assert_collision("bridge=br0,ip=10.0.0.3/24,gw=10.0.0.1", "bridge=br0,ip=10.0.0.1/24",
                         "annotation " ETH0 ": gw=10.0.0.1: the address of container other on "
                         "bridge br0");
        /* Many share a gateway. */
        assert_collision("bridge=br0,ip=10.0.0.2/24,gw=10.0.0.1",
                         "bridge=br0,ip=10.0.0.3/24,gw=10.0.0.1", NULL);
        assert_collision("bridge=br0,host=veth1", "bridge=br1,host=veth1",
                         "annotation " ETH0 ": host=veth1: host-side interface veth1 already "
                         "exists");
        assert_collision("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:8080:80",
                         "bridge=c,ip=10.1.0.2/24,gw=10.1.0.1,publish=tcp:8080:8080",
                         "annotation " ETH0 ": publish=tcp:8080:80: tcp port 8080 is already "
                         "published by container other");
        assert_collision("bridge=b,ip=10.0.0.2/24,gw=10.0.0.1,publish=tcp:8080:80",
                         "bridge=c,ip=10.1.0.2/24,gw=10.1.0.1,publish=udp:8080:80", NULL);
        /* Derived host names differ with the id. */
        assert_collision("bridge=b", "bridge=b", NULL);
}

/* A container's own claims do not stand in its way (a create retried under the same
 * id), a claim of a container whose state is gone is taken over, and a failed claim
 * leaves nothing behind. */
static void test_claims_self_stale_and_rollback(void **state)
{
        struct net_config *a = config_of("me", "bridge=br0,ip=10.0.0.2/24,gw=10.0.0.1");
        struct net_config *gone = config_of("gone", "bridge=br0,ip=10.0.0.5/24,host=vx1");
        struct net_config *live = config_of("live", "bridge=br0,ip=10.0.0.6/24");
        struct net_config *greedy =
            config_of("greedy", "bridge=br0,ip=10.0.0.7/24,ip=10.0.0.6/24,gw=10.0.0.1,host=vx1");
        const char *const alive[] = {"me", "live", "greedy", NULL};
        struct nook_err err = {0};
        char path[64];
        int fd = claims_dir(path);

        assert_int_equal(net_claim(a, fd, listed, (void *)alive, &err), 0);
        assert_int_equal(net_claim(a, fd, listed, (void *)alive, &err), 0);
        assert_int_equal(net_claim(gone, fd, all_alive, NULL, &err), 0);
        assert_int_equal(net_claim(live, fd, listed, (void *)alive, &err), 0);
        /* vx1 is taken over from "gone", then 10.0.0.6 belongs to "live". */
        assert_true(net_claim(greedy, fd, listed, (void *)alive, &err) < 0);
        assert_string_equal(err.msg, "annotation " ETH0 ": ip=10.0.0.6/24: address already used "
                                     "by container live (on bridge br0)");
        assert_int_equal(faccessat(fd, "ip:br0:10.0.0.7", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(fd, "host:vx1", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(fd, "ip:br0:10.0.0.6", F_OK, AT_SYMLINK_NOFOLLOW), 0);
        /* A claim is a symlink to its owner's id. */
        char owner[16] = {0};
        assert_int_equal(readlinkat(fd, "ip:br0:10.0.0.6", owner, sizeof(owner) - 1), 4);
        assert_string_equal(owner, "live");
        net_unclaim(live, fd);
        net_unclaim(a, fd);
        net_unclaim(gone, fd);
        /* Everything given back, the shared gateway directory too. */
        assert_int_equal(rmdir(path), 0);
        close(fd);
        net_config_free(a);
        net_config_free(gone);
        net_config_free(live);
        net_config_free(greedy);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_no_net_annotations),
            cmocka_unit_test(test_every_key_bridge),
            cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_gateway_prefix_from_its_subnet),
            cmocka_unit_test(test_routed),
            cmocka_unit_test(test_mode_bridge_spelled_out),
            cmocka_unit_test(test_interfaces_sorted_and_named),
            cmocka_unit_test(test_host_name_derivation),
            cmocka_unit_test(test_bad_addresses),
            cmocka_unit_test(test_bad_gateways),
            cmocka_unit_test(test_bad_keys),
            cmocka_unit_test(test_bad_names),
            cmocka_unit_test(test_bad_mac_and_mtu),
            cmocka_unit_test(test_bad_nat_and_publish),
            cmocka_unit_test(test_bad_modes),
            cmocka_unit_test(test_bad_across_interfaces),
            cmocka_unit_test(test_too_many),
            cmocka_unit_test(test_collisions),
            cmocka_unit_test(test_claims_self_stale_and_rollback),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
