#!/bin/bash
# shellcheck disable=SC2016 # jq programs are in single quotes
# nookctl's VPS placement options on any host: --cpumask, --nodemask, --iolimit,
# --iopslimit and --ioprio written into config.json (io limits on the disk of the
# home's containers, a partition resolved to its disk), shown by list -o, changed and
# lifted by set --save; bad values refused in one line with nothing made or changed; a
# home without a block device refuses the io limits, and one without project quotas
# the disk quotas (their enforcement: tests/vm/integration/quota.sh); start applies them where the
# controllers exist and is refused in one line where they do not (the enforcement
# itself is tests/vm/integration/nookctl.sh's); stats (beancounters) of stopped and
# running containers, a fleet's total, and list -o's beancounter fields.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

CFG=$HOME_DIR/containers/101/config.json

# The disk of the home, as the io controller names it.
mkdir -p "$HOME_DIR/containers"
DEV=$(stat -c '%Hd:%Ld' "$HOME_DIR/containers")
[ ! -e "/sys/dev/block/$DEV/partition" ] || DEV=$(cat "/sys/dev/block/$DEV/../dev")
MAJ=${DEV%:*} MIN=${DEV#*:}

if [ "$MAJ" = 0 ]; then
	skip "io limits in the config" "this test's home ($HOME_DIR) is on a filesystem without a block device"
	IO=()
else
	IO=(--iolimit 5M --iopslimit 300)
fi
check "create 101 --cpumask 0 --nodemask 0 --ioprio 6 ${IO[*]}" \
	ctl create 101 --cpumask 0 --nodemask 0 --ioprio 6 "${IO[@]}"
is "cpumask and nodemask: cpu.cpus and cpu.mems" "$(jq -c .linux.resources.cpu "$CFG")" \
	'{"cpus":"0","mems":"0"}'
is "ioprio 6: io.weight 400 (4 is 100, each step doubles)" \
	"$(jq -r '.linux.resources.unified["io.weight"]' "$CFG")" "default 400"
if [ "$MAJ" != 0 ]; then
	is "iolimit: read and write bytes a second on the home's disk" \
		"$(jq -c '[.linux.resources.blockIO.throttleReadBpsDevice, .linux.resources.blockIO.throttleWriteBpsDevice]' "$CFG")" \
		"[[{\"major\":$MAJ,\"minor\":$MIN,\"rate\":5242880}],[{\"major\":$MAJ,\"minor\":$MIN,\"rate\":5242880}]]"
	is "iopslimit: read and write operations a second" \
		"$(jq -c '[.linux.resources.blockIO.throttleReadIOPSDevice[0].rate, .linux.resources.blockIO.throttleWriteIOPSDevice[0].rate]' "$CFG")" \
		'[300,300]'
	capture ctl list -a -H -o ctid,cpumask,nodemask,iolimit,iopslimit,ioprio
	like "list -o: the placement" "$OUT" '^101 +0 +0 +5242880 +300 +6$'
	check "set --iolimit 0 --cpumask all --ioprio 4 --save" \
		ctl set 101 --iolimit 0 --cpumask all --ioprio 4 --save
	is "set: the byte limits are lifted, the operations limit stays" \
		"$(jq -c '.linux.resources.blockIO | keys' "$CFG")" '["throttleReadIOPSDevice","throttleWriteIOPSDevice"]'
	is "set: no cpu list" "$(jq -c .linux.resources.cpu "$CFG")" '{"mems":"0"}'
	capture ctl list -a -H -o ctid,cpumask,nodemask,iolimit,iopslimit,ioprio
	like "list -o after set" "$OUT" '^101 +all +0 +- +300 +4$'
fi

# --- bad values: one line, nothing made, nothing changed ---------------------------------------

SUM=$(md5sum <"$CFG")
check_ctl_error "a CPU the host lacks" "beyond this host's highest" ctl create 102 --cpumask 0-4095
check_ctl_error "a mask that is not a list" "not a list like 0-3,7" ctl create 102 --cpumask 1,x
check_ctl_error "a reversed range" "reversed" ctl set 101 --cpumask 3-1 --save
check_ctl_error "a memory node the host lacks" "beyond this host's highest" ctl create 102 --nodemask 4095
check_ctl_error "a rate that does not parse" "expected a size" ctl create 102 --iolimit 5Q
check_ctl_error "a negative operations limit" "--iopslimit -1" ctl create 102 --iopslimit -1
check_ctl_error "ioprio past 7" "expected 0 to 7" ctl set 101 --ioprio 8 --save
check_ctl_error "a disk quota whose soft limit is above the hard one" \
	"the soft limit is above the hard one" ctl create 102 --diskspace 2G:1G
check_ctl_error "a disk quota that does not parse" "expected a size" ctl create 102 --diskspace 1X
check_ctl_error "an inode quota that is not a number" "expected a number or SOFT:HARD" \
	ctl set 101 --diskinodes many --save
is "the refused sets left the config as it was" "$(md5sum <"$CFG")" "$SUM"
is "the refused creates made nothing" "$(ct_leftovers 102)" ""

# A home on a tmpfs has no disk for io.max.
mkdir "$T/tmpfs" && mount -t tmpfs nooktest "$T/tmpfs" || bail "a tmpfs for a home"
export NOOK_HOME=$T/tmpfs/home
check "a home on a tmpfs: template create" ctl template create minimal
check_ctl_error "a home on a tmpfs: --iolimit is refused" "without a block device" \
	ctl create 1 --iolimit 5M
check_ctl_error "... and --iopslimit" "without a block device" ctl create 1 --iopslimit 100
check_ctl_error "a home on a tmpfs: --diskspace is refused, naming what it needs" \
	"on tmpfs without project quotas: it needs ext4 made with -O quota,project" \
	ctl create 1 --diskspace 1G
check_ctl_error "... and --diskinodes" "without project quotas" ctl create 1 --diskinodes 1000
check "... the rest is fine there" ctl create 1 --cpumask 0 --ioprio 2
check "destroy 1" ctl destroy 1
export NOOK_HOME=$HOME_DIR
umount "$T/tmpfs"

# --- start: applied where the controllers exist, refused in one line where not -------------

for c in cpuset io; do
	case $c in
	cpuset) opts=(--cpumask 0) file=cpuset.cpus want=0 ;;
	io) opts=(--ioprio 5) file=io.weight want="default 200" ;;
	esac
	check "create 110 ${opts[*]}" ctl create 110 "${opts[@]}"
	if grep -qw "$c" "$CG_MOUNT/cgroup.controllers" 2>/dev/null; then
		check "start with ${opts[*]}" ctl start 110
		like "$file from ${opts[*]}" "$(cat "$CGP/110/$file")" "^$want\$"
		check "stop 110" ctl stop 110
	else
		check_ctl_error "start with ${opts[*]} is refused on this host" \
			"$c controller is not available" ctl start 110
		is "the refused start left it down" "$(ct_status 110)" "exist unmounted down"
		check "the refused start left no cgroup" test ! -d "$CGP/110"
		check "the refused start left no runtime state" test ! -e "$ROOT/110"
	fi
	check "destroy 110" ctl destroy 110
	assert_ct_gone 110 "110 left nothing"
done

# --- --procfs: LXCFS's view of /proc (its enforcement: tests/vm/integration/lxcfs.sh) ---------

check "create 130 (procfs auto by default)" ctl create 130
is "procfs: the default is auto" \
	"$(jq -r '.annotations["org.nook.procfs"]' "$HOME_DIR/containers/130/config.json")" auto
check "set 130 --procfs lxcfs --save" ctl set 130 --procfs lxcfs --save
is "procfs: lxcfs saved" "$(jq -r '.annotations["org.nook.procfs"]' "$HOME_DIR/containers/130/config.json")" lxcfs
check_ctl_error "procfs: a bad value" "expected lxcfs, host or auto" ctl set 130 --procfs maybe --save
if grep -q ' /var/lib/lxcfs .* - fuse' /proc/self/mountinfo; then
	skip "--procfs lxcfs without LXCFS" "LXCFS runs on this host"
else
	check_ctl_error "start with --procfs lxcfs when LXCFS does not run" "LXCFS does not run" \
		ctl start 130
	is "the refused start left it down" "$(ct_status 130)" "exist unmounted down"
	check "set 130 --procfs auto --save" ctl set 130 --procfs auto --save
	check "start with auto when LXCFS does not run" ctl start 130
	is "auto without LXCFS: the host's /proc/meminfo" \
		"$(ctl exec 130 head -n 1 /proc/meminfo)" "$(head -n 1 /proc/meminfo)"
fi
check "destroy --force 130" ctl destroy --force 130
assert_ct_gone 130 "130 left nothing"

# --- stats: beancounters ------------------------------------------------------------------------

check "create 120 --ram 64M --numproc 50" ctl create 120 --ram 64M --numproc 50
check "create 121 (no limits: it starts on any host)" ctl create 121
check "start 121" ctl start 121
# 100 KiB in 120's private layer (an empty one is 0 bytes on a tmpfs /tmp).
head -c 102400 /dev/zero >"$HOME_DIR/containers/120/private/100k"
capture ctl stats --json 120,121
is "stats --json: exit status 0" "$RC" 0
is "stats: the containers in the order asked" "$(jq -r '[.containers[].ctid] | join(",")' <<<"$OUT")" "120,121"
is "stats: a stopped one has its limits, no usage" \
	"$(jq -c '.containers[0].resources.ram' <<<"$OUT")" '{"held":null,"maxheld":null,"limit":67108864,"failcnt":null}'
is "stats: the total sums the limits" "$(jq '.total.numproc.limit' <<<"$OUT")" 50
check_jq "stats: diskspace held is the private layer's" "$OUT" \
	'.containers[0].resources.diskspace.held >= 102400'
check_jq "stats: a running one's processes hold open files" "$OUT" \
	'.containers[1].resources.numfile.held > 0'
check_jq "stats: ... and have used CPU time (cpu.stat)" "$OUT" \
	'.containers[1].resources.cpu.held > 0'
check "stop 121" ctl stop 121
capture ctl stats 120,121
like "stats: a table per container" "$OUT" '^120 \(stopped\):'
like "stats: ram's row" "$OUT" '^  ram +- +- +67108864 +-$'
like "stats: the total of a fleet" "$OUT" '^total of 2 containers:'
capture ctl list -a -H -o ctid,ram_failcnt,oom_kills,numproc_failcnt,io_read 120
like "list -o: beancounter fields" "$OUT" '^120 +- +- +- +-$'
check_ctl_error "stats of a container that does not exist" "container 999 does not exist" ctl stats 999
check_ctl_error "stats without a CTID" "stats" ctl stats
check "destroy 120,121" ctl destroy 120,121

check "destroy 101" ctl destroy 101
assert_ct_gone 101 "101 left nothing"
done_testing
