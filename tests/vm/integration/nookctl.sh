#!/bin/bash
# nookctl's limits enforced (inside `make check-vm`, a pure cgroup v2 hierarchy): create
# with --ram/--swap/--cpulimit/--numproc puts them in the container's cgroup at start,
# `set --ram` changes memory.max live (and only with --save in the config), list reads
# the usage from the cgroup; doctor --tune raises the kernel limits a fleet would meet;
# --cpumask pins (cpuset.cpus.effective, Cpus_allowed_list), --ioprio weighs (io.weight),
# --iolimit holds dd with O_DIRECT at its rate on a home of its own disk; all changed
# live and back from the config at restart; stats counts an OOM kill and a hit process
# limit.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "nookctl limits" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

CG=$CGP/101
CFG=$HOME_DIR/containers/101/config.json
check "create 101 with limits" ctl create 101 --ipadd 10.0.0.101/24 --ram 64M --swap 32M \
	--cpulimit 50 --numproc 200
check "start 101" ctl start 101
is "memory.max from --ram" "$(cat "$CG/memory.max")" 67108864
is "memory.swap.max from --swap" "$(cat "$CG/memory.swap.max")" 33554432
is "cpu.max from --cpulimit 50" "$(cat "$CG/cpu.max")" "50000 100000"
is "pids.max from --numproc" "$(cat "$CG/pids.max")" 200
check "set --ram 128M (live)" ctl set 101 --ram 128M
is "set: memory.max changed live" "$(cat "$CG/memory.max")" 134217728
is "set without --save: the config keeps 64M" "$(jq -r .linux.resources.memory.limit "$CFG")" 67108864
check "set --ram 96M --numproc 300 --save" ctl set 101 --ram 96M --numproc 300 --save
is "set --save: memory.max" "$(cat "$CG/memory.max")" 100663296
is "set --save: pids.max" "$(cat "$CG/pids.max")" 300
is "set --save: the config" "$(jq -c '[.linux.resources.memory.limit, .linux.resources.pids.limit]' "$CFG")" \
	'[100663296,300]'
capture ctl list -H -o ctid,ram,ram_usage,cpu_usage
like "list: limit and usage from the cgroup" "$OUT" '^101 +100663296 +[1-9][0-9]* +[0-9]+$'
check "stop 101" ctl stop 101
check "the cgroup is gone" test ! -d "$CG"
check "destroy 101" ctl destroy 101
assert_ct_gone 101 "101: nothing left"

# doctor --tune raises what a fleet would meet (here, in the VM; never on a build host):
# what it reports short is saved first and put back after.
capture ctl doctor --for 5000 --ostemplate minimal
is "doctor for 5000 minimal containers: the VM's defaults are short" "$RC" 1
SHORT=$(awk '$4 == "short:" { print $1 }' <<<"$OUT")
declare -A SAVED
for k in $SHORT; do SAVED[$k]=$(sysctl -n "$k"); done
restore_sysctls() {
	local k
	for k in "${!SAVED[@]}"; do sysctl -q -w "$k=${SAVED[$k]}"; done
}
at_exit restore_sysctls
capture ctl doctor --for 5000 --ostemplate minimal --tune
is "doctor --tune: exit status 0" "$RC" 0
# (8 tasks a minimal container, 4096 for the host: 44096 pids.)
like "... it says what it raised" "$OUT" 'kernel\.pid_max +[0-9]+ +44096 +raised to 44096'
is "kernel.pid_max is 44096 now" "$(sysctl -n kernel.pid_max)" 44096
capture ctl doctor --for 5000 --ostemplate minimal
is "then nothing is short" "$RC" 0
restore_sysctls
is "the values are back" "$(sysctl -n kernel.pid_max)" "${SAVED[kernel.pid_max]:-none}"

# --- placement: --cpumask pins, --ioprio weighs ------------------------------------------------

CG=$CGP/102
check "create 102 --cpumask 0 --ioprio 6" ctl create 102 --cpumask 0 --ioprio 6
check "start 102" ctl start 102
is "cpuset.cpus.effective from --cpumask 0" "$(cat "$CG/cpuset.cpus.effective")" 0
like "inside, the process may run on CPU 0 only" \
	"$(ctl exec 102 grep Cpus_allowed_list /proc/self/status)" $'^Cpus_allowed_list:\t0$'
is "io.weight from --ioprio 6" "$(cat "$CG/io.weight")" "default 400"
check "set --cpumask all --ioprio 3 (live)" ctl set 102 --cpumask all --ioprio 3
is "set: every CPU again" "$(cat "$CG/cpuset.cpus.effective")" "$(cat /sys/devices/system/cpu/online)"
is "set: io.weight 50" "$(cat "$CG/io.weight")" "default 50"
check "restart 102" ctl restart 102
is "restart: the saved mask is back" "$(cat "$CG/cpuset.cpus.effective")" 0
is "restart: the saved weight is back" "$(cat "$CG/io.weight")" "default 400"
check "destroy --force 102" ctl destroy --force 102
assert_ct_gone 102 "102: nothing left"

# --- stats: an OOM kill and a hit process limit counted ----------------------------------------

check "create 103 --ram 32M --numproc 20" ctl create 103 --ram 32M --numproc 20
check "start 103" ctl start 103
capture ctl exec 103 dd if=/dev/zero of=/dev/null bs=48M count=1
check "a 48M buffer under --ram 32M: dd is killed" test "$RC" != 0
capture ctl exec 103 sh -c 'for i in $(seq 30); do sleep 20 & done 2>/dev/null; true'
capture ctl stats --json 103
is "stats --json: exit status 0" "$RC" 0
check_jq "stats: the OOM kill is counted" "$OUT" '.containers[0].resources.oom.failcnt >= 1'
check_jq "stats: ram's limit was hit" "$OUT" '.containers[0].resources.ram.failcnt >= 1'
check_jq "stats: ram's peak is near the limit" "$OUT" \
	'.containers[0].resources.ram.maxheld > 16777216'
is "stats: ram's limit" "$(jq '.containers[0].resources.ram.limit' <<<"$OUT")" 33554432
check_jq "stats: the process limit was hit" "$OUT" '.containers[0].resources.numproc.failcnt >= 1'
is "stats: numproc's limit" "$(jq '.containers[0].resources.numproc.limit' <<<"$OUT")" 20
capture ctl list -H -o ctid,oom_kills,numproc_failcnt 103
like "list -o oom_kills,numproc_failcnt" "$OUT" '^103 +[1-9][0-9]* +[1-9][0-9]*$'
check "destroy --force 103" ctl destroy --force 103
assert_ct_gone 103 "103: nothing left"

# --- --iolimit: a home on a disk of its own (an ext4 loop device), dd at the limit ---------------

IMG=$T/io.img
truncate -s 512M "$IMG" && mkfs.ext4 -q "$IMG" || bail "an ext4 image"
LOOP=$(losetup -f --show "$IMG") || bail "a loop device"
detach_loop() {
	umount "$T/io" 2>/dev/null
	losetup -d "$LOOP" 2>/dev/null
}
at_exit detach_loop
mkdir "$T/io" && mount "$LOOP" "$T/io" || bail "mount the ext4 image"
export NOOK_HOME=$T/io/home
check "the loop home: template create" ctl template create minimal
CG=$CGP/201
LDEV=$(cat "/sys/block/${LOOP#/dev/}/dev")
check "create 201 --iolimit 5M" ctl create 201 --iolimit 5M
check "start 201" ctl start 201
like "io.max: 5 MiB/s both ways on the loop disk" "$(cat "$CG/io.max")" \
	"^$LDEV rbps=5242880 wbps=5242880 riops=max wiops=max\$"
# Timed inside (busybox time): an exec under TCG takes seconds of its own.
capture ctl exec 201 time dd if=/dev/zero of=/io.test bs=1M count=15 oflag=direct
is "dd with oflag=direct inside: exit status 0" "$RC" 0
SECS=$(sed -n 's/^real[[:space:]]*\([0-9]*\)m \([0-9.]*\)s$/\1 \2/p' <<<"$ERR" |
	awk '{ printf "%.2f", $1 * 60 + $2 }')
echo "# 15 MiB written with O_DIRECT in ${SECS:-?} s under --iolimit 5M"
check "... at 5 MiB/s within 20% (2.5 to 3.75 s)" \
	awk -v s="${SECS:-0}" 'BEGIN { exit !(s >= 2.5 && s <= 3.75) }'
check "set --iolimit 0 (live)" ctl set 201 --iolimit 0
unlike "set: the limit is lifted" "$(cat "$CG/io.max")" "rbps=5242880"
check "set --iolimit 10M --save" ctl set 201 --iolimit 10M --save
check "restart 201" ctl restart 201
like "restart: the saved limit" "$(cat "$CG/io.max")" "^$LDEV rbps=10485760 wbps=10485760"
check "destroy --force 201" ctl destroy --force 201
assert_ct_gone 201 "201: nothing left"
check "the loop home: template remove" ctl template remove minimal
export NOOK_HOME=$HOME_DIR

done_testing
