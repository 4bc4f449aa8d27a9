#!/bin/bash
# nookctl fleets: create, start, stop and destroy of N containers of the minimal
# template (one bridge, an address each), and what a running one costs: memory (the
# drop of MemAvailable in /proc/meminfo while the fleet runs, per container) and disk
# (its private layer, du).
#
#   bench/fleet.sh [N...]     (as root; default: 30 200 1000)
#
# Environment: JOBS (--jobs of start/stop/destroy, default 4; stop mostly waits for
# busybox init's own shutdown, about 3 s, so it gets 8 times as many).
# Runs in private network and mount namespaces of its own, with a cgroup parent it
# removes: the host's network, mounts and cgroups are never touched.  A bridge takes
# at most 1024 ports, so N is at most 1000.  Writes results/fleet.md and prints it.
set -eu -o pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
NOOKCTL=${NOOKCTL:-$SRC/nookctl}
JOBS=${JOBS:-4}
[ -x "$NOOKCTL" ] || { echo "fleet: build nookctl first (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "fleet: run as root" >&2; exit 1; }
[ $# -gt 0 ] || set -- 30 200 1000

if [ -z "${NOOK_BENCH_INNER:-}" ]; then
	exec env NOOK_BENCH_INNER=1 unshare --net --mount --propagation private -- "$0" "$@"
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
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

"$NOOKCTL" template create minimal 2>/dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
avail_kib() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

rows=()
for n in "$@"; do
	echo "fleet: $n containers..." >&2
	t0=$(now)
	# 250 per create: container {N} of block B gets 10.2.B.{N}/16 (10.2.0.1, the
	# gateway, stays free).
	for ((first = 1, b = 1; first <= n; first += 250, b++)); do
		last=$((first + 249 > n ? n : first + 249))
		"$NOOKCTL" create --jobs "$JOBS" "$first-$last" --ipadd "10.2.$b.{N}/16"
	done
	t1=$(now)
	sync
	mem0=$(avail_kib)
	"$NOOKCTL" start --jobs "$JOBS" "1-$n"
	t2=$(now)
	sleep 2
	mem1=$(avail_kib)
	running=$("$NOOKCTL" list -H | wc -l)
	lt0=$(now)
	"$NOOKCTL" list -a >/dev/null
	lt1=$(now)
	disk=$(du -sk "$work/home/containers/1/private" | cut -f1)
	t3=$(now)
	"$NOOKCTL" stop --jobs $((JOBS * 8)) "1-$n"
	t4=$(now)
	"$NOOKCTL" destroy --jobs "$JOBS" "1-$n"
	t5=$(now)
	rows+=("| $n | $(secs "$t0" "$t1") | $(secs "$t1" "$t2") | $(secs "$t3" "$t4") | $(secs "$t4" "$t5") | $(secs "$lt0" "$lt1") | $running | $(((mem0 - mem1) / n)) | $disk |")
done

mkdir -p "$SRC/results"
{
	echo "# nookctl fleets"
	echo
	echo "bench/fleet.sh on $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d); --jobs $JOBS (stop $((JOBS * 8))); minimal template, one bridge."
	echo "Times in seconds for the whole fleet (create in blocks of 250, one address each);"
	echo "memory is the drop of MemAvailable per running container; disk is one running container's private layer."
	echo
	echo "| containers | create | start | stop | destroy | list -a | running | memory KiB/ct | disk KiB/ct |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
} >"$SRC/results/fleet.md"
cat "$SRC/results/fleet.md"
