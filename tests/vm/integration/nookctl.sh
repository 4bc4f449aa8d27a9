#!/bin/bash
# nookctl's limits enforced (inside `make check-vm`, a pure cgroup v2 hierarchy): create
# with --ram/--swap/--cpulimit/--numproc puts them in the container's cgroup at start,
# `set --ram` changes memory.max live (and only with --save in the config), list reads
# the usage from the cgroup; doctor --tune raises the kernel limits a fleet would meet.
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

done_testing
