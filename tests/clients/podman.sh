#!/bin/bash
# shellcheck disable=SC2016 # shell snippets for the container are in single quotes
# podman (Debian 12's 4.3) with nook as its OCI runtime (--runtime, and by name through
# containers.conf [engine.runtimes]): run --rm, run -d + exec (-it too) + top + ps + pause/unpause
# + stop + logs + rm, kill, run -it on a terminal, exit statuses, run --timeout, build
# with a RUN step, --user without a passwd entry, --sdnotify=container, a port published by
# nook's annotation networking (org.nook.net.eth0, podman's own network off), a limit
# whose cgroup controller is missing and a setting nook does not implement
# (--personality) refused clearly.  After each container: nothing in
# nook's root, no cgroup; no cgroup v1 directory ever; no process left.
#
# podman runs with its own storage and containers.conf under the test's directory
# (CONTAINERS_CONF; --root, --runroot), so the host's podman state is never touched, and
# with the settings this project's hybrid-cgroup build hosts need: cgroupfs, file events,
# ulimits below the hard limits, no pids limit, no cgroup for conmon.  The test's mount
# namespace sees only the cgroup v2 hierarchy (common.bash: pure_v2_view), and nook's
# default root /run/nook is the test's $ROOT there, so that podman's cleanup process,
# which gets no --runtime-flag, finds the containers.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/clients/common.bash
. "$(dirname "$0")/common.bash"

need_tools podman conmon script=bsdutils ip=iproute2
pure_v2_view

{ mkdir -p "$ROOT" /run/nook && mount --bind "$ROOT" /run/nook; } ||
	bail "nook's default root" "cannot bind $ROOT over /run/nook in the test's namespace"
mount_snapshot

export CONTAINERS_CONF=$T/containers.conf
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
pids_limit = 0
cgroups = "no-conmon"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
# Locks as files under the test's runroot: the default (shm) leaves /dev/shm/libpod_lock
# on the host.
lock_type = "file"

[engine.runtimes]
nook = ["$NOOK"]
CONF
PODMAN=(timeout -k 5 120 podman --root "$T/storage" --runroot "$T/storage-run" --tmpdir "$T/podman-tmp"
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
# pm ARGS...: podman with nook as its runtime, given by path.
pm() { "${PODMAN[@]}" --runtime "$NOOK" "$@"; }
# pm_run ARGS...: podman run of the test image, podman's network off, the container's
# cgroup under the test's parent.
RUN_OPTS=(--network none --cgroup-parent "$CGP_PATH")
IMAGE=localhost/nook-busybox:test


# --- set-up ------------------------------------------------------------------------------

busybox_tarball "$T/busybox.tar" || bail "a busybox tarball"
check "podman import of a busybox tarball" pm import "$T/busybox.tar" "$IMAGE"
capture "${PODMAN[@]}" info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}}'
is "podman sees cgroupfs on cgroup v2" "$OUT" "cgroupfs v2"

# --- run --rm ----------------------------------------------------------------------------

capture pm run --rm "${RUN_OPTS[@]}" "$IMAGE" sh -c 'echo hello from podman; cat /etc/hostname >/dev/null && echo $((6 * 7))'
is "run --rm prints the container's output" "$OUT" "hello from podman
42"
is "run --rm exits 0" "$RC" 0
gone "run --rm leaves nothing in nook's root and no cgroup" none

capture pm run --rm "${RUN_OPTS[@]}" "$IMAGE" sh -c 'exit 7'
is "run --rm passes the exit status on" "$RC" 7
capture pm run --rm "${RUN_OPTS[@]}" "$IMAGE" /no/such/program
is "run of a missing program: podman's status 127" "$RC" 127
like "... and the error names the program and the cause" "$ERR" '/no/such/program.*(no such file|not found)'
gone "a failed run leaves nothing" none

# The runtime by name, from containers.conf [engine.runtimes].
capture "${PODMAN[@]}" --runtime nook run --rm "${RUN_OPTS[@]}" "$IMAGE" echo by-name
is "--runtime nook (containers.conf [engine.runtimes]) runs" "$OUT" by-name

# --- run -d, exec, top, ps, pause, unpause, stop, logs, rm -------------------------------------

capture pm run -d --name web1 "${RUN_OPTS[@]}" "$IMAGE" \
	sh -c 'echo started; trap "echo stopping; exit 0" TERM; sleep 1000 & wait'
is "run -d exits 0" "$RC" 0
ID1=$OUT
[ -n "$ID1" ] || bail "run -d printed no id" "$ERR"
check "nook lists the container podman made" wait_for 5 status_is "$ID1" running
check "... in a cgroup under the parent podman was given" test -d "$CGP/libpod-$ID1"
capture pm exec web1 sh -c 'echo exec says hi; cat /proc/1/cmdline | tr "\0" " "'
is "exec runs in the container" "$OUT" "exec says hi
sh -c echo started; trap \"echo stopping; exit 0\" TERM; sleep 1000 & wait "
capture pm exec web1 sh -c 'exit 3'
is "exec passes the exit status on" "$RC" 3
in_terminal "${PODMAN[@]}" --runtime "$NOOK" exec -it web1 sh -c 'tty; test -t 0 && echo stdin-is-a-tty'
like "exec -it: the process has a terminal" "$OUT" '^/dev/pts/[0-9]+$'
like "exec -it: its stdin is the terminal" "$OUT" '^stdin-is-a-tty$'
capture pm top web1 args
like "podman top shows the container's processes" "$OUT" 'sleep 1000'
capture pm ps --format '{{.Names}} {{.Status}}'
like "podman ps shows it up" "$OUT" '^web1 Up'
check "pause" pm pause web1
is "nook state says paused" "$(state_field "$ID1" status)" paused
capture pm ps -a --format '{{.Names}} {{.Status}}'
like "podman ps -a shows it paused" "$OUT" '^web1 Paused'
check "unpause" pm unpause web1
is "nook state says running again" "$(state_field "$ID1" status)" running
check "stop (SIGTERM, caught by the container)" pm stop -t 20 web1
capture pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' web1
is "stopped, exit code 0 (the trap's)" "$OUT" "exited 0"
capture pm logs web1
is "logs has the container's output" "$OUT" "started
stopping"
check "rm" pm rm web1
gone "after rm: nothing in nook's root, no cgroup" "libpod-$ID1"

# --- kill ------------------------------------------------------------------------------------

capture pm run -d --name k1 "${RUN_OPTS[@]}" "$IMAGE" \
	sh -c 'trap "echo got USR1" USR1; echo ready; while :; do sleep 0.2; done'
ID2=$OUT
wait_for 10 sh -c "$(printf '%q ' "${PODMAN[@]}") logs k1 2>/dev/null | grep -q ready" ||
	fail "the kill container did not start" "$(pm logs k1 2>&1)"
check "kill --signal USR1" pm kill --signal USR1 k1
check "the container's trap got SIGUSR1" \
	wait_for 10 sh -c "$(printf '%q ' "${PODMAN[@]}") logs k1 2>/dev/null | grep -qx 'got USR1'"
check "kill (SIGKILL)" pm kill k1
capture pm wait k1
is "wait: killed by SIGKILL, 137" "$OUT" 137
check "rm" pm rm k1
gone "after kill and rm: nothing left" "libpod-$ID2"

# --- run -it on a terminal ---------------------------------------------------------------------

in_terminal "${PODMAN[@]}" --runtime "$NOOK" run --rm -it "${RUN_OPTS[@]}" "$IMAGE" \
	sh -c 'tty; test -t 0 && echo stdin-is-a-tty; exit 5'
like "run -it: the process has a terminal" "$OUT" '^/dev/pts/[0-9]+$'
like "run -it: its stdin is the terminal" "$OUT" '^stdin-is-a-tty$'
is "run -it passes the exit status on" "$RC" 5
gone "run -it --rm leaves nothing" none

# --- a published port with nook's networking ---------------------------------------------------

NET='"org.nook.net.eth0=bridge=nookpm0,ip=10.89.0.2/24,gw=10.89.0.1,publish=tcp:18080:80"'
# podman splits --annotation values at commas unless the value is quoted, CSV-style.
capture pm run -d --name www "${RUN_OPTS[@]}" --annotation "$NET" "$IMAGE" \
	sh -c 'echo "hello through nook" >/tmp/index.html; exec httpd -f -p 80 -h /tmp'
is "run -d with org.nook.net.eth0 (publish=tcp:18080:80)" "$RC" 0
ID3=$OUT
capture pm exec www ip -o -4 addr show eth0
like "the container has the annotation's address" "$OUT" 'inet 10\.89\.0\.2/24'
HOST_SIDE=$(ip -o link show master nookpm0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
wait_for 5 pm exec www wget -q -O /dev/null http://127.0.0.1:80/
check_output "the published port answers on the host's side of the bridge" "hello through nook" \
	timeout 5 busybox wget -q -O - http://10.89.0.1:18080/
check "rm -f" pm rm -f -t 0 www
is "the host side of the veth is gone" "$(ip -o link show "${HOST_SIDE:-none}" 2>/dev/null)" ""
check_fails "the port is no longer published" timeout 5 busybox wget -q -O - http://10.89.0.1:18080/
gone "after rm -f: nothing left" "libpod-$ID3"

# --- run --timeout, build's RUN steps, --user without a passwd entry, sd_notify -------------------

# conmon's --timeout kills the container's process group: the container's process must
# have a session of its own, or conmon kills itself and the container stays "running".
capture pm run --rm --timeout 2 "${RUN_OPTS[@]}" "$IMAGE" sleep 100
is "run --timeout 2 of sleep 100: podman's status for a timed-out container, 255 (as with runc)" "$RC" 255
gone "... and the container is gone" none

# buildah's RUN: ambient capabilities without inheritable ones, which nook may not raise.
mkdir -p "$T/ctx" && cp "$BUILDDIR/tests/helpers/sd-notify" "$T/ctx/sd-notify" ||
	bail "a build context" "the static sd-notify helper is not built"
cat >"$T/ctx/Containerfile" <<'CF'
FROM localhost/nook-busybox:test
COPY sd-notify /usr/bin/sd-notify
RUN echo "built by $(id -u) HOME=$HOME" >/built
CF
# Each RUN step is a container whose cgroup is the --cgroup-parent itself.
check "podman build with a RUN step" \
	pm build --network none --cgroup-parent "$CGP_PATH/build" -t localhost/nook-built:test "$T/ctx"
capture pm run --rm "${RUN_OPTS[@]}" localhost/nook-built:test cat /built
is "... and the RUN step ran as root with HOME from /etc/passwd" "$OUT" "built by 0 HOME=/root"
is "... leaving no cgroup" "$(cgroup_children)" ""

capture pm run --rm --user 100 "${RUN_OPTS[@]}" "$IMAGE" sh -c 'echo "$(id -u) HOME=$HOME"'
is "--user 100 (no passwd entry): HOME is / (as with runc and crun)" "$OUT" "100 HOME=/"

# --sdnotify=container: the container's READY=1 reaches podman's own NOTIFY_SOCKET (as
# systemd would get it), with the container's MAINPID.
"$BUILDDIR/tests/helpers/sd-notify" listen "$T/host.sock" "$T/host.out" &
LISTENER=$!
wait_for 5 test -e "$T/host.out.ready" || bail "sd-notify listen did not start"
capture env NOTIFY_SOCKET="$T/host.sock" "${PODMAN[@]}" --runtime "$NOOK" run -d --name sdn \
	--sdnotify=container "${RUN_OPTS[@]}" localhost/nook-built:test \
	sh -c 'sleep 0.5; sd-notify send READY=1; sleep 100'
is "run -d --sdnotify=container exits 0" "$RC" 0
ID4=$OUT
check "the host's socket gets a message" wait_for 20 test -e "$T/host.out"
like "... READY=1" "$(cat "$T/host.out")" '^READY=1$'
like "... and MAINPID" "$(cat "$T/host.out")" '^MAINPID=[0-9]+$'
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
check "rm -f" pm rm -f -t 0 sdn
gone "after rm -f: nothing left" "libpod-$ID4"
check "podman rmi of the built image" pm rmi localhost/nook-built:test

# --- what nook cannot do here is refused, not ignored --------------------------------------------

if grep -qw memory "$CG_MOUNT/cgroup.controllers"; then
	capture pm run --rm "${RUN_OPTS[@]}" --memory 64m "$IMAGE" sh -c 'cat /sys/fs/cgroup/memory.max'
	is "--memory 64m is applied (the memory controller is in cgroup v2)" "$OUT" 67108864
else
	capture pm run --rm "${RUN_OPTS[@]}" --memory 64m "$IMAGE" true
	if [ "$RC" != 0 ] && printf '%s\n' "$ERR" | grep -q 'memory controller is not available'; then
		ok "--memory without a v2 memory controller: refused, naming the controller"
	else
		fail "--memory without a v2 memory controller: refused, naming the controller" \
			"exit status $RC" "$ERR"
	fi
fi
gone "a refused create leaves nothing" none
# A setting of the spec nook does not implement is refused at create, never ignored.
capture pm run --rm "${RUN_OPTS[@]}" --personality LINUX32 "$IMAGE" true
is "--personality LINUX32: podman fails" "$([ "$RC" != 0 ] && echo failed)" failed
like "... with nook's error naming linux.personality" "$ERR" 'linux\.personality: Operation not supported'
gone "... and leaves nothing" none

# --- at the end --------------------------------------------------------------------------------

is "no cgroup left under the test's parent" "$(cgroup_children)" ""
is "nothing made in a cgroup v1 hierarchy" "$(v1_traces "${CGP_PATH#/}|libpod|conmon")" ""
check "podman rmi" pm rmi "$IMAGE"
is "no podman process left" "$(own_processes)" ""
check "podman left no lock file in the host's /dev/shm" test ! -e /dev/shm/libpod_lock

done_testing
