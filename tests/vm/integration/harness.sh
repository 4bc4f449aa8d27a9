#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# The VM harness itself (runs inside `make check-vm`): the VM has a pure cgroup v2
# hierarchy with the controllers the build hosts lack, limits there are enforced (a
# memory hog is OOM-killed at memory.max), and nook runs a container in it whose
# cgroup sits under the test's parent and is removed on delete.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "VM harness" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi

is "cgroup v2 is mounted at /sys/fs/cgroup" "$(stat -f -c %T /sys/fs/cgroup)" cgroup2fs
for c in cpuset cpu io memory pids; do
	like "controller $c is available" "$(cat /sys/fs/cgroup/cgroup.controllers)" "(^| )$c( |$)"
done

# memory.max is enforced: a hog in its own cgroup is OOM-killed and the event counted.
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
echo +memory >"$CGP/cgroup.subtree_control"
mkdir "$CGP/hog"
echo 32M >"$CGP/hog/memory.max"
echo 0 >"$CGP/hog/memory.swap.max"
sh -c "echo \$\$ >$CGP/hog/cgroup.procs; exec tail /dev/zero" 2>/dev/null
is "a memory hog at memory.max=32M is killed by SIGKILL" "$?" 137
like "memory.events counts the oom_kill" "$(cat "$CGP/hog/memory.events")" 'oom_kill [1-9]'
rmdir "$CGP/hog"

# nook runs a container here; its cgroup is the configured one and goes with delete.
B=$T/vmrun
make_bundle "$B" sh -c 'cat /proc/self/cgroup; echo ran-in-vm' || bail "make a bundle"
capture nook run -b "$B" vm1
is "nook run in the VM exits 0" "$RC" 0
like "the container ran" "$OUT" ran-in-vm
check "the container's cgroup is gone after run" test ! -e "$CGP/vm1"
assert_nothing_left vm1

done_testing
