#!/bin/bash
# Stage 2, on the overlay of the host's root: a pure cgroup v2 machine.  Runs the command
# the host wrote into the job directory and reports its exit status on the console as
# "NOOK-VM-EXIT: N", which run-in-vm.sh turns back into its own exit status.
mount -t proc proc /proc
job=$(sed -n 's/.*nookvm.job=\([^ ]*\).*/\1/p' /proc/cmdline)
mount -t sysfs sysfs /sys
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mkdir -p /dev/pts /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
ip link set lo up 2>/dev/null || busybox ip link set lo up
hostname nook-vm
# Loop devices and XFS for the tests that give a home a disk of its own, FUSE for
# LXCFS (the host's modules are on the shared root).
modprobe -q loop 2>/dev/null || true
modprobe -q xfs 2>/dev/null || true
modprobe -q fuse 2>/dev/null || true
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
export NOOK_IN_VM=1
status=125
if [ -r "$job/cmd" ]; then
	cd "$(cat "$job/cwd")" && bash "$job/cmd" </dev/null
	status=$?
else
	echo "NOOK-VM: no job at $job"
fi
echo "NOOK-VM-EXIT: $status"
sync
echo o >/proc/sysrq-trigger
# As pid 1 we must not exit (that panics); the power-off takes effect within moments,
# and the 9p root may already be gone, so wait without running any program.
while :; do :; done
