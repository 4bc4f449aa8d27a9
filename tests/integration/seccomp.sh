#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# linux.seccomp: the default profile of `nook spec` filters the container and lets a
# shell work; a profile's errno, kill and argument rules; bad profiles are refused at
# create with the JSON path and leave nothing; unknown syscall names are skipped;
# noNewPrivileges false and a non-root user; `nook exec` processes are filtered too;
# SCMP_ACT_NOTIFY hands the notify fd and the container process state to an agent
# (tests/helpers/seccomp-agent) at listenerPath.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

AGENT=$BUILDDIR/tests/helpers/seccomp-agent

# A profile that allows everything but mkdir, which fails with EPERM (errnoRet 1).
NO_MKDIR='{ "defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }'

# --- the default profile ----------------------------------------------------------------------

B=$T/default
make_bundle "$B" sh -c 'grep "^Seccomp:" /proc/self/status; ps >/dev/null && id -u && ls / >/dev/null &&
	echo tools-ok; linux32 uname -m; unshare -U true 2>&1 || echo unshare-refused' ||
	bail "make a bundle"
check "nook spec writes the default profile" \
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.seccomp.syscalls | length > 0)' \
	"$B/config.json"
capture nook run -b "$B" default
is "run with the default profile" "$RC" 0
like "the default profile filters the process (Seccomp: 2)" "$OUT" '^Seccomp:[[:space:]]+2$'
like "ps, id and ls work under the default profile" "$OUT" '^tools-ok$'
like "personality(PER_LINUX32) is allowed (linux32)" "$OUT" '^i[3-6]86$|^armv[0-9]'
like "unshare is refused with EPERM" "$OUT" 'Operation not permitted'
assert_nothing_left default

B=$T/rootless
mkdir -p "$B" || bail "make a rootless bundle"
check "nook spec --rootless writes the default profile" "$NOOK" spec --rootless -b "$B"
check "spec --rootless: linux.seccomp" jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"' \
	"$B/config.json"

# --- errno, kill and unknown names -----------------------------------------------------------

B=$T/nomkdir
make_bundle "$B" sh -c 'mkdir /tmp/x; echo "status=$?"; echo still-running; ls -d /tmp' ||
	bail "make a bundle"
edit_config "$B" --argjson p "$NO_MKDIR" '.linux.seccomp = $p'
capture nook run -b "$B" nomkdir
is "SCMP_ACT_ERRNO: the container runs" "$RC" 0
like "SCMP_ACT_ERRNO errnoRet 1: mkdir fails with Operation not permitted" "$ERR" \
	"can't create directory '/tmp/x': Operation not permitted"
like "SCMP_ACT_ERRNO: mkdir's exit status" "$OUT" '^status=1$'
like "SCMP_ACT_ERRNO: other syscalls work" "$OUT" '^/tmp$'
assert_nothing_left nomkdir

B=$T/kill
make_bundle "$B" uname || bail "make a bundle"
edit_config "$B" '.linux.seccomp = { "defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [ { "names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS" } ] }'
check_status "SCMP_ACT_KILL_PROCESS kills the process with SIGSYS (128+31)" 159 nook run -b "$B" kill
assert_nothing_left kill

B=$T/unknown
make_bundle "$B" sh -c 'mkdir /tmp/y 2>&1; echo done' || bail "make a bundle"
edit_config "$B" '.linux.seccomp = { "defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [ { "names": ["no_such_syscall_at_all", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO" } ] }'
capture nook run -b "$B" unknown
is "an unknown syscall name is accepted" "$RC" 0
like "the other names of its rule still apply" "$OUT" 'Operation not permitted'
assert_nothing_left unknown

B=$T/flags
make_bundle "$B" sh -c 'grep "^Seccomp:" /proc/self/status' || bail "make a bundle"
edit_config "$B" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
capture nook run -b "$B" flags
like "flags TSYNC and SPEC_ALLOW" "$OUT" '^Seccomp:[[:space:]]+2$'
assert_nothing_left flags

# --- bad profiles are refused at create ------------------------------------------------------

B=$T/bad
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.seccomp.syscalls[1] = { "names": ["read"], "action": "SCMP_ACT_FOO" }'
check_error "an unknown action is refused with its JSON path" \
	"config.json: linux.seccomp.syscalls[1].action: unknown action 'SCMP_ACT_FOO'" \
	nook create -b "$B" bad
assert_nothing_left bad
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.seccomp.syscalls[0].args = [ { "index": 0, "value": 1, "op": "SCMP_CMP_SAME" } ]'
check_error "an unknown operator is refused with its JSON path" \
	"config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_SAME'" \
	nook create -b "$B" bad
assert_nothing_left bad
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.seccomp.architectures += ["SCMP_ARCH_VAX"]'
check_error "an unknown architecture is refused" "unknown architecture 'SCMP_ARCH_VAX'" \
	nook create -b "$B" bad
assert_nothing_left bad
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIFY"'
check_error "SCMP_ACT_NOTIFY without listenerPath is refused" \
	"linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath" \
	nook create -b "$B" bad
assert_nothing_left bad

# --- noNewPrivileges false: loaded before the switch to the user ------------------------------

for user in 0 1000; do
	B=$T/nnp$user
	make_bundle "$B" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; id -u; ps >/dev/null && echo ps-ok' ||
		bail "make a bundle"
	edit_config "$B" --argjson u "$user" '.process.noNewPrivileges = false
		| .process.user = { "uid": $u, "gid": $u }'
	capture nook run -b "$B" "nnp$user"
	is "noNewPrivileges false, uid $user, default profile: runs" "$RC" 0
	like "noNewPrivileges false, uid $user: NoNewPrivs 0" "$OUT" '^NoNewPrivs:[[:space:]]+0$'
	like "noNewPrivileges false, uid $user: filtered" "$OUT" '^Seccomp:[[:space:]]+2$'
	like "noNewPrivileges false, uid $user: the process runs as $user" "$OUT" "^$user\$"
	like "noNewPrivileges false, uid $user: ps works" "$OUT" '^ps-ok$'
	assert_nothing_left "nnp$user"
done

# --- nook exec ---------------------------------------------------------------------------------

B=$T/ex
make_bundle "$B" sleep 1000 || bail "make a bundle"
edit_config "$B" --argjson p "$NO_MKDIR" '.linux.seccomp = $p'
nook create -b "$B" ex >/dev/null 2>&1 && nook start ex >/dev/null 2>&1
is "a container with a profile runs" "$(state_field ex status)" running
check_output "nook exec: the process is filtered" "Seccomp:	2" nook exec ex grep "^Seccomp:" /proc/self/status
capture nook exec ex mkdir /tmp/z
like "nook exec: the container's profile applies (mkdir fails)" "$ERR" 'Operation not permitted'
check "nook exec: other commands work" nook exec ex ls /tmp
check "delete --force" nook delete --force ex
assert_nothing_left ex

# --- SCMP_ACT_NOTIFY and the seccomp agent ---------------------------------------------------

if [ ! -x "$AGENT" ]; then
	fail "the seccomp-agent helper is built" "$AGENT is missing (make check builds it)"
	done_testing
fi

# start_agent NAME: the agent on $T/NAME.sock, the state it receives in $T/NAME.json, its
# output in $T/NAME.out; sets AGENT_PID.
start_agent() {
	rm -f "$T/$1.sock" "$T/$1.json"
	"$AGENT" "$T/$1.sock" "$T/$1.json" >"$T/$1.out" 2>"$T/$1.err" </dev/null &
	AGENT_PID=$!
	at_exit "kill $AGENT_PID"
	wait_for 5 test -S "$T/$1.sock"
}

B=$T/notify
make_bundle "$B" sh -c 'mkdir /tmp/n; echo "status=$?"' || bail "make a bundle"
start_agent notify
edit_config "$B" --arg sock "$T/notify.sock" '.linux.seccomp = { "defaultAction": "SCMP_ACT_ALLOW",
	"listenerPath": $sock, "listenerMetadata": "meta-1",
	"syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY" } ] }'
capture nook run -b "$B" notify
is "SCMP_ACT_NOTIFY: the container runs" "$RC" 0
like "SCMP_ACT_NOTIFY: the agent's answer (EPERM) reaches the process" "$ERR" 'Operation not permitted'
like "SCMP_ACT_NOTIFY: the process carries on" "$OUT" '^status=1$'
wait_pid "$AGENT_PID" 20
is "the agent saw the filter's users go and exited" "$RC" 0
like "the agent was asked about one syscall" "$(cat "$T/notify.out")" '^syscall [0-9]+$'
S=$(cat "$T/notify.json" 2>/dev/null)
check_jq "the container process state is JSON with the fd names" "$S" \
	'.ociVersion != null and .fds == ["seccompFd"] and (.pid | type == "number" and . > 0)'
check_jq "the container process state: metadata is listenerMetadata" "$S" '.metadata == "meta-1"'
check_jq "the container process state: the container's state" "$S" \
	'.state.id == "notify" and .state.status == "creating" and .state.pid == .pid and .state.bundle != null'
assert_nothing_left notify

B=$T/noagent
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" --arg sock "$T/nobody.sock" '.linux.seccomp = { "defaultAction": "SCMP_ACT_ALLOW",
	"listenerPath": $sock, "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_NOTIFY" } ] }'
check_error "no agent at listenerPath: create fails and says where" \
	"seccomp agent $T/nobody.sock: connect" nook create -b "$B" noagent
assert_nothing_left noagent

done_testing
