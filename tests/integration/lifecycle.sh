#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# The container lifecycle: create, state, start, kill, delete; run in the foreground
# and detached; list, ps, pid files; the state follows the live process; the global
# commands (--version, --help, spec, features).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# --- create -> start -> kill -> delete -------------------------------------------------

B=$T/life
make_bundle "$B" sh -c 'echo started > /tmp/started; trap "exit 0" TERM; while :; do sleep 0.1; done' ||
	bail "make a bundle"

check "create" nook create --bundle "$B" --pid-file "$T/life.pid" life
is "state after create: created" "$(state_field life status)" created
capture nook state life
STATE=$OUT
check_jq "state is valid JSON" "$STATE" .
is "state: id" "$(jq -r .id <<<"$STATE")" life
is "state: bundle is the absolute bundle path" "$(jq -r .bundle <<<"$STATE")" "$B"
like "state: ociVersion is a 1.x version" "$(jq -r .ociVersion <<<"$STATE")" '^1\.[0-9]+\.[0-9]+'
like "state: created is an RFC 3339 time" "$(jq -r .created <<<"$STATE")" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
check_jq "state: owner is present" "$STATE" 'has("owner")'
PID=$(jq -r .pid <<<"$STATE")
like "state: pid is a pid" "$PID" '^[1-9][0-9]*$'
check "the init process exists" kill -0 "$PID"
is "--pid-file holds the state's pid" "$(cat "$T/life.pid" 2>/dev/null)" "$PID"
is "the init process is in the container's cgroup" \
	"$(cat "$CGP/life/cgroup.procs" 2>/dev/null)" "$PID"
check "create does not start the user process" test ! -e "$B/rootfs/tmp/started"
check "the state is state.json once the init exists (no creating.json left)" \
	sh -c "test -s '$ROOT/life/state.json' && test ! -e '$ROOT/life/creating.json'"
# The config copy is the bundle's without the whitespace between tokens (it lives on
# /run as long as the container): one line, the same document.
is "the config copy is one line" "$(wc -l <"$ROOT/life/config.json")" 0
is "the config copy is the bundle's config" "$(jq -cS . "$ROOT/life/config.json")" "$(jq -cS . "$B/config.json")"

check "start" nook start life
if wait_for 10 test -e "$B/rootfs/tmp/started"; then
	ok "start runs the user process"
else
	fail "start runs the user process" "$B/rootfs/tmp/started did not appear in 10 s"
fi
is "state after start: running" "$(state_field life status)" running
is "state after start: same pid" "$(state_field life pid)" "$PID"
check "a start that succeeded leaves no start.err" test ! -e "$ROOT/life/start.err"

capture nook list
like "list shows the container as running" "$OUT" '^life +[0-9]+ +running'
capture nook list --format json
check_jq "list --format json has the container" "$OUT" \
	'map(select(.id == "life" and .status == "running" and .bundle == $b)) | length == 1' --arg b "$B"
capture nook list -q
is "list -q prints the ids" "$OUT" life

capture nook ps life
like "ps shows the init pid" "$OUT" "(^|[^0-9])$PID([^0-9]|\$)"
capture nook ps --format json life
check_jq "ps --format json is an array with the init pid" "$OUT" \
	'type == "array" and index($p) != null' --argjson p "$PID"

check "kill (default SIGTERM)" nook kill life
if wait_status life stopped; then
	ok "state after kill: stopped"
else
	fail "state after kill: stopped" "status: $(state_field life status)"
fi
check "delete" nook delete life
assert_nothing_left life "delete leaves nothing behind"
check_error "state after delete: does not exist" "does not exist" nook state life

# --- delete of a running container needs --force --------------------------------------

B=$T/busy
make_bundle "$B" sleep 1000 || bail "make a bundle"
nook create -b "$B" busy >/dev/null 2>&1 && nook start busy >/dev/null 2>&1
is "busy: running" "$(state_field busy status)" running
check_fails "delete refuses a running container" nook delete busy
is "the refused delete left it running" "$(state_field busy status)" running
check "delete --force removes a running container" nook delete --force busy
assert_nothing_left busy

# --- delete --force of a created (never started) container ----------------------------

B=$T/never
make_bundle "$B" sleep 1000 || bail "make a bundle"
check "create (never started)" nook create -b "$B" never
check "delete --force of a created container" nook delete -f never
assert_nothing_left never

# --- signals: names, numbers, --all -----------------------------------------------------

B=$T/sig
make_bundle "$B" sh -c 'trap "echo USR1 >> /tmp/sigs" USR1; trap "echo USR2 >> /tmp/sigs" USR2
	echo > /tmp/ready; while :; do sleep 0.1; done' || bail "make a bundle"
nook run -d -b "$B" sig >/dev/null 2>&1
wait_for 10 test -e "$B/rootfs/tmp/ready"
# Signals of one kind do not queue: wait for each before sending the next.
nsigs() { wc -l <"$B/rootfs/tmp/sigs" 2>/dev/null || echo 0; }
check "kill ID USR1" nook kill sig USR1
wait_for 10 test "$(nsigs)" -ge 1
check "kill ID SIGUSR2" nook kill sig SIGUSR2
wait_for 10 test "$(nsigs)" -ge 2
check "kill ID 10 (SIGUSR1)" nook kill sig 10
wait_for 10 test "$(nsigs)" -ge 3
is "the container received USR1, USR2, USR1" "$(tr '\n' ' ' <"$B/rootfs/tmp/sigs" 2>/dev/null)" \
	"USR1 USR2 USR1 "
check_fails "kill with an unknown signal fails" nook kill sig SIGNOSUCH
check "kill ID KILL" nook kill sig KILL
if wait_status sig stopped; then ok "SIGKILL stops it"; else fail "SIGKILL stops it"; fi
check "delete after SIGKILL" nook delete sig
assert_nothing_left sig

B=$T/all
make_bundle "$B" sh -c 'sleep 1000 & sleep 1000 & trap "" TERM; echo > /tmp/ready; while :; do sleep 1; done' ||
	bail "make a bundle"
nook run -d -b "$B" all >/dev/null 2>&1
wait_for 10 test -e "$B/rootfs/tmp/ready"
count_sleepers() {
	local p n=0
	for p in $(cgroup_pids "$CGP/all"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" != "sleep 1000 " ] || n=$((n + 1))
	done
	echo "$n"
}
is "two children run beside the init" "$(count_sleepers)" 2
check "kill --all TERM" nook kill --all all TERM
wait_for 10 test "$(count_sleepers)" = 0
is "kill --all reached the children" "$(count_sleepers)" 0
is "the init ignores TERM and still runs" "$(state_field all status)" running
check "kill -a KILL" nook kill -a all KILL
if wait_status all stopped; then ok "kill -a KILL stops it"; else fail "kill -a KILL stops it"; fi
is "no process is left in its cgroup" "$(cgroup_pids "$CGP/all")" ""
check "delete" nook delete all
assert_nothing_left all

# --- the state follows the live process -------------------------------------------------

B=$T/gone
make_bundle "$B" sleep 1000 || bail "make a bundle"
nook run -d -b "$B" gone >/dev/null 2>&1
PID=$(state_field gone pid)
if [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; then
	if wait_status gone stopped; then
		ok "state is stopped once the init was killed from outside"
	else
		fail "state is stopped once the init was killed from outside" "status: $(state_field gone status)"
	fi
else
	fail "state is stopped once the init was killed from outside" "no pid to kill: $PID"
fi
check "delete after the init died" nook delete gone
assert_nothing_left gone

# --- run in the foreground ----------------------------------------------------------------

B=$T/three
make_bundle "$B" sh -c 'echo out; echo err >&2; exit 3' || bail "make a bundle"
check_status "run exits with the container's status (3)" 3 nook run --bundle "$B" three
is "run: the container's stdout" "$OUT" out
is "run: the container's stderr" "$ERR" err
assert_nothing_left three "run deletes the container afterwards"

# A process killed by signal N makes run exit 128+N.  The init of a pid namespace cannot
# be killed by its own SIGKILL, so this container keeps the host's pid namespace.
B=$T/nine
make_bundle "$B" sh -c 'kill -9 $$' || bail "make a bundle"
edit_config "$B" '.linux.namespaces |= map(select(.type != "pid"))'
check_status "run: killed by SIGKILL gives 137" 137 nook run -b "$B" nine
assert_nothing_left nine

B=$T/killed
make_bundle "$B" sh -c 'echo > /tmp/ready; while :; do sleep 0.1; done' || bail "make a bundle"
"$NOOK" --root "$ROOT" run -b "$B" killed >"$T/killed.out" 2>&1 </dev/null &
RUNPID=$!
wait_for 10 test -e "$B/rootfs/tmp/ready"
nook kill killed KILL >/dev/null 2>&1
wait_pid "$RUNPID" 20
is "run: init killed by 'nook kill ID KILL' gives 137" "$RC" 137
assert_nothing_left killed

B=$T/relay
make_bundle "$B" sh -c 'trap "exit 42" TERM; echo > /tmp/ready; while :; do sleep 0.1; done' ||
	bail "make a bundle"
"$NOOK" --root "$ROOT" run -b "$B" relay >"$T/relay.out" 2>&1 </dev/null &
RUNPID=$!
wait_for 10 test -e "$B/rootfs/tmp/ready"
kill -TERM "$RUNPID"
wait_pid "$RUNPID" 20
is "run relays SIGTERM to the container (which exits 42)" "$RC" 42
assert_nothing_left relay

B=$T/stdin
make_bundle "$B" sh -c 'read line; echo "got $line"' || bail "make a bundle"
is "run: the container reads run's stdin" \
	"$(echo hello | nook run -b "$B" stdin 2>&1)" "got hello"
assert_nothing_left stdin

B=$T/keep
make_bundle "$B" sh -c 'exit 5' || bail "make a bundle"
check_status "run --keep exits with the status" 5 nook run --keep -b "$B" keep
is "run --keep: the container stays, stopped" "$(state_field keep status)" stopped
check "delete after run --keep" nook delete keep
assert_nothing_left keep

# --- run --detach ---------------------------------------------------------------------------

B=$T/det
make_bundle "$B" sleep 1000 || bail "make a bundle"
check "run --detach returns" nook run --detach --pid-file "$T/det.pid" -b "$B" det
is "run --detach: running" "$(state_field det status)" running
is "run --detach --pid-file" "$(cat "$T/det.pid" 2>/dev/null)" "$(state_field det pid)"
check "kill KILL" nook kill det KILL
wait_status det stopped
check "delete" nook delete det
assert_nothing_left det

# --- create options ------------------------------------------------------------------------

B=$T/opts
make_bundle "$B" sh -c 'echo pivot-ok' || bail "make a bundle"
check_output "run --no-pivot --no-new-keyring" pivot-ok nook run --no-pivot --no-new-keyring -b "$B" opts
assert_nothing_left opts

B=$T/fds
make_bundle "$B" sh -c 'cat <&3; cat <&4' || bail "make a bundle"
echo three >"$T/fd3"
echo four >"$T/fd4"
capture nook run --preserve-fds 2 -b "$B" fds 3<"$T/fd3" 4<"$T/fd4"
is "run --preserve-fds 2 passes fds 3 and 4" "$OUT" "three
four"
assert_nothing_left fds

B=$T/nofds
make_bundle "$B" sh -c 'cat <&3 && echo LEAKED' || bail "make a bundle"
capture nook run -b "$B" nofds 3<"$T/fd3"
unlike "without --preserve-fds, fd 3 is not passed" "$OUT" LEAKED
assert_nothing_left nofds

# --- the bundle can be given relative to the current directory ---------------------------

B=$T/rel
make_bundle "$B" sh -c 'echo relative' || bail "make a bundle"
check_output "run --bundle with a relative path" relative \
	bash -c 'cd "$1" && timeout 60 "$2" --root "$3" run -b rel rel' _ "$T" "$NOOK" "$ROOT"
assert_nothing_left rel
B=$T/cwd
make_bundle "$B" sh -c 'echo cwd-bundle' || bail "make a bundle"
check_output "run without --bundle uses the current directory" cwd-bundle \
	bash -c 'cd "$1" && timeout 60 "$2" --root "$3" run cwd' _ "$B" "$NOOK" "$ROOT"
assert_nothing_left cwd

# --- global commands -----------------------------------------------------------------------

capture "$NOOK" --version
like "--version: nook version X" "$OUT" '^nook version [0-9]'
like "--version: the spec version" "$OUT" '1\.2\.[0-9]'
check "--help" "$NOOK" --help
missing=
for cmd in create start state kill delete run exec list ps spec features; do
	grep -qw -- "$cmd" <<<"$OUT" || missing="$missing $cmd"
done
is "--help lists every command" "$missing" ""
for cmd in create start state kill delete run exec list ps spec features; do
	check "$cmd --help" "$NOOK" "$cmd" --help
done

mkdir -p "$T/spec"
check "spec writes config.json" "$NOOK" spec --bundle "$T/spec"
check "spec: valid JSON with ociVersion 1.2.x" jq -e '.ociVersion | startswith("1.2")' "$T/spec/config.json"
check "spec: process.args, root.path rootfs" \
	jq -e '(.process.args | length > 0) and .root.path == "rootfs"' "$T/spec/config.json"
cp "$T/spec/config.json" "$T/spec.orig"
check_fails "spec refuses to overwrite config.json" "$NOOK" spec --bundle "$T/spec"
check "the refused spec left config.json alone" cmp "$T/spec/config.json" "$T/spec.orig"
mkdir -p "$T/spec-rootless"
check "spec --rootless" "$NOOK" spec --rootless -b "$T/spec-rootless"
check "spec --rootless: a user namespace with id maps" \
	jq -e '(.linux.namespaces | map(.type) | index("user") != null) and (.linux.uidMappings | length > 0) and (.linux.gidMappings | length > 0)' \
	"$T/spec-rootless/config.json"

capture "$NOOK" features
check_jq "features: valid JSON" "$OUT" .
check_jq "features: ociVersionMin and ociVersionMax" "$OUT" \
	'(.ociVersionMin | startswith("1.")) and (.ociVersionMax | startswith("1.2"))'
check_jq "features: every hook" "$OUT" \
	'.hooks as $h | ["prestart","createRuntime","createContainer","startContainer","poststart","poststop"] | all(. as $k | $h | index($k) != null)'
check_jq "features: namespaces" "$OUT" \
	'.linux.namespaces as $n | ["pid","network","ipc","uts","mount","cgroup","user"] | all(. as $k | $n | index($k) != null)'
check_jq "features: mountOptions include bind and ro" "$OUT" \
	'.mountOptions as $m | ["bind","rbind","ro","nosuid"] | all(. as $k | $m | index($k) != null)'

done_testing
