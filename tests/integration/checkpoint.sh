#!/bin/bash
# nook checkpoint/restore and nookctl suspend on a host where CRIU cannot work (these
# build hosts: Debian's CRIU 3.17 on a newer kernel): one line that names CRIU's version
# and the kernel, the container still running, nothing left by a restore.  And the
# command lines: runc's options, usage errors in one line.  Where CRIU works the
# dumps themselves are tested in the VM (tests/vm/integration/criu.sh, suspend.sh).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

check_error "checkpoint --lazy-pages is refused" "lazy migration" nook checkpoint --lazy-pages x
check_error "checkpoint --parent-path must be relative" "must be relative" \
	nook checkpoint --parent-path /abs x
check_error "--manage-cgroups-mode names a mode" "not one of" \
	nook checkpoint --manage-cgroups-mode sometimes x
check_error "restore takes no --leave-running" "unknown option" nook restore --leave-running x
check_error "checkpoint takes no --bundle" "unknown option" nook checkpoint --bundle . x
check_error "checkpoint of a container that does not exist" "does not exist" \
	nook checkpoint --image-path "$T/img" nosuch
check_error "restore with a hostile id" "../x" nook restore -d --image-path "$T/img" ../x
like "checkpoint --help names runc's options" "$(nook checkpoint --help | tr '\n' ' ')" \
	'--tcp-established.*--leave-running.*--pre-dump'

if criu check >/dev/null 2>&1; then
	skip "refusal where CRIU cannot work" "criu check passes on this host: the VM tests dump for real"
	done_testing
	exit 0
fi
KERNEL=$(uname -r)
like "features: checkpoint not enabled, and why" "$(nook features | tr -d '\n\t')" \
	"\"org.nook.checkpoint.enabled\": \"false\",\"org.nook.checkpoint.reason\": \"[^\"]*$KERNEL"

B=$T/cp1
make_bundle "$B" || bail "make a bundle"
check "run -d cp1" nook run -d -b "$B" cp1
mount_snapshot
check_error "checkpoint is refused in one line naming the kernel" "kernel $KERNEL" \
	nook checkpoint --image-path "$T/img" cp1
status_is cp1 running
check "no image was written" test -z "$(ls -A "$T/img" 2>/dev/null)"
check "kill and delete cp1" nook delete --force cp1
assert_nothing_left cp1
mkdir -p "$T/img2" && echo '["/dev/null","/dev/null","/dev/null"]' >"$T/img2/descriptors.json"
check_error "restore is refused in one line naming the kernel" "kernel $KERNEL" \
	nook restore -d -b "$B" --image-path "$T/img2" cp1
assert_nothing_left cp1 "a refused restore left nothing"

# nookctl suspend: the VPS keeps running, no dump is left.
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

# template checksum, which migrate compares across hosts: the content counts, times
# do not.
SUM=$(ctl template checksum minimal)
like "template checksum: 64 hex digits" "$SUM" '^[0-9a-f]{64}$'
touch -d '2001-01-01' "$HOME_DIR/templates/minimal/etc/hostname"
is "a changed mtime keeps the checksum" "$(ctl template checksum minimal)" "$SUM"
cp -a "$HOME_DIR/templates/minimal/etc/hostname" "$T/hostname.saved"
echo changed >>"$HOME_DIR/templates/minimal/etc/hostname"
unlike "changed content changes it" "$(ctl template checksum minimal)" "^$SUM\$"
cp -a "$T/hostname.saved" "$HOME_DIR/templates/minimal/etc/hostname"
chmod 600 "$HOME_DIR/templates/minimal/etc/hostname"
unlike "a changed mode changes it" "$(ctl template checksum minimal)" "^$SUM\$"
cp -a "$T/hostname.saved" "$HOME_DIR/templates/minimal/etc/hostname"
is "the same content again: the same checksum" "$(ctl template checksum minimal)" "$SUM"
check_ctl_error "checksum of a template that does not exist" "does not exist" \
	ctl template checksum nosuch
check_ctl_error "checksum of a hostile name" "invalid template name" ctl template checksum ../x
check "create 501" ctl create 501
check "start 501" ctl start 501
check_ctl_error "suspend is refused in one line naming the kernel" "kernel $KERNEL" ctl suspend 501
is "501 still runs" "$(ctl status 501)" "CTID 501 exist mounted running"
check "no dump left" test -z "$(ls -A "$HOME_DIR/dump" 2>/dev/null)"
check_ctl_error "resume of a running container" "already running" ctl resume 501
check "destroy --force 501" ctl destroy --force 501
assert_ct_gone 501 "501 left nothing"

done_testing
