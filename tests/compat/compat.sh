#!/bin/bash
# shellcheck disable=SC2016 # jq filters are in single quotes
# The differential test: one corpus of bundles (tests/compat/corpus.bash) run under nook,
# runc and crun, comparing what each container can observe of its own setup
# (tests/compat/probe: user, groups, capabilities, seccomp and no_new_privs, session,
# cwd, umask, env, rlimits, fds, mounts, masked paths, host name), the exit status of
# `run`, and what is left on the host.  runc and crun are Debian's (apt-get install
# runc crun); their shared behaviour is the spec where the runtime-spec is silent.
#
# Per case and per key of the probe's output:
#   - nook agrees with runc and crun: an agreement;
#   - runc and crun disagree and nook does as one of them: an agreement too (said so);
#   - nook differs where they agree (or from both): a documented difference if the
#     pair is in tests/compat/differences, with its reason, else a failure.
# A case may also carry an expectation on nook's own output (--expect), so that the
# behaviour is asserted even where the peers cannot run it.  The last lines give the
# counts: bundles; those where nook does as both; those where runc and crun differ and
# nook does as one; those with a documented difference; failures.
#
# Every runtime sees the cgroup v2 hierarchy alone at /sys/fs/cgroup, as on a pure v2
# host (bench/run does the same): on a hybrid host crun refuses to run.  This script
# runs in the private mount and network namespace tests/run-tests.sh made.
#
# COMPAT_CASES=REGEX runs only the cases whose names match; COMPAT_VERBOSE=1 prints each
# runtime's output and errors.
if [ -z "${NOOK_COMPAT_SYSFS:-}" ]; then
	export NOOK_COMPAT_SYSFS=1
	umount -R /sys 2>/dev/null || umount -R -l /sys || {
		echo "# cannot unmount /sys in the private mount namespace"
		exit 2
	}
	mount -t sysfs sysfs /sys && mount -t cgroup2 cgroup2 /sys/fs/cgroup || {
		echo "# cannot mount sysfs and cgroup2 in the private mount namespace"
		exit 2
	}
fi
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

COMPAT=$SRCDIR/tests/compat
RUNTIMES=(nook)
for rt in runc crun; do
	if command -v "$rt" >/dev/null; then
		RUNTIMES+=("$rt")
	else
		skip "comparisons with $rt" "$rt is not installed (apt-get install $rt)"
	fi
done

# crun loads its device program after raising RLIMIT_MEMLOCK, which a host whose hard
# limit is low and whose bounding set lacks CAP_SYS_RESOURCE refuses ("setrlimit
# (RLIM_MEMLOCK)"); there it runs without a cgroup, which no probe key sees.
CRUN_OPTS=()
if [ "$(ulimit -Hl)" != unlimited ] &&
	[ $((0x$(sed -n 's/^CapBnd:\t//p' /proc/self/status) >> 24 & 1)) = 0 ]; then
	CRUN_OPTS=(--cgroup-manager=disabled)
	echo "# crun runs with --cgroup-manager=disabled: RLIMIT_MEMLOCK is $(ulimit -Hl) and CAP_SYS_RESOURCE is not in the bounding set"
fi

# rt_cmd RT: the runtime's command line, in CMD.
rt_cmd() {
	case $1 in
	nook) CMD=("$NOOK" --root "$T/run-nook") ;;
	runc) CMD=(runc --root "$T/run-runc") ;;
	crun) CMD=(crun "${CRUN_OPTS[@]}" --root "$T/run-crun") ;;
	esac
}

rt_run() {
	local rt=$1
	shift
	rt_cmd "$rt"
	"${CMD[@]}" "$@"
}

# --- the base bundle ----------------------------------------------------------------------

# `runc spec`'s config (what clients start from), without a terminal, the probe as the
# process and ociVersion 1.0.2 (crun 1.8 refuses any version without "1.0" in it).
BASE=$T/base.json
HELPERS=$BUILDDIR/tests/helpers
busybox_rootfs "$T/rootfs" || bail "make a busybox rootfs"
cp "$COMPAT/probe" "$T/rootfs/probe" && chmod 755 "$T/rootfs/probe"
cp "$HELPERS/sd-notify" "$T/rootfs/sd-notify" || bail "the static sd-notify helper is not built"
# A hook: hook NAME STATUS LOG appends "NAME env=set|empty" to LOG, exits STATUS.
cat >"$T/hook" <<'HOOK'
#!/bin/sh
echo "$1 env=$([ -n "$PATH" ] && echo set || echo empty)" >>"$3"
exit "$2"
HOOK
# Socket activation as systemd does it: fd 3 and LISTEN_PID naming the runtime itself.
cat >"$T/listen-wrap" <<'WRAP'
#!/bin/sh
exec 3</dev/null
LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"
WRAP
chmod 755 "$T/hook" "$T/listen-wrap"
if command -v runc >/dev/null; then
	(cd "$T" && runc spec && mv config.json runc-spec.json) || bail "runc spec"
else
	"$NOOK" spec --bundle "$T" && mv "$T/config.json" "$T/runc-spec.json" || bail "nook spec"
fi
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/probe"]
	| .root.path = "rootfs" | .root.readonly = false' "$T/runc-spec.json" >"$BASE" ||
	bail "the base config"

# --- running a case -----------------------------------------------------------------------

DIFFERENCES=$COMPAT/differences
CASES=0
AGREE=0
SPLIT=0
DOCUMENTED=0

# documented CASE KEY: the reason nook differs there, from tests/compat/differences
# ("CASE KEY: reason", CASE may be *), or nothing.
documented() {
	awk -v c="$1" -v k="$2" '
		/^#/ || NF == 0 { next }
		($1 == c || $1 == "*") && ($2 == k ":" || $2 == "*:") { sub(/^[^:]*: */, ""); print; exit }
	' "$DIFFERENCES"
}

# keyed OUT: the probe's lines grouped by key, "key<TAB>value lines joined by |".
keyed() {
	awk -F': ' '{ k = $1; sub(/^[^:]*: ?/, ""); v[k] = (k in v) ? v[k] "|" $0 : $0 }
		END { for (k in v) print k "\t" v[k] }' <<<"$1" | sort
}

# selected NAME: whether the case is to run (COMPAT_CASES, an extended regular expression
# of case names, picks some while working on them; unset: all).
selected() {
	[ -z "${COMPAT_CASES:-}" ] || [[ $1 =~ ^($COMPAT_CASES)$ ]]
}

# case_bundle RT NAME ARGS-JSON|null FILTER: the bundle of case NAME for runtime RT in
# $b (process.args ARGS-JSON unless null, then FILTER, given $cg, $b and $t), its
# container id in $id; the command line of RT in CMD.
case_bundle() {
	local rt=$1 name=$2 args=$3 filter=$4
	b=$T/b/$rt-$name
	id=$rt-$name
	mkdir -p "$b" && cp -al "$T/rootfs" "$b/rootfs" || bail "bundle $b"
	jq --arg cg "$CGP_PATH/$id" --arg b "$b" --arg t "$T" --argjson args "$args" \
		'.linux.cgroupsPath = $cg | if $args then .process.args = $args else . end
		 | '"$filter" "$BASE" >"$b/config.json" || bail "$name: jq filter"
	[ "$rt" = nook ] && track "$id"
	rt_cmd "$rt"
}

# run_case NAME ARGS-JSON|- JQ-FILTER [--expect REGEX]...: the case's bundle under each
# runtime (process.args ARGS-JSON unless -), then the comparison.
run_case() {
	local name=$1 args=$2 filter=$3 rt b id
	selected "$1" || return 0
	shift 3
	local expects=("$@")
	declare -A out rc
	CASES=$((CASES + 1))
	for rt in "${RUNTIMES[@]}"; do
		case_bundle "$rt" "$name" "$([ "$args" = - ] && echo null || echo "$args")" "$filter"
		if [ -n "${CASE_NOTIFY:-}" ]; then
			rm -f "$T/notify.out" "$T/notify.out.ready"
			"$HELPERS/sd-notify" listen "$T/notify.sock" "$T/notify.out" &
			NOTIFY_PID=$!
			wait_for 5 test -e "$T/notify.out.ready" || bail "sd-notify listen did not start"
		fi
		capture timeout -k 5 30 ${CASE_WRAP:-} "${CMD[@]}" run -b "$b" "$id"
		# 124-127: timeout's own (killed, or the command not run at all): the harness
		# or the runtime is broken, which no comparison may hide.
		if [ "$RC" -ge 124 ] && [ "$RC" -le 127 ] && [ "$args" = - ]; then
			fail "$name: $rt ran the probe" "$(_cmd_details run -b "$b" "$id")"
		fi
		out[$rt]=$OUT
		rc[$rt]=$RC
		[ "$RC" = 0 ] || out[$rt]="error: exit status $RC"$'\n'"$OUT"
		[ -z "${COMPAT_VERBOSE:-}" ] || printf '# --- %s %s (exit %s)\n%s\n%s\n' "$name" "$rt" "$RC" "$OUT" "$ERR" | sed '2,$s/^/#   /'
		rt_run "$rt" delete --force "$id" >/dev/null 2>&1
		[ "$rt" = nook ] && CASE_ERR=$ERR
		# Hooks log to the bundle (hooks.log), sorted: runc runs poststart at create.
		[ ! -s "$b/hooks.log" ] || out[$rt]+=$'\n'"$(sort "$b/hooks.log" | sed 's/^/hook: /')"
		if [ -n "${CASE_NOTIFY:-}" ]; then
			wait_for 5 test -e "$T/notify.out"
			out[$rt]+=$'\n'"notify: $(tr '\n' ' ' <"$T/notify.out" 2>/dev/null | sed 's/MAINPID=[0-9]*/MAINPID=n/')"
			kill "$NOTIFY_PID" 2>/dev/null
			wait "$NOTIFY_PID" 2>/dev/null
		fi
		# What is left is compared too (runc and crun leave the mounts of a container
		# without a mount namespace; nook's delete takes them away), then cleaned up.
		local left
		left=$(leftovers_of "$rt" "$id" "$b")
		[ -z "$left" ] || out[$rt]+=$'\n'"$(sed 's/^/left: /' <<<"$left")"
		[ "$rt" != nook ] || [ -z "$left" ] || fail "$name: nook left nothing behind" "$left"
		umount -R -l "$b/rootfs" 2>/dev/null
	done
	compare "$name" out rc
	local e
	for e in "${expects[@]}"; do
		like "$name: nook: $e" "${out[nook]}"$'\n'"$CASE_ERR" "$e"
	done
}

# leftovers_of RT ID BUNDLE: what the run of ID under RT left: its state, its cgroup,
# mounts in the bundle (their paths relative to it, to compare across runtimes).
leftovers_of() {
	local rt=$1 id=$2 b=$3
	[ ! -e "$T/run-$rt/$id" ] || echo "state directory"
	[ ! -d "$CGP/$id" ] || echo "cgroup"
	new_mounts | awk -v b="$b/" 'index($1, b) == 1 { print "mount " substr($1, length(b)) }' | sort
}

# compare NAME OUT-ARRAY RC-ARRAY: the verdict of one case, per key.
compare() {
	local name=$1
	local -n o=$2
	local key n r c bad=() doc=() peers=()
	declare -A kn kr kc
	while IFS=$'\t' read -r key rest; do kn[$key]=$rest; done < <(keyed "${o[nook]}")
	if [ -n "${o[runc]+x}" ]; then
		while IFS=$'\t' read -r key rest; do kr[$key]=$rest; done < <(keyed "${o[runc]}")
	fi
	if [ -n "${o[crun]+x}" ]; then
		while IFS=$'\t' read -r key rest; do kc[$key]=$rest; done < <(keyed "${o[crun]}")
	fi
	local keys
	keys=$(printf '%s\n' "${!kn[@]}" "${!kr[@]}" "${!kc[@]}" | sort -u)
	while read -r key; do
		[ -n "$key" ] || continue
		n=${kn[$key]-<none>}
		r=${kr[$key]-<none>}
		c=${kc[$key]-<none>}
		[ -n "${o[runc]+x}" ] || r=$n
		[ -n "${o[crun]+x}" ] || c=$n
		if [ "$n" = "$r" ] && [ "$n" = "$c" ]; then
			continue
		fi
		if [ "$r" != "$c" ] && { [ "$n" = "$r" ] || [ "$n" = "$c" ]; }; then
			peers+=("$key: runc and crun differ, nook does as $([ "$n" = "$r" ] && echo runc || echo crun)")
			continue
		fi
		local why
		why=$(documented "$name" "$key")
		if [ -n "$why" ]; then
			doc+=("$key: $why")
		else
			bad+=("$key:" "   nook: $n" "   runc: $r" "   crun: $c")
		fi
	done <<<"$keys"
	if [ ${#bad[@]} -gt 0 ]; then
		fail "$name: nook behaves as runc and crun" "${bad[@]}"
		return
	fi
	if [ ${#doc[@]} -gt 0 ]; then
		DOCUMENTED=$((DOCUMENTED + 1))
	elif [ ${#peers[@]} -gt 0 ]; then
		SPLIT=$((SPLIT + 1))
	else
		AGREE=$((AGREE + 1))
	fi
	local note=""
	[ ${#doc[@]} -eq 0 ] || note=" (documented: ${doc[*]})"
	[ ${#peers[@]} -eq 0 ] || note="$note (${peers[*]})"
	ok "$name: nook behaves as runc and crun$note"
}

# exec_case NAME FILTER EXEC-OPTIONS-JSON [EXPECT...]: a container of FILTER running
# `sleep`, then `exec [OPTIONS] ID /probe` under each runtime.
exec_case() {
	local name=$1 filter=$2 xopts=$3 rt b id
	selected "$1" || return 0
	shift 3
	local expects=("$@")
	declare -A out rc
	CASES=$((CASES + 1))
	for rt in "${RUNTIMES[@]}"; do
		case_bundle "$rt" "$name" '["sleep", "1000"]' "$filter"
		if ! timeout -k 5 30 "${CMD[@]}" run -d -b "$b" "$id" >"$T/run.out" 2>&1 </dev/null; then
			out[$rt]="error: run -d failed"
		else
			mapfile -t xo < <(jq -r '.[]' <<<"$xopts")
			capture timeout -k 5 30 "${CMD[@]}" exec "${xo[@]}" "$id" /probe
			out[$rt]=$OUT
			[ "$RC" = 0 ] || out[$rt]="error: exit status $RC"$'\n'"$OUT"
			[ "$rt" = nook ] && CASE_ERR=$ERR
		fi
		rt_run "$rt" delete --force "$id" >/dev/null 2>&1
		umount -R -l "$b/rootfs" 2>/dev/null
	done
	compare "$name" out rc
	local e
	for e in "${expects[@]}"; do
		like "$name: nook: $e" "${out[nook]}"$'\n'"$CASE_ERR" "$e"
	done
}

# cli_case NAME SETUP COMMAND [EXPECT]: after SETUP (a shell snippet given $RT_CMD and
# $ID, e.g. a container that exited), COMMAND ($RT_CMD ... $ID) under each runtime; the
# exit statuses compared, and EXPECT matched by nook's stderr (runc's wording, which
# clients match).
cli_case() {
	local name=$1 setup=$2 command=$3 expect=${4:-} rt
	selected "$1" || return 0
	declare -A out rc
	CASES=$((CASES + 1))
	for rt in "${RUNTIMES[@]}"; do
		local b id
		case_bundle "$rt" "$name" '["sleep", "1000"]' .
		ID=$id
		RT_CMD="${CMD[*]}"
		BUNDLE=$b
		(cd "$b" && eval "$setup") >/dev/null 2>&1 </dev/null
		capture eval "$command"
		out[$rt]="status: $RC"
		[ "$rt" = nook ] && CASE_ERR=$ERR
		rt_run "$rt" delete --force "$ID" >/dev/null 2>&1
	done
	compare "$name" out rc
	[ -z "$expect" ] || like "$name: nook says it in runc's words: $expect" "$CASE_ERR" "$expect"
}

# shellcheck source=tests/compat/corpus.bash
. "$COMPAT/corpus.bash"

echo "# bundles: $CASES; nook does as runc and crun: $AGREE; runc and crun differ and nook does as one: $SPLIT; documented differences: $DOCUMENTED; failed: $((CASES - AGREE - SPLIT - DOCUMENTED))"
echo "# runtimes: $(for rt in "${RUNTIMES[@]}"; do
	case $rt in nook) echo -n "nook " ;; *) echo -n "$($rt --version | head -1) " ;; esac
done)"
done_testing
