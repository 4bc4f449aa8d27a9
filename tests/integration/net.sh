#!/bin/bash
# shellcheck disable=SC2016 # commands for nsenter are in single quotes
# Networking (net/) without the container lifecycle: tests/helpers/netsetup calls
# net_setup and net_teardown for "containers" that are the network namespaces of
# `unshare -n sleep` processes, and ip, nft and busybox check the result: two containers
# on a bridge (IPv4, IPv6, the host side), a published port reached from another
# namespace and from the host, masquerade to a namespace with no route back, routed mode
# with proxy ARP and proxy NDP, teardown leaving nothing, malformed annotations and a
# non-bridge refused without leftovers, and 50 containers on one bridge.
#
# The runner gives this script its own network namespace: "the host" here is that
# namespace, and "outside" is one more namespace behind a veth pair (up0 <-> ext0).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

NETSETUP=$BUILDDIR/tests/helpers/netsetup
[ -x "$NETSETUP" ] || bail "netsetup helper" "$NETSETUP is not built (make check builds it)"
for tool in ip nsenter; do
	command -v "$tool" >/dev/null || bail "$tool" "$tool is not installed (apt-get install iproute2 util-linux)"
done
HAVE_NFT=
command -v nft >/dev/null && HAVE_NFT=1

declare -A PID # container name -> pid of its namespace's process

own_netns() { [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }

# ct NAME: a new "container": a process in a new network namespace.
ct() {
	unshare -n sleep 100000 &
	PID[$1]=$!
	at_exit "kill ${PID[$1]}"
	wait_for 5 own_netns "${PID[$1]}" || bail "container $1: no network namespace of its own"
}

# inside NAME CMD...: runs the program CMD in the network namespace of container NAME.
inside() {
	local name=$1
	shift
	nsenter -t "${PID[$name]}" -n "$@"
}

# ct_gone NAME: ends the container's process; its namespace (and veth) go with it.
ct_gone() {
	kill "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
}

setup() { # setup NAME ANNOTATION...
	local name=$1
	shift
	"$NETSETUP" setup "$name" "/proc/${PID[$name]}/ns/net" "$@"
}
teardown() { "$NETSETUP" teardown "$@"; }
# ping_from NAME ADDR: one ping from container NAME ("host": from the host).
ping_from() {
	if [ "$1" = host ]; then
		busybox ping -c1 -W1 "$2"
	else
		inside "$1" busybox ping -c1 -W1 "$2"
	fi
}
# pings_from NAME ADDR: the same, retried for a few seconds (neighbour discovery).
pings_from() { wait_for 5 ping_from "$@"; }

# state: what the host has: links, addresses, routes, neighbour proxies, nft rules.
state() {
	ip -o link show | sed -E 's/^[0-9]+: ([^:@]+).*/\1/' | sort
	ip -o addr show | awk '{ print $2, $4 }' | sort
	ip route show | sort
	ip -6 route show | sort
	ip -6 neigh show proxy | sort
	[ -z "$HAVE_NFT" ] || nft list ruleset
}

# host_of ID ANNOTATION...: the host-side name net_setup derives.
host_of() {
	"$NETSETUP" parse "$@" | awk '{ print $2; exit }'
}

# --- the outside world ------------------------------------------------------------------------

ct ext
ip link add up0 type veth peer name ext0 netns "/proc/${PID[ext]}/ns/net" || bail "make up0"
ip addr add 192.0.2.1/24 dev up0
ip addr add 2001:db8:1::1/64 dev up0 nodad
ip link set up0 up
inside ext sh -c 'ip link set lo up && ip link set ext0 up && ip addr add 192.0.2.2/24 dev ext0 &&
	ip addr add 2001:db8:1::2/64 dev ext0 nodad' || bail "configure the outside namespace"
# No route back to any container subnet from outside: only masquerade and proxying work.

# A new namespace inherits the host's IPv4 settings: start from forwarding off (only in
# this test's namespace).
echo 0 >/proc/sys/net/ipv4/ip_forward
echo 0 >/proc/sys/net/ipv6/conf/all/forwarding

# --- two containers on one bridge ---------------------------------------------------------------

A1='org.nook.net.eth0=bridge=nookbr0,ip=10.42.0.2/24,gw=10.42.0.1,ip=fd00:42::2/64,gw=fd00:42::1'
A2='org.nook.net.eth0=bridge=nookbr0,ip=10.42.0.3/24,gw=10.42.0.1,ip=fd00:42::3/64,gw=fd00:42::1,mac=02:00:00:00:00:42,mtu=1400,nat=masquerade,publish=tcp:8080:80'
ct c1
ct c2
check "set up c1 (creates the bridge)" setup c1 "$A1"
is "a bridge without nat or publish leaves forwarding off" "$(cat /proc/sys/net/ipv4/ip_forward)" 0
check "set up c2" setup c2 "$A2"
H1=$(host_of c1 "$A1")
H2=$(host_of c2 "$A2")

like "the bridge exists and is up" "$(ip -o link show nookbr0)" 'state UP'
like "the bridge is a bridge" "$(ip -d -o link show nookbr0)" ' bridge '
like "the bridge has the IPv4 gateway address" "$(ip -o -4 addr show nookbr0)" '10\.42\.0\.1/24'
like "the bridge has the IPv6 gateway address" "$(ip -o -6 addr show nookbr0)" 'fd00:42::1/64'
like "the host sides are ports of the bridge" "$(ip -o link show master nookbr0 | sort | tr '\n' ' ')" "$H1.*$H2|$H2.*$H1"
like "c1 has eth0 with its IPv4 address" "$(inside c1 ip -o -4 addr show eth0)" '10\.42\.0\.2/24'
like "c1's IPv6 address is usable at once (no DAD)" "$(inside c1 ip -o -6 addr show eth0 scope global)" 'fd00:42::2/64.*nodad'
unlike "c1's IPv6 address is not tentative" "$(inside c1 ip -o -6 addr show eth0 scope global)" 'tentative'
like "c1 has its default route via the gateway" "$(inside c1 ip route show default)" 'default via 10\.42\.0\.1 dev eth0'
like "c1 has its IPv6 default route" "$(inside c1 ip -6 route show default)" 'default via fd00:42::1 dev eth0'
like "c1's eth0 is up" "$(inside c1 ip -o link show eth0)" 'state UP'
like "c2 has the MAC address asked for" "$(inside c2 ip -o link show eth0)" 'link/ether 02:00:00:00:00:42'
like "c2 has the MTU asked for" "$(inside c2 ip -o link show eth0)" 'mtu 1400'
like "c2's host side has the MTU too" "$(ip -o link show "$H2")" 'mtu 1400'
is "the host side is named as derived (nk + hash + index)" "$(ip -o link show "$H1" >/dev/null 2>&1 && echo yes)" yes

# Permanent neighbour entries both ways (no ARP, and not counted against the neighbour
# table's gc_thresh, which every namespace shares): the container's for its gateways,
# the host's for the container's addresses, on the bridge.
BRMAC=$(ip -o link show nookbr0 | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p')
like "c1: a permanent entry for its IPv4 gateway, the bridge's MAC" \
	"$(inside c1 ip neigh show 10.42.0.1 dev eth0)" "lladdr $BRMAC PERMANENT"
like "c1: a permanent entry for its IPv6 gateway" \
	"$(inside c1 ip -6 neigh show fd00:42::1 dev eth0)" "lladdr $BRMAC PERMANENT"
like "the host: a permanent entry for c2's address, c2's MAC" \
	"$(ip neigh show 10.42.0.3 dev nookbr0)" 'lladdr 02:00:00:00:00:42 PERMANENT'
like "the host: one for its IPv6 address too" \
	"$(ip -6 neigh show fd00:42::3 dev nookbr0)" 'lladdr 02:00:00:00:00:42 PERMANENT'
like "the bridge is marked as nook's (its MAC is fixed)" "$(ip -d link show nookbr0)" 'alias nook:bridge'
check "c1 pings c2" ping_from c1 10.42.0.3
check "c2 pings c1" ping_from c2 10.42.0.2
check "c1 pings the host side (the bridge's address)" ping_from c1 10.42.0.1
check "the host pings c1" ping_from host 10.42.0.2
check "c1 pings c2 over IPv6" pings_from c1 fd00:42::3
check "c1 pings the host over IPv6" pings_from c1 fd00:42::1

# --- published port, masquerade, forwarding ----------------------------------------------------------

is "nat/publish turned IPv4 forwarding on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
is "... and IPv6 forwarding (c2 has an IPv6 address)" "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
mkdir -p "$T/www"
echo "hello from c2" >"$T/www/index.html"
inside c2 ip link set lo up
# (busybox wget -T crashes in Debian's 1.35; timeout(1) bounds it instead.)
nsenter -t "${PID[c2]}" -n busybox httpd -f -p 80 -h "$T/www" &
HTTPD=$!
at_exit "kill $HTTPD"
wait_for 5 inside c2 timeout 2 busybox wget -q -O /dev/null http://127.0.0.1:80/
check_output "published port reached from another namespace" "hello from c2" \
	inside ext timeout 5 busybox wget -q -O - http://192.0.2.1:8080/
check_output "published port reached from the host itself" "hello from c2" \
	timeout 5 busybox wget -q -O - http://192.0.2.1:8080/
check_output "published port reached on the bridge's address from the host" "hello from c2" \
	timeout 5 busybox wget -q -O - http://10.42.0.1:8080/
check_output "published port over IPv6 from another namespace" "hello from c2" \
	inside ext timeout 5 busybox wget -q -O - 'http://[2001:db8:1::1]:8080/'
# Documented: loopback is not forwarded (it would need route_localnet).
check_fails "published port is not on 127.0.0.1" timeout 5 busybox wget -q -O - http://127.0.0.1:8080/
check "c2 (nat=masquerade) reaches a namespace with no route back" pings_from c2 192.0.2.2
check_fails "c1 (no nat) does not" ping_from c1 192.0.2.2
if [ -n "$HAVE_NFT" ]; then
	R=$(nft list ruleset)
	like "nft: c2's rules are in table inet nook, tagged" "$R" 'dnat ip to 10\.42\.0\.3:80 comment "nook:c2"'
	like "nft: c2's masquerade rule" "$R" 'ip saddr 10\.42\.0\.3 oifname != "nookbr0" masquerade comment "nook:c2"'
	is "nft: one table, nook's" "$(nft list tables)" "table inet nook"
else
	skip "nft checks" "nft is not installed (apt-get install nftables)"
fi

# --- teardown ------------------------------------------------------------------------------------------

if [ -n "$HAVE_NFT" ]; then
	# What is not c2's stays: a rule tagged for a container whose id starts like c2's,
	# and another table.
	nft add rule inet nook postrouting ip saddr 10.99.0.1 masquerade comment '"nook:c2x"'
	nft add table ip other
	nft add chain ip other c
	nft add rule ip other c ip saddr 10.99.0.2 counter comment '"nook:c2"'
fi
check "teardown c2" teardown c2 "$A2"
check "teardown c2 again (idempotent)" teardown c2 "$A2"
if [ -n "$HAVE_NFT" ]; then
	unlike "teardown leaves no rule of c2 in table inet nook" "$(nft list table inet nook)" 'nook:c2"'
	like "teardown keeps another container's rule" "$(nft list table inet nook)" 'nook:c2x'
	like "teardown never touches another table" "$(nft list table ip other)" 'nook:c2'
	nft delete table ip other
	nft delete rule inet nook postrouting handle "$(nft -a list chain inet nook postrouting | sed -n 's/.*nook:c2x.*# handle //p')"
	like "teardown keeps the table's own rules" "$(nft list chain inet nook prerouting)" 'fib daddr type local jump publish'
fi
check_fails "after teardown the port is not published" inside ext timeout 5 busybox wget -q -O - http://192.0.2.1:8080/
check "c2's veth stays while its namespace lives (it goes with it)" ip link show "$H2"
is "teardown removed the host's entries for c2's addresses" \
	"$(ip neigh show 10.42.0.3 dev nookbr0; ip -6 neigh show fd00:42::3 dev nookbr0)" ""
kill "$HTTPD" 2>/dev/null
ct_gone c2
if wait_for 10 sh -c "! ip link show $H2 >/dev/null 2>&1"; then
	ok "c2's veth vanished with its namespace"
else
	fail "c2's veth vanished with its namespace" "$(ip -o link show "$H2")"
fi
like "the bridge stays" "$(ip -o link show nookbr0)" nookbr0

# --- routed mode ---------------------------------------------------------------------------------------

A3='org.nook.net.eth0=mode=routed,dev=up0,ip=192.0.2.50/24,ip=2001:db8:1::50/64'
ct c3
check "set up c3 (routed)" setup c3 "$A3"
H3=$(host_of c3 "$A3")
like "host route to c3's address" "$(ip route show 192.0.2.50)" "192\.0\.2\.50 dev $H3"
like "host route to c3's IPv6 address" "$(ip -6 route show 2001:db8:1::50)" "2001:db8:1::50 dev $H3"
is "proxy_arp is on on the uplink" "$(cat /proc/sys/net/ipv4/conf/up0/proxy_arp)" 1
like "proxy NDP entry on the uplink" "$(ip -6 neigh show proxy)" '2001:db8:1::50 dev up0'
unlike "c3's address has no prefix route (everything goes to the host)" "$(inside c3 ip route)" '192\.0\.2\.0/24'
like "c3's default route is on-link via the host" "$(inside c3 ip route show default)" 'via 169\.254\.1\.1 dev eth0.*onlink'
check "a neighbour on the uplink pings c3 (proxy ARP)" pings_from ext 192.0.2.50
check "a neighbour on the uplink pings c3 over IPv6 (proxy NDP)" pings_from ext 2001:db8:1::50
check "c3 pings the neighbour" ping_from c3 192.0.2.2
check "c3 pings the host" ping_from c3 192.0.2.1
check "c3 and the bridged c1 reach each other through the host" ping_from c3 10.42.0.2
check "teardown c3" teardown c3 "$A3"
is "teardown removed the host route" "$(ip route show 192.0.2.50)" ""
is "teardown removed the IPv6 host route" "$(ip -6 route show 2001:db8:1::50)" ""
is "teardown removed the proxy NDP entry" "$(ip -6 neigh show proxy)" ""
check "teardown c3 again (idempotent)" teardown c3 "$A3"
check_fails "c3 is unreachable after teardown" ping_from ext 192.0.2.50
ct_gone c3
if wait_for 10 sh -c "! ip link show $H3 >/dev/null 2>&1"; then
	ok "c3's veth vanished with its namespace"
else
	fail "c3's veth vanished with its namespace"
fi

# --- refused: malformed annotations, a non-bridge, a taken name ----------------------------------------

# refused NAME WANT ANNOTATION...: setup of a new container fails with WANT and leaves
# the host (and the container) as they were.
refused() {
	local name=$1 want=$2 before after
	shift 2
	ct bad
	before=$(state)
	capture setup bad "$@"
	after=$(state)
	if [ "$RC" = 1 ] && [ "$ERR" = "netsetup: $want" ]; then
		ok "$name: refused"
	else
		fail "$name: refused" "want: netsetup: $want" "$(_cmd_details setup bad "$@")"
	fi
	if [ "$before" = "$after" ]; then
		ok "$name: nothing left on the host"
	else
		fail "$name: nothing left on the host" "$(diff <(echo "$before") <(echo "$after"))"
	fi
	is "$name: nothing in the container" "$(inside bad ip -o link show | grep -vc ': lo:')" 0
	ct_gone bad
}

refused "bad address" \
	"annotation org.nook.net.eth0: ip=10.0.0.300/24: invalid IPv4 address" \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.0.0.300/24'
refused "unknown key" "annotation org.nook.net.eth0: colour=blue: unknown key colour" \
	'org.nook.net.eth0=bridge=nookbr5,colour=blue'
refused "gateway outside every subnet" \
	"annotation org.nook.net.eth0: gw=10.9.0.1: outside every subnet of the ip= addresses" \
	'org.nook.net.eth0=bridge=nookbr5,ip=10.42.0.9/24,gw=10.9.0.1'
refused "port out of range" \
	"annotation org.nook.net.eth0: publish=tcp:99999:80: host port 99999 is out of range (1-65535)" \
	'org.nook.net.eth0=bridge=nookbr5,ip=10.42.0.9/24,gw=10.42.0.1,publish=tcp:99999:80'
refused "interface name over 15 bytes" \
	"annotation org.nook.net.eth0123456789abc: interface name is 16 bytes long (at most 15)" \
	'org.nook.net.eth0123456789abc=bridge=nookbr5'
refused "interface name with /" \
	"annotation org.nook.net.eth0: bridge=a/b: interface name must not contain '/'" \
	'org.nook.net.eth0=bridge=a/b'
refused "a bridge name that is a veth" \
	"annotation org.nook.net.eth0: bridge=up0: up0 is a veth link, not a bridge" \
	'org.nook.net.eth0=bridge=up0,ip=10.42.0.9/24'
refused "a host-side name that is taken (the kernel's EEXIST)" \
	"annotation org.nook.net.eth0: host=$H1: host-side interface $H1 already exists" \
	"org.nook.net.eth0=bridge=nookbr0,ip=10.42.0.9/24,host=$H1"
# The bridge is made first, then the veth fails: the new bridge goes again.
refused "a taken host-side name on a new bridge" \
	"annotation org.nook.net.eth0: host=up0: host-side interface up0 already exists" \
	'org.nook.net.eth0=bridge=nookbr7,ip=10.47.0.9/24,gw=10.47.0.1,host=up0'
refused "a routed uplink that does not exist" \
	"annotation org.nook.net.eth0: dev=nosuch0: no such link" \
	'org.nook.net.eth0=mode=routed,dev=nosuch0,ip=192.0.2.60/32'
# Same collision found before touching anything, with the same words.
capture "$NETSETUP" check c9 "org.nook.net.eth0=bridge=nookbr0,host=$H1" --other c1 "$A1"
is "net_check_collisions gives the kernel's words for a taken host-side name" "$ERR" \
	"netsetup: annotation org.nook.net.eth0: host=$H1: host-side interface $H1 already exists"

# --- 50 containers on one bridge -------------------------------------------------------------------------

N=50
declare -a ANN
failed_setup=
t_setup=0
start=$(date +%s%N)
for i in $(seq 1 $N); do
	ct "f$i"
	ANN[i]="org.nook.net.eth0=bridge=nookbr1,ip=10.43.0.$((i + 9))/24,gw=10.43.0.1,nat=masquerade,publish=tcp:$((9000 + i)):80"
	if ! out=$(setup "f$i" "${ANN[i]}" 2>&1); then
		failed_setup="f$i: $out"
		break
	fi
	t_setup=$((t_setup + ${out#setup_us=}))
done
wall=$((($(date +%s%N) - start) / 1000000))
if [ -z "$failed_setup" ]; then
	ok "$N containers set up on one bridge"
else
	fail "$N containers set up on one bridge" "$failed_setup"
fi
echo "# $N x net_setup (bridge, nat, publish): $((t_setup / 1000)) ms in net_setup ($((t_setup / N)) us each), $wall ms wall with process starts"
unreachable=
for i in $(seq 1 $N); do
	ping_from host "10.43.0.$((i + 9))" >/dev/null 2>&1 || unreachable="$unreachable 10.43.0.$((i + 9))"
done
is "each of the $N is reachable from the host" "$unreachable" ""
check "the last reaches the first" ping_from "f$N" 10.43.0.10
[ -z "$HAVE_NFT" ] || is "nft: $N publish rules" "$(nft list chain inet nook publish | grep -c 'nook:f')" "$N"
t_down=0
start=$(date +%s%N)
for i in $(seq 1 $N); do
	out=$(teardown "f$i" "${ANN[i]}" 2>&1) || fail "teardown f$i" "$out"
	t_down=$((t_down + ${out#teardown_us=}))
done
wall=$((($(date +%s%N) - start) / 1000000))
# The wall time includes each process's exit, which waits for nftables to free the
# deleted rules (an RCU grace period).
echo "# $N x net_teardown (nft rules): $((t_down / 1000)) ms in net_teardown ($((t_down / N)) us each), $wall ms wall with process starts and exits"
[ -z "$HAVE_NFT" ] || is "nft: no rule of the $N left" "$(nft list ruleset | grep -c 'nook:f')" 0
for i in $(seq 1 $N); do
	kill "${PID[f$i]}" 2>/dev/null
done
wait_for 20 sh -c '[ "$(ip -o link show master nookbr1 | wc -l)" = 0 ]'
is "their veths vanished with their namespaces" "$(ip -o link show master nookbr1 | wc -l)" 0

done_testing
