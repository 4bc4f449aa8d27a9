#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# nook checkpoint and restore through CRIU (inside `make check-vm`: Debian's CRIU 3.17
# works with the VM's 6.1 kernel, not with the build hosts' newer one): a process that
# counts in memory goes on counting after checkpoint/restore, with the same PIDs inside,
# its cgroup and its network namespace's address; --leave-running and --pre-dump keep
# it running; a restore that cannot work leaves nothing behind.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "checkpoint/restore" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
if ! command -v criu >/dev/null; then
	skip "checkpoint/restore" "criu is not installed (apt-get install criu)"
	done_testing
	exit 0
fi

like "nook features: checkpoint enabled" "$(nook features)" '"org.nook.checkpoint.enabled": "true"'

# The counter: in memory only (its value is written out, never read back), with a
# child whose PID inside must survive too.  Its file is written from a subshell: the
# init's own stdout never points elsewhere, even for a moment (nook reads the init's
# stdio before CRIU freezes it; see nook(8), checkpoint).
B=$T/cr1
make_bundle "$B" sh -c 'sleep 1000 & echo $! >/child; i=0; while :; do i=$((i+1)); (echo $i >/count.new); mv /count.new /count; sleep 0.1; done' ||
	bail "make a bundle"
edit_config "$B" '.annotations["org.nook.net.eth0"] = "bridge=crbr0,host=crhost0,ip=10.77.0.2/24"'
count() { cat "$B/rootfs/count" 2>/dev/null || echo 0; }
count_over() { [ "$(count)" -gt "$1" ]; }
check "run -d cr1" nook run -d -b "$B" cr1 </dev/null >"$T/cr1.out" 2>&1
wait_for 10 count_over 4 || bail "the counter does not count: count=$(count)"
CHILD=$(cat "$B/rootfs/child")
# What confines the init: its seccomp filter and capabilities, to compare after restore.
# (Not no_new_privs: CRIU 3.17 does not restore it; man/nook.8 says so.)
confinement() { nook exec cr1 grep -E '^(Seccomp|Seccomp_filters|CapEff|CapPrm|CapBnd):' /proc/1/status; }
CONFINED=$(confinement)
like "the init has a seccomp filter" "$CONFINED" 'Seccomp:[[:space:]]+2'
check "checkpoint cr1" nook checkpoint --image-path "$T/img1" cr1
check "checkpoint removed the container" test ! -e "$ROOT/cr1"
BEFORE=$(count)
sleep 0.5
is "nothing counts while it is checkpointed" "$(count)" "$BEFORE"
check "restore -d cr1" nook restore -d -b "$B" --image-path "$T/img1" cr1 </dev/null >>"$T/cr1.out" 2>&1
wait_for 10 count_over "$((BEFORE + 3))"
like "after restore the counter goes on from its value" "$(count)" '^[0-9]+$'
ok_gt() { if [ "$2" -gt "$3" ]; then ok "$1"; else fail "$1" "$2 is not > $3"; fi; }
ok_gt "count after restore > count at checkpoint" "$(count)" "$BEFORE"
status_is cr1 running
is "its seccomp filter and capabilities come back" "$(confinement)" "$CONFINED"
capture nook exec cr1 cat "/proc/$CHILD/cmdline"
is "the child has its PID $CHILD inside after restore" "$OUT" "sleep1000"
like "the restored init is in its cgroup" "$(cat "$CGP/cr1/cgroup.procs")" "^$(state_field cr1 pid)\$"
capture nook exec cr1 ip -4 -o addr show eth0
like "its address is back in its network namespace" "$OUT" '10\.77\.0\.2/24'
check "the host side of its veth is back" ip link show crhost0

# --leave-running: the dump happens, the container goes on.
check "checkpoint --leave-running" nook checkpoint --leave-running --image-path "$T/img2" cr1
status_is cr1 running
N=$(count)
wait_for 10 count_over "$N" || fail "it keeps counting after --leave-running"
# --pre-dump then the final dump on top of it.
check "checkpoint --pre-dump" nook checkpoint --pre-dump --image-path "$T/pre" cr1
status_is cr1 running
check "checkpoint --parent-path ../pre" nook checkpoint --parent-path ../pre --image-path "$T/img3" cr1
BEFORE=$(count)
check "restore from the image over a pre-dump" nook restore -d -b "$B" --image-path "$T/img3" cr1 </dev/null >>"$T/cr1.out" 2>&1
wait_for 10 count_over "$((BEFORE + 3))"
ok_gt "count after the pre-dump restore > count at checkpoint" "$(count)" "$BEFORE"

# restore in the foreground: it waits for the container and exits with its status,
# then deletes it, as runc does.
B2=$T/cr2
make_bundle "$B2" sh -c 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); sleep 0.1; done; exit 7' ||
	bail "make a bundle"
check "run -d cr2" nook run -d -b "$B2" cr2 </dev/null >/dev/null 2>&1
check "checkpoint cr2" nook checkpoint --image-path "$T/img5" cr2
capture nook restore -b "$B2" --image-path "$T/img5" cr2
is "restore in the foreground exits with the container's status" "$RC" 7
assert_nothing_left cr2 "... and deletes it"

# Refusals leave nothing behind.
check_error "restore of a container that exists" "already exists" \
	nook restore -d -b "$B" --image-path "$T/img3" cr1
check "kill and delete cr1" nook delete --force cr1
assert_nothing_left cr1
check_error "restore from a missing image" "$T/none" \
	nook restore -d -b "$B" --image-path "$T/none" cr1
assert_nothing_left cr1 "a failed restore left nothing"
check_error "restore from a directory that is no image" "not an image of nook checkpoint" \
	nook restore -d -b "$B" --image-path "$T" cr1
assert_nothing_left cr1 "a refused restore left nothing"
mkdir "$T/bad" && cp "$T/img1/descriptors.json" "$T/bad/"
check_error "restore from an image that CRIU refuses" "CRIU restore failed" \
	nook restore -d -b "$B" --image-path "$T/bad" cr1
assert_nothing_left cr1 "a failed CRIU restore left nothing"
check "no veth left" test -z "$(ip -o link show crhost0 2>/dev/null)"
check_error "checkpoint of a container that does not exist" "does not exist" \
	nook checkpoint --image-path "$T/img4" cr1

done_testing
