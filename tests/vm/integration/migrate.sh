#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# nookctl migrate (vzmigrate) inside `make check-vm`, where Debian's CRIU works.  Two
# "hosts" are two network namespaces, A and B, each with its own nookctl home and nook
# root, on one LAN (a bridge in a third namespace) with a client in a fourth; B runs an
# sshd.  A routed VPS (venet-style: its host answers ARP for its address on the LAN)
# with a counting process and a TCP connection from the client moves online: the
# connection keeps receiving, the counter keeps its PID, the address answers from B
# (its gratuitous ARP moved the client's entry) and no longer from A.  Offline
# migration, and the failures: a template B lacks, a CTID B has, a dump CRIU refuses,
# ssh dying midway: one line, the container running on A as before, nothing on B.
# The downtimes are printed (bench/README.md records them).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "nookctl migrate" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
for p in criu sshd; do
	if ! command -v $p >/dev/null && [ ! -x /usr/sbin/$p ]; then
		skip "nookctl migrate" "$p is not installed (apt-get install criu openssh-server)"
		done_testing
		exit 0
	fi
done
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

# --- the LAN: namespaces lan (a bridge), ha, hb, cl ---------------------------------------
NS="nkm$$"
for n in lan ha hb cl; do ip netns add "$NS$n" || bail "ip netns add $NS$n"; done
at_exit "for n in lan ha hb cl; do ip netns del $NS\$n 2>/dev/null; done"
in_ns() { local n=$1; shift; nsenter --net="/run/netns/$NS$n" "$@"; }
in_ns lan ip link add sw type bridge && in_ns lan ip link set sw up || bail "the LAN's bridge"
plug() { # NS IFNAME N: addresses 192.168.50.N and fd00:50::N
	ip link add "$NS$1" type veth peer name up0 netns "$NS$1" &&
		ip link set "$NS$1" netns "$NS"lan &&
		in_ns lan ip link set "$NS$1" master sw up &&
		in_ns "$1" ip link set up0 name "$2" &&
		in_ns "$1" ip addr add "192.168.50.$3/24" dev "$2" &&
		in_ns "$1" ip -6 addr add "fd00:50::$3/64" dev "$2" nodad &&
		in_ns "$1" ip link set "$2" up && in_ns "$1" ip link set lo up
}
plug ha up0 1 && plug hb up0 2 && plug cl eth0 100 ||
	bail "wire the LAN"

# --- host B: its own home, root and cgroup parent, an sshd --------------------------------
HOME_B=$T/homeB
mkdir -p "$HOME_B" && mount -t tmpfs tmpfs "$HOME_B" || bail "B's home"
at_exit "NOOK_HOME=$HOME_B NOOK_ROOT=$T/runB NOOK_CGROUP_PARENT=$CGP_PATH/hb \
	timeout 120 $NOOKCTL destroy --force all >/dev/null 2>&1; umount -l $HOME_B"
ctl_b() { NOOK_HOME=$HOME_B NOOK_ROOT=$T/runB NOOK_CGROUP_PARENT=$CGP_PATH/hb in_ns hb "$NOOKCTL" "$@"; }
ctl_a() { in_ns ha "$NOOKCTL" "$@"; }
ctl_b template create minimal >/dev/null 2>&1 || bail "B's template"
mount_snapshot
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$T/key" ||
	bail "ssh keys"
cp "$T/key.pub" "$T/authorized_keys"
cat >"$T/sshd_config" <<EOF
ListenAddress 192.168.50.2
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin yes
StrictModes no
UsePAM no
PidFile $T/sshd.pid
SetEnv NOOK_ROOT=$T/runB NOOK_CGROUP_PARENT=$CGP_PATH/hb
EOF
mkdir -p /run/sshd
in_ns hb /usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log" || bail "sshd: $(cat "$T/sshd.log")"
at_exit "kill \$(cat $T/sshd.pid) 2>/dev/null"
SSH="-i $T/key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
B=root@192.168.50.2
migrate() { ctl_a migrate --ssh "$SSH" --remote-home "$HOME_B" --remote-nookctl "$NOOKCTL" "$@"; }
wait_for 10 in_ns ha ssh $SSH "$B" true || bail "ssh to B: $(cat "$T/sshd.log")"

# check_rc NAME WANT: the last capture's exit status, with its stderr when it differs.
check_rc() {
	if [ "$RC" = "$2" ]; then ok "$1"; else fail "$1" "exit status $RC, want $2" "stderr: $ERR"; fi
}
http_cl() { in_ns cl timeout 10 busybox wget -q -O - "http://$1/" 2>/dev/null; }

# --- online, with a counter and a TCP connection ------------------------------------------
check "create 101 (routed on the LAN)" ctl_a create 101 --routed up0 --ipadd 192.168.50.77 \
	--ipadd fd00:50::77
check "start 101" ctl_a start 101
wait_for 20 http_cl 192.168.50.77 >/dev/null || fail "the client reaches 101 on A"
wait_for 20 http_cl '[fd00:50::77]' >/dev/null || fail "the client reaches 101 on A over IPv6"
check "a counter in 101" ctl_a exec 101 sh -c \
	'sh -c '\''echo $$ >/counter.pid; i=0; while :; do i=$((i+1)); echo $i >/count.new; mv /count.new /count; sleep 0.1; done'\'' </dev/null >/dev/null 2>&1 &'
check "a ticking server in 101" ctl_a exec 101 sh -c \
	'(while :; do echo tick; sleep 0.2; done | nc -l -p 5000) </dev/null >/dev/null 2>&1 &'
sleep 1
PID=$(ctl_a exec 101 cat /counter.pid)
in_ns cl sh -c "sleep 100000 | busybox nc 192.168.50.77 5000 >$T/ticks 2>/dev/null" &
NC=$!
at_exit "kill $NC 2>/dev/null"
ticks() { wc -l <"$T/ticks"; }
ticks_over() { [ "$(ticks)" -gt "$1" ]; }
wait_for 10 ticks_over 3 || fail "the client receives ticks from 101 on A"
lladdr() { in_ns cl ip neigh show "$1" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'; }
MAC_A=$(lladdr 192.168.50.77)

capture migrate --online 101 "$B"
check_rc "migrate --online 101 to B" 0
like "it prints the downtime last" "$(tail -n 1 <<<"$OUT")" \
	'^migrated 101 to root@192.168.50.2 online: downtime [0-9]+ ms$'
printf '%s\n' "$OUT" | sed 's/^/# /'

is "A: 101 is gone" "$(ctl_a status 101)" "CTID 101 deleted unmounted down"
is "B: 101 runs" "$(ctl_b status 101)" "CTID 101 exist mounted running"
TICKS=$(ticks)
wait_for 20 ticks_over "$((TICKS + 5))" || fail "the TCP connection keeps receiving after the move" \
	"ticks at the move $TICKS, now $(ticks)"
check "the client is still connected" kill -0 "$NC"
is "the counter has its PID on B" "$(ctl_b exec 101 cat /proc/"$PID"/stat | cut -d' ' -f1)" "$PID"
C1=$(ctl_b exec 101 cat /count)
sleep 0.5
C2=$(ctl_b exec 101 cat /count)
if [ "$C2" -gt "$C1" ]; then ok "the counter counts on B"; else fail "the counter counts on B" "$C1 then $C2"; fi
check "the address answers from B" test -n "$(http_cl 192.168.50.77)"
MAC_B=$(in_ns hb ip -o link show up0 | sed -n 's/.* link\/ether \([0-9a-f:]*\).*/\1/p')
is "the client's ARP entry moved to B (gratuitous ARP)" \
	"$(lladdr 192.168.50.77)" "$MAC_B"
is "the client's neighbour entry for its IPv6 address moved to B (unsolicited NA)" \
	"$(lladdr fd00:50::77)" "$MAC_B"
check "the IPv6 address answers from B" test -n "$(http_cl '[fd00:50::77]')"
unlike "... from A's" "$MAC_B" "^$MAC_A\$"
check "A no longer answers for it" test -z "$(in_ns ha ip route show 192.168.50.77)"
check "no dumps left on A" test -z "$(ls -A "$HOME_DIR/dump" 2>/dev/null)"
check "no dumps left on B" test -z "$(ls -A "$HOME_B/dump" 2>/dev/null)"

# --- offline, running and stopped; --keep-src ---------------------------------------------
check "create 102" ctl_a create 102 --routed up0 --ipadd 192.168.50.78
check "start 102" ctl_a start 102
capture migrate 102 "$B"
check_rc "migrate 102 (offline)" 0
is "offline: it says so" "$(tail -n 1 <<<"$OUT")" "migrated 102 to root@192.168.50.2 offline"
is "B: 102 runs" "$(ctl_b status 102)" "CTID 102 exist mounted running"
wait_for 20 http_cl 192.168.50.78 >/dev/null
check "102 answers from B" test -n "$(http_cl 192.168.50.78)"
check "create 103 (stopped)" ctl_a create 103
check "migrate --keep-src 103" migrate --keep-src 103 "$B"
is "B: 103 is there, stopped" "$(ctl_b status 103)" "CTID 103 exist unmounted down"
is "A: 103 kept" "$(ctl_a status 103)" "CTID 103 exist unmounted down"

# --- failures -----------------------------------------------------------------------------
check "create 104" ctl_a create 104 --routed up0 --ipadd 192.168.50.79
check "start 104" ctl_a start 104
check_ctl_error "migrate to a host that has the CTID" "already exists on" migrate --online 103 "$B"
ctl_a template export minimal "$T/m.tar" >/dev/null 2>&1 && ctl_a template import other "$T/m.tar" >/dev/null 2>&1
check "create 105 from a template only A has" ctl_a create 105 --ostemplate other
check_ctl_error "migrate when B lacks the template" "template other does not exist" migrate 105 "$B"
is "A: 105 still there" "$(ctl_a status 105)" "CTID 105 exist unmounted down"
# A process of 104 holds a deleted 2 MB file open: CRIU would have to carry its
# contents in the image and refuses past its ghost limit (1 MB).
check "a process of 104 holds a deleted 2 MB file" ctl_a exec 104 sh -c \
	'sh -c '\''dd if=/dev/zero of=/ghost bs=1M count=2 2>/dev/null; exec 3</ghost; rm /ghost; echo held >/held; exec sleep 100000'\'' </dev/null >/dev/null 2>&1 &'
wait_for 10 ctl_a exec 104 test -e /held || fail "the ghost file is held"
check_ctl_error "online migrate of a dump CRIU refuses" "CRIU dump failed" migrate --online 104 "$B"
is "A: 104 still runs" "$(ctl_a status 104)" "CTID 104 exist mounted running"
check "104 answers on A" test -n "$(http_cl 192.168.50.79)"
is "B: nothing of 104" "$(ctl_b status 104)" "CTID 104 deleted unmounted down"
check "B: no dump of 104" test -z "$(ls -A "$HOME_B/dump" 2>/dev/null)"
# ssh dies midway: B's nookctl kills its own session at the final dump.
cat >"$T/dying-nookctl" <<EOF
#!/bin/sh
case " \$* " in *" receive 104 dump "*) kill -9 \$PPID; exit 1 ;; esac
exec $NOOKCTL "\$@"
EOF
chmod +x "$T/dying-nookctl"
check "restart 104 (without that file)" ctl_a restart --fast 104
capture ctl_a migrate --online --ssh "$SSH" --remote-home "$HOME_B" --remote-nookctl "$T/dying-nookctl" 104 "$B"
is "ssh dying midway fails" "$RC" 1
like "... in one line naming ssh" "$ERR" '^nookctl: migrate 104 to root@192.168.50.2: ssh root@192.168.50.2: '
is "A: 104 runs again" "$(ctl_a status 104)" "CTID 104 exist mounted running"
wait_for 20 http_cl 192.168.50.79 >/dev/null
check "104 answers on A again" test -n "$(http_cl 192.168.50.79)"
is "B: nothing of 104 after the failure" "$(ctl_b status 104)" "CTID 104 deleted unmounted down"
check "B: no dump left" test -z "$(ls -A "$HOME_B/dump" 2>/dev/null)"

# --- downtime with 200 MB of touched memory ---------------------------------------------
check "create 106" ctl_a create 106 --routed up0 --ipadd 192.168.50.80 --ram 1G
check "start 106" ctl_a start 106
check "106 touches 200 MB" ctl_a exec 106 sh -c \
	'sh -c '\''x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ready >/ready; sleep 100000'\'' </dev/null >/dev/null 2>&1 &'
wait_for 240 ctl_a exec 106 test -e /ready || fail "106 filled its memory"
capture migrate --online 106 "$B"
check_rc "migrate --online 106 (200 MB)" 0
printf '%s\n' "$OUT" | sed 's/^/# /'
check "106 answers from B" test -n "$(http_cl 192.168.50.80)"

done_testing
