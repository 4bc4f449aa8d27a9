#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# Namespaces: each configured namespace is new (pid 1 inside, only lo in a new network
# namespace, own host name, cgroup root); joining namespaces by path (a persistent
# network and UTS namespace, another container's pid and network namespace); a user
# namespace with id maps; a hostname without a UTS namespace is refused.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

fieldv() { sed -n "s/^$1=//p" <<<"$C" | head -n 1; }

# --- new namespaces ---------------------------------------------------------------------------

B=$T/newns
make_bundle "$B" sh -c '
	echo "pid=$$"
	echo "nprocs=$(ls /proc | grep -c "^[0-9]")"
	echo "links=$(awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev | sort | tr "\n" " ")"
	echo "hostname=$(hostname)"
	echo "cgroup=$(grep "^0::" /proc/self/cgroup)"
	for ns in mnt pid net ipc uts cgroup; do echo "ns-$ns=$(readlink /proc/self/ns/$ns)"; done' ||
	bail "make a bundle"
edit_config "$B" '.hostname = "inside"'
capture nook run -b "$B" newns
C=$OUT
[ "$RC" = 0 ] || fail "run the namespaces container" "$(_cmd_details nook run -b "$B" newns)"
is "pid namespace: the process is pid 1" "$(fieldv pid)" 1
# sh, and the subshell, ls and grep of the command substitution
like "pid namespace: only the container's processes in /proc" "$(fieldv nprocs)" '^[1-5]$'
is "network namespace: only lo" "$(fieldv links)" "lo "
is "uts namespace: the configured host name" "$(fieldv hostname)" inside
is "cgroup namespace: the container's cgroup is its root" "$(fieldv cgroup)" "0::/"
for ns in mnt pid net ipc uts cgroup; do
	outside=$(readlink "/proc/self/ns/$ns")
	inside=$(fieldv "ns-$ns")
	if [ -n "$inside" ] && [ "$inside" != "$outside" ]; then
		ok "$ns namespace is new"
	else
		fail "$ns namespace is new" "inside: $inside, outside: $outside"
	fi
done
assert_nothing_left newns

# --- no new namespace but the mount namespace -----------------------------------------------

B=$T/hostns
make_bundle "$B" sh -c 'for ns in pid net ipc uts cgroup; do echo "ns-$ns=$(readlink /proc/self/ns/$ns)"; done' ||
	bail "make a bundle"
edit_config "$B" '.linux.namespaces = [ { "type": "mount" } ] | del(.hostname)
	| .mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup" and .destination != "/dev/mqueue"))'
capture nook run -b "$B" hostns
C=$OUT
[ "$RC" = 0 ] || fail "run a container without pid, net, ipc, uts, cgroup namespaces" "$(_cmd_details nook run -b "$B" hostns)"
for ns in pid net ipc uts cgroup; do
	is "no new $ns namespace: the container shares ours" "$(fieldv "ns-$ns")" "$(readlink "/proc/self/ns/$ns")"
done
assert_nothing_left hostns

B=$T/nouts
make_bundle "$B" true || bail "make a bundle"
HOSTNAME_BEFORE=$(hostname)
edit_config "$B" '.linux.namespaces |= map(select(.type != "uts")) | .hostname = "not-allowed"'
check_error "a hostname without a UTS namespace is refused" "" nook run -b "$B" nouts
is "the refused hostname was not set" "$(hostname)" "$HOSTNAME_BEFORE"
assert_nothing_left nouts

# --- joining namespaces by path -----------------------------------------------------------------

mkdir -p "$T/ns"
touch "$T/ns/net" "$T/ns/uts"
if unshare --net="$T/ns/net" true 2>"$T/unshare.err" && unshare --uts="$T/ns/uts" hostname joined-uts 2>>"$T/unshare.err"; then
	mount_snapshot # the two namespace files are bind mounts of ours
	nsenter --net="$T/ns/net" ip link add nookbr0 type bridge
	B=$T/joinns
	make_bundle "$B" sh -c '
		echo "links=$(awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev | sort | tr "\n" " ")"
		echo "hostname=$(hostname)"
		echo "ns-net=$(readlink /proc/self/ns/net)"' || bail "make a bundle"
	edit_config "$B" --arg net "$T/ns/net" --arg uts "$T/ns/uts" '
		.linux.namespaces |= map(if .type == "network" then .path = $net elif .type == "uts" then .path = $uts else . end)
		| del(.hostname)'
	capture nook run -b "$B" joinns
	C=$OUT
	[ "$RC" = 0 ] || fail "run a container that joins namespaces by path" "$(_cmd_details nook run -b "$B" joinns)"
	is "joined network namespace by path: its links" "$(fieldv links)" "lo nookbr0 "
	is "joined network namespace by path: same namespace" "$(fieldv ns-net)" "net:[$(stat -L -c %i "$T/ns/net")]"
	is "joined UTS namespace by path: its host name" "$(fieldv hostname)" joined-uts
	assert_nothing_left joinns
	check "the joined network namespace survives the container" nsenter --net="$T/ns/net" ip link show nookbr0
	umount "$T/ns/net" "$T/ns/uts"
	mount_snapshot
else
	fail "make persistent namespaces with unshare --net=FILE --uts=FILE" "$(cat "$T/unshare.err")"
fi

B=$T/badpath
make_bundle "$B" true || bail "make a bundle"
echo "not a namespace" >"$T/notns"
edit_config "$B" --arg p "$T/notns" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
check_error "joining a file that is not a namespace fails" "" nook run -b "$B" badpath
assert_nothing_left badpath
B=$T/wrongtype
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
check_error "joining a namespace of the wrong type fails" "" nook run -b "$B" wrongtype
assert_nothing_left wrongtype

# Another container's pid and network namespace (as a pod's pause container).
B=$T/pause
make_bundle "$B" sleep 1000 || bail "make a bundle"
nook run -d -b "$B" pause >/dev/null 2>&1
PAUSE=$(state_field pause pid)
if [ -n "$PAUSE" ]; then
	B=$T/member
	make_bundle "$B" sh -c 'ps -o pid,args | awk "\$2 == \"sleep\" { print \$1 }"; readlink /proc/self/ns/net' ||
		bail "make a bundle"
	edit_config "$B" --arg pid "/proc/$PAUSE/ns/pid" --arg net "/proc/$PAUSE/ns/net" '
		.linux.namespaces |= map(if .type == "pid" then .path = $pid elif .type == "network" then .path = $net else . end)'
	capture nook run -b "$B" member
	C=$OUT
	is "joined another container's pid and network namespaces" "$OUT" "1
$(readlink "/proc/$PAUSE/ns/net")"
	assert_nothing_left member
	is "the first container still runs" "$(state_field pause status)" running
else
	fail "run a container to join" "no pid in its state"
fi
nook delete --force pause >/dev/null 2>&1
assert_nothing_left pause

# --- a user namespace ---------------------------------------------------------------------------

B=$T/userns
make_bundle "$B" sh -c 'echo "uid_map=$(cat /proc/self/uid_map | tr -s " " | sed "s/^ //")"
	echo "gid_map=$(cat /proc/self/gid_map | tr -s " " | sed "s/^ //")"
	echo "id=$(id -u):$(id -g)"; echo > /dev/null && echo "devnull=ok"; sleep 1000' ||
	bail "make a bundle"
edit_config "$B" '.linux.namespaces += [ { "type": "user" } ]
	| .linux.uidMappings = [ { "containerID": 0, "hostID": 200000, "size": 65536 } ]
	| .linux.gidMappings = [ { "containerID": 0, "hostID": 200000, "size": 65536 } ]'
# The container's root must own its rootfs (tests/integration/userns.sh has the rest).
chown 200000:200000 "$B/rootfs"
capture nook run -d -b "$B" userns
C=$OUT
if [ "$RC" = 0 ]; then
	PID=$(state_field userns pid)
	like "user namespace: the init runs as host uid 200000" \
		"$(awk '$1 == "Uid:" { print $2 }' "/proc/$PID/status" 2>/dev/null)" '^200000$'
	capture nook exec userns sh -c 'cat /proc/self/uid_map | tr -s " " | sed "s/^ //"; id -u'
	is "user namespace: uid_map and uid 0 inside" "$OUT" "0 200000 65536
0"
	nook delete --force userns >/dev/null 2>&1
else
	fail "run a container with a user namespace" "$(_cmd_details nook run -d -b "$B" userns)"
fi
assert_nothing_left userns

B=$T/nomap
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.namespaces += [ { "type": "user" } ] | del(.linux.uidMappings, .linux.gidMappings)
	| .linux.uidMappings = [ { "containerID": 0, "hostID": 200000 } ]'
check_error "a uid mapping without size is refused" "uidMappings" nook run -b "$B" nomap
assert_nothing_left nomap

# --- a time namespace ------------------------------------------------------------------------------

if "$NOOK" features 2>/dev/null | jq -e '.linux.namespaces | index("time") != null' >/dev/null; then
	B=$T/timens
	make_bundle "$B" sh -c 'cut -d. -f1 /proc/uptime' || bail "make a bundle"
	edit_config "$B" '.linux.namespaces += [ { "type": "time" } ]
		| .linux.timeOffsets = { "boottime": { "secs": 8640000, "nanosecs": 0 }, "monotonic": { "secs": 86400, "nanosecs": 0 } }'
	capture nook run -b "$B" timens
	C=$OUT
	outside=$(cut -d. -f1 /proc/uptime)
	if [ "$RC" = 0 ] && [ "$OUT" -ge $((outside + 8640000 - 60)) ] 2>/dev/null; then
		ok "time namespace: boottime offset shows in /proc/uptime"
	else
		fail "time namespace: boottime offset shows in /proc/uptime" "outside: $outside" "$(_cmd_details nook run -b "$B" timens)"
	fi
	assert_nothing_left timens
else
	skip "time namespace" "nook features does not list the time namespace"
fi

done_testing
