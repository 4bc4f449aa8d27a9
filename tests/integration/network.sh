#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq programs are in single quotes; helpers run through check and wait_for
# Networking in the container lifecycle: real containers (nook run -d, create, delete)
# with org.nook.net.* annotations.  Two containers on one bridge reach each other and
# the host over IPv4 and IPv6; routed mode is reached from a neighbour on the uplink; a
# published port is reached from another namespace; masquerade reaches a namespace with
# no route back; delete leaves no veth, route, address or nft rule of the container (the
# bridge stays); a failed create undoes its network; collisions (address, host-side
# name, published port), malformed annotations and a container without a network
# namespace of its own are refused before anything is made; 50 containers on one
# bridge.  (tests/integration/net.sh tests net/ without the lifecycle.)
#
# The runner gives this script its own network namespace: "the host" here is that
# namespace, and "outside" is one more namespace behind a veth pair (up0 <-> ext0).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

for tool in ip nsenter; do
	command -v "$tool" >/dev/null || bail "$tool" "$tool is not installed (apt-get install iproute2 util-linux)"
done
HAVE_NFT=
command -v nft >/dev/null && HAVE_NFT=1

# netbundle DIR ANNOTATION [ARGS...]: a bundle (make_bundle) whose container has the
# network annotation ANNOTATION ("org.nook.net.IF=VALUE"; none when empty) and
# CAP_NET_RAW, for ping.
netbundle() {
	local dir=$1 ann=$2
	shift 2
	make_bundle "$dir" "$@" || return 1
	edit_config "$dir" --arg k "${ann%%=*}" --arg v "${ann#*=}" \
		'(if $k != "" then .annotations[$k] = $v else . end)
		 | .process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
}

# inside ID CMD...: runs CMD in container ID (nook exec).
inside() {
	local id=$1
	shift
	nook exec "$id" "$@"
}

# ping_from ID ADDR: one ping from container ID ("host": from the host, "ext": from
# the outside namespace).
ping_from() {
	if [ "$1" = host ]; then
		busybox ping -c1 -W1 "$2"
	elif [ "$1" = ext ]; then
		outside busybox ping -c1 -W1 "$2"
	else
		inside "$1" busybox ping -c1 -W1 "$2"
	fi
}
# pings_from ID ADDR: the same, retried for a few seconds (neighbour discovery).
pings_from() { wait_for 5 ping_from "$@"; }

# host_state: what the host has: links, addresses, routes, neighbour proxies, and the
# nft rules of containers (table inet nook stays once made, like a bridge).
host_state() {
	ip -o link show | sed -E 's/^[0-9]+: ([^:@]+).*/\1/' | sort
	ip -o addr show | awk '{ print $2, $4 }' | sort
	ip route show | sed "s/ linkdown//" | sort
	ip -6 route show | sed "s/ linkdown//" | sort
	ip -6 neigh show proxy | sort
	[ -z "$HAVE_NFT" ] || nft list ruleset 2>/dev/null | grep -F 'comment "nook:'
	[ -z "$HAVE_NFT" ] || nft list tables 2>/dev/null | grep -vx 'table inet nook'
}

# host_is STATE: true when host_state prints STATE.
host_is() { [ "$1" = "$(host_state)" ]; }

# host_back_to NAME BEFORE: ok when the host's links, addresses, routes and rules are
# BEFORE again, within 2 s (a veth goes with its namespace, asynchronously).
host_back_to() {
	local after
	wait_for 2 host_is "$2"
	after=$(host_state)
	if [ "$2" = "$after" ]; then
		ok "$1"
	else
		fail "$1" "$(diff <(echo "$2") <(echo "$after"))"
	fi
}

# host_side ID: the host side of container ID's eth0 (the peer of its ifindex).
host_side() {
	local idx
	idx=$(inside "$1" cat /sys/class/net/eth0/iflink) || return 1
	ip -o link show | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }'
}

# no_link NAME: true when link NAME does not exist.
no_link() { ! ip link show "$1" >/dev/null 2>&1; }

# nft_rules_of ID: the rules of table inet nook tagged for container ID.
nft_rules_of() {
	nft list table inet nook 2>/dev/null | grep -F "comment \"nook:$1\""
}

# gone_cleanly NAME ID HOSTSIDE BEFORE: ID was deleted: its veth HOSTSIDE vanishes
# (asynchronously, with its namespace: polled for 2 s) and the host is as BEFORE.
gone_cleanly() {
	local name=$1 id=$2 hs=$3 before=$4 after
	if wait_for 2 no_link "$hs"; then
		ok "$name: the veth $hs vanished"
	else
		fail "$name: the veth $hs vanished" "$(ip -o link show "$hs")"
	fi
	if [ -n "$HAVE_NFT" ]; then
		is "$name: no nft rule of $id is left" "$(nft_rules_of "$id")" ""
	fi
	wait_for 2 host_is "$before"
	after=$(host_state)
	if [ "$before" = "$after" ]; then
		ok "$name: no link, address, route or rule of $id is left"
	else
		fail "$name: no link, address, route or rule of $id is left" "$(diff <(echo "$before") <(echo "$after"))"
	fi
	assert_nothing_left "$id" "$name: nothing else left"
}

# --- the outside world ------------------------------------------------------------------

unshare -n sleep 100000 &
EXT=$!
at_exit "kill $EXT"
own_netns() { [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
wait_for 5 own_netns "$EXT" || bail "the outside namespace"
outside() { nsenter -t "$EXT" -n "$@"; }
ip link add up0 type veth peer name ext0 netns "/proc/$EXT/ns/net" || bail "make up0"
ip addr add 192.0.2.1/24 dev up0
ip addr add 2001:db8:1::1/64 dev up0 nodad
ip link set up0 up
outside sh -c 'ip link set lo up && ip link set ext0 up && ip addr add 192.0.2.2/24 dev ext0 &&
	ip addr add 2001:db8:1::2/64 dev ext0 nodad' || bail "configure the outside namespace"
# No route back from outside to any container subnet: only masquerade and proxying work.
echo 0 >/proc/sys/net/ipv4/ip_forward
echo 0 >/proc/sys/net/ipv6/conf/all/forwarding

# --- two containers on one bridge, IPv4 and IPv6 ------------------------------------------

A1='org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.11/24,gw=10.44.0.1,ip=fd42::11/64,gw=fd42::1'
A2='org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.12/24,gw=10.44.0.1,ip=fd42::12/64,gw=fd42::1'
netbundle "$T/c1" "$A1" || bail "make a bundle"
netbundle "$T/c2" "$A2" || bail "make a bundle"
check "run -d c1 (creates the bridge)" nook run -d -b "$T/c1" c1
check "run -d c2" nook run -d -b "$T/c2" c2
is "c1 is running" "$(state_field c1 status)" running
like "the bridge exists and is up" "$(ip -o link show nookbr0)" 'state UP'
like "the bridge has the gateway address" "$(ip -o -4 addr show nookbr0)" '10\.44\.0\.1/24'
like "c1 has eth0 with its address" "$(inside c1 ip -o addr show eth0)" '10\.44\.0\.11/24'
like "c1 has eth0 with its IPv6 address" "$(inside c1 ip -o addr show eth0)" 'fd42::11/64'
like "c1 has its default route" "$(inside c1 ip route show default)" 'default via 10\.44\.0\.1 dev eth0'
H1=$(host_side c1)
like "c1's host side is a port of the bridge" "$(ip -o link show master nookbr0)" "$H1"
like "c1 (an IPv6 address) keeps its link-local address" "$(inside c1 ip -o -6 addr show eth0)" 'fe80::'
is "c1's host side, a bridge port, has no IPv6 address of its own" "$(ip -o -6 addr show dev "$H1")" ""
# Nor IPv6 at all: a port with IPv6 on keeps a multicast route in the host's table, and
# each state change of a port walks that whole table (N x N for a fleet).
is "... IPv6 is off on it (disable_ipv6)" "$(cat "/proc/sys/net/ipv6/conf/$H1/disable_ipv6")" 1
is "... and the host's IPv6 table has no route through it" "$(ip -6 route show table all dev "$H1")" ""
like "... and it is up, forwarding" "$(ip -o link show dev "$H1")" 'state (UP|LOWERLAYERDOWN)|,UP'
check "c1 pings c2" ping_from c1 10.44.0.12
check "c2 pings c1" ping_from c2 10.44.0.11
check "c1 pings the host (the bridge's address)" ping_from c1 10.44.0.1
check "the host pings c1" ping_from host 10.44.0.11
check "the host pings c2" ping_from host 10.44.0.12
check "c1 pings c2 over IPv6" pings_from c1 fd42::12
check "c2 pings c1 over IPv6" pings_from c2 fd42::11
check "c1 pings the host over IPv6" pings_from c1 fd42::1
check "the host pings c2 over IPv6" pings_from host fd42::12
is "a bridge without nat or publish leaves forwarding off" "$(cat /proc/sys/net/ipv4/ip_forward)" 0

# --- a published port and masquerade -------------------------------------------------------

A3='org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.13/24,gw=10.44.0.1,nat=masquerade,publish=tcp:8080:80'
netbundle "$T/web" "$A3" busybox httpd -f -p 80 -h /var/www || bail "make a bundle"
echo "hello from web" >"$T/web/rootfs/var/www/index.html"
BEFORE_WEB=$(host_state)
check "run -d web (nat, publish)" nook run -d -b "$T/web" web
HWEB=$(host_side web)
is "web (IPv4 only) has no automatic IPv6 address" "$(inside web ip -o -6 addr show eth0)" ""
is "... nor has its host side" "$(ip -o -6 addr show dev "$HWEB")" ""
is "publish turned IPv4 forwarding on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
wait_for 5 inside web busybox wget -q -O /dev/null http://127.0.0.1:80/
# (busybox wget -T crashes in Debian's 1.35; timeout(1) bounds it instead.)
check_output "the published port is reached from another namespace via the host's address" \
	"hello from web" outside timeout 5 busybox wget -q -O - http://192.0.2.1:8080/
check_output "the published port is reached from the host" "hello from web" \
	timeout 5 busybox wget -q -O - http://10.44.0.1:8080/
check "web (nat=masquerade) pings a namespace with no route back" pings_from web 192.0.2.2
check_fails "c1 (no nat) does not" ping_from c1 192.0.2.2
if [ -n "$HAVE_NFT" ]; then
	like "nft: web's port forward, tagged with its id" "$(nft_rules_of web)" 'dnat ip to 10\.44\.0\.13:80'
	like "nft: web's masquerade rule" "$(nft_rules_of web)" 'ip saddr 10\.44\.0\.13 .*masquerade'
else
	skip "nft checks" "nft is not installed (apt-get install nftables)"
fi

# --- routed mode ------------------------------------------------------------------------------

A4='org.nook.net.eth0=mode=routed,dev=up0,ip=192.0.2.50/24,ip=2001:db8:1::50/64'
netbundle "$T/r1" "$A4" || bail "make a bundle"
BEFORE_R1=$(host_state)
check "run -d r1 (routed)" nook run -d -b "$T/r1" r1
HR1=$(host_side r1)
like "a host route to r1's address" "$(ip route show 192.0.2.50)" "192\.0\.2\.50 dev $HR1"
check "the neighbour on the uplink pings r1 (proxy ARP)" pings_from ext 192.0.2.50
check "the neighbour pings r1 over IPv6 (proxy NDP)" pings_from ext 2001:db8:1::50
check "r1 pings the neighbour" ping_from r1 192.0.2.2
check "r1 pings the bridged c1 through the host" ping_from r1 10.44.0.11
check "the published port is reached from r1" \
	inside r1 timeout 5 busybox wget -q -O /dev/null http://192.0.2.1:8080/

# --- delete --------------------------------------------------------------------------------

check "delete --force r1" nook delete --force r1
is "delete removed the host route" "$(ip route show 192.0.2.50)" ""
is "delete removed the IPv6 host route" "$(ip -6 route show 2001:db8:1::50)" ""
is "delete removed the proxy NDP entry" "$(ip -6 neigh show proxy)" ""
gone_cleanly "delete r1" r1 "$HR1" "$BEFORE_R1"
check_fails "r1 is unreachable after delete" ping_from ext 192.0.2.50

check "delete --force web" nook delete --force web
check_fails "after delete the port is not published" outside timeout 5 busybox wget -q -O - http://192.0.2.1:8080/
gone_cleanly "delete web" web "$HWEB" "$BEFORE_WEB"
like "the bridge stays" "$(ip -o link show nookbr0)" nookbr0
like "the bridge keeps its address" "$(ip -o -4 addr show nookbr0)" '10\.44\.0\.1/24'
check "c1 still pings c2" ping_from c1 10.44.0.12

# A stopped container is deleted without --force, and its rules go too.
A5='org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.15/24,gw=10.44.0.1,publish=udp:5353:53'
netbundle "$T/s1" "$A5" || bail "make a bundle"
BEFORE=$(host_state)
check "create s1 (publish)" nook create -b "$T/s1" s1
HS1=$(host_side s1)
check "kill s1" nook kill s1 KILL
wait_status s1 stopped
check "delete s1 (stopped)" nook delete s1
gone_cleanly "delete of a stopped container" s1 "$HS1" "$BEFORE"

# --- a create that fails after the network was set up undoes it ---------------------------------

netbundle "$T/hookfail" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.16/24,gw=10.44.0.1,publish=tcp:8086:80' ||
	bail "make a bundle"
edit_config "$T/hookfail" '.hooks.createRuntime = [{"path": "/bin/false"}]'
BEFORE=$(host_state)
check_fails "a create whose createRuntime hook fails fails" nook create -b "$T/hookfail" hookfail
host_back_to "the failed create left no link, address, route or rule" "$BEFORE"
assert_nothing_left hookfail "the failed create left nothing else"

# The init mounts its root while create wires up the network: a mount that fails there
# is the error reported (not the closed channel), and the network is undone all the same.
netbundle "$T/mountfail" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.17/24,gw=10.44.0.1' ||
	bail "make a bundle"
edit_config "$T/mountfail" '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/no/such/dir", "options": ["bind"]}]'
BEFORE=$(host_state)
check_error "a mount that fails while the network is set up is the error reported" \
	"/no/such/dir" nook create -b "$T/mountfail" mountfail
host_back_to "... and left no link, address, route or rule" "$BEFORE"
assert_nothing_left mountfail "... nor anything else"
is "... nor a claim on its address" "$(ls "$ROOT/.net" 2>/dev/null | grep -c '10.44.0.17')" 0

# --- collisions -------------------------------------------------------------------------------

# refused NAME WANT ID ANNOTATION: create of container ID with ANNOTATION fails with an
# error containing WANT and leaves nothing on the host.
refused() {
	local name=$1 want=$2 id=$3 ann=$4 before
	netbundle "$T/$id" "$ann" || bail "make a bundle"
	before=$(host_state)
	check_error "$name: refused" "$want" nook create -b "$T/$id" "$id"
	host_back_to "$name: nothing left on the host" "$before"
	assert_nothing_left "$id" "$name: nothing left behind"
	rm -rf "${T:?}/${id:?}"
}

refused "the address of another container on the same bridge" \
	"annotation org.nook.net.eth0: ip=10.44.0.11/24: address already used by container c1" dup1 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.11/24,gw=10.44.0.1'
check "a claim is a symlink to its owner's id" \
	test "$(readlink "$ROOT/.net/ip:nookbr0:10.44.0.11")" = c1
# A claim made as a file holding the id (nook before claims were symlinks) still holds.
rm -f "$ROOT/.net/ip:nookbr0:10.44.0.11" && printf c1 >"$ROOT/.net/ip:nookbr0:10.44.0.11"
refused "an address claimed in the older form (a file)" \
	"annotation org.nook.net.eth0: ip=10.44.0.11/24: address already used by container c1" dup1f \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.11/24,gw=10.44.0.1'
refused "an IPv6 address of another container on the same bridge" \
	"ip=fd42::12/64: address already used by container c2" dup2 \
	'org.nook.net.eth0=bridge=nookbr0,ip=fd42::12/64'
refused "the bridge's gateway address" "the gateway of container" dup3 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.1/24'
# The same address on another bridge is another network.
netbundle "$T/other" 'org.nook.net.eth0=bridge=nookbr9,ip=10.44.0.11/24' || bail "make a bundle"
check "the same address on another bridge is allowed" nook create -b "$T/other" other
check "delete it" nook delete --force other

netbundle "$T/h1" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.21/24,gw=10.44.0.1,host=nkfixed0,publish=tcp:8081:80' ||
	bail "make a bundle"
check "create h1 (host=nkfixed0, publish=tcp:8081:80)" nook create -b "$T/h1" h1
check "h1's host side has the name asked for" ip link show nkfixed0
# One queue each way on both ends, whatever the number of possible CPUs (a queue per
# possible CPU is the kernel's default for a veth: memory no container uses).
check "h1's host side has one queue each way" sh -c 'ip -d link show nkfixed0 | grep -q "numtxqueues 1 numrxqueues 1 "'
refused "a host-side name another container uses" \
	"annotation org.nook.net.eth0: host=nkfixed0: host-side interface nkfixed0 already exists" dup4 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.22/24,host=nkfixed0'
refused "a port another container publishes" \
	"annotation org.nook.net.eth0: publish=tcp:8081:8081: tcp port 8081 is already published by container h1" dup5 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.23/24,gw=10.44.0.1,publish=tcp:8081:8081'
netbundle "$T/udp" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.24/24,gw=10.44.0.1,publish=udp:8081:53' ||
	bail "make a bundle"
check "the same port number over udp is allowed" nook create -b "$T/udp" udp
check "delete it" nook delete --force udp
check "delete h1" nook delete --force h1
netbundle "$T/h2" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.21/24,gw=10.44.0.1,host=nkfixed0,publish=tcp:8081:80' ||
	bail "make a bundle"
wait_for 2 no_link nkfixed0
check "once h1 is deleted its name and port are free again" nook create -b "$T/h2" h2
# A stopped container keeps its port-forward rules until it is deleted, so its port
# stays taken: a second container publishing it would be hidden behind them.
check "kill h2" nook kill h2 KILL
wait_status h2 stopped
refused "a port a stopped (not deleted) container publishes" \
	"tcp port 8081 is already published by container h2" dup6 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.25/24,gw=10.44.0.1,publish=tcp:8081:80'
check "delete h2" nook delete --force h2

# Claims are atomic: of several creates racing for one address exactly one wins, and
# each loser leaves nothing.
for i in 1 2 3 4; do
	netbundle "$T/race$i" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.40/24,gw=10.44.0.1' ||
		bail "make a bundle"
done
pids=()
for i in 1 2 3 4; do
	nook create -b "$T/race$i" "race$i" >"$T/race$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
winners=0
for i in 1 2 3 4; do
	if nook state "race$i" >/dev/null 2>&1; then
		winners=$((winners + 1))
	elif ! grep -q "ip=10.44.0.40/24: address already used by container race" "$T/race$i.out"; then
		fail "a losing create says who holds the address" "$(cat "$T/race$i.out")"
	fi
done
is "four creates racing for one address: exactly one wins" "$winners" 1
for i in 1 2 3 4; do
	nook delete --force "race$i" >/dev/null 2>&1
	assert_nothing_left "race$i" "race$i: nothing left after the race and delete"
done

# --- malformed annotations ---------------------------------------------------------------------

refused "an unknown key" "annotation org.nook.net.eth0: colour=blue: unknown key colour" bad1 \
	'org.nook.net.eth0=bridge=nookbr0,colour=blue'
refused "a bad address" "annotation org.nook.net.eth0: ip=10.0.0.300/24: invalid IPv4 address" bad2 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.0.0.300/24'
refused "a port out of range" \
	"annotation org.nook.net.eth0: publish=tcp:99999:80: host port 99999 is out of range (1-65535)" bad3 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.31/24,gw=10.44.0.1,publish=tcp:99999:80'
refused "an interface name over 15 bytes" \
	"annotation org.nook.net.eth0123456789abc: interface name is 16 bytes long (at most 15)" bad4 \
	'org.nook.net.eth0123456789abc=bridge=nookbr0'
refused "a gateway outside every subnet" "annotation org.nook.net.eth0: gw=10.9.0.1:" bad5 \
	'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.31/24,gw=10.9.0.1'
refused "a bridge name that is a veth" "annotation org.nook.net.eth0: bridge=up0: up0 is a veth link, not a bridge" bad6 \
	'org.nook.net.eth0=bridge=up0,ip=10.44.0.31/24'

# --- a network without a network namespace of its own ------------------------------------------

netbundle "$T/nonet" 'org.nook.net.eth0=bridge=nookbr0,ip=10.44.0.41/24' || bail "make a bundle"
edit_config "$T/nonet" '.linux.namespaces |= map(select(.type != "network"))'
BEFORE=$(host_state)
check_error "a networked container without a network namespace is refused" \
	"need a new network namespace" nook create -b "$T/nonet" nonet
is "... and nothing is left on the host" "$(host_state)" "$BEFORE"
assert_nothing_left nonet "... nor behind"
edit_config "$T/nonet" --arg p "/proc/$EXT/ns/net" '.linux.namespaces += [{"type": "network", "path": $p}]'
check_error "a networked container joining a network namespace is refused" \
	"need a new network namespace" nook create -b "$T/nonet" nonet
is "... and nothing is left on the host" "$(host_state)" "$BEFORE"
assert_nothing_left nonet "... nor behind"

check "delete c1" nook delete --force c1
check "delete c2" nook delete --force c2
wait_for 2 sh -c '[ -z "$(ip -o link show master nookbr0)" ]'
is "no veth is left on the bridge" "$(ip -o link show master nookbr0)" ""

# --- 50 containers on one bridge -----------------------------------------------------------------

N=50
netbundle "$T/many" "" || bail "make a bundle"
BEFORE=$(host_state)
failed=
start=$(date +%s%N)
for i in $(seq 1 $N); do
	edit_config "$T/many" --arg v "bridge=nookbr2,ip=10.45.0.$((i + 9))/24,gw=10.45.0.1" \
		'.annotations["org.nook.net.eth0"] = $v'
	set_id "$T/many" "m$i"
	# (Not in $(...): the detached container keeps run's stdout open.)
	if ! nook run -d -b "$T/many" "m$i" >"$T/run.out" 2>&1 </dev/null; then
		failed="m$i: $(cat "$T/run.out")"
		break
	fi
done
t_start=$((($(date +%s%N) - start) / 1000000))
is "$N containers start on one bridge" "$failed" ""
unreachable=
for i in $(seq 1 $N); do
	ping_from host "10.45.0.$((i + 9))" >/dev/null 2>&1 || unreachable="$unreachable 10.45.0.$((i + 9))"
done
is "each of the $N is reachable from the host" "$unreachable" ""
check "the last reaches the first" ping_from "m$N" 10.45.0.10
is "$N veths on the bridge" "$(ip -o link show master nookbr2 | wc -l)" "$N"
failed=
start=$(date +%s%N)
for i in $(seq 1 $N); do
	out=$(nook delete --force "m$i" 2>&1) || failed="$failed m$i: $out"
done
t_delete=$((($(date +%s%N) - start) / 1000000))
is "all $N deleted" "$failed" ""
echo "# $N containers on one bridge: run -d of all in $t_start ms ($((t_start / N)) ms each), delete --force of all in $t_delete ms ($((t_delete / N)) ms each)"
wait_for 5 sh -c '[ -z "$(ip -o link show master nookbr2)" ]'
is "their veths vanished" "$(ip -o link show master nookbr2)" ""
left=
for i in $(seq 1 $N); do
	left=$left$(leftovers "m$i")
done
is "the $N left nothing behind" "$left" ""
wait_for 2 host_is "$BEFORE"
AFTER=$(host_state)
# The bridge is the only thing that stays.
is "only the bridge stays on the host" "$(diff <(echo "$BEFORE") <(echo "$AFTER") | grep '^[<>]' | grep -v 'nookbr2')" ""
# Every network claim was given back as its container was deleted.
is "no network claim is left under the root" "$(find "$ROOT/.net" -mindepth 1)" ""

done_testing
