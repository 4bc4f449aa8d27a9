# shellcheck shell=bash
# Shared by the real-client tests (tests/clients/*.sh), sourced after tests/lib.sh.
# Not a test itself: the runner runs *.sh only.

# need_tools TOOL[=PACKAGE]...: bails when a tool is missing.  The tests run in a
# network namespace of their own, where apt-get cannot reach the archive: `make
# check-clients` installs the packages first (tests/clients/install-packages).
need_tools() {
	local spec missing=()
	for spec in "$@"; do
		command -v "${spec%%=*}" >/dev/null || missing+=("${spec#*=}")
	done
	[ ${#missing[@]} -eq 0 ] ||
		bail "$TEST_NAME: tools" "missing: ${missing[*]}" \
			"make check-clients installs them (tests/clients/install-packages), or: apt-get install ${missing[*]}"
}

# v1_open: keeps a descriptor on each cgroup v1 hierarchy of the host, so that
# v1_traces can look into them after pure_v2_view hid them.
V1_FDS=()
V1_DIRS=()
v1_open() {
	local dir fd
	while read -r dir; do
		exec {fd}<"$dir" && V1_FDS+=("$fd") && V1_DIRS+=("$dir")
	done < <(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup") print $5; break } }' \
		/proc/self/mountinfo)
}

# v1_traces PATTERN: the cgroup v1 directories (three levels deep) whose path matches
# the extended regular expression PATTERN; nothing when the host has no v1 hierarchy.
v1_traces() {
	local i fd
	for i in "${!V1_FDS[@]}"; do
		fd=${V1_FDS[$i]}
		find "/proc/$$/fd/$fd/" -mindepth 1 -maxdepth 3 -type d 2>/dev/null |
			sed "s|^/proc/$$/fd/$fd/|${V1_DIRS[$i]}/|"
	done | grep -E -- "$1"
}

# pure_v2_view: makes this test's mount namespace see the cgroup v2 hierarchy, and only
# it, at /sys/fs/cgroup, as on a pure cgroup v2 host.  On a hybrid host podman's conmon
# and containerd's shim would otherwise register OOM notifications in the container
# process's v1 memory cgroup (cgroup.event_control), a cgroup the test did not create.
pure_v2_view() {
	v1_open
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		{ umount -R -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup; } ||
			bail "pure cgroup v2 view" "cannot mount cgroup2 at /sys/fs/cgroup in the test's namespace"
		CG_MOUNT=/sys/fs/cgroup
		CGP=$CG_MOUNT$CGP_PATH
		[ -d "$CGP" ] || bail "pure cgroup v2 view" "the test cgroup $CGP_PATH is not at $CGP"
	fi
	mount_snapshot
}

# busybox_tarball FILE: a tar archive of the busybox root filesystem, for podman import.
busybox_tarball() {
	busybox_rootfs "$T/bbtar" && tar -C "$T/bbtar" -cf "$1" . && rm -rf "$T/bbtar"
}

# own_processes: the processes whose command line names the test's directory (the
# client daemons, monitors and shims it started), as "PID COMMAND".
own_processes() {
	local p cmd
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != "$$" ] || continue
		cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)
		case $cmd in *"$T/"*) printf '%s %s\n' "${p#/proc/}" "${cmd:0:150}" ;; esac
	done
}

# cgroup_children: the cgroups left below the test's parent cgroup.
cgroup_children() {
	find "$CGP" -mindepth 1 -type d 2>/dev/null | sed "s|^$CG_MOUNT||"
}

# root_left ROOT: what a client left in nook's state directory ROOT (nook list, entries).
root_left() {
	local ids
	ids=$(timeout 30 "$NOOK" --root "$1" list -q 2>&1)
	[ -z "$ids" ] || echo "nook --root $1 list: $ids"
	# (nook keeps caches in dot-files there, such as .seccomp)
	if [ -d "$1" ] && [ -n "$(ls "$1")" ]; then
		echo "entries in $1: $(ls "$1" | tr '\n' ' ')"
	fi
}

# gone NAME CGROUP: one check that a removed container left nothing: nothing in nook's
# root $ROOT, no cgroup CGROUP below the test's parent (with "none": no cgroup at all
# there, for a container whose id the client did not say), no new mount.
gone() {
	local left
	left=$(
		root_left "$ROOT"
		if [ "$2" = none ]; then
			c=$(cgroup_children)
			[ -z "$c" ] || echo "cgroups left: $c"
		elif [ -d "$CGP/$2" ]; then
			echo "cgroup $CGP_PATH/$2 is left"
		fi
		m=$(new_mounts)
		[ -z "$m" ] || printf 'new mounts:\n%s\n' "$m"
	)
	if [ -z "$left" ]; then ok "$1"; else fail "$1" "$left"; fi
}
