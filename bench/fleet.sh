#!/bin/bash
# nookctl fleets: create, start, stop and destroy of N containers of the minimal
# template on the default network (one address each; past 1023 on overflow bridges),
# every one checked to answer HTTP on its own address, the spread of an
# `exec --barrier`, and what a running container costs: memory (the drop of
# MemAvailable, and its kernel part: slab, of it unreclaimable, page tables, kernel
# stacks; and the containers' processes' own PSS) and disk (its private layer, du).
#
#   bench/fleet.sh [N...]     (as root; default: 30 200 1000; 10000 is the issue's goal)
#
# Environment: JOBS (--jobs of create, start, stop and destroy; default nookctl's own:
# the CPU count, for destroy 16 a CPU up to 64),
# SYNC (--sync of the containers: off, the default here, as a disposable fleet would
# have it; on measures the guests' sync(2) walking every superblock of the host),
# BENCH_TUNE=1 (raise the kernel limits `nookctl doctor` finds short for N, as
# `doctor --tune` does, and put them back at the end; without it the short limits are
# printed and named in the results, and the run goes on: a fleet past one may fail).
# Runs in private network and mount namespaces of its own, with a cgroup parent it
# removes: the host's network, mounts and cgroups are never touched.  Writes
# results/fleet.md and prints it.
set -eu -o pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
NOOKCTL=${NOOKCTL:-$SRC/nookctl}
JOBS=${JOBS:-}
SYNC=${SYNC:-off}
[ -x "$NOOKCTL" ] || { echo "fleet: build nookctl first (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "fleet: run as root" >&2; exit 1; }
[ $# -gt 0 ] || set -- 30 200 1000

# The kernel limits, read and raised in the host's namespaces (the neighbour tables
# and the backlog exist only there), before this script enters its own.
if [ -z "${NOOK_BENCH_INNER:-}" ]; then
	max=0
	for n in "$@"; do [ "$n" -gt "$max" ] && max=$n; done
	# A home with a stand-in of the minimal template (busybox init): what doctor reads.
	home=$(mktemp -d /tmp/nook-fleet-doctor.XXXXXX)
	mkdir -p "$home/templates/minimal/sbin" && ln -s /bin/busybox "$home/templates/minimal/sbin/init"
	report=$("$NOOKCTL" --home "$home" doctor --for "$max" --ostemplate minimal 2>/dev/null || true)
	rm -rf "$home"
	short=$(awk '$4 == "short:" { print $1 "=" $3 }' <<<"$report")
	if [ -n "$short" ] && [ -z "${BENCH_TUNE:-}" ]; then
		echo "fleet: for $max containers these kernel limits are short (BENCH_TUNE=1 raises them for the run):" >&2
		while read -r kv; do echo "  $kv"; done <<<"$short" >&2
	elif [ -n "$short" ]; then
		restore=()
		for kv in $short; do
			k=${kv%%=*}
			restore+=("$k=$(sysctl -n "$k")")
			sysctl -q -w "$kv"
		done
		echo "fleet: raised for the run: $short" >&2
		tuned=1
		trap 'for kv in "${restore[@]}"; do sysctl -q -w "$kv"; done' EXIT
	fi
	NOOK_BENCH_INNER=1 NOOK_BENCH_SHORT="$short" NOOK_BENCH_TUNED=${tuned:-} unshare --net --mount --propagation private -- "$0" "$@"
	exit $?
fi
ip link set lo up

work=$(mktemp -d /tmp/nook-fleet.XXXXXX)
cgmount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgparent=/nookfleet-$$
mkdir "$cgmount$cgparent"
export NOOK_HOME=$work/home NOOK_ROOT=$work/run NOOK_CGROUP_PARENT=$cgparent
cleanup() {
	local ids
	ids=$("$NOOKCTL" list -a -H -o ctid 2>/dev/null | tr '\n' ',' | sed 's/,$//')
	[ -z "$ids" ] || "$NOOKCTL" destroy --force --jobs 8 "$ids" >/dev/null 2>&1 || true
	find "$cgmount$cgparent" -depth -type d -exec rmdir {} + 2>/dev/null || true
	umount "$work/run" 2>/dev/null || true
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# The runtime's state on a tmpfs, as nook keeps it on a host (/run/nook): its files are
# made and removed with every start and stop, and on a disk they cost inode allocations
# (on ext4 without a journal, after a destroy, 12% of the CPU of starting 1000), in
# memory they are part of what a running container costs.  The mount is this
# namespace's.
mkdir "$work/run"
mount -t tmpfs -o mode=0700 nook-fleet-run "$work/run"

"$NOOKCTL" template create minimal 2>/dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# kib_per N BEFORE AFTER: (BEFORE - AFTER) / N, or (AFTER - BEFORE) / N when growing.
per() { awk -v n="$1" -v d="$2" 'BEGIN { printf "%.0f", d / n }'; }
# The Pss (KiB) of every process of the fleet's cgroups, summed.
fleet_pss() {
	local pid sum=0 p
	for pid in $(cat "$cgmount$cgparent"/*/cgroup.procs 2>/dev/null); do
		p=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${p:-0}))
	done
	echo "$sum"
}
# Every container's page, 16 clients at a time, each fetched until it answers (httpd
# takes a moment after start); prints how many answered.  (timeout(1), not wget -T:
# Debian's busybox 1.35 crashes on it.)
answered() {
	"$NOOKCTL" list -H -o ctid,ip | awk '{ sub(/\/.*/, "", $2); print $1, $2 }' >"$work/addrs"
	# shellcheck disable=SC2016 # for the inner shell
	xargs -P 16 -n 2 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do
		timeout 3 busybox wget -q -O - "http://$1/" 2>/dev/null | grep -q "<h1>$0</h1>" && { echo ok; exit; }
		sleep 0.3; done' <"$work/addrs" | grep -c ok
}

# A step that fails names itself (set -e alone would end the run without a word).
trap 'echo "fleet: line $LINENO failed (status $?): $BASH_COMMAND" >&2' ERR

rows=()
for n in "$@"; do
	echo "fleet: $n containers..." >&2
	t0=$(now)
	"$NOOKCTL" create ${JOBS:+--jobs "$JOBS"} "1-$n" --ipadd '10.2.0.1+{N}/16' --sync "$SYNC"
	t1=$(now)
	sync
	avail0=$(meminfo MemAvailable) slab0=$(meminfo Slab) sunr0=$(meminfo SUnreclaim)
	pt0=$(meminfo PageTables) ks0=$(meminfo KernelStack)
	"$NOOKCTL" start ${JOBS:+--jobs "$JOBS"} "1-$n" 2>"$work/start.err" || true
	t2=$(now)
	echo "fleet: created in $(secs "$t0" "$t1") s, started in $(secs "$t1" "$t2") s" >&2
	grep -v 'warning:' "$work/start.err" | head -n 3 >&2 || true
	sleep 2
	avail1=$(meminfo MemAvailable) slab1=$(meminfo Slab) sunr1=$(meminfo SUnreclaim)
	pt1=$(meminfo PageTables) ks1=$(meminfo KernelStack)
	pss=$(fleet_pss)
	running=$("$NOOKCTL" list -H | wc -l)
	ok=$(answered || true)
	echo "fleet: $running running, $ok answer HTTP" >&2
	# Some may fail (say, one that did not start): the spread of the others counts.
	bspread=$({ "$NOOKCTL" exec "1-$n" --barrier -- true 2>&1 >/dev/null || true; } |
		sed -n 's/.*released within \([0-9.]*\) ms.*/\1/p')
	lt0=$(now)
	"$NOOKCTL" list -a >/dev/null
	lt1=$(now)
	disk=$(du -sk "$work/home/containers/1/private" | cut -f1)
	t3=$(now)
	"$NOOKCTL" stop ${JOBS:+--jobs "$JOBS"} "1-$n" || echo "fleet: stop failed for some" >&2
	t4=$(now)
	"$NOOKCTL" destroy ${JOBS:+--jobs "$JOBS"} "1-$n" || echo "fleet: destroy failed for some" >&2
	t5=$(now)
	echo "fleet: stopped in $(secs "$t3" "$t4") s, destroyed in $(secs "$t4" "$t5") s" >&2
	rows+=("| $n | $(secs "$t0" "$t1") | $(secs "$t1" "$t2") | $(secs "$t3" "$t4") | $(secs "$t4" "$t5") | $(secs "$lt0" "$lt1") | $running | $ok | ${bspread:-?} | $(per "$n" $((avail0 - avail1))) | $(per "$n" $((slab1 - slab0))) | $(per "$n" $((sunr1 - sunr0))) | $(per "$n" $((pt1 - pt0 + ks1 - ks0))) | $(per "$n" "$pss") | $disk |")
done

mkdir -p "$SRC/results"
{
	echo "# nookctl fleets"
	echo
	echo "bench/fleet.sh on $(uname -r), $(nproc) CPUs, $(free -g | awk '/^Mem:/ { print $2 }') GiB, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d); --jobs ${JOBS:-default}; --sync $SYNC; minimal template, the default network (overflow bridges past 1023)."
	if [ -n "${NOOK_BENCH_SHORT:-}" ]; then
		printf 'Kernel limits %s: %s\n' "$([ -n "${NOOK_BENCH_TUNED:-}" ] && echo "raised for the run" || echo "short and not raised (BENCH_TUNE unset)")" \
			"$(echo "$NOOK_BENCH_SHORT" | tr '\n' ' ')"
	fi
	echo "Times in seconds for the whole fleet; *answer* counts the containers that served their page on their own address; *barrier* is the time between the first and the last release of \`exec --barrier -- true\` (ms)."
	echo "Memory per running container in KiB: the drop of MemAvailable, then its kernel part (Slab, of which SUnreclaim; page tables and kernel stacks) and the PSS of the containers' own processes; disk is one container's private layer."
	echo
	echo "| containers | create | start | stop | destroy | list -a | running | answer | barrier ms | MemAvailable | Slab | SUnreclaim | PT+stacks | PSS | disk KiB |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
} >"$SRC/results/fleet.md"
cat "$SRC/results/fleet.md"
