#!/bin/bash
# A VPS's own view of the machine (inside `make check-vm`): with Debian's LXCFS running,
# nookctl's containers (--procfs auto, the default) see their limits in /proc/meminfo
# and /sys/devices/system/cpu/online; --procfs host keeps the host's; and nook itself
# does it for any OCI bundle with the annotation org.nook.procfs=lxcfs (free -m there).
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
mount_snapshot # LXCFS's own mount is the test's, not a container's leftover

check "create 401 --ram 512M --cpumask 0" ctl create 401 --ram 512M --cpumask 0
check "create 402 --ram 512M --procfs host" ctl create 402 --ram 512M --procfs host
check "start 401,402" ctl start 401,402
# (busybox's free asks sysinfo(2), which LXCFS cannot answer: procps's free, below.)
is "lxcfs: MemTotal inside is --ram" "$(ctl exec 401 head -n 1 /proc/meminfo | tr -s ' ')" \
	"MemTotal: 524288 kB"
is "lxcfs: the CPUs online inside are --cpumask's" \
	"$(ctl exec 401 cat /sys/devices/system/cpu/online)" 0
is "--procfs host: the host's MemTotal" "$(ctl exec 402 head -n 1 /proc/meminfo)" \
	"$(head -n 1 /proc/meminfo)"
check "destroy --force 401,402" ctl destroy --force 401,402
assert_ct_gone 401 "401 left nothing"

# nook alone, for podman's and containerd's containers: the annotation; procps's free
# (copied in with its libraries) reads /proc/meminfo.
B=$T/lx
make_bundle "$B" free -m
for f in /usr/bin/free $(ldd /usr/bin/free | grep -o '/[^ ]*'); do
	cp --parents -L "$f" "$B/rootfs" || bail "copy $f into the bundle"
done
edit_config "$B" '.annotations["org.nook.procfs"] = "lxcfs" | .linux.resources.memory.limit = 268435456'
capture nook run --bundle "$B" lx
like "nook with org.nook.procfs=lxcfs: free -m says the memory limit, 256" "$OUT" \
	$'\nMem: +256 '
assert_nothing_left lx

done_testing
