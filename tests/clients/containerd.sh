#!/bin/bash
# shellcheck disable=SC2016,SC2317 # shell snippets for the container are in single quotes; cleanup runs from the trap
# containerd (Debian 12's 1.6) with nook as the runc binary of its shim
# (containerd-shim-runc-v2), driven with ctr: run --rm, run -d + task exec + ps + pause
# + resume + kill + delete, run -t on a terminal, exit statuses.  The shim calls nook
# with --root, --log FILE and --log-format json: the test records what it passes and
# checks that nook's log lines are the JSON the shim reads, and that the shim reports
# nook's error.  --runc-systemd-cgroup and a limit whose controller is missing are
# refused clearly; an unknown global option is refused naming it.  After each container:
# nothing in nook's root, no cgroup; no cgroup v1 directory; no process left.
#
# The test starts its own containerd (root, state, sockets under the test's directory,
# the CRI plugin disabled) and stops it at the end.  Its mount namespace sees only the
# cgroup v2 hierarchy (common.bash: pure_v2_view): on a hybrid host the shim would
# register OOM notifications in the v1 memory cgroup the container's process inherited.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/clients/common.bash
. "$(dirname "$0")/common.bash"

need_tools containerd ctr containerd-shim-runc-v2=containerd script=bsdutils
pure_v2_view

CD=$T/containerd
mkdir -p "$CD/root" "$CD/state" "$T/fifo" "$T/cdroot"
# The shim gives nook --root RUNC_ROOT/NAMESPACE.
ROOT=$T/cdroot/default
cat >"$CD/config.toml" <<CONF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = "$CD/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
CONF

CD_PID=
stop_everything() {
	local id pid
	for id in $(timeout 30 "$NOOK" --root "$ROOT" list -q 2>/dev/null); do
		timeout 30 "$NOOK" --root "$ROOT" delete --force "$id"
	done
	if [ -n "$CD_PID" ]; then
		kill "$CD_PID" 2>/dev/null
		wait_pid "$CD_PID" 20
		CD_PID=
	fi
	# Shims of containers a failed test left (containerd is gone: nothing stops them).
	for pid in $(own_processes | awk '{ print $1 }'); do
		kill -9 "$pid" 2>/dev/null
	done
}
at_exit stop_everything

containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CD_PID=$!
wait_for 20 test -S "$CD/containerd.sock" ||
	bail "containerd starts" "$(tail -n 20 "$CD/containerd.log")"
CTR=(timeout -k 5 60 ctr --address "$CD/containerd.sock")
capture "${CTR[@]}" version
like "containerd answers on the test's socket" "$OUT" 'Server:'

busybox_rootfs "$T/rootfs" || bail "a busybox rootfs"
# cr ID ARGS...: ctr run of the busybox rootfs as container ID with nook as runc, its
# cgroup under the test's parent.  (ctr's default --cpu-shares 1024 would need the v2
# cpu controller, which a hybrid host lacks: 0 leaves it out.)
cr() {
	local id=$1
	shift
	"${CTR[@]}" run --rootfs --fifo-dir "$T/fifo" --runc-binary "${RUNC:-$NOOK}" \
		--runc-root "$T/cdroot" --cpu-shares 0 --cgroup "$CGP_PATH/$id" "$@"
}
task_status() {
	"${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}
task_stopped() {
	[ "$(task_status "$1")" = STOPPED ]
}

# --- run --rm --------------------------------------------------------------------------------

# ctr run --rootfs (no image) gives the process no PATH: runc and crun then find no bare
# command name, and neither does nook; the tests name /bin/sh.
capture cr p1 --rm "$T/rootfs" p1 sh -c true
like "without PATH a bare name is not found, in runc's words" "$ERR" 'exec: "sh": executable file not found in \$PATH'
gone "... and leaves nothing" p1

capture cr r1 --rm "$T/rootfs" r1 /bin/sh -c 'echo hello from containerd; cat /proc/self/cgroup'
like "run --rm prints the container's output" "$OUT" '^hello from containerd$'
like "... from a process in the cgroup ctr asked for" "$OUT" "^0::$CGP_PATH/r1\$"
is "run --rm exits 0" "$RC" 0
gone "run --rm leaves nothing in nook's root and no cgroup" r1
capture cr r2 --rm "$T/rootfs" r2 /bin/sh -c 'exit 3'
is "run --rm passes the exit status on" "$RC" 3
gone "... and leaves nothing" r2

# --- run -d, task exec, ps, pause, resume, kill, delete ------------------------------------------

check "run -d" cr d1 -d "$T/rootfs" d1 /bin/sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
is "the task is RUNNING" "$(task_status d1)" RUNNING
is "nook state says running" "$(state_field d1 status)" running
capture "${CTR[@]}" task exec --fifo-dir "$T/fifo" --exec-id e1 d1 /bin/sh -c 'echo exec says hi; exit 4'
is "task exec runs in the container" "$OUT" "exec says hi"
is "task exec passes the exit status on" "$RC" 4
capture "${CTR[@]}" task ps d1
like "task ps lists the init process" "$OUT" "^$(state_field d1 pid)[[:space:]]"
check "task pause" "${CTR[@]}" task pause d1
is "the task is PAUSED" "$(task_status d1)" PAUSED
is "nook state says paused" "$(state_field d1 status)" paused
check "task resume" "${CTR[@]}" task resume d1
is "the task is RUNNING again" "$(task_status d1)" RUNNING
check "task kill (SIGTERM, caught by the container)" "${CTR[@]}" task kill d1
check "the task stops" wait_for 10 task_stopped d1
capture "${CTR[@]}" task delete d1
is "task delete" "$RC" 0
check "container delete" "${CTR[@]}" container delete d1
gone "after delete: nothing in nook's root, no cgroup" d1

# containerd's shim asks to kill a task that has exited and expects runc's "container
# not running", which it reports as "process already finished: not found"; kill --all
# of it succeeds.
check "run -d of a task that exits at once" cr x1 -d "$T/rootfs" x1 /bin/true
check "the task stops" wait_for 10 task_stopped x1
capture "${CTR[@]}" task kill x1
like "task kill of the exited task: already finished, not found (as with runc)" "$ERR" 'process already finished: not found'
check "task kill --all of it succeeds (as with runc)" "${CTR[@]}" task kill --all x1
check "task delete" "${CTR[@]}" task delete x1
check "container delete" "${CTR[@]}" container delete x1
gone "after delete: nothing left" x1

check "run -d" cr d2 -d "$T/rootfs" d2 /bin/sleep 1000
check "task kill -s KILL" "${CTR[@]}" task kill -s KILL d2
wait_for 10 task_stopped d2
capture "${CTR[@]}" task delete d2
like "task delete reports 137 (SIGKILL)" "$OUT$ERR" '137'
check "container delete" "${CTR[@]}" container delete d2
gone "after kill and delete: nothing left" d2

# --- run -t on a terminal ------------------------------------------------------------------------

in_terminal "${CTR[@]}" run --rootfs --fifo-dir "$T/fifo" --runc-binary "$NOOK" --runc-root "$T/cdroot" \
	--cpu-shares 0 --cgroup "$CGP_PATH/t1" --rm -t "$T/rootfs" t1 /bin/sh -c 'tty; test -t 0 && echo stdin-is-a-tty; exit 6'
like "run -t: the process has a terminal" "$OUT" '^/dev/pts/[0-9]+$'
like "run -t: its stdin is the terminal" "$OUT" '^stdin-is-a-tty$'
is "run -t passes the exit status on" "$RC" 6
gone "run -t --rm leaves nothing" t1

# --- what the shim passes, nook's JSON log, errors ------------------------------------------------

# A runc binary that records its arguments and keeps the --log file of a failed call
# (the shim deletes it with the bundle), then is nook.
RUNC=$T/nook-logged
cat >"$RUNC" <<SH
#!/bin/bash
printf '%s\n' "\$*" >>"$T/argv.log"
"$NOOK" "\$@"
rc=\$?
while [ \$# -gt 0 ]; do
	if [ "\$1" = --log ] && [ \$rc != 0 ]; then cp "\$2" "$T/failed-log.json"; fi
	shift
done
exit \$rc
SH
chmod +x "$RUNC"
capture env RUNC="$RUNC" bash -c "$(declare -f cr); CTR=($(printf '%q ' "${CTR[@]}")); T=$(printf '%q' "$T"); CGP_PATH=$CGP_PATH NOOK=$NOOK; cr bad1 --rm \"\$T/rootfs\" bad1 /no/such/program"
is "a missing program: ctr fails" "$([ "$RC" != 0 ] && echo failed)" failed
like "... with nook's error, which the shim read from nook's log" "$ERR" '/no/such/program.*No such file or directory'
capture cat "$T/argv.log"
like "the shim calls nook with --root, --log FILE and --log-format json" "$OUT" \
	"^--root $T/cdroot/default --log [^ ]+/log\.json --log-format json create --bundle [^ ]+ --pid-file [^ ]+ bad1\$"
if [ -s "$T/failed-log.json" ]; then
	check "every line of nook's --log file is JSON with level, msg and time" \
		jq -e -s 'length > 0 and all(has("level") and has("msg") and has("time"))' "$T/failed-log.json"
	like "the time is RFC 3339 (UTC)" "$(jq -r .time "$T/failed-log.json" | head -n 1)" \
		'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
	like "the error is in it at level error" "$(jq -r 'select(.level == "error") | .msg' "$T/failed-log.json")" \
		'/no/such/program'
else
	fail "nook's --log file of the failed create" "$T/failed-log.json is missing or empty" "$(cat "$T/argv.log")"
fi
gone "a failed create leaves nothing" bad1

capture cr sd1 --rm --runc-systemd-cgroup "$T/rootfs" sd1 /bin/true
is "--runc-systemd-cgroup: ctr fails" "$([ "$RC" != 0 ] && echo failed)" failed
like "... with nook's error naming the option" "$ERR" 'systemd-cgroup is not supported'
gone "... and leaves nothing" sd1

if grep -qw memory "$CG_MOUNT/cgroup.controllers"; then
	capture cr m1 --rm --memory-limit 67108864 "$T/rootfs" m1 /bin/cat /sys/fs/cgroup/memory.max
	is "--memory-limit is applied (the memory controller is in cgroup v2)" "$OUT" 67108864
else
	capture cr m1 --rm --memory-limit 67108864 "$T/rootfs" m1 /bin/true
	like "--memory-limit without a v2 memory controller: refused, naming the controller" "$ERR" \
		'memory controller is not available'
fi
gone "... and leaves nothing" m1

check_error "an unknown global option is refused, naming it" "unknown global option --bogus-flag" \
	"$NOOK" --root "$ROOT" --bogus-flag list
check_jq "nook features is a JSON document with the OCI version range" "$("$NOOK" features)" \
	'.ociVersionMax == "1.2.0" and (.linux.namespaces | length > 0)'

# --- at the end ------------------------------------------------------------------------------------

kill "$CD_PID"
wait_pid "$CD_PID" 20
is "containerd stops on SIGTERM" "$RC" 0
CD_PID=
is "no containerd, shim or other process of the test left" "$(own_processes)" ""
is "no cgroup left under the test's parent" "$(cgroup_children)" ""
is "nothing made in a cgroup v1 hierarchy" "$(v1_traces "${CGP_PATH#/}")" ""
done_testing
