#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# The command line runc 1.1 and crun 1.8 offer, on nook: every command and flag of
# `runc CMD --help` (and crun's create/run --config, delete/kill --regex) is accepted, or
# refused with one line that names it; never "unrecognized option".  Then what the flags
# added for that do: help, exec -g/--no-new-privs/--cgroup/--ignore-paused, ps with
# ps(1)'s options, update with runc's cgroup v1 names, --regex, --config.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# --- every flag is known -------------------------------------------------------------------

# flag_known CMD OPTION [VALUE]: the option parses (`nook CMD OPTION [VALUE] --help` gets
# to the help, exit 0) and CMD's --help lists it.  What a refused one says is below.
flag_known() {
	local cmd=$1 opt=$2
	capture nook "$@" --help
	if [ "$RC" != 0 ] || [[ $OUT != "Usage: nook $cmd"* ]]; then
		fail "$cmd $opt: parsed" "exit status $RC" "$ERR"
	elif ! grep -qE -- "(^|[ ,])$opt([ ,=]|\$)" <<<"$OUT"; then
		fail "$cmd $opt: listed by nook $cmd --help" "$OUT"
	else
		ok "$cmd $opt: parsed and listed by --help"
	fi
}

# runc's global options (--criu is what containerd's shim may pass).
for g in "--root $ROOT" "--log $T/log" "--log-format json" "--debug" "--rootless auto" \
	"--criu /usr/sbin/criu" "--cgroup-manager cgroupfs"; do
	# shellcheck disable=SC2086 # the option and its value
	capture "$NOOK" $g list -q
	is "global $g: accepted" "$RC" 0
done
check_error "global --systemd-cgroup: refused, naming it" "systemd" "$NOOK" --systemd-cgroup list
capture "$NOOK" --version
like "global --version" "$OUT" '^nook version '

for cmd in create run; do
	for o in -b --bundle --console-socket --pid-file -f --config; do
		flag_known "$cmd" "$o" x
	done
	flag_known "$cmd" --preserve-fds 0
	for o in --no-pivot --no-new-keyring; do flag_known "$cmd" "$o"; done
done
for o in -d --detach --keep --no-subreaper; do flag_known run "$o"; done
for o in -f --force -r --regex; do flag_known delete "$o"; done
for o in -a --all -r --regex; do flag_known kill "$o"; done
for o in --console-socket --cwd -e --env -u --user -g --additional-gids -p --process --pid-file \
	-c --cap --preserve-fds --cgroup; do
	flag_known exec "$o" 1
done
# An empty label or profile is what runc is given without SELinux or AppArmor.
for o in --process-label --apparmor; do flag_known exec "$o" ""; done
for o in -t --tty -d --detach --no-new-privs --ignore-paused; do flag_known exec "$o"; done
for o in -f --format; do flag_known ps "$o" json; done
for o in -f --format; do flag_known list "$o" json; done
for o in -q --quiet; do flag_known list "$o"; done
flag_known events --interval 5s
flag_known events --stats
for o in -r --resources --blkio-weight --cpu-period --cpu-quota --cpu-share --cpu-rt-period \
	--cpu-rt-runtime --cpuset-cpus --cpuset-mems --memory --memory-reservation --memory-swap \
	--pids-limit --l3-cache-schema --mem-bw-schema --kernel-memory --kernel-memory-tcp; do
	flag_known update "$o" 0
done
for o in -b --bundle; do flag_known spec "$o" x; done
flag_known spec --rootless
for cmd in start state pause resume features; do
	capture nook "$cmd" --help
	like "$cmd --help" "$OUT" "^Usage: nook $cmd"
done

check_error "exec --process-label: refused, naming it" "--process-label" \
	nook exec --process-label system_u:system_r:container_t:s0 "nosuch-$$" true
check_error "update --l3-cache-schema: refused, naming it" "--l3-cache-schema" \
	nook update --l3-cache-schema L3:0=f "nosuch-$$"
check_error "update --cpu-rt-runtime 1000: refused (no realtime in cgroup v2)" "--cpu-rt-runtime" \
	nook update --cpu-rt-runtime 1000 "nosuch-$$"
check_error "an option no runtime has: refused, naming it" "--bogus" nook exec --bogus "nosuch-$$" true

# --- help --------------------------------------------------------------------------------------

capture nook help
is "help: exit status 0" "$RC" 0
like "help lists the commands" "$OUT" '^  exec +'
is "help is --help" "$OUT" "$(nook --help)"
capture nook help exec
is "help exec: exit status 0" "$RC" 0
is "help exec is exec --help" "$OUT" "$(nook exec --help)"
check_error "help of an unknown command" "unknown command bogus" nook help bogus

# --- exec's flags, on a running container ---------------------------------------------------------

B=$T/cx
make_bundle "$B" sleep 1000 || bail "make a bundle"
edit_config "$B" '.process.noNewPrivileges = false' || bail "edit the config"
check "run -d" nook run -d -b "$B" cx
capture nook exec -g 5 --additional-gids 100 cx id -G
is "exec -g/--additional-gids: the process has those groups too" "$OUT" "0 5 100"
capture nook exec cx grep NoNewPrivs /proc/self/status
like "exec without --no-new-privs: the config's (false)" "$OUT" 'NoNewPrivs:[[:space:]]+0'
capture nook exec --no-new-privs cx grep NoNewPrivs /proc/self/status
like "exec --no-new-privs: set" "$OUT" 'NoNewPrivs:[[:space:]]+1'

# --cgroup: a sub-cgroup of the container's (cgroup v2 needs the container's processes in
# a leaf for that; the test makes one for the init first).
if mkdir "$CGP/cx/init" 2>/dev/null && echo "$(state_field cx pid)" >"$CGP/cx/init/cgroup.procs" &&
	mkdir "$CGP/cx/sub"; then
	capture nook exec --cgroup sub cx cat /proc/self/cgroup
	like "exec --cgroup sub: the process is in the sub-cgroup" "$OUT" "^0::/sub\$"
	capture nook exec --cgroup /nosuch cx true
	is "exec --cgroup of a missing sub-cgroup fails" "$([ "$RC" != 0 ] && echo failed)" failed
	like "... naming it" "$ERR" 'nosuch'
else
	skip "exec --cgroup" "cannot make sub-cgroups of $CGP/cx here"
fi

check "pause" nook pause cx
check_error "exec into a paused container: refused" "paused" nook exec cx true
# --ignore-paused: not refused; as with runc, the new process is frozen with the rest
# until resume.
nook exec --ignore-paused cx sh -c 'echo ran >/tmp/ignored-pause' >"$T/ip.out" 2>&1 &
IP=$!
sleep 1
check "exec --ignore-paused: not refused, waiting while paused" kill -0 "$IP"
check "resume" nook resume cx
wait "$IP"
is "... and it runs after resume" "$?:$(cat "$B/rootfs/tmp/ignored-pause" 2>/dev/null)" "0:ran"

# --- ps with ps(1)'s options ---------------------------------------------------------------------

capture nook ps cx
like "ps: ps(1)'s table of the container's processes" "$OUT" 'PID.*CMD'
like "... with the init's sleep" "$OUT" 'sleep 1000'
capture nook ps cx -o pid,comm
like "ps ID -o pid,comm: the options go to ps(1)" "$OUT" '^ *PID COMMAND'
like "... its rows" "$OUT" "^ *$(state_field cx pid) sleep\$"
capture nook ps --format json cx
like "ps --format json: the pids" "$OUT" "^\\[$(state_field cx pid)(,[0-9]+)*\\]\$"

# --- events: runc's stream of statistics -------------------------------------------------------

"$NOOK" --root "$ROOT" events --interval 200ms cx >"$T/events.out" 2>&1 &
EV=$!
wait_for 20 sh -c "[ \$(grep -c '\"type\":\"stats\"' '$T/events.out') -ge 3 ]"
kill "$EV" 2>/dev/null
wait "$EV" 2>/dev/null
check "events --interval 200ms: a stats event every interval (3 seen)" \
	test "$(grep -c '"type":"stats"' "$T/events.out")" -ge 3
check "... each one a JSON object with the pids" \
	jq -e -s 'length >= 3 and all(.id == "cx" and (.data.pids | type) == "object")' "$T/events.out"
for bad in 5 x -1s 1d; do
	check_error "events --interval $bad: refused" "--interval $bad" nook events --interval "$bad" cx
done

# --- update with runc's names --------------------------------------------------------------------

if grep -qw cpu "$CGP/cgroup.subtree_control" 2>/dev/null; then
	check "update --cpu-share 512" nook update --cpu-share 512 cx
	is "... becomes cpu.weight (cgroup v2's conversion)" "$(cat "$CGP/cx/cpu.weight")" 20
else
	capture nook update --cpu-share 512 cx
	like "update --cpu-share without a cpu controller: refused, naming it" "$ERR" 'cpu controller'
fi
check "update --kernel-memory is ignored (cgroup v2 accounts kernel memory in memory.max)" \
	nook update --kernel-memory 1000000 cx

# --- --regex -----------------------------------------------------------------------------------

B2=$T/rx-a
make_bundle "$B2" sleep 1000 || bail "make a bundle"
check "run -d rx-a" nook run -d -b "$B2" rx-a
set_id "$B2" rx-b
check "run -d rx-b" nook run -d -b "$B2" rx-b
check "kill --regex '^rx-' KILL" nook kill --regex '^rx-' KILL
check "... both stop" wait_for 10 sh -c "[ \"\$($NOOK --root $ROOT state rx-a | jq -r .status)\" = stopped ] &&
	[ \"\$($NOOK --root $ROOT state rx-b | jq -r .status)\" = stopped ]"
is "... cx is untouched" "$(state_field cx status)" running
check "delete --regex 'rx-[ab]'" nook delete --regex 'rx-[ab]'
is "... both are gone, cx is left" "$(nook list -q)" cx
check_error "--regex with a bad expression" "not a regular expression" nook delete --regex 'rx-('
assert_nothing_left rx-a
assert_nothing_left rx-b

check "delete --force cx" nook delete --force cx
assert_nothing_left cx

# --- crun's --config -----------------------------------------------------------------------------

B=$T/cfg
make_bundle "$B" sh -c 'echo from-$CFG' || bail "make a bundle"
jq '.process.env += ["CFG=other"]' "$B/config.json" >"$T/other.json"
capture nook run -b "$B" -f "$T/other.json" cfg
is "run -f FILE: that config instead of the bundle's" "$OUT" from-other
capture nook run -b "$B" --config config.json cfg
is "run --config config.json: the bundle's" "$OUT" from-
check_error "run --config of a missing file" "nosuch.json" nook run -b "$B" --config "$T/nosuch.json" cfg
assert_nothing_left cfg

done_testing
