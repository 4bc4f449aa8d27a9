#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# nookctl fleets: the classroom (30 containers from minimal, each serving HTTP on its
# own address, all reachable; disk per container measured), per-container failures
# reported at the end without stopping the others, and the load test (6 clients hit one
# server at the same instant with exec --barrier; the server sees 6 source addresses).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

# --- the classroom ----------------------------------------------------------------------------

check "create 101-130 with {ID} and {N}" ctl create 101-130 --ipadd '10.0.0.{ID}/24' \
	--hostname 'stu{ID}' --description 'seat {N}'
is "{N} is the position in the list" \
	"$(jq -r '.annotations["org.nook.description"]' "$HOME_DIR/containers/130/config.json")" "seat 30"
check "start 101-130" ctl start --jobs 4 101-130
capture ctl list -H -o ctid,status
is "list: 30 running" "$(grep -c ' running$' <<<"$OUT")" 30
BAD=
for id in $(seq 101 130); do
	page=
	wait_for 10 http_get "http://10.0.0.$id/" && page=$(http_get "http://10.0.0.$id/")
	[[ $page == *"<h1>stu$id</h1>"* ]] || BAD="$BAD $id"
done
is "all 30 serve their own page on their own address" "${BAD:-none}" none
TOTAL=0
for id in $(seq 101 130); do
	TOTAL=$((TOTAL + $(du -sk "$HOME_DIR/containers/$id/private" | cut -f1)))
done
echo "# disk per running container (private layer, du): $((TOTAL / 30)) KiB; template: $(du -sk "$HOME_DIR/templates/minimal" | cut -f1) KiB"
capture ctl list -H -o ctid,disk -s -disk
like "list -o disk -s -disk: numbers, largest first" "$(head -n 1 <<<"$OUT")" '^1[0-3][0-9] +[0-9]+$'
check "exec on the fleet" ctl exec 101-130 hostname
like "exec on a fleet labels each output" "$OUT" '^101\| stu101$'
capture ctl exec 101-130 hostname
is "exec: 30 outputs" "$(grep -c '^1[0-3][0-9]| stu1[0-3][0-9]$' <<<"$OUT")" 30
is "exec: 30 exit statuses" "$(grep -c '^1[0-3][0-9]: exit status 0$' <<<"$OUT")" 30
check "set on the fleet: a resolver for all, saved" ctl set 101-130 --nameserver 10.0.0.1 \
	--searchdomain lab.example --description 'desk {N}' --save
is "set on the fleet: resolv.conf inside" "$(ctl exec 117 cat /etc/resolv.conf)" "search lab.example
nameserver 10.0.0.1"
is "set on the fleet: {N} per container" \
	"$(jq -r '.annotations["org.nook.description"]' "$HOME_DIR/containers/117/config.json")" "desk 17"
capture ctl exec 101-103 sh -c 'exit 3'
is "exec: a failing command fails the fleet" "$RC" 1
like "exec: its status is printed" "$OUT" '^102: exit status 3$'
OUT=$(timeout 120 script -qec "$NOOKCTL stop --jobs 30 101-130" /dev/null </dev/null 2>&1 | tr -d '\r')
like "stop on a terminal: a progress line" "$OUT" 'stop: 30/30 done, 0 failed'
capture ctl stop 101-103
unlike "no progress line when stderr is not a terminal" "$ERR" 'done'
check "start 101-110 again" ctl start 101-110
check "stop 101-110 (the host sides of their veths deleted in one request)" ctl stop 101-110
is "a fleet's stop leaves no host side of a veth" \
	"$(ip -o link show | grep -cE 'alias nook:1(0[1-9]|10)$')" 0
capture ctl list -H
is "list: none running" "$OUT" ""
check "destroy 101-130" ctl destroy --jobs 4 101-130
LEFT=
for id in $(seq 101 130); do LEFT=$LEFT$(ct_leftovers "$id"); done
is "the classroom left nothing" "${LEFT:-nothing}" nothing

# --- failures are reported at the end, the others go on --------------------------------------

check "create 140-144" ctl create 140-144
jq '.process.args = ["/nonexistent"]' "$HOME_DIR/containers/142/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$HOME_DIR/containers/142/config.json"
capture ctl start 140-144
is "start with one broken container: exit status 1" "$RC" 1
like "the failure names the container" "$ERR" '^nookctl: 142: .*nonexistent'
like "the summary counts it" "$ERR" 'start failed for 1 of 5 containers'
for id in 140 141 143 144; do
	is "$id started despite 142" "$(ct_status "$id")" "exist mounted running"
done
is "142 was cleaned up" "$(ct_status 142)" "exist unmounted down"
check "destroy --force 140-144" ctl destroy --force 140-144

# --- the load test: 6 clients, one server, one instant -----------------------------------------

check "create the server 200" ctl create 200 --ipadd 10.0.0.200/24 --hostname server
check "create the clients 201-206" ctl create 201-206 --ipadd '10.0.0.{ID}/24' --hostname 'client{N}'
check "start them" ctl start 200-206
check "a CGI on the server records its peers" ctl exec 200 sh -c 'mkdir -p /var/www/cgi-bin &&
	printf "#!/bin/sh\necho \$REMOTE_ADDR >>/tmp/peers\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s\\\\n\" \"\$REMOTE_ADDR\"\n" >/var/www/cgi-bin/peer &&
	chmod 755 /var/www/cgi-bin/peer'
wait_for 10 http_get http://10.0.0.200/ || fail "the server answers"
capture ctl exec 201-206 --barrier -- sh -c 'cut -d" " -f1 /proc/uptime; wget -q -O - http://10.0.0.200/cgi-bin/peer'
is "exec --barrier: exit status 0" "$RC" 0
is "exec --barrier: every client got its own address back" \
	"$(grep -cE '^20([1-6])\| (\[::ffff:)?10\.0\.0\.20\1\]?$' <<<"$OUT")" 6
is "exec --barrier: six exit statuses" "$(grep -c '^20[1-6]: exit status 0$' <<<"$OUT")" 6
like "exec --barrier: all six passed the barrier, released within a spread it prints" "$ERR" \
	'exec --barrier: 6 of 6 released within [0-9]+\.[0-9]+ ms'
echo "# $(grep -o 'released within .*' <<<"$ERR")"

STARTS=$(grep -E '^20[1-6]\| [0-9]+\.[0-9]+$' <<<"$OUT" | awk '{ print $2 }' | sort -n)
echo "# exec --barrier start times (uptime): $(echo "$STARTS" | tr '\n' ' ')"
# The waiters wait as real-time tasks (so that all wake at once); the commands must not
# run as one: field 41 of /proc/self/stat is the scheduling policy, 0 SCHED_OTHER.
capture ctl exec 201-206 --barrier -- sh -c 'cut -d" " -f41 /proc/self/stat'
is "exec --barrier: every command runs with the normal policy, not real-time" \
	"$(grep -cE '^20[1-6]\| 0$' <<<"$OUT")" 6
check "create 207, not started" ctl create 207 --ipadd 10.0.0.207/24
capture timeout 60 "$NOOKCTL" exec 201-207 --barrier -- true
is "exec --barrier with a stopped container: the others are not held up (exit status 1)" "$RC" 1
like "... the six ran" "$ERR" 'exec --barrier: 6 of 7 released'
like "... and the stopped one is named" "$ERR" '207: container 207 is not running'
is "the server saw 6 distinct source addresses" \
	"$(ctl exec 200 cat /tmp/peers | sort -u | grep -cE '^(\[::ffff:)?10\.0\.0\.20[1-6]\]?$')" 6
# --sync off: one seccomp rule makes the guest's sync(2) return 0 at once (a fleet's
# shutdown otherwise walks every superblock of the host N x N times).
check "set 201-202 --sync off --save" ctl set 201-202 --sync off --save
sync_rule() { jq -c '[.linux.seccomp.syscalls[] | select(.names | index("sync")) | [.names, .action, .errnoRet]]' \
	"$HOME_DIR/containers/$1/config.json"; }
is "--sync off: sync has one rule, ERRNO with errnoRet 0" "$(sync_rule 201)" '[[["sync"],"SCMP_ACT_ERRNO",0]]'
check "restart 201 (the profile is loaded at start)" ctl restart 201
capture ctl exec 201 -- sh -c 'echo data >/root/f; sync; echo "sync $?"; sync -f /root/f; echo "syncfs $?"; grep "^Seccomp:" /proc/self/status'
is "--sync off: sync and syncfs return 0 in the guest, under its filter" "$OUT" "$(printf 'sync 0\nsyncfs 0\nSeccomp:\t2')"
check "set 202 --sync on --save" ctl set 202 --sync on --save
is "--sync on again: sync is allowed by a rule of its own, nothing returns 0 for it" "$(sync_rule 202)" '[[["sync"],"SCMP_ACT_ALLOW",null]]'
is "a container never set keeps the default profile (sync in its allow list)" \
	"$(sync_rule 203 | jq -r '.[0][1], (.[0][0] | length > 1)' | tr '\n' ' ')" "SCMP_ACT_ALLOW true "
check "destroy --force 200-207" ctl destroy --force 200-207
LEFT=
for id in $(seq 200 207); do LEFT=$LEFT$(ct_leftovers "$id"); done
is "the load test left nothing" "${LEFT:-nothing}" nothing

# --- addresses for fleets past 254 --------------------------------------------------------------

# ADDRESS+{N}: arithmetic across the octets of a /16; created only (a classroom of 260).
check "create 301-560 --ipadd 10.5.0.1+{N}/16" ctl create 301-560 --ipadd '10.5.0.1+{N}/16'
ip_of() { jq -r '.annotations["org.nook.net.eth0"]' "$HOME_DIR/containers/$1/config.json"; }
like "301 got 10.5.0.2" "$(ip_of 301)" 'ip=10\.5\.0\.2/16,gw=10\.5\.0\.1'
like "555 got 10.5.1.0 (past .255: a host address in a /16)" "$(ip_of 555)" 'ip=10\.5\.1\.0/16'
like "560 got 10.5.1.5" "$(ip_of 560)" 'ip=10\.5\.1\.5/16'
# auto: the lowest addresses no container has, after the gateway.
check "create 561-562 --ipadd auto:10.5.0.0/16" ctl create 561-562 --ipadd auto:10.5.0.0/16
like "561 got the next free address, 10.5.1.6" "$(ip_of 561)" 'ip=10\.5\.1\.6/16,gw=10\.5\.0\.1'
like "562 got 10.5.1.7" "$(ip_of 562)" 'ip=10\.5\.1\.7/16'
check "destroy 301" ctl destroy 301
check "create 563 --ipadd auto:10.5.0.0/16" ctl create 563 --ipadd auto:10.5.0.0/16
like "563 got 301's freed 10.5.0.2" "$(ip_of 563)" 'ip=10\.5\.0\.2/16'
check "create 564 --ipadd auto (the default subnet 10.0.0.0/24)" ctl create 564 --ipadd auto
like "564 got 10.0.0.2" "$(ip_of 564)" 'ip=10\.0\.0\.2/24,gw=10\.0\.0\.1'
check_ctl_error "the gateway is refused at create" "is its subnet's gateway" \
	ctl create 570 --ipadd 10.5.0.1/16
check_ctl_error "... also when {N} arithmetic lands on it" "gateway" \
	ctl create 570-571 --ipadd '10.5.0.0+{N}/16'
check_ctl_error "the broadcast address is refused" "broadcast address" \
	ctl create 570-571 --ipadd '10.5.255.253+{N}/16'
check_ctl_error "past the subnet is refused" "beyond its subnet" \
	ctl create 570 --ipadd 10.5.255.253+3/16
check_ctl_error "a full subnet: no free address" "no free address in 10.6.0.0/30" \
	ctl create 570-572 --ipadd auto:10.6.0.0/30
check_ctl_error "a bad subnet" "expected a subnet" ctl create 570 --ipadd auto:10.6.0.0
for id in 570 571 572; do assert_ct_gone "$id" "refused creates left nothing of $id"; done
check "destroy 302-564" ctl destroy 302-564

# --- doctor: the kernel limits a fleet meets ----------------------------------------------------

capture ctl doctor
like "doctor: a table of limits" "$OUT" '^kernel\.pid_max +[0-9]+ +[0-9]+ '
like "... with the inotify instances systemd guests use" "$OUT" '^fs\.inotify\.max_user_instances '
like "... and the backlog a broadcast goes through" "$OUT" '^net\.core\.netdev_max_backlog '
# Every row's status follows from its numbers; exit status 1 exactly when one is short.
BADROWS=$(awk 'NR > 2 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ {
	short = ($2 + 0 < $3 + 0); said = ($4 == "short:")
	if (short != said) print }' <<<"$OUT")
is "doctor: each row says short exactly when NOW < NEEDED" "$BADROWS" ""
is "doctor: exit status 1 exactly when a row is short" "$RC" "$(grep -q ' short: ' <<<"$OUT" && echo 1 || echo 0)"
capture ctl doctor --for 1000000
is "doctor --for 1000000: a million systemd guests do not fit" "$RC" 1
like "... kernel.pid_max is short, with the sysctl that raises it" "$OUT" \
	'^kernel\.pid_max +[0-9]+ +64004096 +short: sysctl -w kernel\.pid_max=64004096$'
capture ctl doctor --for 1000000 --ostemplate minimal
like "--ostemplate minimal: 8 tasks each, not 64" "$OUT" '^kernel\.pid_max +[0-9]+ +8004096 '
like "... and no inotify" "$OUT" '^fs\.inotify\.max_user_instances +[0-9]+ +128 '
check_ctl_error "doctor --for x" "--for x" ctl doctor --for x
check_ctl_error "doctor --ostemplate of a missing template" "no such template" \
	ctl doctor --for 3 --ostemplate nosuch

done_testing
