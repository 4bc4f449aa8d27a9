#!/bin/bash
# shellcheck disable=SC2016 # jq and container scripts are in single quotes
# linux.resources enforced (runs inside `make check-vm`, a pure cgroup v2 hierarchy): a
# memory hog is OOM-killed at memory.max and reported, a fork bomb stops at pids.max,
# cpu.max throttles, the device program denies a node, pause/resume, update raises a
# limit live, and delete removes the cgroup.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "limits" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi

# --- memory: OOM kill at memory.max, events, update -------------------------------------

B=$T/mem
make_bundle "$B" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; tail /dev/zero; sleep 1000' ||
	bail "make a bundle"
edit_config "$B" '.linux.resources = {"memory": {"limit": 33554432, "swap": 33554432},
	"cpu": {"shares": 1024, "cpus": "0"}, "pids": {"limit": 100}}'
check "run -d with a 32M memory limit" nook run -d -b "$B" mem
is "memory.max" "$(cat "$CGP/mem/memory.max")" 33554432
is "memory.swap.max is swap - limit" "$(cat "$CGP/mem/memory.swap.max")" 0
is "cpu.weight from cpu.shares 1024" "$(cat "$CGP/mem/cpu.weight")" 39
is "cpuset.cpus" "$(cat "$CGP/mem/cpuset.cpus")" 0
is "pids.max" "$(cat "$CGP/mem/pids.max")" 100
nook events mem >"$T/events.out" 2>&1 &
EVENTS=$!
sleep 0.5
touch "$B/rootfs/tmp/go"
if wait_for 30 grep -q '"type":"oom"' "$T/events.out"; then
	ok "nook events reports the OOM kill"
else
	fail "nook events reports the OOM kill" "$(cat "$T/events.out")"
fi
capture nook events --stats mem
check_jq "events --stats counts the oom_kill" "$OUT" '.data.memory.events.oom_kill >= 1'
is "the container survives (only the hog was killed)" "$(state_field mem status)" running
check "update --memory raises the limit live" nook update --memory 67108864 mem
is "memory.max after update" "$(cat "$CGP/mem/memory.max")" 67108864
check "delete --force" nook delete --force mem
wait_pid "$EVENTS" 10
is "nook events ends when the container stops" "$RC" 0
check "delete removes the cgroup" test ! -e "$CGP/mem"
assert_nothing_left mem

# --- pids: a fork bomb stops at pids.max -------------------------------------------------------

B=$T/fork
make_bundle "$B" sh -c 'for i in $(seq 60); do sleep 1000 & done; wait' || bail "make a bundle"
edit_config "$B" '.linux.resources.pids.limit = 20'
check "run -d with pids.limit 20" nook run -d -b "$B" fork
sleep 2
cur=$(cat "$CGP/fork/pids.current")
if [ "$cur" -le 20 ]; then ok "pids.current stays at most 20 ($cur)"; else fail "pids.current stays at most 20" "$cur"; fi
like "pids.events counts the refused forks" "$(cat "$CGP/fork/pids.events")" 'max [1-9]'
check "delete --force" nook delete --force fork
assert_nothing_left fork

# --- cpu: cpu.max throttles ---------------------------------------------------------------

B=$T/cpu
make_bundle "$B" sh -c 'while :; do :; done' || bail "make a bundle"
edit_config "$B" '.linux.resources.cpu = {"quota": 10000, "period": 100000}'
check "run -d with 10% of a CPU" nook run -d -b "$B" cpu
is "cpu.max" "$(cat "$CGP/cpu/cpu.max")" "10000 100000"
sleep 1.5
capture nook events --stats cpu
check_jq "cpu.stat nr_throttled grows" "$OUT" '.data.cpu.stat.nr_throttled > 0'
check "pause" nook pause cpu
is "state: paused" "$(state_field cpu status)" paused
u1=$(awk '$1 == "usage_usec" { print $2 }' "$CGP/cpu/cpu.stat")
sleep 0.5
u2=$(awk '$1 == "usage_usec" { print $2 }' "$CGP/cpu/cpu.stat")
is "a paused container uses no CPU" "$u2" "$u1"
check "resume" nook resume cpu
is "state: running" "$(state_field cpu status)" running
check "delete --force" nook delete --force cpu
assert_nothing_left cpu

# --- devices --------------------------------------------------------------------------------

B=$T/dev
make_bundle "$B" sh -c 'head -c1 /dev/null && echo null-opened; head -c1 /dev/zero | wc -c' ||
	bail "make a bundle"
edit_config "$B" '.linux.resources.devices = [{"allow": true, "access": "rwm"},
	{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
capture nook run -b "$B" dev
unlike "a denied c 1:3 cannot be opened" "$OUT" null-opened
like "... with EPERM" "$ERR" '[Oo]peration not permitted'
like "other devices still work" "$OUT" '^1$'
assert_nothing_left dev

done_testing
