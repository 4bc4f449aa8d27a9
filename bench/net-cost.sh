#!/bin/bash
# The cost of nook's network step, per container: N containers started detached and
# then deleted, once with only a network namespace and once with a veth, a bridge port
# and an address each (org.nook.net.eth0), alternating the two kinds run by run.  The
# difference, divided by N, is what networking adds to create and to delete.
#
#   bench/net-cost.sh [N] [ROUNDS]      (as root; defaults 50 and 3)
#
# Runs in private network, mount and cgroup namespaces of its own: the host's network
# and mounts are never touched.  Writes results/net-cost.md (a markdown table of
# medians, min and max) and prints it.
set -eu -o pipefail

N=${1:-50}
ROUNDS=${2:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
NOOK=${NOOK:-$SRC/nook}
[ -x "$NOOK" ] || { echo "net-cost: build nook first (./autogen.sh && ./configure && make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "net-cost: run as root" >&2; exit 1; }

if [ -z "${NOOK_BENCH_INNER:-}" ]; then
	exec env NOOK_BENCH_INNER=1 unshare --net --mount --propagation private -- "$0" "$@"
fi
ip link set lo up

work=$(mktemp -d /tmp/nook-bench.XXXXXX)
cgmount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgparent=/nookbench-$$
cleanup() {
	for id in $("$NOOK" --root "$work/run" list -q 2>/dev/null); do
		"$NOOK" --root "$work/run" delete -f "$id" >/dev/null 2>&1 || true
	done
	rmdir "$cgmount$cgparent" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$SRC/tests/make-busybox-rootfs.sh" "$work/rootfs" >/dev/null
make_bundle() { # NAME ANNOTATION-JSON
	mkdir -p "$work/$1"
	ln -s "$work/rootfs" "$work/$1/rootfs"
	(cd "$work/$1" && "$NOOK" spec)
	jq --argjson ann "$2" --arg cg "$cgparent/$1" \
		'.process.args = ["sleep", "600"] | .annotations = $ann | .linux.cgroupsPath = $cg' \
		"$work/$1/config.json" >"$work/$1/c" && mv "$work/$1/c" "$work/$1/config.json"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_batch KIND: starts N containers of KIND (one bundle each), then deletes them;
# prints "start_ms delete_ms".
run_batch() {
	local kind=$1 t0 t1 t2
	for i in $(seq "$N"); do
		if [ "$kind" = net ]; then
			make_bundle "$kind$i" "{\"org.nook.net.eth0\": \"bridge=nookbench0,ip=10.99.$((i / 250)).$((i % 250 + 2))/16,gw=10.99.0.1\"}"
		else
			make_bundle "$kind$i" '{}'
		fi
	done
	t0=$(now_ms)
	for i in $(seq "$N"); do
		"$NOOK" --root "$work/run" run -d --bundle "$work/$kind$i" "$kind$i"
	done
	t1=$(now_ms)
	for i in $(seq "$N"); do
		"$NOOK" --root "$work/run" delete -f "$kind$i"
	done
	t2=$(now_ms)
	for i in $(seq "$N"); do rm -rf "${work:?}/$kind$i"; done
	echo "$((t1 - t0)) $((t2 - t1))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -a ns_start ns_del net_start net_del
for r in $(seq "$ROUNDS"); do
	read -r s d < <(run_batch ns)
	ns_start+=("$s"); ns_del+=("$d")
	read -r s d < <(run_batch net)
	net_start+=("$s"); net_del+=("$d")
	echo "# round $r: netns only start ${ns_start[-1]} ms, delete ${ns_del[-1]} ms;" \
		"with veth+bridge+address start ${net_start[-1]} ms, delete ${net_del[-1]} ms" >&2
done

stat_line() { # LABEL VALUES...
	local label=$1 med min max
	shift
	med=$(printf '%s\n' "$@" | median)
	min=$(printf '%s\n' "$@" | sort -n | head -n 1)
	max=$(printf '%s\n' "$@" | sort -n | tail -n 1)
	printf '| %s | %s | %s | %s | %s |\n' "$label" "$med" "$min" "$max" \
		"$(awk -v m="$med" -v n="$N" 'BEGIN { printf "%.2f", m / n }')"
}

mkdir -p "$SRC/results"
{
	echo "## nook network step: $N containers, $ROUNDS rounds ($(date -u +%Y-%m-%d), $(nproc) CPUs, kernel $(uname -r))"
	echo
	echo "| what (all $N containers) | median ms | min ms | max ms | median ms per container |"
	echo "|---|---|---|---|---|"
	stat_line "start, netns only" "${ns_start[@]}"
	stat_line "start, netns + veth + bridge + address" "${net_start[@]}"
	stat_line "delete, netns only" "${ns_del[@]}"
	stat_line "delete, netns + veth + bridge + address" "${net_del[@]}"
	echo
	ms=$(printf '%s\n' "${ns_start[@]}" | median)
	mn=$(printf '%s\n' "${net_start[@]}" | median)
	ds=$(printf '%s\n' "${ns_del[@]}" | median)
	dn=$(printf '%s\n' "${net_del[@]}" | median)
	awk -v a="$ms" -v b="$mn" -v c="$ds" -v d="$dn" -v n="$N" 'BEGIN {
		printf "Networking adds %.2f ms per container to start and %.2f ms to delete (medians).\n",
			(b - a) / n, (d - c) / n }'
} | tee "$SRC/results/net-cost.md"
