#!/bin/bash
# The `make check` runner: runs the cmocka unit binaries and the integration scripts
# and ends with one line "N passed, N failed" (", N skipped" when any were skipped).
#
# usage: tests/run-tests.sh [FILTER...]
#   FILTER  a test name (test_config, lifecycle, ...), a shell pattern of names
#           ('test_*', 'ex*'), "unit" or "integration"; no filter runs everything.
# environment (make check sets the first four):
#   NOOK        absolute path of the nook binary        (default $BUILDDIR/nook)
#   UNIT_TESTS  unit test binaries, relative to BUILDDIR (default: tests/unit/test_*;
#               "none" for none)
#   BUILDDIR    the build tree                           (default: the current directory)
#   SRCDIR      the source tree                          (default: the tree of this file)
#   V=1         print every script's whole output
#   NOOK_INTEGRATION_DIR  where the integration scripts are (default tests/integration;
#               `make check-vm` points it at tests/vm/integration)
#   NOOK_SCRIPT_TIMEOUT  seconds one integration script may take (default 900)
#
# Each integration script runs as root in a private mount, network, UTS and IPC
# namespace made here (`unshare`, loopback up), so that it cannot touch the host's
# mounts, network, routes or host name.  Its lines "ok - NAME", "not ok - NAME" and
# "skip - NAME: REASON" are counted; a script that dies before its last line
# ("# done: ...") counts as one failure, named after it.  Exit status: 0 when nothing
# failed, 1 otherwise.

# `make check` runs this with $(SHELL), which is /bin/sh.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

set -u -o pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$(pwd)}
NOOK=${NOOK:-$BUILDDIR/nook}
export NOOK SRCDIR BUILDDIR

if [ -z "${UNIT_TESTS:-}" ]; then
	UNIT_TESTS=$(cd "$BUILDDIR" && for f in tests/unit/test_*; do
		case $f in *.c | *.o | *.log | *.trs) ;; *) [ -x "$f" ] && echo "$f" ;; esac
	done)
fi

LOGDIR=$BUILDDIR/tests/logs
mkdir -p "$LOGDIR" || exit 2

filters=("$@")
passed=0
failed=0
skipped=0
ran=0
failures=() # "NAME<TAB>log file<TAB>what to print: lines|tail"
skips=()

# selected KIND NAME: whether the filters select test NAME of KIND (unit|integration).
selected() {
	local f
	[ ${#filters[@]} -gt 0 ] || return 0
	for f in "${filters[@]}"; do
		# shellcheck disable=SC2053 # a filter may be a pattern
		if [ "$f" = "$1" ] || [[ $2 == $f ]] || [[ $2.sh == $f ]]; then
			return 0
		fi
	done
	return 1
}

say() {
	printf '%s\n' "$*"
}

# --- unit tests -------------------------------------------------------------------------

run_unit() {
	local rel=$1 name log rc p f names
	name=$(basename "$rel")
	log=$LOGDIR/$name.log
	ran=$((ran + 1))
	if [ ! -x "$BUILDDIR/$rel" ]; then
		say "FAIL $name: $BUILDDIR/$rel is not built"
		failed=$((failed + 1))
		failures+=("$name: not built")
		return
	fi
	(cd "$BUILDDIR" && CMOCKA_MESSAGE_OUTPUT=STDOUT timeout -k 10 300 "./$rel") >"$log" 2>&1 </dev/null
	rc=$?
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		names=$(sed -nE '/^\[  FAILED  \] [0-9]+ test/d; s/^\[  FAILED  \] (.+)/\1/p' "$log" | sort -u)
		for n in $names; do
			failures+=("$name: $n	$log	unit:$n")
		done
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		# Died (a sanitizer report, a signal, a timeout) before cmocka's summary.
		failed=$((failed + 1))
		failures+=("$name: crashed (exit status $rc)	$log	tail")
		f=1
	elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: no test results in its output	$log	tail")
		f=1
	fi
	if [ "$f" = 0 ]; then
		say "PASS $name: $p passed"
	else
		say "FAIL $name: $p passed, $f failed"
	fi
}

# --- integration tests ------------------------------------------------------------------

# remove_cgroup_tree DIR: kills every process in the cgroup DIR and its descendants,
# then removes them, deepest first.
remove_cgroup_tree() {
	local d
	[ -e "$1/cgroup.kill" ] && echo 1 >"$1/cgroup.kill" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		while IFS= read -r d; do
			rmdir "$d" 2>/dev/null
		done < <(find "$1" -depth -type d 2>/dev/null)
		[ -d "$1" ] || return 0
		sleep 0.2
	done
	echo "run-tests: could not remove $1" >&2
}

run_integration() {
	local script=$1 name log rc p f s crash= cgp
	name=$(basename "$script" .sh)
	log=$LOGDIR/$name.log
	ran=$((ran + 1))
	if [ "$(id -u)" != 0 ]; then
		skipped=$((skipped + 1))
		skips+=("$name: the integration tests need root")
		say "SKIP $name: the integration tests need root"
		return
	fi
	# shellcheck disable=SC2016 # $0 is for the inner bash
	timeout -k 10 "${NOOK_SCRIPT_TIMEOUT:-900}" \
		unshare --mount --net --uts --ipc --propagation private -- \
		env NOOK_TEST_NS=1 bash -c 'ip link set lo up && exec bash "$0"' "$script" \
		>"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	s=$(grep -c '^skip - ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		failures+=("$name	$log	lines")
	fi
	while IFS= read -r line; do
		skips+=("$name: ${line#skip - }")
	done < <(grep '^skip - ' "$log")
	# A script killed before its cleanup (a timeout's SIGKILL) leaves its cgroup parent
	# and whatever ran in it: removed here, and a script that ended normally and still
	# left it has a bug.
	cgp=$(sed -n 's/^# cgroup parent: //p' "$log" | head -n 1)
	if [ -n "$cgp" ] && [ -d "$cgp" ]; then
		remove_cgroup_tree "$cgp"
		if [ -z "$crash" ] && grep -q '^# done: ' "$log" && [ "$rc" != 124 ] && [ "$rc" != 137 ]; then
			crash="left its cgroup parent $cgp behind"
		fi
	fi
	if [ -n "$crash" ]; then
		:
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		crash="timed out after ${NOOK_SCRIPT_TIMEOUT:-900} s"
	elif ! grep -q '^# done: ' "$log"; then
		crash="stopped before its end (exit status $rc)"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		crash="exit status $rc without a failed test"
	fi
	if [ -n "$crash" ]; then
		failed=$((failed + 1))
		f=$((f + 1))
		failures+=("$name: crashed: $crash	$log	tail")
	fi
	if [ "$f" = 0 ]; then
		if [ "$s" -gt 0 ]; then
			say "PASS $name: $p passed, $s skipped"
		else
			say "PASS $name: $p passed"
		fi
	else
		say "FAIL $name: $p passed, $f failed"
	fi
	if [ -n "${V:-}" ]; then
		sed 's/^/    /' "$log"
	fi
}

# --- main -------------------------------------------------------------------------------

[ "$UNIT_TESTS" = none ] && UNIT_TESTS=
for rel in $UNIT_TESTS; do
	selected unit "$(basename "$rel")" && run_unit "$rel"
done

INTEGRATION_DIR=${NOOK_INTEGRATION_DIR:-$SRCDIR/tests/integration}
if [ -d "$INTEGRATION_DIR" ]; then
	for script in "$INTEGRATION_DIR"/*.sh; do
		[ -e "$script" ] || continue
		selected integration "$(basename "$script" .sh)" && run_integration "$script"
	done
fi

if [ "$ran" = 0 ]; then
	say "no test matches: ${filters[*]}"
	say "0 passed, 1 failed"
	exit 1
fi

if [ ${#failures[@]} -gt 0 ]; then
	say ""
	say "Failures:"
	for entry in "${failures[@]}"; do
		IFS='	' read -r what log how <<<"$entry"
		say ""
		case ${how:-} in
		lines)
			# Every "not ok" line of the script with the "#" lines that follow it.
			awk -v name="$what" '
				/^not ok - / { show = 1; print name ": " $0; next }
				show && /^#/ { print "    " $0; next }
				{ show = 0 }' "$log"
			;;
		unit:*)
			say "$what"
			# cmocka's messages between "[ RUN      ] NAME" and its result.
			awk -v t="${how#unit:}" '
				$0 == "[ RUN      ] " t { show = 1 }
				show { print "    " $0 }
				show && $0 == "[  FAILED  ] " t { exit }' "$log" | head -n 40
			;;
		tail)
			say "$what; the end of its output ($log):"
			tail -n 40 "$log" | sed 's/^/    /'
			;;
		*)
			say "$what"
			;;
		esac
	done
fi

if [ ${#skips[@]} -gt 0 ]; then
	say ""
	say "Skipped:"
	for entry in "${skips[@]}"; do
		say "  $entry"
	done
fi

say ""
if [ "$skipped" -gt 0 ]; then
	say "$passed passed, $failed failed, $skipped skipped"
else
	say "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
