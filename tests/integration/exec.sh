#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# nook exec: exit statuses, output and input, --env, --cwd, --user, --process, --detach,
# --pid-file, --cap, --tty; the process joins the container's namespaces and cgroup;
# exec into a stopped or unknown container fails.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

B=$T/ex
make_bundle "$B" sleep 1000 || bail "make a bundle"
# CAP_CHOWN is in the bounding set only, for exec --cap.
edit_config "$B" '.process.env += ["FROMCONFIG=yes"] | .process.cwd = "/var"
	| .process.capabilities.bounding += ["CAP_CHOWN"]'
nook create -b "$B" ex >/dev/null 2>&1 && nook start ex >/dev/null 2>&1
is "the container runs" "$(state_field ex status)" running
INIT=$(state_field ex pid)
[ -n "$INIT" ] || bail "the container has a pid"

check_output "exec prints the command's output" hello nook exec ex echo hello
check_status "exec: exit status 7 propagates" 7 nook exec ex sh -c 'exit 7'
check_status "exec: exit status 0" 0 nook exec ex true
check_status "exec: a process killed by SIGKILL gives 137" 137 nook exec ex sh -c 'kill -9 $$'
capture nook exec ex sh -c 'echo to-stderr >&2'
is "exec: stderr is the command's stderr" "$ERR" to-stderr
is "exec: the command reads exec's stdin" "$(echo piped | nook exec ex cat 2>&1)" piped

check_output "exec: the config's env is inherited" yes nook exec ex sh -c 'echo $FROMCONFIG'
check_output "exec: the config's cwd is the default" /var nook exec ex pwd
check_output "exec --env K=V" "bar baz" nook exec --env FOO=bar -e BAR=baz ex sh -c 'echo $FOO $BAR'
check_output "exec --env overrides the config's env" no nook exec -e FROMCONFIG=no ex sh -c 'echo $FROMCONFIG'
check_output "exec --cwd" /tmp nook exec --cwd /tmp ex pwd
check_output "exec --user 1000:1000" "1000 1000" nook exec --user 1000:1000 ex sh -c 'echo $(id -u) $(id -g)'
check_output "exec -u 65534" 65534 nook exec -u 65534 ex id -u

check_output "exec: pid namespace of the container (init is pid 1)" 1 \
	nook exec ex sh -c 'ps -o pid,args | awk "\$2 == \"sleep\" { print \$1 }"'
for ns in mnt net uts ipc pid; do
	want=$(readlink "/proc/$INIT/ns/$ns")
	check_output "exec joins the container's $ns namespace" "$want" nook exec ex readlink "/proc/self/ns/$ns"
done
check_output "exec: the container's hostname" "$(jq -r .hostname "$B/config.json")" nook exec ex hostname
capture nook exec ex cat /proc/self/cgroup
like "exec: the process is in the container's cgroup" "$OUT" "^0::(/|$CGP_PATH/ex)\$"

# --process FILE
cat >"$T/process.json" <<'EOF'
{
	"terminal": false,
	"user": { "uid": 0, "gid": 0 },
	"args": [ "sh", "-c", "echo from-process $FOO; pwd; exit 5" ],
	"env": [ "FOO=bar", "PATH=/bin" ],
	"cwd": "/tmp"
}
EOF
check_status "exec --process FILE: exit status" 5 nook exec --process "$T/process.json" ex
is "exec --process FILE: args, env and cwd" "$OUT" "from-process bar
/tmp"
capture nook exec -p "$T/process.json" ex
is "exec -p FILE" "$RC" 5
echo '{ "args": "not an array", "cwd": "/" }' >"$T/bad-process.json"
check_error "exec --process with a bad process" "args" nook exec --process "$T/bad-process.json" ex

# Capabilities: by default those of the container's process; --cap adds one of the
# container's bounding set.
cap_eff() {
	awk '$1 == "CapEff:" { print $2 }' <<<"$OUT"
}
capture nook exec ex cat /proc/self/status
DEFAULT_EFF=$(cap_eff)
capture nook exec ex cat "/proc/1/status"
is "exec: same effective capabilities as the container's init" "$DEFAULT_EFF" "$(cap_eff)"
capture nook exec --cap CAP_CHOWN ex cat /proc/self/status
EFF=$(cap_eff)
if [ -n "$EFF" ] && [ $((0x$EFF & 1)) = 1 ] && [ $((0x$EFF & 0x$DEFAULT_EFF)) = $((0x$DEFAULT_EFF)) ]; then
	ok "exec --cap CAP_CHOWN adds the capability"
else
	fail "exec --cap CAP_CHOWN adds the capability" "CapEff: default $DEFAULT_EFF, with --cap: $EFF" "$ERR"
fi
capture nook exec --cap CAP_NO_SUCH ex true
is "exec --cap with an unknown capability runs without it" "$RC" 0
like "... and warns, naming it" "$ERR" "ignoring unknown or unavailable capabilities: \\[CAP_NO_SUCH\\]"

# Missing executables.
check_error "exec of a missing executable" "No such file or directory" nook exec ex /bin/nosuch
like "exec of a missing executable names it" "$ERR" "/bin/nosuch"

# --detach and --pid-file
check "exec --detach returns" nook exec --detach ex sh -c 'sleep 1; echo done > /tmp/detached'
if wait_for 10 test -e "$B/rootfs/tmp/detached"; then
	ok "exec --detach: the process ran"
else
	fail "exec --detach: the process ran"
fi
check "exec -d --pid-file" nook exec -d --pid-file "$T/exec.pid" ex sleep 1001
EPID=$(cat "$T/exec.pid" 2>/dev/null)
like "exec --pid-file holds a pid" "$EPID" '^[1-9][0-9]*$'
if [ -n "$EPID" ] && grep -qx "$EPID" "$CGP/ex/cgroup.procs" 2>/dev/null; then
	ok "the exec'd process is in the container's cgroup"
	kill -9 "$EPID"
else
	fail "the exec'd process is in the container's cgroup" "pid $EPID; cgroup.procs: $(cat "$CGP/ex/cgroup.procs" 2>/dev/null)"
fi

# --tty, inside a terminal that script(1) provides.
if command -v script >/dev/null; then
	in_terminal "$NOOK" --root "$ROOT" exec --tty ex sh -c 'tty; test -t 0 && echo stdin-is-a-tty'
	like "exec --tty: the process has a pty" "$OUT" '^/dev/pts/[0-9]+$'
	like "exec --tty: stdin is a terminal" "$OUT" 'stdin-is-a-tty'
	in_terminal "$NOOK" --root "$ROOT" exec -t ex sh -c 'exit 4'
	is "exec -t: exit status propagates" "$RC" 4
else
	skip "exec --tty" "script(1) is not installed (Debian package bsdutils)"
fi

# No process was left behind by the exec calls.
wait_for 5 test "$(cgroup_pids "$CGP/ex" | wc -l)" = 1
is "only the init is left in the container's cgroup" "$(cgroup_pids "$CGP/ex")" "$INIT"

# exec into a container that is not running
check_error "exec into an unknown container" "does not exist" nook exec nosuch true
B=$T/stopped
make_bundle "$B" true || bail "make a bundle"
nook run -d -b "$B" stopped >/dev/null 2>&1
wait_status stopped stopped
is "a container whose process exited is stopped" "$(state_field stopped status)" stopped
check_error "exec into a stopped container fails" "" nook exec stopped true
check "delete the stopped container" nook delete stopped
assert_nothing_left stopped

check "kill ex" nook kill ex KILL
wait_status ex stopped
check "delete ex" nook delete ex
assert_nothing_left ex

done_testing
