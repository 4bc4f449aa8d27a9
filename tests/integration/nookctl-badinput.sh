#!/bin/bash
# nookctl refuses bad input with one clear line, a non-zero exit, nothing left behind
# and no other container touched: unknown template, taken CTID, name or address,
# malformed addresses, ranges over 10000, --ram too small, host names that are not DNS
# names, destroy of a running container, concurrent creates of one CTID (exactly one
# wins), a create killed midway (destroy cleans it).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

# A bystander that every refused command must leave alone.  (Lock files of existing
# containers are not counted: they stay until destroy.)
check "create the bystander 100" ctl create 100 --ipadd 10.0.0.100/24 --name keep --hostname keep
check "start the bystander" ctl start 100
BYSTANDER=$(md5sum "$HOME_DIR/containers/100/config.json")
snapshot() {
	(cd "$HOME_DIR" && find containers templates -maxdepth 1 | sort)
	ls "$ROOT"
	grep -c " $HOME_DIR/" /proc/self/mountinfo
	find "$CGP" -maxdepth 1 -type d | sort
}
BEFORE=$(snapshot)

# refused CMD_NAME TEXT ARGS...: the error, then that nothing changed.
refused() {
	local name=$1 text=$2
	shift 2
	check_ctl_error "$name" "$text" ctl "$@"
	is "$name: nothing left" "$(snapshot)" "$BEFORE"
}

refused "unknown template" "template nosuch does not exist" create 101 --ostemplate nosuch
refused "taken CTID" "container 100 already exists" create 100
refused "a CTID taken as a name" "name is taken by container 100" create keep
refused "taken name" "name keep is taken by container 100" create 101 --name keep
refused "taken address" "address 10.0.0.100 is used by container 100" create 101 --ipadd 10.0.0.100/24
refused "taken address, other prefix" "address 10.0.0.100 is used by container 100" \
	create 101 --ipadd 10.0.0.100/16
refused "an address twice in a fleet" "address 10.0.0.7 is used by container 101" \
	create 101-102 --ipadd 10.0.0.7/24
refused "malformed address" "invalid IP address 10.0.0.300" create 101 --ipadd 10.0.0.300/24
refused "malformed prefix" "bad prefix length" create 101 --ipadd 10.0.0.5/33
refused "not an address" "invalid IP address web" create 101 --ipadd web
refused "multicast address" "not a unicast address" create 101 --ipadd 224.0.0.5/24
refused "range over 10000" "more than 10000 containers" create 1-10001
refused "reversed range" "is above" create 110-101
refused "invalid CTID" "invalid CTID" create 'a/b'
refused "--ram below the minimum" "below the minimum of 16M" create 101 --ram 1M
refused "--ram not a size" "expected a size" create 101 --ram lots
refused "--swap without --ram" "--swap needs a --ram limit" create 101 --swap 1G
refused "host name with an underscore" "not a valid host name" create 101 --hostname a_b
refused "host name starting with '-'" "not a valid host name" create 101 --hostname -web
refused "host name label over 63" "not a valid host name" create 101 \
	--hostname "$(printf 'a%.0s' $(seq 64))"
refused "--onboot maybe" "expected yes or no" create 101 --onboot maybe
refused "--sync maybe" "--sync maybe: expected on or off" create 101 --sync maybe
refused "--cpus 0" "expected a number from 1" create 101 --cpus 0
refused "--bridge and --routed" "exclude each other" create 101 --bridge br0 --routed eth0
refused "unknown option" "unknown or incomplete option" create 101 --colour red
refused "set-only option on create" "unknown option --save" create 101 --save
refused "--capability unknown" "expected CAP_NAME:on or :off" set 100 --capability CAP_NOPE:on
refused "--userpasswd without a password" "expected USER:PASSWORD" set 100 --userpasswd bob
refused "--userpasswd bad user" "invalid user name" set 100 --userpasswd 'Bo b:x'
refused "set on a container that does not exist" "container 999 does not exist" set 999 --hostname x
refused "destroy of one that does not exist" "container 999 does not exist" destroy 999
refused "start of one that does not exist" "container 999 does not exist" start 999
refused "exec in one that does not exist" "container 999 does not exist" exec 999 true
refused "unknown list field" "unknown field" list -o ctid,nosuch
refused "template remove while used" "used by 1 container" template remove minimal
refused "unknown command" "unknown command frobnicate" frobnicate
refused "destroy of a running container" "container 100 is running" destroy keep

# A stopped container refuses what needs a running one.
check "create 101 (stopped)" ctl create 101 --ipadd 10.0.0.101/24
BEFORE=$(snapshot)
refused "exec in a stopped container" "container 101 is not running" exec 101 true
refused "set without --save on a stopped one" "use --save" set 101 --hostname x
check "set --save on a stopped one" ctl set 101 --hostname x --save
is "set --save on a stopped one: unmounted again" "$(ct_status 101)" "exist unmounted down"
check "destroy 101" ctl destroy 101
assert_ct_gone 101 "101: nothing left"

# --- concurrent creates of one CTID: exactly one wins -------------------------------------------

for i in 1 2 3 4; do
	"$NOOKCTL" create 150 --ipadd 10.0.0.150/24 >"$T/race.$i.out" 2>"$T/race.$i.err" &
done
wait
WON=0
for i in 1 2 3 4; do
	if [ ! -s "$T/race.$i.err" ]; then
		WON=$((WON + 1))
	elif ! grep -qx 'nookctl: container 150 already exists' "$T/race.$i.err"; then
		fail "race: a loser's error" "$(cat "$T/race.$i.err")"
	fi
done
is "four concurrent creates of 150: exactly one wins" "$WON" 1
check "the winner's config is complete" jq -e '.annotations["org.nook.net.eth0"] | test("10.0.0.150")' \
	"$HOME_DIR/containers/150/config.json"
check "destroy 150" ctl destroy 150

# --- a create killed midway -------------------------------------------------------------------

# What a create killed between making the directory and writing config.json leaves:
mkdir -p "$HOME_DIR/containers/160/private" "$HOME_DIR/containers/160/work"
capture ctl list -a -H -o ctid,status
like "list shows the half-made container as broken" "$OUT" '^160 +broken$'
check_ctl_error "create over a half-made one is refused" "container 160 already exists" \
	ctl create 160
check "destroy cleans the half-made container" ctl destroy 160
assert_ct_gone 160 "160: nothing left"

# And a real one: SIGKILL a large create while it runs, then destroy what it made.
"$NOOKCTL" create 1000-2999 --jobs 2 >/dev/null 2>&1 &
KPID=$!
sleep 0.5
kill -9 "$KPID"
wait "$KPID" 2>/dev/null
MADE=$(find "$HOME_DIR/containers" -mindepth 1 -maxdepth 1 -name '[12]???' | wc -l)
echo "# the killed create had made $MADE of 2000 containers"
if [ "$MADE" -gt 0 ]; then
	IDS=$(ctl list -a -H -o ctid | awk '$1 >= 1000' | tr '\n' ',' | sed 's/,$//')
	check "destroy what the killed create made" ctl destroy --jobs 4 "$IDS"
fi
is "nothing of the killed create is left" \
	"$(find "$HOME_DIR/containers" -mindepth 1 -maxdepth 1 -name '[12]???' | wc -l)" 0
check "a new create works after the killed one" ctl create 1000 --ipadd 10.0.0.200/24
check "destroy 1000" ctl destroy 1000

# --- the bystander was not touched ------------------------------------------------------------

is "the bystander is still running" "$(ct_status 100)" "exist mounted running"
is "the bystander's config is unchanged" "$(md5sum "$HOME_DIR/containers/100/config.json")" "$BYSTANDER"
check "destroy --force the bystander" ctl destroy --force keep
assert_ct_gone 100 "100: nothing left"

done_testing
