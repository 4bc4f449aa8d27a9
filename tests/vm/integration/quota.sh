#!/bin/bash
# Disk quotas (inside `make check-vm`): a home on an ext4 made with -O quota,project and
# one on an XFS, both mounted with prjquota on loop devices.  A container writes past
# --diskspace and gets EDQUOT (XFS: ENOSPC) while its neighbour keeps writing; past --diskinodes
# likewise; `df /` inside shows its limit; set raises it live; stats and list show the
# usage; destroy leaves nothing.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

if [ -z "${NOOK_IN_VM:-}" ]; then
	skip "disk quotas" "not inside the VM: run it with 'make check-vm'"
	done_testing
	exit 0
fi
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/../../integration/nookctl-lib.bash"

LOOPS=()
detach_loops() {
	local l
	for l in "${LOOPS[@]}"; do
		umount "$l" 2>/dev/null
		losetup -d "$l" 2>/dev/null
	done
}
at_exit detach_loops

for fs in ext4 xfs; do
	if [ "$fs" = xfs ] && ! command -v mkfs.xfs >/dev/null; then
		skip "quotas on XFS" "mkfs.xfs is missing (apt-get install xfsprogs)"
		continue
	fi
	IMG=$T/$fs.img
	truncate -s 512M "$IMG" || bail "a $fs image"
	# XFS answers a full project with ENOSPC (a project is a directory tree that
	# looks like a filesystem of its own); ext4 with EDQUOT.
	case $fs in
	ext4) mkfs.ext4 -q -O quota,project "$IMG" && FULL=EDQUOT FULL_TEXT='Disk quota exceeded' ;;
	xfs) mkfs.xfs -q "$IMG" && FULL=ENOSPC FULL_TEXT='No space left on device' ;;
	esac || bail "mkfs $fs"
	LOOP=$(losetup -f --show "$IMG") || bail "a loop device"
	LOOPS+=("$LOOP")
	mkdir "$T/$fs" && mount -o prjquota "$LOOP" "$T/$fs" || bail "mount $fs with prjquota"
	export NOOK_HOME=$T/$fs/home
	check "$fs: template create" ctl template create minimal
	check "$fs: create 301 --diskspace 20M:24M --diskinodes 1000:1200" \
		ctl create 301 --diskspace 20M:24M --diskinodes 1000:1200
	check "$fs: create 302 (no quota)" ctl create 302
	is "$fs: the quota in the config" \
		"$(jq -c '[.annotations["org.nook.diskspace"], .annotations["org.nook.diskinodes"]]' "$NOOK_HOME/containers/301/config.json")" \
		'["20971520:25165824","1000:1200"]'
	check "$fs: start 301,302" ctl start 301,302
	is "$fs: df / inside shows the soft limit as the size" \
		"$(ctl exec 301 df -k / | awk 'NR == 2 { print $2 }')" 20480
	capture ctl exec 301 sh -c 'dd if=/dev/zero of=/big bs=1M count=40 2>&1'
	like "$fs: writing past the hard limit fails with $FULL" "$OUT" "$FULL_TEXT"
	check "$fs: ... and dd's exit status says so" test "$RC" != 0
	check "$fs: the neighbour writes 30M meanwhile" \
		ctl exec 302 dd if=/dev/zero of=/big bs=1M count=30
	capture ctl stats --json 301
	check_jq "$fs: stats: diskspace held is near the hard limit" "$OUT" \
		'.containers[0].resources.diskspace | .held > 20000000 and .limit == 25165824'
	capture ctl list -H -o ctid,diskspace,diskspace_usage,diskinodes,diskinodes_usage 301
	like "$fs: list -o diskspace,diskspace_usage,diskinodes,diskinodes_usage" "$OUT" \
		'^301 +25165824 +[0-9]+ +1200 +[0-9]+$'
	capture ctl exec 301 sh -c 'rm -f /big; i=0; while [ $i -lt 1500 ]; do touch /f$i 2>&1 || exit 3; i=$((i + 1)); done'
	is "$fs: making files past the inode limit fails" "$RC" 3
	like "$fs: ... with $FULL" "$OUT" "$FULL_TEXT"
	check "$fs: set --diskspace 60M --diskinodes 0 --save (live)" \
		ctl set 301 --diskspace 60M --diskinodes 0 --save
	check "$fs: now 40M fit" ctl exec 301 sh -c 'rm -f /f*; dd if=/dev/zero of=/big bs=1M count=40'
	is "$fs: df / shows the new size" "$(ctl exec 301 df -k / | awk 'NR == 2 { print $2 }')" 61440
	check "$fs: restart 301 keeps the saved quota" ctl restart 301
	is "$fs: ... df / after the restart" "$(ctl exec 301 df -k / | awk 'NR == 2 { print $2 }')" 61440
	check "$fs: destroy --force 301,302" ctl destroy --force 301,302
	assert_ct_gone 301 "$fs: 301 left nothing"
	assert_ct_gone 302 "$fs: 302 left nothing"
	check "$fs: template remove" ctl template remove minimal
	export NOOK_HOME=$HOME_DIR
	umount "$T/$fs"
done

done_testing
