#!/bin/bash
# A VPS's own view of the machine (inside `make check-vm`): with Debian's LXCFS running,
# nookctl's containers (--procfs auto, the default) see their limits in /proc/meminfo,
# free, and /sys/devices/system/cpu/online; --procfs host keeps the host's; and nook
# itself does it for any OCI bundle with the annotation org.nook.procfs=lxcfs.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "lxcfs" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
if ! command -v lxcfs >/dev/null; then
	skip "lxcfs" "lxcfs is not installed (apt-get install lxcfs)"
	done_testing
	exit 0
fi
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

mkdir -p /var/lib/lxcfs
lxcfs /var/lib/lxcfs >"$T/lxcfs.log" 2>&1 &
LXCFS_PID=$!
stop_lxcfs() {
	kill "$LXCFS_PID" 2>/dev/null
	wait "$LXCFS_PID" 2>/dev/null
	umount -l /var/lib/lxcfs 2>/dev/null
}
at_exit stop_lxcfs
wait_for 20 test -r /var/lib/lxcfs/proc/meminfo || bail "lxcfs did not come up: $(cat "$T/lxcfs.log")"

check "create 401 --ram 512M --cpumask 0" ctl create 401 --ram 512M --cpumask 0
check "create 402 --ram 512M --procfs host" ctl create 402 --ram 512M --procfs host
check "start 401,402" ctl start 401,402
is "lxcfs: MemTotal inside is --ram" "$(ctl exec 401 head -n 1 /proc/meminfo | tr -s ' ')" \
	"MemTotal: 524288 kB"
like "lxcfs: free -m inside says 512" "$(ctl exec 401 free -m)" '^Mem: +512 '
is "lxcfs: the CPUs online inside are --cpumask's" \
	"$(ctl exec 401 cat /sys/devices/system/cpu/online)" 0
is "--procfs host: the host's MemTotal" "$(ctl exec 402 head -n 1 /proc/meminfo)" \
	"$(head -n 1 /proc/meminfo)"
check "destroy --force 401,402" ctl destroy --force 401,402
assert_ct_gone 401 "401 left nothing"

# nook alone, for podman's and containerd's containers: the annotation.
B=$T/lx
make_bundle "$B" sh -c 'head -n 1 /proc/meminfo'
edit_config "$B" '.annotations["org.nook.procfs"] = "lxcfs" | .linux.resources.memory.limit = 268435456'
capture nook run --bundle "$B" lx
is "nook with org.nook.procfs=lxcfs: MemTotal is the memory limit" \
	"$(tr -s ' ' <<<"$OUT")" "MemTotal: 262144 kB"
assert_nothing_left lx

done_testing
