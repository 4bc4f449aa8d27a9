#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# Terminals: process.terminal with --console-socket (the pty master is sent to
# tests/helpers/recvtty), the console size, /dev/console; `run` and `exec --tty` in the
# foreground inside a terminal that script(1) provides; a terminal without a console
# socket on a detached container is refused.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

RECVTTY=$BUILDDIR/tests/helpers/recvtty
if [ ! -x "$RECVTTY" ]; then
	fail "the recvtty helper is built" "$RECVTTY is missing (make check builds it)"
	done_testing
fi

# start_recvtty NAME [--input STRING]: starts recvtty on $T/NAME.sock, output in
# $T/NAME.out; sets RECV to its pid.
start_recvtty() {
	local name=$1
	shift
	rm -f "$T/$name.sock"
	"$RECVTTY" "$T/$name.sock" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	RECV=$!
	wait_for 5 test -S "$T/$name.sock"
}

# recv_output NAME: what recvtty received, without carriage returns.
recv_output() {
	tr -d '\r' <"$T/$1.out"
}

# --- --console-socket ----------------------------------------------------------------------

B=$T/console
make_bundle "$B" sh -c 'tty; test -c /dev/console && echo console-ok; echo "term=$TERM"; stty size; echo hello-console' ||
	bail "make a bundle"
edit_config "$B" '.process.terminal = true | .process.consoleSize = { "height": 24, "width": 100 }'
start_recvtty console
check "create --console-socket" nook create --console-socket "$T/console.sock" -b "$B" console
check "start" nook start console
wait_pid "$RECV" 20
is "recvtty got the pty and read it to the end" "$RC" 0
OUT=$(recv_output console)
like "the container's stdio is a pty" "$OUT" '^/dev/pts/[0-9]+$'
like "/dev/console is a character device" "$OUT" '^console-ok$'
like "the console size is set (24 rows, 100 columns)" "$OUT" '^24 100$'
like "the container's output arrives through the console socket" "$OUT" '^hello-console$'
wait_status console stopped
check "delete" nook delete console
assert_nothing_left console

B=$T/input
make_bundle "$B" sh -c 'read line; echo "got $line"' || bail "make a bundle"
edit_config "$B" '.process.terminal = true'
start_recvtty input --input "typed-line
"
check "run -d --console-socket" nook run -d --console-socket "$T/input.sock" -b "$B" input
wait_pid "$RECV" 20
like "input written to the pty master reaches the container" "$(recv_output input)" '^got typed-line$'
wait_status input stopped
nook delete input >/dev/null 2>&1
assert_nothing_left input

B=$T/nosock
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.process.terminal = true'
check_error "create with terminal true and no --console-socket is refused" "console" nook create -b "$B" nosock
assert_nothing_left nosock
check_error "--console-socket that nobody listens on fails" "" \
	nook create --console-socket "$T/nobody.sock" -b "$B" nosock
assert_nothing_left nosock

# --- foreground, in a terminal ------------------------------------------------------------------

if ! command -v script >/dev/null; then
	skip "run and exec in a terminal" "script(1) is not installed (Debian package bsdutils)"
	done_testing
fi

B=$T/ttyrun
make_bundle "$B" sh -c 'tty; test -t 0 && echo stdin-tty; echo hello-tty; exit 6' || bail "make a bundle"
edit_config "$B" '.process.terminal = true'
in_terminal "$NOOK" --root "$ROOT" run -b "$B" ttyrun
like "run with terminal true: the process has a pty" "$OUT" '^/dev/pts/[0-9]+$'
like "run with terminal true: stdin is a terminal" "$OUT" '^stdin-tty$'
like "run with terminal true: output" "$OUT" '^hello-tty$'
is "run with terminal true: exit status" "$RC" 6
assert_nothing_left ttyrun

B=$T/ttyexec
make_bundle "$B" sleep 1000 || bail "make a bundle"
nook run -d -b "$B" ttyexec >/dev/null 2>&1
in_terminal "$NOOK" --root "$ROOT" exec -t ttyexec sh -c 'tty; echo exec-tty'
like "exec -t in a terminal: a pty" "$OUT" '^/dev/pts/[0-9]+$'
like "exec -t in a terminal: output" "$OUT" '^exec-tty$'

start_recvtty execsock
check "exec -t -d --console-socket" nook exec -t -d --console-socket "$T/execsock.sock" ttyexec sh -c 'echo via-socket'
wait_pid "$RECV" 20
like "exec -t -d --console-socket: output through the socket" "$(recv_output execsock)" '^via-socket$'
nook delete --force ttyexec >/dev/null 2>&1
assert_nothing_left ttyexec

done_testing
