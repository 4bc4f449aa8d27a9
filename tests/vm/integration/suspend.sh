#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# nookctl suspend/resume (vzctl's chkpnt/restore) inside `make check-vm`, where Debian's
# CRIU works: a VPS of the minimal template (init, syslogd, httpd, telnetd) with a
# process counting in memory and a TCP connection from outside goes into
# HOME/dump/CTID and stops; resume brings back the same processes with the same PIDs,
# its address answers again and the connection goes on; start resumes too; stop
# discards the dump; ranges work; refusals are one line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "nookctl suspend" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
if ! command -v criu >/dev/null; then
	skip "nookctl suspend" "criu is not installed (apt-get install criu)"
	done_testing
	exit 0
fi
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

check "create 301" ctl create 301 --ipadd 10.0.9.2/24
check "create 302" ctl create 302 --ipadd 10.0.9.3/24
check "start 301,302" ctl start 301,302
wait_for 20 http_get http://10.0.9.2/ >/dev/null || fail "301's httpd answers"

# The counter lives in memory; the file is only its output.  A server inside sends a
# line every 0.2 s to a client outside.
check "start a counter in 301" ctl exec 301 sh -c \
	'sh -c '\''echo $$ >/counter.pid; i=0; while :; do i=$((i+1)); echo $i >/count.new; mv /count.new /count; sleep 0.1; done'\'' </dev/null >/dev/null 2>&1 &'
check "start a ticking server in 301" ctl exec 301 sh -c \
	'(while :; do echo tick; sleep 0.2; done | nc -l -p 5000) </dev/null >/dev/null 2>&1 &'
count() { ctl exec 301 cat /count 2>/dev/null || echo 0; }
count_over() { [ "$(count)" -gt "$1" ]; }
wait_for 10 count_over 3 || bail "the counter does not count"
# (stdin stays open: at its end busybox nc would close the connection)
sleep 100000 | busybox nc 10.0.9.2 5000 >"$T/ticks" 2>/dev/null &
NC=$!
at_exit "kill $NC 2>/dev/null"
ticks() { wc -l <"$T/ticks"; }
ticks_over() { [ "$(ticks)" -gt "$1" ]; }
wait_for 10 ticks_over 3 || fail "the client receives ticks"
PID=$(ctl exec 301 cat /counter.pid)

check "suspend 301" ctl suspend 301
is "status: down and suspended" "$(ctl status 301)" "CTID 301 exist unmounted down suspended"
check "the dump is in HOME/dump/301" test -e "$HOME_DIR/dump/301/inventory.img"
like "list: status suspended" "$(ctl list -a -H -o ctid,status)" "301 +suspended"
check "301's address no longer answers" test -z "$(http_get http://10.0.9.2/)"
check "302 still runs" test -n "$(http_get http://10.0.9.3/)"
TICKS=$(ticks)
check "resume 301" ctl resume 301
is "status: running again" "$(ctl status 301)" "CTID 301 exist mounted running"
check "the dump is gone" test ! -e "$HOME_DIR/dump/301"
BEFORE=$(count)
wait_for 10 count_over "$((BEFORE + 3))" || fail "the counter goes on after resume"
is "the counter has its PID inside" "$(ctl exec 301 cat /proc/"$PID"/stat | cut -d' ' -f1)" "$PID"
wait_for 20 http_get http://10.0.9.2/ >/dev/null
check "301's address answers again" test -n "$(http_get http://10.0.9.2/)"
wait_for 20 ticks_over "$((TICKS + 3))" || fail "the TCP connection goes on after resume" \
	"ticks before $TICKS, now $(ticks)"
check "the client is still connected" kill -0 "$NC"

# vzctl's chkpnt name; start resumes; ranges.
check "chkpnt 301,302" ctl chkpnt 301,302
like "both suspended" "$(ctl status 301,302 | tr '\n' ' ')" "301 exist unmounted down suspended.*302 exist unmounted down suspended"
check "start 301 resumes it" ctl start 301
is "the counter survived the second suspend" "$(ctl exec 301 cat /proc/"$PID"/stat | cut -d' ' -f1)" "$PID"
check "resume 302" ctl resume 302
check "302 answers" test -n "$(http_get http://10.0.9.3/)"

# stop of a suspended container discards the dump.
check "suspend 302" ctl suspend 302
check "stop 302" ctl stop 302
is "302: down, no dump" "$(ctl status 302)" "CTID 302 exist unmounted down"
check "no dump left" test ! -e "$HOME_DIR/dump/302"

check_ctl_error "suspend of a stopped container" "not running" ctl suspend 302
check_ctl_error "resume of a container that is not suspended" "not suspended" ctl resume 302
check "destroy --force 301,302" ctl destroy --force 301,302
assert_ct_gone 301 "301 left nothing"
assert_ct_gone 302 "302 left nothing"
check "no dumps left" test -z "$(ls -A "$HOME_DIR/dump" 2>/dev/null)"

done_testing
