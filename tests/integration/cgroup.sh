#!/bin/bash
# shellcheck disable=SC2016 # jq and container scripts are in single quotes
# The container's cgroup on the build host: pause/resume with the v2 freezer, kill --all
# and delete --force remove the cgroup, the device program, limits whose controller the
# v2 hierarchy lacks are refused before anything is made, and bad linux.resources are
# refused with their JSON path.  Limits themselves are tested in the VM
# (tests/vm/integration/limits.sh).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

has_controller() {
	grep -qw "$1" "$CG_MOUNT/cgroup.controllers"
}

# --- pause / resume ---------------------------------------------------------------------

B=$T/frz
make_bundle "$B" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.05; done' ||
	bail "make a bundle"
check "run -d" nook run -d -b "$B" frz
wait_for 10 test -s "$B/rootfs/tmp/count" || fail "the counter runs"
check "pause" nook pause frz
is "state after pause: paused" "$(state_field frz status)" paused
like "cgroup.events says frozen" "$(cat "$CGP/frz/cgroup.events")" 'frozen 1'
c1=$(cat "$B/rootfs/tmp/count")
sleep 0.5
c2=$(cat "$B/rootfs/tmp/count")
is "a paused container's process does not advance" "$c2" "$c1"
check_error "pause of a paused container is refused" "it is paused" nook pause frz
check_error "delete without --force of a paused container is refused" "that is not stopped: paused" \
	nook delete frz
check "resume" nook resume frz
is "state after resume: running" "$(state_field frz status)" running
if wait_for 5 test "$(cat "$B/rootfs/tmp/count")" != "$c2"; then
	ok "a resumed container's process advances"
else
	fail "a resumed container's process advances" "count stays at $c2"
fi
check_error "resume of a running container is refused" "it is running" nook resume frz
check "pause again" nook pause frz
check "delete --force of a paused container" nook delete --force frz
assert_nothing_left frz

# --- kill --all, delete --force ---------------------------------------------------------

B=$T/kall
make_bundle "$B" sh -c 'sleep 1000 & sleep 1000 & wait' || bail "make a bundle"
check "run -d with children" nook run -d -b "$B" kall
wait_for 5 test "$(cgroup_pids "$CGP/kall" | wc -l)" -ge 3 || fail "three processes in the cgroup"
check "kill --all KILL" nook kill --all kall KILL
wait_status kall stopped || fail "kill --all stops it"
is "the cgroup is empty" "$(cgroup_pids "$CGP/kall" | wc -l)" 0
check "delete after kill --all" nook delete kall
check "the cgroup is gone" test ! -e "$CGP/kall"
assert_nothing_left kall
set_id "$B" kforce
check "run -d" nook run -d -b "$B" kforce
check "delete --force of a running container" nook delete --force kforce
assert_nothing_left kforce

# --- stats --------------------------------------------------------------------------------

B=$T/st
make_bundle "$B" || bail "make a bundle"
check "run -d" nook run -d -b "$B" st
capture nook events --stats st
check_jq "events --stats prints one JSON object of type stats" "$OUT" \
	'.type == "stats" and .id == "st" and (.data | has("memory") and has("cpu"))'
check "delete --force" nook delete --force st
assert_nothing_left st

# --- the device program -------------------------------------------------------------------

B=$T/dev
make_bundle "$B" sh -c 'head -c1 /dev/zero | wc -c; head -c1 /dev/null && echo null-opened'
edit_config "$B" '.linux.resources.devices = [{"allow": true, "access": "rwm"},
	{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
capture nook run -b "$B" dev
like "allow all but c 1:3: /dev/zero reads" "$OUT" '^1'
unlike "allow all but c 1:3: /dev/null cannot be opened" "$OUT" 'null-opened'
like "the open fails with EPERM" "$ERR" '[Oo]peration not permitted'
assert_nothing_left dev
set_id "$B" devdef
edit_config "$B" 'del(.linux.resources)'
capture nook run -b "$B" devdef
like "by default /dev/null and /dev/zero work" "$OUT" 'null-opened'
assert_nothing_left devdef

# Containers with the same rules share one loaded program; other rules get their own,
# and the shared one goes on enforcing after the container that loaded it is gone.
DEVPROGS=$BUILDDIR/tests/helpers/device-progs
for id in share1 share2 share3; do
	make_bundle "$T/$id" || bail "make a bundle"
	edit_config "$T/$id" '.linux.resources.devices = [{"allow": true, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
done
edit_config "$T/share3" '.linux.resources.devices[1].minor = 5'
for id in share1 share2 share3; do
	check "run -d $id" nook run -d -b "$T/$id" "$id"
done
P1=$("$DEVPROGS" "$CGP/share1") P2=$("$DEVPROGS" "$CGP/share2") P3=$("$DEVPROGS" "$CGP/share3")
like "share1 has one device program" "$P1" '^[0-9]+$'
is "share2 (the same rules) has the same one" "$P2" "$P1"
like "share3 (other rules) has one of its own" "$P3" '^[0-9]+$'
check "... which is another" test "$P3" != "$P1"
check "delete --force share1" nook delete --force share1
capture nook exec share2 sh -c 'head -c1 /dev/null && echo null-opened; head -c1 /dev/zero | wc -c'
unlike "share2 still cannot open /dev/null" "$OUT" 'null-opened'
like "... and reads /dev/zero" "$OUT" '^1'
for id in share2 share3; do
	check "delete --force $id" nook delete --force "$id"
done
for id in share1 share2 share3; do
	assert_nothing_left "$id"
done

# --- limits on this host --------------------------------------------------------------------

B=$T/mem
make_bundle "$B" || bail "make a bundle"
edit_config "$B" '.linux.resources.memory.limit = 33554432'
if has_controller memory; then
	skip "a memory limit is refused without the memory controller" "this host has it in v2"
else
	check_error "a memory limit is refused, naming the controller and the hierarchy" \
		"memory controller is not available in the cgroup v2 hierarchy at $CG_MOUNT" \
		nook run -b "$B" mem
	if grep -q ' - cgroup .*[ ,]memory\( \|,\|$\)' /proc/self/mountinfo; then
		check_error "... and says it is bound to cgroup v1" "(bound to cgroup v1" \
			nook run -b "$B" mem
	fi
	assert_nothing_left mem
fi

if has_controller hugetlb && [ -e /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
	set_id "$B" huge
	edit_config "$B" 'del(.linux.resources) | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 0}]'
	check "run -d with a hugetlb limit" nook run -d -b "$B" huge
	is "hugetlb.2MB.max is set" "$(cat "$CGP/huge/hugetlb.2MB.max" 2>/dev/null)" 0
	printf '{"hugepageLimits":[{"pageSize":"2MB","limit":2097152}]}' >"$T/upd.json"
	check "update -r raises it" nook update -r "$T/upd.json" huge
	is "hugetlb.2MB.max after update" "$(cat "$CGP/huge/hugetlb.2MB.max" 2>/dev/null)" 2097152
	if ! has_controller pids; then
		check_error "update --pids-limit names the missing controller" \
			"pids controller is not available" nook update --pids-limit 10 huge
	fi
	check_error "update with bad input names the option's JSON path" \
		"resources.cpu.period: needs a cpu.quota" nook update --cpu-period 100000 huge
	check "delete --force" nook delete --force huge
	assert_nothing_left huge
else
	skip "hugetlb limits on this host" "no hugetlb controller or 2 MB pages"
fi

# --- a guest that manages its own cgroups ------------------------------------------------

# systemd enables controllers in the container's cgroup and moves itself into a child;
# the kernel then refuses new processes in the container's cgroup ("no internal
# processes", EBUSY), so exec joins the init's cgroup instead.
# The container's cgroup can only delegate a controller its parent's subtree_control
# enables; this test makes no change to the host's root cgroup (a hugetlb limit above,
# through nook, enables it there on a host where it is free).
if has_controller hugetlb && ! grep -qw hugetlb "$(dirname "$CGP")/cgroup.subtree_control"; then
	skip "exec into a delegated cgroup" "the cgroup v2 root does not enable hugetlb for its children"
elif has_controller hugetlb; then
	make_bundle "$T/sd" sleep 1000 || bail "make a bundle"
	check "run -d a container" nook run -d -b "$T/sd" sd
	capture nook state sd
	pid=$(jq -r .pid <<<"$OUT")
	mkdir "$CGP/sd/init.scope" && echo "$pid" >"$CGP/sd/init.scope/cgroup.procs" &&
		echo +hugetlb >"$CGP/cgroup.subtree_control" &&
		echo +hugetlb >"$CGP/sd/cgroup.subtree_control" ||
		bail "delegate the container's cgroup as systemd does"
	capture nook exec sd grep '^0::' /proc/self/cgroup
	is "exec into it lands in the init's cgroup" "$OUT" "0::/init.scope"
	check "delete --force" nook delete --force sd
	assert_nothing_left sd
else
	skip "exec into a delegated cgroup" "no controller in the v2 hierarchy to delegate"
fi

# --- bad input -----------------------------------------------------------------------------

bad_resources() { # NAME JQ-RESOURCES EXPECTED
	set_id "$B" bad
	edit_config "$B" "del(.linux.resources) | .linux.resources = $2"
	check_error "refused: $1" "$3" nook create -b "$B" bad
	assert_nothing_left bad "refused: $1: nothing left behind"
}
bad_resources "cpus beyond the host's" '{"cpu": {"cpus": "0-99999"}}' \
	"config.json: linux.resources.cpu.cpus: 99999 is beyond"
bad_resources "a period without a quota" '{"cpu": {"period": 100000}}' \
	"config.json: linux.resources.cpu.period"
bad_resources "a negative memory limit" '{"memory": {"limit": -5}}' \
	"config.json: linux.resources.memory.limit"
bad_resources "an unknown unified key" '{"unified": {"foo.bar": "1"}}' \
	"config.json: linux.resources.unified: 'foo.bar'"
bad_resources "a unified key with a path" '{"unified": {"memory.max/../../x": "1"}}' \
	"config.json: linux.resources.unified"
bad_resources "a device rule with a bad type" '{"devices": [{"allow": true, "type": "q"}]}' \
	"config.json: linux.resources.devices[0].type"
bad_resources "a device rule with a bad access" '{"devices": [{"allow": true, "access": "rwz"}]}' \
	"config.json: linux.resources.devices[0].access"
bad_resources "disableOOMKiller" '{"memory": {"disableOOMKiller": true}}' \
	"config.json: linux.resources.memory.disableOOMKiller"

done_testing
