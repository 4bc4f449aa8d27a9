#!/bin/bash
# Runs a command as root inside a VM with a pure cgroup v2 hierarchy (Debian's kernel
# under qemu, TCG), for the tests that need cgroup controllers this host's hybrid
# hierarchy lacks.  The host's root filesystem is shared read-only over 9p under a tmpfs
# overlay, so the build tree and every host tool are there at the same paths; the
# command runs in the current directory.  Its output and exit status become ours.
#
#   tests/vm/run-in-vm.sh [--timeout SECONDS] [--] COMMAND [ARG...]
#
# Environment: NOOK_VM_KERNEL (default: newest /boot/vmlinuz-*), NOOK_VM_CACHE (where
# the initramfs is built, default /var/tmp/nook-vm), NOOK_VM_MEM (MiB, default 2048).
set -u -o pipefail

timeout=600
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--timeout S] [--] COMMAND [ARG...]" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
kernel=${NOOK_VM_KERNEL:-$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
cache=${NOOK_VM_CACHE:-/var/tmp/nook-vm}
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

die() {
	echo "run-in-vm: $*" >&2
	exit 125
}
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no kernel in /boot (apt-get install linux-image-amd64)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
! ldd /bin/busybox >/dev/null 2>&1 || die "/bin/busybox must be static (apt-get install busybox-static)"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -d "$moddir" ] || die "no modules for $kver in $moddir"

# The initramfs depends only on the kernel and the two stage scripts: rebuild it when
# any of them is newer.
initrd=$cache/initramfs-$kver.cpio.gz
if [ ! -s "$initrd" ] || [ "$here/init" -nt "$initrd" ] || [ "$kernel" -nt "$initrd" ]; then
	mkdir -p "$cache" || die "cannot create $cache"
	stage=$(mktemp -d "$cache/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,proc,sys,dev,modules}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/init" "$stage/init"
	: >"$stage/modules.list"
	for m in $modules; do
		f=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
		[ -n "$f" ] || { modinfo -k "$kver" "$m" >/dev/null 2>&1 && continue; die "module $m not found for $kver"; }
		case $f in
		*.xz) xz -dc "$f" >"$stage/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$stage/modules/$m.ko" ;;
		*) cp "$f" "$stage/modules/$m.ko" ;;
		esac
		echo "$m" >>"$stage/modules.list"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp" &&
		mv "$initrd.tmp" "$initrd" || die "cannot build the initramfs"
	rm -rf "$stage"
fi

# The job (command and cwd) goes through the shared root: the VM reads it read-only.
job=$(mktemp -d /var/tmp/nook-vm-job.XXXXXX)
trap 'rm -rf "$job"' EXIT
printf '%q ' "$@" >"$job/cmd"
echo >>"$job/cmd"
pwd >"$job/cwd"
chmod -R a+rX "$job"

out=$job/console
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -m "${NOOK_VM_MEM:-2048}" -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1 systemd.unified_cgroup_hierarchy=1 nookvm.stage2=$here/stage2.sh nookvm.job=$job" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-nic none -serial stdio -monitor none </dev/null 2>&1 | tr -d '\r' | tee "$out" |
	sed -u -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' \
		-e '/^NOOK-VM-EXIT: /d; /^SeaBIOS /d; /^Booting from ROM/d; /^\[ *[0-9]*\.[0-9]*\] /d; /^$/d'
rc=${PIPESTATUS[0]}
status=$(sed -n 's/^NOOK-VM-EXIT: \([0-9]*\)$/\1/p' "$out" | tail -n 1)
if [ -z "$status" ]; then
	[ "$rc" = 124 ] && die "timed out after $timeout s"
	die "the VM stopped without reporting a status (qemu exit $rc)"
fi
exit "$status"
