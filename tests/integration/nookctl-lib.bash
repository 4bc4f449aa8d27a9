# Helpers of the nookctl*.sh scripts (sourced after tests/lib.sh; not a test itself:
# the runner runs *.sh only).  Each script gets its own nookctl home under $T, nook's
# runtime root $ROOT and the test's cgroup parent, and a minimal template.
# shellcheck shell=bash

: "${NOOKCTL:=$BUILDDIR/nookctl}"
if [ ! -x "$NOOKCTL" ]; then
	echo "# $NOOKCTL is not executable: build it first (make nookctl)"
	exit 2
fi
export NOOK_HOME=$T/home NOOK_ROOT=$ROOT NOOK_CGROUP_PARENT=$CGP_PATH
HOME_DIR=$T/home

# ctl ARGS...: nookctl with a timeout.
ctl() {
	timeout -k 5 "${NOOKCTL_CMD_TIMEOUT:-180}" "$NOOKCTL" "$@"
}

# check_ctl_error NAME TEXT CMD...: CMD exits 1 with one line on stderr, "nookctl: ..."
# or "nookctl COMMAND: ...", containing TEXT (case-insensitive).
check_ctl_error() {
	ERROR_PROGRAM=nookctl check_error "$@"
}

# ct_status CTID: the status line's last three words.
ct_status() {
	ctl status "$1" 2>/dev/null | awk '{ print $3, $4, $5 }'
}

# ct_leftovers CTID: what a gone container left (nothing when clean).
ct_leftovers() {
	local id=$1
	[ ! -e "$HOME_DIR/containers/$id" ] || echo "$HOME_DIR/containers/$id still exists"
	[ ! -e "$ROOT/$id" ] || echo "runtime state $ROOT/$id still exists"
	[ ! -d "$CGP/$id" ] || echo "cgroup $CGP_PATH/$id still exists"
	! grep -q " $HOME_DIR/containers/$id/" /proc/self/mountinfo ||
		echo "a mount below $HOME_DIR/containers/$id is left"
}

# assert_ct_gone CTID NAME
assert_ct_gone() {
	local left
	left=$(ct_leftovers "$1")
	if [ -z "$left" ]; then ok "$2"; else fail "$2" "$left"; fi
}

# http_get URL: the page, through busybox wget from the test's namespace.  (Not
# wget -T: Debian's busybox 1.35 crashes on it.)
http_get() {
	timeout 10 busybox wget -q -O - "$1" 2>/dev/null
}

# Every container of the home goes at exit, whatever the script did.
_ctl_cleanup() {
	local ids
	ids=$("$NOOKCTL" list -a -H -o ctid 2>/dev/null | tr '\n' ',' | sed 's/,$//')
	[ -z "$ids" ] || timeout 120 "$NOOKCTL" destroy --force --jobs 8 "$ids" >/dev/null 2>&1
}
at_exit _ctl_cleanup

ip link set lo up
# Inside the VM (make check-vm) the home goes on a tmpfs of its own: the VM's root is
# itself an overlay, which overlayfs does not take as its upper layer.
if [ -n "${NOOK_IN_VM:-}" ]; then
	mkdir -p "$HOME_DIR" && mount -t tmpfs tmpfs "$HOME_DIR" || bail "a tmpfs for the home"
	mount_snapshot
fi
if ! ctl template create minimal >"$T/template.out" 2>&1; then
	bail "template create minimal" "$(cat "$T/template.out")"
fi
