#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# Bad input gets one clear error line ("nook: <context>: <cause>"), exit status 1, and
# leaves nothing behind: bad bundles and configs, bad ids, duplicate and unknown ids,
# missing executables, failing hooks, wrong states, refused flags; and `delete --force`
# cleans up after a `create` that was SIGKILLed midway.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# nothing_in_root NAME BUNDLE_ID: no entry under the state root but the runtime-wide
# cache of compiled seccomp programs (.seccomp, no container's state), and nothing left
# of the bundle's container (for ids that cannot name a directory).
nothing_in_root() {
	local entries left
	# The compiled seccomp programs and the ids of device programs to share are
	# caches of the root, not state of any container.
	entries=$(ls -A "$ROOT" 2>/dev/null | grep -vx -e '.seccomp' -e '.devices')
	left=$(leftovers "$2")
	if [ -z "$entries" ] && [ -z "$left" ]; then
		ok "$1"
	else
		fail "$1" "${entries:+entries in $ROOT: $entries}" "$left"
	fi
}

# --- the bundle and config.json --------------------------------------------------------------

B=$T/noconfig
make_bundle "$B" true || bail "make a bundle"
rm "$B/config.json"
check_error "missing config.json" "config.json" nook create -b "$B" noconfig
like "missing config.json: No such file" "$ERR" "No such file"
assert_nothing_left noconfig
check_error "a bundle directory that does not exist" "No such file" nook create -b "$T/nosuchbundle" nobundle
assert_nothing_left nobundle

B=$T/badjson
make_bundle "$B" true || bail "make a bundle"
printf '{ "ociVersion": "1.2.0", "process": { "args": ["sh"' >"$B/config.json"
check_error "malformed JSON" "config.json" nook create -b "$B" badjson
assert_nothing_left badjson
echo 'not json at all' >"$B/config.json"
check_error "not JSON at all" "config.json" nook create -b "$B" badjson
assert_nothing_left badjson
: >"$B/config.json"
check_error "an empty config.json" "config.json" nook create -b "$B" badjson
assert_nothing_left badjson
echo '[]' >"$B/config.json"
check_error "config.json that is not an object" "config.json" nook create -b "$B" badjson
assert_nothing_left badjson

# wrong_type NAME JQ-FILTER EXPECTED-TEXT
wrong_type() {
	local b=$T/wrongtype
	rm -rf "$b"
	make_bundle "$b" true || bail "make a bundle"
	edit_config "$b" "$2"
	check_error "$1" "$3" nook create -b "$b" wrongtype
	assert_nothing_left wrongtype
}
wrong_type "wrong type: process.args[0] is a number" '.process.args = [1]' \
	'config.json: process.args[0]: expected a string'
wrong_type "wrong type: process.args is a string" '.process.args = "sh"' 'process.args'
wrong_type "process.args is empty" '.process.args = []' 'process.args'
wrong_type "wrong type: process.user.uid is a string" '.process.user.uid = "0"' 'process.user.uid'
wrong_type "wrong type: process.user.uid is negative" '.process.user.uid = -1' 'process.user.uid'
wrong_type "wrong type: process.terminal is a string" '.process.terminal = "yes"' 'process.terminal'
wrong_type "wrong type: root is a string" '.root = "rootfs"' 'root'
wrong_type "wrong type: mounts is an object" '.mounts = {}' 'mounts'
wrong_type "wrong type: mounts[0].destination is missing" '.mounts[0] |= del(.destination)' 'mounts[0]'
wrong_type "wrong type: process.env[0] is a number" '.process.env = [5]' 'process.env[0]'
wrong_type "wrong type: linux.namespaces is an object" '.linux.namespaces = {}' 'linux.namespaces'
wrong_type "an unknown namespace type" '.linux.namespaces += [ { "type": "bogus" } ]' 'bogus'
wrong_type "a namespace given twice" '.linux.namespaces += [ { "type": "pid" } ]' 'pid'
wrong_type "process.cwd is relative" '.process.cwd = "tmp"' 'cwd'
wrong_type "ociVersion is missing" 'del(.ociVersion)' 'ociVersion'
wrong_type "hooks.createRuntime[0].path is missing" '.hooks = { "createRuntime": [ {} ] }' 'path'

B=$T/norootfs
make_bundle "$B" true || bail "make a bundle"
rm -rf "$B/rootfs"
check_error "missing rootfs" "rootfs" nook create -b "$B" norootfs
assert_nothing_left norootfs
B=$T/rootfile
make_bundle "$B" true || bail "make a bundle"
rm -rf "$B/rootfs" && echo file >"$B/rootfs"
check_error "rootfs that is a file" "rootfs" nook create -b "$B" rootfile
assert_nothing_left rootfile

# --- container ids ------------------------------------------------------------------------------

B=$T/idtest
make_bundle "$B" true || bail "make a bundle"
LONG=$(printf 'a%.0s' $(seq 1025))
for id in "a/b" "/abs" ".." "." ".hidden" "" "with space" "$LONG"; do
	name=${id:0:20}
	[ ${#id} -le 20 ] || name="${name}... (${#id} bytes)"
	check_error "container id '$name' is refused" "container id" nook create -b "$B" "$id"
	nothing_in_root "container id '$name': nothing left behind" idtest
done
check_error "state of an invalid id" "container id" nook state "a/b"
check_error "delete of an invalid id" "container id" nook delete --force "../x"

# --- duplicate, unknown ids and wrong states --------------------------------------------------------

B=$T/dup
make_bundle "$B" sleep 1000 || bail "make a bundle"
check "create the first container" nook create -b "$B" dup
check_error "a duplicate id" "already exists" nook create -b "$B" dup
B2=$T/dup2
make_bundle "$B2" sleep 1000 || bail "make a bundle"
set_id "$B2" dup
check_error "a duplicate id (another bundle)" "already exists" nook create -b "$B2" dup
is "the first container is still created" "$(state_field dup status)" created
check "the first container still starts" nook start dup
is "the first container runs" "$(state_field dup status)" running
check_error "start of a running container" "running" nook start dup
is "the refused start left it running" "$(state_field dup status)" running
check "delete --force the first container" nook delete --force dup
assert_nothing_left dup

check_error "state of an unknown id" "does not exist" nook state nosuch
check_error "start of an unknown id" "does not exist" nook start nosuch
check_error "delete of an unknown id" "does not exist" nook delete nosuch
check_error "kill of an unknown id" "does not exist" nook kill nosuch
check_error "kill of an unknown id with a signal" "does not exist" nook kill nosuch KILL
check_error "ps of an unknown id" "does not exist" nook ps nosuch
check_error "exec into an unknown id" "does not exist" nook exec nosuch true

B=$T/stopped
make_bundle "$B" true || bail "make a bundle"
nook run --keep -b "$B" stopped >/dev/null 2>&1
is "a container whose process exited is stopped" "$(state_field stopped status)" stopped
check_error "start of a stopped container" "stopped" nook start stopped
check "delete the stopped container" nook delete stopped
assert_nothing_left stopped

# --- executables --------------------------------------------------------------------------------------

B=$T/noexec
make_bundle "$B" /bin/nosuch || bail "make a bundle"
check_error "a missing executable (run)" "exec: /bin/nosuch: No such file or directory" nook run -b "$B" noexec
assert_nothing_left noexec
capture nook create -b "$B" noexec
if [ "$RC" = 0 ]; then
	# The error may come at start, when the process is executed.
	check_error "a missing executable (create, then start)" "exec: /bin/nosuch: No such file or directory" \
		nook start noexec
	nook delete --force noexec >/dev/null 2>&1
else
	check_error "a missing executable (create)" "exec: /bin/nosuch: No such file or directory" \
		nook create -b "$B" noexec
fi
assert_nothing_left noexec

B=$T/nopath
make_bundle "$B" nosuchcommand || bail "make a bundle"
check_error "a command not found on PATH" "nosuchcommand" nook run -b "$B" nopath
assert_nothing_left nopath

B=$T/notexec
make_bundle "$B" /etc/passwd || bail "make a bundle"
check_error "a file that is not executable" "/etc/passwd" nook run -b "$B" notexec
like "a file that is not executable: Permission denied" "$ERR" "Permission denied"
assert_nothing_left notexec

B=$T/nocwd
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.process.cwd = "/no/such/dir"'
capture nook run -b "$B" nocwd
# runc creates a missing cwd; an error is fine too, but it must be clean.
if [ "$RC" = 0 ]; then
	ok "a missing cwd is created"
else
	check_error "a missing cwd gives a clean error" "/no/such/dir" nook run -b "$B" nocwd
fi
assert_nothing_left nocwd

# --- a failing hook -------------------------------------------------------------------------------------

B=$T/badhook
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.hooks = { "createRuntime": [ { "path": "/bin/false" } ] }'
check_error "a failing createRuntime hook" "hook" nook create -b "$B" badhook
assert_nothing_left badhook

# --- options --------------------------------------------------------------------------------------------

check_error "--systemd-cgroup is refused" "cgroupfs" "$NOOK" --root "$ROOT" --systemd-cgroup list
check_error "--cgroup-manager systemd is refused" "cgroupfs" "$NOOK" --root "$ROOT" --cgroup-manager systemd list
check_error "--cgroup-manager with an unknown value is refused" "cgroup" "$NOOK" --root "$ROOT" --cgroup-manager nosuch list
check "--cgroup-manager cgroupfs is accepted" "$NOOK" --root "$ROOT" --cgroup-manager cgroupfs list
check_error "an unknown global flag is refused, named" "--frobnicate" "$NOOK" --root "$ROOT" --frobnicate list
check_error "an unknown command flag is refused, named" "--frobnicate" nook create --frobnicate -b "$T/x" x
check_error "an unknown command is refused, named" "frobnicate" "$NOOK" --root "$ROOT" frobnicate
check_error "a command without its id" "" nook start
check_error "a command with an extra argument" "" nook state a b
check_error "--preserve-fds that is not a number" "preserve-fds" nook create --preserve-fds abc -b "$T/x" x
check_error "--log-format with an unknown format" "log-format" "$NOOK" --root "$ROOT" --log-format xml list
check_error "list --format with an unknown format" "format" nook list --format xml
check_fails "no command at all" "$NOOK"
nothing_in_root "the refused commands left nothing behind" x

# --- delete --force after a create that was SIGKILLed midway ----------------------------------------------

cat >"$T/slowhook.sh" <<EOF
#!/bin/sh
echo \$\$ > "$T/slowhook.pid"
exec sleep 30
EOF
chmod 755 "$T/slowhook.sh"
# The hook is a child of the killed create, so this test ends it.
at_exit '[ -s "$T/slowhook.pid" ] && kill -9 "$(cat "$T/slowhook.pid")"'
B=$T/killed
make_bundle "$B" sleep 1000 || bail "make a bundle"
edit_config "$B" --arg p "$T/slowhook.sh" '.hooks = { "createRuntime": [ { "path": $p } ] }'
"$NOOK" --root "$ROOT" create -b "$B" killed >"$T/killed.out" 2>&1 </dev/null &
CPID=$!
if wait_for 15 test -s "$T/slowhook.pid"; then
	ok "the createRuntime hook of the create to kill runs"
else
	fail "the createRuntime hook of the create to kill runs" "$(cat "$T/killed.out")"
fi
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
check "delete --force after a SIGKILLed create" nook delete --force killed
assert_nothing_left killed "delete --force after a SIGKILLed create leaves nothing behind"
HPID=$(cat "$T/slowhook.pid" 2>/dev/null)
if [ -n "$HPID" ]; then
	kill -9 "$HPID" 2>/dev/null
	rm -f "$T/slowhook.pid"
fi

done_testing
