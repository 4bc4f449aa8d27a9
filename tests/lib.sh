# Shared helpers for the integration scripts in tests/integration/.  Source it first:
#
#     . "$(dirname "$0")/../lib.sh"
#
# A script reports each check as one TAP-like line that tests/run-tests.sh counts:
#     ok - NAME            not ok - NAME            skip - NAME: REASON
# with any details of a failure on the following lines, each starting with "#".
# It ends with `done_testing`; a script that stops without it has crashed.
#
# Environment: NOOK (the binary, required), BUILDDIR and SRCDIR (default: the tree this
# file is in), NOOK_CMD_TIMEOUT (seconds a nook command may take, default 60).
#
# What a script gets:
#   $T      its own temporary directory (removed at exit)
#   $ROOT   the nook state root ($T/run), passed as --root by `nook`
#   nook    the nook binary with --root $ROOT and a timeout
#   $CG_MOUNT, $CGP, $CGP_PATH  the cgroup v2 mount, the absolute directory of the
#           test's parent cgroup and its cgroup path ("/nooktest-<pid>"); every
#           container of the test lives below it and it is removed at exit
#   make_bundle, edit_config, assert_nothing_left, ... (see below)
#
# Scripts run as root inside a private mount, network, UTS and IPC namespace that
# tests/run-tests.sh makes; run by hand, a script makes that namespace itself.

# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016 # variables are used by the scripts that source this; jq programs are in single quotes

if [ -z "${NOOK_TEST_NS:-}" ]; then
	# Run by hand: re-run the script inside its own namespaces, as the runner does,
	# so that nothing it does can reach the host's mounts or network.
	if [ "$(id -u)" != 0 ]; then
		echo "skip - $(basename "$0" .sh): the integration tests need root"
		echo "# done: 0 ok, 0 failed, 1 skipped"
		exit 0
	fi
	exec env NOOK_TEST_NS=1 unshare --mount --net --uts --ipc --propagation private -- \
		bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
fi

set -u -o pipefail

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=${SRCDIR:-$(dirname "$LIB_DIR")}
BUILDDIR=${BUILDDIR:-$SRCDIR}
: "${NOOK:=$BUILDDIR/nook}"
TEST_NAME=$(basename "$0" .sh)

N_OK=0
N_FAIL=0
N_SKIP=0
DONE_TESTING=

# --- reporting ----------------------------------------------------------------------

_details() {
	# Prints its arguments (which may span lines) as "#   " comment lines.
	local text
	for text in "$@"; do
		[ -n "$text" ] || continue
		printf '%s\n' "$text" | head -n 40 | sed 's/^/#   /'
	done
}

ok() {
	N_OK=$((N_OK + 1))
	echo "ok - $1"
}

# fail NAME [DETAILS...]
fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "not ok - $1"
	shift
	_details "$@"
	return 0
}

# skip NAME REASON
skip() {
	N_SKIP=$((N_SKIP + 1))
	echo "skip - $1: $2"
}

# capture CMD...: runs CMD with stdin from /dev/null; sets RC, OUT (stdout) and ERR
# (stderr), each without the trailing newline.
capture() {
	local o e
	o=$(mktemp -p "$T" out.XXXXXX)
	e=$(mktemp -p "$T" err.XXXXXX)
	"$@" >"$o" 2>"$e" </dev/null
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
	return 0
}

_cmd_details() {
	printf 'command: %s\nexit status: %s\n' "$*" "$RC"
	[ -z "$OUT" ] || printf 'stdout:\n%s\n' "$OUT"
	[ -z "$ERR" ] || printf 'stderr:\n%s\n' "$ERR"
}

# check NAME CMD...: ok if CMD exits 0.
check() {
	local name=$1
	shift
	capture "$@"
	if [ "$RC" = 0 ]; then
		ok "$name"
	else
		fail "$name" "$(_cmd_details "$@")"
	fi
}

# check_jq NAME JSON FILTER [JQ-OPTIONS...]: ok if `jq -e FILTER` holds for the JSON
# text.  (Not `check NAME jq -e FILTER <<<"$JSON"`: check's command reads /dev/null,
# and jq -e with no input at all exits 0.)  OUT, ERR and RC stay those of the last
# capture, so that several can test one output.
check_jq() {
	local name=$1 json=$2 filter=$3 f out=$OUT err=$ERR rc=$RC
	shift 3
	f=$(mktemp -p "$T" json.XXXXXX)
	printf '%s\n' "$json" >"$f"
	check "$name" jq -e "$@" "$filter" "$f"
	rm -f "$f"
	OUT=$out ERR=$err RC=$rc
}

# check_fails NAME CMD...: ok if CMD exits non-zero (and was not killed by a timeout).
check_fails() {
	local name=$1
	shift
	capture "$@"
	if [ "$RC" != 0 ] && [ "$RC" != 124 ] && [ "$RC" != 137 ]; then
		ok "$name"
	else
		fail "$name" "expected a failure" "$(_cmd_details "$@")"
	fi
}

# check_status NAME WANT CMD...: ok if CMD exits with status WANT.
check_status() {
	local name=$1 want=$2
	shift 2
	capture "$@"
	if [ "$RC" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "expected exit status $want" "$(_cmd_details "$@")"
	fi
}

# check_output NAME EXPECTED CMD...: ok if CMD exits 0 and prints exactly EXPECTED.
check_output() {
	local name=$1 want=$2
	shift 2
	capture "$@"
	if [ "$RC" = 0 ] && [ "$OUT" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "expected output: $want" "$(_cmd_details "$@")"
	fi
}

# check_error NAME TEXT CMD...: ok if CMD exits with status 1 and prints one error line
# "nook: ..." (or "nook COMMAND: ..." for usage errors) on stderr that contains TEXT
# (case-insensitive).
check_error() {
	local name=$1 text=$2 prog=${ERROR_PROGRAM:-nook}
	shift 2
	capture "$@"
	local why=
	if [ "$RC" != 1 ]; then
		why="expected exit status 1"
	elif [ "$(printf '%s\n' "$ERR" | grep -c .)" != 1 ]; then
		why="expected exactly one line on stderr"
	elif ! printf '%s\n' "$ERR" | grep -qE "^$prog( [a-z]+)?: "; then
		why="expected the error to start with '$prog: ' (or '$prog COMMAND: ')"
	elif ! printf '%s\n' "$ERR" | grep -qiF -- "$text"; then
		why="expected the error to contain: $text"
	fi
	if [ -z "$why" ]; then
		ok "$name"
	else
		fail "$name" "$why" "$(_cmd_details "$@")"
	fi
}

# in_terminal CMD...: runs CMD in a new terminal that script(1) provides; sets RC (the
# status of CMD) and OUT (what appeared on the terminal, without carriage returns).
# script's stdin stays open while CMD runs: at end of file script would type an EOF
# character into the terminal, which then shows up in the output.
# script runs CMD with $SHELL -c, or /bin/sh when SHELL is unset (as under CI): dash
# would fork CMD instead of exec'ing it, and a `timeout` in CMD then moves itself into a
# background process group of the terminal, where the client's tcsetattr stops it with
# SIGTTOU.  Hence bash (which also reads printf %q's quoting) and `exec`: CMD leads the
# terminal's session.
in_terminal() {
	local o=$T/terminal.out spid
	exec 9< <(exec sleep 120)
	spid=$!
	SHELL=/bin/bash timeout 60 script -qec "exec $(printf '%q ' "$@")" /dev/null <&9 >"$o" 2>&1
	RC=$?
	exec 9<&-
	kill "$spid" 2>/dev/null
	OUT=$(tr -d '\r' <"$o")
	ERR=
	return 0
}

# is NAME GOT WANT: ok if GOT = WANT.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "got:  $2" "want: $3"
	fi
}

# like NAME TEXT REGEX: ok if TEXT matches the extended regular expression REGEX.
like() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then
		ok "$1"
	else
		fail "$1" "expected to match: $3" "got:" "$2"
	fi
}

# unlike NAME TEXT REGEX: ok if TEXT does not match REGEX.
unlike() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then
		fail "$1" "expected not to match: $3" "got:" "$2"
	else
		ok "$1"
	fi
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
	return 0
}

# bail NAME [DETAILS...]: reports a failure that makes the rest of the script pointless
# and ends it.
bail() {
	fail "$@"
	done_testing
}

# wait_pid PID SECONDS: waits for the background job PID of this shell; sets RC to its
# exit status, or kills it and sets RC=124 when it runs longer than SECONDS.
wait_pid() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			RC=124
			return 0
		fi
		sleep 0.1
	done
	wait "$pid"
	RC=$?
	return 0
}

done_testing() {
	DONE_TESTING=1
	echo "# done: $N_OK ok, $N_FAIL failed, $N_SKIP skipped"
	[ "$N_FAIL" = 0 ]
	exit
}

# --- the runtime ----------------------------------------------------------------------

# nook ARGS...: the binary under test with this script's state root and a timeout.
nook() {
	timeout -k 5 "${NOOK_CMD_TIMEOUT:-60}" "$NOOK" --root "$ROOT" "$@"
}

CONTAINERS_FILE=
# track ID: makes the exit trap delete container ID.
track() {
	grep -qxF -- "$1" "$CONTAINERS_FILE" 2>/dev/null || printf '%s\n' "$1" >>"$CONTAINERS_FILE"
}

# state_field ID FIELD: prints .FIELD of `nook state ID` (empty when that fails).
state_field() {
	nook state "$1" 2>/dev/null | jq -r ".$2 // empty" 2>/dev/null
}

# status_is ID STATUS: true when `nook state ID` says STATUS.
status_is() {
	[ "$(state_field "$1" status)" = "$2" ]
}

# wait_status ID STATUS [SECONDS]: waits until the container has STATUS (default 10 s).
wait_status() {
	wait_for "${3:-10}" status_is "$1" "$2"
}

# --- capabilities ---------------------------------------------------------------------

CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
	LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
	SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
	SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
	MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
	CHECKPOINT_RESTORE)

# cap_mask NAME...: the capability set of the names (CAP_CHOWN ...) as 16 hex digits,
# the form of the Cap* lines of /proc/PID/status.
cap_mask() {
	local name i mask=0
	for name in "$@"; do
		for i in "${!CAP_NAMES[@]}"; do
			if [ "CAP_${CAP_NAMES[$i]}" = "$name" ]; then
				mask=$((mask | (1 << i)))
			fi
		done
	done
	printf '%016x\n' "$mask"
}

# host_cap_bnd: the bounding set of this shell, as in /proc/self/status.
host_cap_bnd() {
	awk '$1 == "CapBnd:" { print $2 }' /proc/self/status
}

# --- cgroups --------------------------------------------------------------------------

# cgroup_v2_mount: the mount point of the cgroup2 filesystem, from /proc/self/mountinfo.
cgroup_v2_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo
}

# cgroup_pids DIR: every pid in the cgroup DIR and its descendants.
cgroup_pids() {
	[ -d "$1" ] || return 0
	find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null
}

# cgroup_remove DIR: kills every process in the cgroup tree at DIR (all of them were
# started by this test) and removes it, deepest first.
cgroup_remove() {
	local dir=$1 pid i
	[ -d "$dir" ] || return 0
	for i in $(seq 50); do
		if [ -e "$dir/cgroup.kill" ]; then
			echo 1 >"$dir/cgroup.kill" 2>/dev/null
		else
			for pid in $(cgroup_pids "$dir"); do
				kill -9 "$pid" 2>/dev/null
			done
		fi
		find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$dir" ] || return 0
		sleep 0.1
	done
	return 1
}

# --- mounts ---------------------------------------------------------------------------

_mounts() {
	# "mount point, filesystem type, source" of every mount this shell sees.
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i + 1), $(i + 2); break } }' \
		/proc/self/mountinfo | sort
}

# mount_snapshot: remembers the current mounts; assert_nothing_left compares with it.
# Call it again after the test itself mounted something on purpose.
mount_snapshot() {
	_mounts >"$T/mounts.snapshot"
}

new_mounts() {
	_mounts | comm -13 "$T/mounts.snapshot" -
}

# --- bundles --------------------------------------------------------------------------

# busybox_rootfs DIR: a copy of the script's busybox root filesystem at DIR.
busybox_rootfs() {
	if [ ! -x "$T/rootfs.base/bin/busybox" ]; then
		sh "$SRCDIR/tests/make-busybox-rootfs.sh" "$T/rootfs.base" >&2 || return 1
	fi
	mkdir -p "$(dirname "$1")"
	cp -a "$T/rootfs.base" "$1"
}

# json_array ARGS...: the arguments as a JSON array of strings.  (jq 1.6 would take
# an argument such as "-c" after --args as its own option.)
json_array() {
	local a json='[]'
	for a in "$@"; do
		json=$(jq -c --arg a "$a" '. + [$a]' <<<"$json")
	done
	printf '%s\n' "$json"
}

# make_bundle DIR [ARGS...]: creates the bundle DIR for the container whose id is the
# last component of DIR: a busybox rootfs and the config.json of `nook spec`, with
# process.args ARGS (default: sleep 1000), no terminal, and linux.cgroupsPath below
# the test's parent cgroup.  Tracks the id for the exit trap.
make_bundle() {
	local dir=$1 id args
	shift
	id=$(basename "$dir")
	[ $# -gt 0 ] || set -- sleep 1000
	args=$(json_array "$@")
	mkdir -p "$dir" || return 1
	busybox_rootfs "$dir/rootfs" || return 1
	rm -f "$dir/config.json"
	if ! "$NOOK" spec --bundle "$dir" >"$T/spec.out" 2>&1; then
		echo "make_bundle: nook spec --bundle $dir failed: $(cat "$T/spec.out")" >&2
		return 1
	fi
	edit_config "$dir" --argjson args "$args" --arg cg "$CGP_PATH/$id" \
		'.process.args = $args | .process.terminal = false | .root.path = "rootfs"
		 | .root.readonly = false | .linux.cgroupsPath = $cg' || return 1
	track "$id"
}

# edit_config DIR [JQ OPTIONS...] FILTER: rewrites DIR/config.json with jq.
edit_config() {
	local dir=$1
	shift
	jq "$@" "$dir/config.json" >"$dir/config.json.new" &&
		mv -f "$dir/config.json.new" "$dir/config.json"
}

# set_id DIR ID: points the bundle's cgroupsPath at ID's cgroup and tracks ID, for a
# second container made from the same bundle.
set_id() {
	edit_config "$1" --arg cg "$CGP_PATH/$2" '.linux.cgroupsPath = $cg'
	track "$2"
}

# container_cgroup ID: the absolute directory of the container's cgroup.
container_cgroup() {
	echo "$CGP/$1"
}

# --- leftovers ------------------------------------------------------------------------

# leftovers ID: prints what container ID left behind (nothing when clean).
leftovers() {
	local id=$1 d rel top pids
	[ ! -e "$ROOT/$id" ] || echo "state directory $ROOT/$id still exists"
	[ ! -d "$CGP/$id" ] || echo "cgroup $CGP_PATH/$id still exists (procs: $(cgroup_pids "$CGP/$id" | tr '\n' ' '))"
	# No process may be left anywhere under the test's cgroup but in containers that
	# still exist.
	while read -r d; do
		rel=${d#"$CGP"}
		rel=${rel#/}
		top=${rel%%/*}
		if [ -n "$top" ] && [ -e "$ROOT/$top" ] && [ "$top" != "$id" ]; then
			continue
		fi
		pids=$(tr '\n' ' ' <"$d/cgroup.procs" 2>/dev/null)
		[ -z "${pids// /}" ] || echo "processes left in cgroup ${d#"$CG_MOUNT"}: $pids"
	done < <(find "$CGP" -type d 2>/dev/null)
	local m
	m=$(new_mounts)
	[ -z "$m" ] || printf 'new mounts:\n%s\n' "$m"
}

# assert_nothing_left ID [NAME]: one check that container ID left no state directory,
# no cgroup, no process in the test's cgroup and no mount behind.
assert_nothing_left() {
	local id=$1 name=${2:-$1: nothing left behind} left
	left=$(leftovers "$id")
	if [ -z "$left" ]; then
		ok "$name"
	else
		fail "$name" "$left"
	fi
}

# --- set-up and clean-up ----------------------------------------------------------------

EXTRA_CLEANUP=()
# at_exit CMD: runs CMD (a string, evaluated) in the exit trap before the cgroups go.
at_exit() {
	EXTRA_CLEANUP+=("$1")
}

_cleanup() {
	local rc=$? id
	trap - EXIT INT TERM
	if [ -z "$DONE_TESTING" ]; then
		echo "# $TEST_NAME stopped before done_testing (exit status $rc)"
	fi
	local c
	for c in "${EXTRA_CLEANUP[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	if [ -n "$CONTAINERS_FILE" ] && [ -s "$CONTAINERS_FILE" ]; then
		while read -r id; do
			[ -e "$ROOT/$id" ] || continue
			timeout -k 5 30 "$NOOK" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
			if [ -e "$ROOT/$id" ]; then
				echo "not ok - cleanup: delete --force $id left $ROOT/$id"
				rc=1
			fi
		done <"$CONTAINERS_FILE"
	fi
	if [ -n "${CGP:-}" ] && [ -d "$CGP" ]; then
		if ! cgroup_remove "$CGP"; then
			echo "not ok - cleanup: cannot remove the test cgroup $CGP_PATH"
			rc=1
		fi
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		# Our own mounts under $T first (namespace files, binds), then the files;
		# never crossing into a file system mounted below.
		awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
		rm -rf --one-file-system "$T"
	fi
	exit "$rc"
}

_setup() {
	if [ "$(id -u)" != 0 ]; then
		skip "$TEST_NAME" "the integration tests need root"
		DONE_TESTING=1
		exit 0
	fi
	local tool
	for tool in jq timeout unshare; do
		if ! command -v "$tool" >/dev/null; then
			skip "$TEST_NAME" "$tool is not installed (apt-get install jq coreutils util-linux)"
			DONE_TESTING=1
			exit 0
		fi
	done
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		skip "$TEST_NAME" "no static /bin/busybox (apt-get install busybox-static)"
		DONE_TESTING=1
		exit 0
	fi
	if [ ! -x "$NOOK" ]; then
		echo "# $NOOK is not executable: build it first (make nook)"
		exit 2
	fi

	T=$(mktemp -d "${TMPDIR:-/tmp}/nook-$TEST_NAME.XXXXXX") || exit 2
	chmod 755 "$T"
	ROOT=$T/run
	CONTAINERS_FILE=$T/containers
	: >"$CONTAINERS_FILE"
	trap _cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	CG_MOUNT=$(cgroup_v2_mount)
	if [ -z "$CG_MOUNT" ]; then
		echo "# no cgroup2 file system in /proc/self/mountinfo: nook needs cgroup v2"
		exit 2
	fi
	CGP_PATH=/nooktest-$$
	CGP=$CG_MOUNT$CGP_PATH
	mkdir -p "$CGP" || exit 2
	# For the runner, which removes it should this script be killed before its cleanup.
	echo "# cgroup parent: $CGP"

	mount_snapshot
}

_setup
