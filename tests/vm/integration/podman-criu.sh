#!/bin/bash
# shellcheck disable=SC2016 # shell snippets for the container are in single quotes
# podman's checkpoint and restore with nook as its runtime (inside `make check-vm`,
# where Debian's CRIU works): a busybox container counting in memory is checkpointed
# (podman runs `nook checkpoint`), restored (`nook restore` under conmon) and goes on
# counting with the same PIDs inside; --export / --import carry it through a tarball;
# --leave-running keeps it running.  podman's own storage and configuration under the
# test's directory, as in tests/clients/podman.sh.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "podman checkpoint" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
for p in criu podman conmon; do
	if ! command -v $p >/dev/null; then
		skip "podman checkpoint" "$p is not installed (make check-clients installs podman)"
		done_testing
		exit 0
	fi
done
# shellcheck source=tests/clients/common.bash
. "$(dirname "$0")/../../clients/common.bash"

{ mkdir -p "$ROOT" /run/nook && mount --bind "$ROOT" /run/nook; } || bail "nook's default root"
mount_snapshot
export CONTAINERS_CONF=$T/containers.conf
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024"]
cgroups = "no-conmon"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
CONF
PODMAN=(timeout -k 5 300 podman --root "$T/storage" --runroot "$T/storage-run" --tmpdir "$T/podman-tmp"
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
pm() { "${PODMAN[@]}" --runtime "$NOOK" "$@"; }
at_exit "${PODMAN[*]} --runtime $NOOK rm -f -a >/dev/null 2>&1"
IMAGE=localhost/nook-busybox:test
busybox_tarball "$T/busybox.tar" || bail "a busybox tarball"
check "podman import" pm import "$T/busybox.tar" "$IMAGE"

check "run -d a counter" pm run -d --name cnt --network none --cgroup-parent "$CGP_PATH" "$IMAGE" sh -c \
	'sleep 100000 & echo $! >/child; i=0; while :; do i=$((i+1)); (echo $i >/count.new); mv /count.new /count; sleep 0.1; done'
count() { pm exec cnt cat /count 2>/dev/null || echo 0; }
count_over() { [ "$(count)" -gt "$1" ]; }
wait_for 20 count_over 3 || bail "the counter does not count"
CHILD=$(pm exec cnt cat /child)

capture pm container checkpoint cnt
is "podman container checkpoint" "$RC" 0
like "... it is exited then" "$(pm ps -a --format '{{.Names}} {{.State}}')" '^cnt [Ee]xited'
capture pm container restore cnt
is "podman container restore" "$RC" 0
check "it runs again" test "$(pm inspect -f '{{.State.Running}}' cnt)" = true
N=$(count)
wait_for 20 count_over "$((N + 3))" || fail "it counts after restore"
is "its child keeps its PID inside" "$(pm exec cnt cat /proc/"$CHILD"/cmdline | tr '\0' ' ')" "sleep 100000 "

check "checkpoint --leave-running" pm container checkpoint --leave-running cnt
check "... it still runs" test "$(pm inspect -f '{{.State.Running}}' cnt)" = true

check "checkpoint --export" pm container checkpoint --export "$T/cnt.tar.gz" cnt
check "rm the container" pm rm -f cnt
check "restore --import" pm container restore --import "$T/cnt.tar.gz"
N=$(count)
wait_for 20 count_over "$((N + 3))" || fail "it counts after restore --import"
is "its child is still there with its PID" "$(pm exec cnt cat /proc/"$CHILD"/cmdline | tr '\0' ' ')" "sleep 100000 "
check "rm -f" pm rm -f cnt
check "no container left in nook's root" test -z "$(ls "$ROOT" 2>/dev/null)"

done_testing
