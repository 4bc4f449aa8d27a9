#!/bin/bash
# A fleet past the defaults: 1100 containers of the minimal template on the default
# network, more than a bridge has ports (1023) and than the neighbour table's default
# gc_thresh3 (1024, two entries per container), every one answering HTTP on its own
# address; stopped all at once; destroyed; nothing left.  Runs in the test's own network
# and mount namespaces (tests/run-tests.sh), like every test.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

N=${NOOK_SCALE_N:-1100}
echo "# neighbour table gc_thresh3 of this host: $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3 2>/dev/null || echo unknown)"

check "create 1-$N --ipadd auto:10.7.0.0/16" ctl create --jobs 4 "1-$N" --ipadd auto:10.7.0.0/16
START=$(date +%s.%N)
capture ctl start --jobs 4 "1-$N"
echo "# start 1-$N: $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
is "start 1-$N: exit status 0" "$RC" 0
[ "$RC" = 0 ] || printf '%s\n' "$ERR" | head -n 5 | sed 's/^/# /'
is "all $N run" "$(ctl list -H -o status | grep -c '^running$')" "$N"
like "the 1024th port went to an overflow bridge" "$(ip -o link show nookbr0.1 2>&1)" 'nookbr0\.1'
like "... which a trunk joins to nookbr0" "$(ip -o link show master nookbr0 | grep -c 'nkt[0-9a-f]*r')" '^1$'
PORTS=$(ip -o link show master nookbr0 | wc -l)
is "nookbr0 is full (1023 ports, the trunk one of them)" "$PORTS" 1023

# Every container's page, eight clients at a time; each is fetched until it answers
# (httpd takes a moment after start).
ctl list -H -o ctid,ip | awk '{ sub(/\/.*/, "", $2); print $1, $2 }' >"$T/addrs"
fetch() {
	local id=$1 ip=$2 i
	for i in $(seq 30); do
		timeout 2 busybox wget -q -O - "http://$ip/" 2>/dev/null | grep -q "<h1>$id</h1>" && return 0
		sleep 0.2
	done
	echo "$id $ip"
}
export -f fetch
xargs -P 8 -n 2 bash -c 'fetch "$0" "$1"' <"$T/addrs" >"$T/unanswered"
is "all $N containers answer HTTP on their own address" "$(wc -l <"$T/unanswered") silent" "0 silent"
if [ -s "$T/unanswered" ]; then
	head -n 5 "$T/unanswered" | sed 's/^/# silent: /'
	read -r SID SIP <"$T/unanswered"
	{
		echo "host: $(ip neigh show "$SIP")"
		echo "host route: $(ip route get "$SIP")"
		echo "$SID: $(ctl exec "$SID" ip neigh 2>&1 | tr '\n' ';')"
		echo "$SID: $(ctl exec "$SID" ip -o addr show eth0 2>&1 | tr '\n' ';')"
		echo "$SID: $(ctl exec "$SID" ps 2>&1 | grep -c httpd) httpd"
		echo "$SID eth0: $(ctl exec "$SID" ip -o link show eth0 2>&1)"
		echo "$SID ping gw: $(ctl exec "$SID" ping -c 1 -W 1 10.7.0.1 2>&1 | grep -c '1 packets received')"
		echo "host ping $SIP: $(ping -c 1 -W 1 "$SIP" 2>&1 | grep -c '1 received')"
		echo "fdb: $(bridge fdb show br nookbr0 2>/dev/null | grep -ci "$(ctl exec "$SID" cat /sys/class/net/eth0/address 2>/dev/null)")"
	} | sed 's/^/# /'
fi

# (NOOK_SCALE_HOLD=SECONDS keeps the fleet running that long, to look at it with
# nsenter -t PID -n -m, PID the one printed.)
if [ -n "${NOOK_SCALE_HOLD:-}" ]; then
	echo "# holding the fleet for $NOOK_SCALE_HOLD s: nsenter -t $$ -n -m"
	sleep "$NOOK_SCALE_HOLD"
fi
START=$(date +%s.%N)
check "stop 1-$N (every init's shutdown at once)" ctl stop --jobs 8 "1-$N"
echo "# stop 1-$N: $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
is "none runs" "$(ctl list -H | wc -l)" 0
is "no veth of the fleet is left on the bridges" "$(ip -o link show type veth | grep -vc 'nkt[0-9a-f]*[rc]')" 0
is "no host neighbour entry for a container is left" "$(ip neigh show dev nookbr0 | grep -c '^10\.7\.')" 0
check "destroy 1-$N" ctl destroy --jobs 4 "1-$N"
LEFT=
for id in $(seq 1 "$N"); do LEFT=$LEFT$(ct_leftovers "$id"); done
is "the fleet left nothing" "${LEFT:-nothing}" nothing
done_testing
