#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq programs are in single quotes; helpers run through check and wait_for
# Re-creating a networked container right after deleting it (podman restart, ctr re-runs
# of one id, nookctl restart): the old host-side veth vanishes only when the kernel
# tears down the old network namespace, in its own time, and it has the host-side name
# the new container needs.  nook marks every host-side veth it makes (alias
# "nook:<id>") and takes over a leftover marked for the id it creates; any other link
# of that name (a bridge, a veth made by hand, another container's veth) is refused
# and left as it was.
#
# The runner gives this script its own network namespace: "the host" here is that
# namespace.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

for tool in ip nsenter; do
	command -v "$tool" >/dev/null || bail "$tool" "$tool is not installed (apt-get install iproute2 util-linux)"
done

# netbundle ID ANNOTATION: the bundle $T/ID (make_bundle) with the network annotation
# ANNOTATION ("org.nook.net.IF=VALUE").
netbundle() {
	make_bundle "$T/$1" || return 1
	edit_config "$T/$1" --arg k "${2%%=*}" --arg v "${2#*=}" '.annotations[$k] = $v'
}

# in_netns ID CMD...: runs CMD in the network namespace of container ID.
in_netns() {
	local id=$1 pid
	shift
	pid=$(state_field "$id" pid)
	[ -n "$pid" ] || return 1
	nsenter -t "$pid" -n "$@"
}

# ports_of BRIDGE: the names of the bridge's ports.
ports_of() {
	ip -o link show master "$1" | sed -E 's/^[0-9]+: ([^:@]+).*/\1/'
}

# alias_of LINK: the link's alias ("" for none).
alias_of() {
	ip -o link show "$1" | sed -nE 's/.*\\ +alias (.*)$/\1/p'
}

# index_of LINK: the link's index.  (Not from /sys/class/net: that shows the network
# namespace /sys was mounted in.)
index_of() {
	ip -o link show "$1" | cut -d: -f1
}

no_link() { ! ip link show "$1" >/dev/null 2>&1; }

# holds_netns PID ID: true when process PID is in the network namespace of container ID.
holds_netns() {
	[ "$(readlink "/proc/$1/ns/net")" = "$(readlink "/proc/$(state_field "$2" pid)/ns/net")" ]
}

# no_claims: true when no network claim is held under the root.
no_claims() { [ -z "$(find "$ROOT/.net" -mindepth 1 2>/dev/null)" ]; }

# --- a deleted container's veth, still there, is taken over -----------------------------------

# A process left in the old network namespace keeps it (and so the old veth) alive for
# as long as the test wants: the collision happens every time, not only when the
# kernel is slow.
ANN='org.nook.net.eth0=bridge=nookbr0,ip=10.46.0.2/24,gw=10.46.0.1'
netbundle k1 "$ANN" || bail "make a bundle"
check "create k1" nook create -b "$T/k1" k1
H=$(ports_of nookbr0)
[ -n "$H" ] || bail "k1's host side is a port of the bridge" "$(ip -o link show)"
is "nook marks the host side it made with the container's id" "$(alias_of "$H")" "nook:k1"
OLD_INDEX=$(index_of "$H")
nsenter -t "$(state_field k1 pid)" -n sleep 1000 &
HOLDER=$!
at_exit "kill $HOLDER"
wait_for 5 holds_netns "$HOLDER" k1 || bail "a process holds k1's network namespace"
check "start k1" nook start k1
check "delete --force k1" nook delete --force k1
check "the old veth is still there (its namespace is held)" ip link show "$H"
check "create k1 again right away" nook create -b "$T/k1" k1
like "the new k1 has eth0 with its address" "$(in_netns k1 ip -o addr show eth0)" '10\.46\.0\.2/24'
is "its host side has the same name" "$(ports_of nookbr0)" "$H"
if [ "$(index_of "$H")" != "$OLD_INDEX" ]; then
	ok "... and is a new link"
else
	fail "... and is a new link" "ifindex $OLD_INDEX before and after"
fi
is "... marked for k1" "$(alias_of "$H")" "nook:k1"
is "the old pair went with it: the held namespace has no eth0 left" \
	"$(nsenter -t "$HOLDER" -n ip -o link show | grep -c ' eth0')" 0
check "start the new k1" nook start k1
check "the host reaches the new k1" wait_for 5 busybox ping -c1 -W1 10.46.0.2
check "delete k1" nook delete --force k1
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null

# Routed: the leftover's host routes go with it, the new ones point at the new veth.
netbundle r1 'org.nook.net.eth0=mode=routed,ip=10.47.0.5/32,host=nkrouted1' || bail "make a bundle"
check "create r1 (routed, host=nkrouted1)" nook create -b "$T/r1" r1
nsenter -t "$(state_field r1 pid)" -n sleep 1000 &
HOLDER=$!
at_exit "kill $HOLDER"
wait_for 5 holds_netns "$HOLDER" r1 || bail "a process holds r1's network namespace"
check "delete --force r1" nook delete --force r1
check "r1's old veth is still there" ip link show nkrouted1
check "create r1 again right away" nook create -b "$T/r1" r1
like "the host route to r1 points at the new veth" "$(ip route show 10.47.0.5)" '10\.47\.0\.5 dev nkrouted1'
like "the new r1 has its address" "$(in_netns r1 ip -o addr show eth0)" '10\.47\.0\.5/32'
is "the held namespace has no eth0 left" "$(nsenter -t "$HOLDER" -n ip -o link show | grep -c ' eth0')" 0
check "delete r1" nook delete --force r1
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null

# --- delete and create of one id, 20 times ----------------------------------------------------

# The old namespace is not held: whether the kernel is done with it when the next
# create comes is up to the kernel; every create must succeed either way.
netbundle k2 'org.nook.net.eth0=bridge=nookbr0,ip=10.46.0.3/24,gw=10.46.0.1' || bail "make a bundle"
check "create k2" nook create -b "$T/k2" k2
H=$(ports_of nookbr0)
failed=
noaddr=
lingered=0
# (Not in $(...): the container keeps create's stdout open.)
for i in $(seq 1 20); do
	for step in start "delete --force" "create -b $T/k2"; do
		# shellcheck disable=SC2086 # step is the command and its arguments
		if ! nook $step k2 >"$T/step.out" 2>&1 </dev/null; then
			failed="round $i: $step: $(cat "$T/step.out")"
			break 2
		fi
		if [ "$step" = "delete --force" ] && ip link show "$H" >/dev/null 2>&1; then
			lingered=$((lingered + 1))
		fi
	done
	out=$(in_netns k2 ip -o addr show eth0 2>&1)
	grep -q '10\.46\.0\.3/24' <<<"$out" || noaddr="$noaddr round $i: [$out] [$(nook state k2 2>&1)]"
done
echo "# the old veth was still there after the delete in $lingered of 20 rounds"
is "20 rounds of start, delete --force, create of k2: every create succeeds" "$failed" ""
is "... and every new k2 has eth0 with its address" "$noaddr" ""
is "one port on the bridge, k2's" "$(ports_of nookbr0 | wc -l)" 1
check "delete k2" nook delete --force k2
assert_nothing_left k2
wait_for 5 sh -c '[ -z "$(ip -o link show master nookbr0)" ]'
is "no veth is left on the bridge" "$(ports_of nookbr0)" ""

# --- links nook did not make are never taken over -----------------------------------------------

# refused NAME ID LINK: container ID, whose annotation asks for host-side name LINK, is
# refused with the error of a taken name; LINK is as it was (same index, flags, MAC,
# master and alias) and ID left nothing: no state, cgroup or network claim.
refused() {
	local name=$1 id=$2 link=$3 before
	netbundle "$id" "org.nook.net.eth0=bridge=nookbr0,ip=10.46.0.9/24,host=$link" || bail "make a bundle"
	before=$(ip -o link show "$link")
	check_error "$name: refused" \
		"annotation org.nook.net.eth0: host=$link: host-side interface $link already exists" \
		nook create -b "$T/$id" "$id"
	is "$name: $link is untouched" "$(ip -o link show "$link")" "$before"
	assert_nothing_left "$id" "$name: no state or cgroup left"
	if no_claims; then
		ok "$name: no network claim left"
	else
		fail "$name: no network claim left" "$(find "$ROOT/.net" -mindepth 1)"
	fi
	is "$name: no port left on the bridge" "$(ports_of nookbr0)" ""
}

ip link add nkbr7 type bridge || bail "make the bridge nkbr7"
refused "host= naming a bridge the user made" b1 nkbr7
ip link set nkbr7 alias "nook:b1" || bail "give nkbr7 an alias"
refused "host= naming a bridge with nook's mark (not a veth)" b2 nkbr7
ip link del nkbr7

ip link add nkhand0 type veth peer name nkhand0p || bail "make a veth by hand"
refused "host= naming a veth made by hand" v1 nkhand0
ip link set nkhand0 alias "my uplink" || bail "give nkhand0 an alias"
refused "host= naming a veth made by hand with an alias of its own" v2 nkhand0
is "... which it keeps" "$(alias_of nkhand0)" "my uplink"
ip link del nkhand0
check "the name is free once the user's veth is gone" nook create -b "$T/v2" v2
check "delete it" nook delete --force v2
assert_nothing_left v2

# Another container's veth (as nook marks it for container o1) is not taken over either:
# with claims per state root, it may be alive under another root.
ip link add nkother0 type veth peer name nkother0p || bail "make a veth"
ip link set nkother0 alias "nook:o1" || bail "mark it for o1"
refused "host= naming a veth marked for another container" o2 nkother0
is "... which keeps its mark" "$(alias_of nkother0)" "nook:o1"
ip link del nkother0

wait_for 5 no_link nkrouted1
wait_for 5 no_claims
is "no network claim is left under the root" "$(find "$ROOT/.net" -mindepth 1)" ""

done_testing
