#!/bin/bash
# A VPS as a hosting customer gets one (inside `make check-vm`, a pure cgroup v2
# hierarchy): a real Debian system made by debootstrap, systemd as its init, boots in a
# container; its memory limit changes while it runs; a login shell on a pty works; it
# shuts down cleanly on the stop signal systemd expects.
#
# The template is a tarball made on the host (the VM has no network): `make
# vps-template` writes it (debootstrap bookworm, minbase + systemd, ~100 MB download),
# and tests/setup-and-check.sh runs that before `make check-vm`.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

TARBALL=${NOOK_VPS_TEMPLATE:-/var/tmp/nook-vm/vps-bookworm.tar.zst}
if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "vps" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
if [ ! -s "$TARBALL" ]; then
	skip "vps" "no Debian template at $TARBALL: 'make vps-template' makes it (~100 MB download)"
	done_testing
	exit 0
fi
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

CG=$CGP/101

# booted CTID: systemd in the container has finished starting up.
booted() {
	local state
	state=$(ctl exec "$1" systemctl is-system-running 2>/dev/null)
	[ "$state" = running ] || [ "$state" = degraded ]
}

check "import the Debian template" ctl template import deb "$TARBALL"
check "create 101 from it" ctl create 101 --ostemplate deb --ipadd 10.0.0.101/24 \
	--hostname vps101 --ram 256M
check "start 101" ctl start 101
# Under TCG emulation a boot takes a minute or two: ask every two seconds.
for _ in $(seq 150); do
	booted 101 && break
	sleep 2
done
if booted 101; then
	ok "systemd finished booting"
else
	fail "systemd finished booting" "$(ctl exec 101 systemctl --failed 2>&1)"
fi
is "systemd is the container's init" "$(ctl exec 101 cat /proc/1/comm)" systemd
is "the host name is the VPS's" "$(ctl exec 101 hostname)" vps101
like "the address is on eth0" "$(ctl exec 101 cat /proc/net/fib_trie)" "10.0.0.101"
is "memory.max from --ram" "$(cat "$CG/memory.max")" 268435456
# systemd runs its services in cgroups of their own below the container's.
like "systemd made its own cgroups below the container's" "$(ls "$CG")" "system.slice"

# CRIU 3.17 cannot bring such a guest back on cgroup v2 (manager: runtime/checkpoint.c):
# suspend refuses before its dump, and the VPS keeps running.
if command -v criu >/dev/null; then
	check_ctl_error "suspend of a systemd VPS is refused" "manage their own cgroups" ctl suspend 101
	is "... and it keeps running" "$(ctl status 101)" "CTID 101 exist mounted running"
	check "... with no dump left" test ! -e "$HOME_DIR/dump/101"
else
	skip "suspend of a systemd VPS" "criu is not installed"
fi

check "set --ram 384M while it runs" ctl set 101 --ram 384M
is "memory.max changed live" "$(cat "$CG/memory.max")" 402653184
is "and the system inside sees it" "$(ctl exec 101 cat /sys/fs/cgroup/memory.max)" 402653184

# enter: an interactive login shell on a pty (script(1) provides the terminal).  The
# input waits until the shell is up: bash discards what was typed before it started.
OUT=$({
	sleep 8
	printf 'echo "tty: $(tty)"\necho "who: $(id -un)@$(hostname)"\nexit\n'
	sleep 4
} | timeout 90 script -qec "$NOOKCTL enter 101" /dev/null 2>&1 | tr -d '\r')
like "enter: a shell on a pty" "$OUT" "tty: /dev/pts/"
like "enter: root on vps101" "$OUT" "who: root@vps101"

# A unit whose stop action leaves a mark in the container's own files: there after
# the stop only if systemd stopped its units in order (a kill would not run it).
check "start a unit that marks its stop" ctl exec 101 sh -c \
	'printf "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nExecStop=/bin/touch /root/stopped-cleanly\n" >/etc/systemd/system/mark.service && systemctl start mark.service'
check "stop 101" ctl stop 101 --timeout 120
check "systemd shut down by itself, stopping its units" \
	test -e "$HOME_DIR/containers/101/private/root/stopped-cleanly"
is "status after stop" "$(ct_status 101)" "exist unmounted down"
check "the cgroup is gone" test ! -d "$CG"
check "destroy 101" ctl destroy 101
assert_ct_gone 101 "101: nothing left"
check "remove the template" ctl template remove deb

done_testing
