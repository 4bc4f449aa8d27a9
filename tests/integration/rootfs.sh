#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# The container's file system: root.readonly, mounts (tmpfs with a size, read-only and
# read-write binds of directories, a bind of a file), /dev, masked and read-only paths,
# rootfsPropagation, devices, sysctl, and mount destinations that try to leave the
# rootfs through a symlink.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# mountinfo_of MOUNTPOINT: the line of MOUNTPOINT in the mountinfo lines of $OUT
# (the containers below print their /proc/self/mountinfo).
mountinfo_of() {
	awk -v m="$1" '$5 == m' <<<"$C" | tail -n 1
}

# --- mounts -----------------------------------------------------------------------------------

mkdir -p "$T/hostdir" "$T/hostrw" "$T/secretdir"
echo host-file >"$T/hostdir/file"
echo bound-file >"$T/hostfile"
echo secret >"$T/secretdir/secret"
B=$T/mounts
make_bundle "$B" sh -c '
	echo "ro-read=$(cat /mnt/ro/file)"
	touch /mnt/ro/new 2>/dev/null && echo "ro-write=yes" || echo "ro-write=no"
	echo inside > /mnt/rw/from-container && echo "rw-write=yes"
	echo "file=$(cat /etc/bound.txt)"
	test -f /etc/bound.txt && echo "file-is-file=yes"
	echo "tmpfs-df=$(df -k /mnt/tmpfs | awk "NR == 2 { print \$2 }")"
	echo "secretdir=$(ls -A /mnt/secret | wc -l)"
	echo "secretfile=$(wc -c < /etc/secret)"
	cat /proc/self/mountinfo' || bail "make a bundle"
echo "container secret" >"$B/rootfs/etc/secret"
edit_config "$B" --arg ro "$T/hostdir" --arg rw "$T/hostrw" --arg file "$T/hostfile" --arg sec "$T/secretdir" '
	.mounts += [
	  { "destination": "/mnt/tmpfs", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"] },
	  { "destination": "/mnt/ro", "type": "bind", "source": $ro, "options": ["bind", "ro"] },
	  { "destination": "/mnt/rw", "type": "none", "source": $rw, "options": ["rbind", "rw"] },
	  { "destination": "/etc/bound.txt", "type": "bind", "source": $file, "options": ["bind", "ro"] },
	  { "destination": "/mnt/secret", "type": "bind", "source": $sec, "options": ["bind"] } ]
	| .linux.maskedPaths += ["/mnt/secret", "/etc/secret"]'
capture nook run -b "$B" mounts
C=$OUT
[ "$RC" = 0 ] || fail "run the mounts container" "$(_cmd_details nook run -b "$B" mounts)"
fieldv() { sed -n "s/^$1=//p" <<<"$C" | head -n 1; }
is "tmpfs mount with size=1m: 1024 KiB" "$(fieldv tmpfs-df)" 1024
like "tmpfs mount: type tmpfs, nosuid, nodev" "$(mountinfo_of /mnt/tmpfs)" ' - tmpfs '
like "tmpfs mount: nosuid,nodev" "$(mountinfo_of /mnt/tmpfs)" 'nosuid.*nodev|nodev.*nosuid'
is "read-only bind of a directory: readable" "$(fieldv ro-read)" host-file
is "read-only bind of a directory: not writable" "$(fieldv ro-write)" no
check "read-only bind: nothing was written on the host" test ! -e "$T/hostdir/new"
like "read-only bind: mounted ro" "$(mountinfo_of /mnt/ro)" '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ /mnt/ro ro[, ]'
is "read-write rbind: writable" "$(fieldv rw-write)" yes
is "read-write rbind: the host sees the file" "$(cat "$T/hostrw/from-container" 2>/dev/null)" inside
is "bind of a file" "$(fieldv file)" bound-file
is "bind of a file: the destination is a file" "$(fieldv file-is-file)" yes
is "masked directory is empty" "$(fieldv secretdir)" 0
is "masked file reads empty" "$(fieldv secretfile)" 0
check "masking did not touch the host's directory" test -s "$T/secretdir/secret"
assert_nothing_left mounts

# --- root.readonly ------------------------------------------------------------------------

B=$T/ro
make_bundle "$B" sh -c 'touch /new 2>/dev/null && echo WROTE || echo READONLY; touch /dev/shm/x && echo SHM-RW
	awk "\$5 == \"/\"" /proc/self/mountinfo' || bail "make a bundle"
edit_config "$B" '.root.readonly = true'
capture nook run -b "$B" ro
C=$OUT
like "root.readonly: / cannot be written" "$OUT" '^READONLY$'
like "root.readonly: / is mounted ro" "$OUT" '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / ro[, ]'
like "root.readonly: /dev/shm stays writable" "$OUT" '^SHM-RW$'
check "root.readonly: nothing was written in the rootfs" test ! -e "$B/rootfs/new"
assert_nothing_left ro

B=$T/rw
make_bundle "$B" sh -c 'touch /new && echo WROTE' || bail "make a bundle"
check_output "root.readonly false: / is writable" WROTE nook run -b "$B" rw
assert_nothing_left rw

# --- /dev -----------------------------------------------------------------------------------

B=$T/dev
make_bundle "$B" sh -c '
	echo "list=$(ls -A /dev | sort | tr "\n" " ")"
	for d in null zero full random urandom tty; do
		echo "dev-$d=$(stat -c "%F %t:%T" /dev/$d)"
	done
	echo "fd=$(readlink /dev/fd)"
	echo "ptmx=$(stat -L -c %F /dev/ptmx)"
	echo x > /dev/null && echo "null-write=yes"
	echo "zero-read=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
	echo x > /dev/full 2>/dev/null && echo "full-write=yes" || echo "full-write=no"
	echo "urandom-read=$(head -c 8 /dev/urandom | wc -c)"
	echo "mynull=$(stat -c "%F %t:%T %a" /dev/mynull)"
	echo "dev-mount=$(awk "\$5 == \"/dev\" { print \$9 }" /proc/self/mountinfo)"
	echo "pts-mount=$(awk "\$5 == \"/dev/pts\" { print \$9 }" /proc/self/mountinfo)"' ||
	bail "make a bundle"
edit_config "$B" '.linux.devices = [ { "path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
	"fileMode": 432, "uid": 0, "gid": 0 } ]'
capture nook run -b "$B" dev
C=$OUT
[ "$RC" = 0 ] || fail "run the /dev container" "$(_cmd_details nook run -b "$B" dev)"
LIST=" $(fieldv list)"
missing=
for d in null zero full random urandom tty ptmx fd stdin stdout stderr pts shm mqueue mynull; do
	[[ $LIST == *" $d "* ]] || missing="$missing $d"
done
is "/dev has null zero full random urandom tty ptmx fd stdin stdout stderr pts shm mqueue" "$missing" ""
extra=
for d in $LIST; do
	case $d in
	null | zero | full | random | urandom | tty | ptmx | fd | stdin | stdout | stderr | pts | shm | mqueue | mynull) ;;
	*) extra="$extra $d" ;;
	esac
done
is "/dev has nothing else" "$extra" ""
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name major minor <<<"$d"
	is "/dev/$name is the character device $major:$minor" "$(fieldv "dev-$name")" \
		"character special file $(printf '%x:%x' "$major" "$minor")"
done
is "/dev/fd -> /proc/self/fd" "$(fieldv fd)" /proc/self/fd
is "/dev/ptmx is (or leads to) a character device" "$(fieldv ptmx)" "character special file"
is "/dev/null can be written" "$(fieldv null-write)" yes
is "/dev/zero reads zeros" "$(fieldv zero-read)" 00000000
is "/dev/full refuses writes" "$(fieldv full-write)" no
is "/dev/urandom can be read" "$(fieldv urandom-read)" 8
is "linux.devices: /dev/mynull 1:3 mode 0660" "$(fieldv mynull)" "character special file 1:3 660"
is "/dev is a tmpfs" "$(fieldv dev-mount)" tmpfs
is "/dev/pts is a devpts" "$(fieldv pts-mount)" devpts
assert_nothing_left dev

# --- /proc and /sys: masked and read-only paths -----------------------------------------------

B=$T/proc
make_bundle "$B" sh -c '
	echo "keys=$(wc -c < /proc/keys)"
	test -e /proc/timer_list && echo "timer_list=$(wc -c < /proc/timer_list)"
	echo nookx > /proc/sys/kernel/hostname 2>/dev/null && echo "procsys-write=yes" || echo "procsys-write=no"
	echo "hostname=$(hostname)"
	touch /var/www/new 2>/dev/null && echo "rowww-write=yes" || echo "rowww-write=no"
	echo "sys=$(awk "\$5 == \"/sys\" { print \$6 }" /proc/self/mountinfo)"' || bail "make a bundle"
edit_config "$B" '.linux.readonlyPaths += ["/var/www"] | .hostname = "nookproc"'
capture nook run -b "$B" proc
C=$OUT
[ "$RC" = 0 ] || fail "run the /proc container" "$(_cmd_details nook run -b "$B" proc)"
if [ -e /proc/keys ]; then
	is "masked /proc/keys reads empty" "$(fieldv keys)" 0
else
	skip "masked /proc/keys reads empty" "this kernel has no /proc/keys"
fi
if [ -e /proc/timer_list ]; then
	is "masked /proc/timer_list reads empty" "$(fieldv timer_list)" 0
else
	skip "masked /proc/timer_list reads empty" "this kernel has no /proc/timer_list"
fi
is "read-only /proc/sys: a write fails" "$(fieldv procsys-write)" no
is "read-only /proc/sys: the value is unchanged" "$(fieldv hostname)" nookproc
is "readonlyPaths /var/www: a write fails" "$(fieldv rowww-write)" no
check "readonlyPaths: nothing was written in the rootfs" test ! -e "$B/rootfs/var/www/new"
like "/sys is read-only" "$(fieldv sys)" '^ro(,|$)'
assert_nothing_left proc

# Masked paths that do not exist are skipped.
B=$T/nomask
make_bundle "$B" sh -c 'echo ran' || bail "make a bundle"
edit_config "$B" '.linux.maskedPaths += ["/proc/no-such-file", "/no/such/dir"] | .linux.readonlyPaths += ["/no/such/ro"]'
check_output "masked and read-only paths that do not exist are skipped" ran nook run -b "$B" nomask
assert_nothing_left nomask

# --- rootfsPropagation -------------------------------------------------------------------------

for prop in shared private; do
	B=$T/prop-$prop
	make_bundle "$B" sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo' || bail "make a bundle"
	edit_config "$B" --arg p "$prop" '.linux.rootfsPropagation = $p'
	capture nook run -b "$B" "prop-$prop"
	C=$OUT
	if [ "$RC" != 0 ]; then
		fail "rootfsPropagation $prop" "$(_cmd_details nook run -b "$B" "prop-$prop")"
	elif [ "$prop" = shared ]; then
		like "rootfsPropagation shared: / is shared" "$OUT" ' shared:[0-9]+'
	else
		unlike "rootfsPropagation private: / is neither shared nor a slave" "$OUT" ' (shared|master):[0-9]+'
	fi
	assert_nothing_left "prop-$prop"
done
B=$T/prop-bad
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.rootfsPropagation = "sideways"'
check_error "an unknown rootfsPropagation is refused" "rootfsPropagation" nook run -b "$B" prop-bad
assert_nothing_left prop-bad

# --- mount destinations must stay inside the rootfs -------------------------------------------

# rootfs/tmp is a symlink to "/" and a tmpfs is mounted on /tmp: the host's / must not
# get it.  Whether nook then refuses the container or mounts inside the rootfs, the
# host's mounts and files stay as they were.
B=$T/escape
make_bundle "$B" sh -c 'echo ran' || bail "make a bundle"
rmdir "$B/rootfs/tmp" && ln -s / "$B/rootfs/tmp"
edit_config "$B" '.mounts += [ { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] } ]'
ROOT_BEFORE=$(ls -A /)
capture nook run -b "$B" escape
C=$OUT
is "symlink escape to /: the host's / is unchanged" "$(ls -A /)" "$ROOT_BEFORE"
unlike "symlink escape to /: no tmpfs on the host's /" "$(awk '$5 == "/"' /proc/self/mountinfo)" ' - tmpfs '
assert_nothing_left escape "symlink escape to /: nothing left behind"

# A mount below the symlink tells where it went: inside the rootfs (/mnt of the
# container) or outside (/mnt of the host, in the container's mount namespace).
B=$T/escape2
make_bundle "$B" sh -c 'awk "\$5 == \"/mnt\" { print \$9 }" /proc/self/mountinfo; echo ran' ||
	bail "make a bundle"
rmdir "$B/rootfs/tmp" && ln -s / "$B/rootfs/tmp"
edit_config "$B" '.mounts += [ { "destination": "/tmp/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] } ]'
capture nook run -b "$B" escape2
C=$OUT
if [ "$RC" = 0 ]; then
	is "symlink in a mount destination resolves inside the rootfs" "$OUT" "tmpfs
ran"
else
	# Refusing the symlink is safe too; then the error must say why.
	like "symlink in a mount destination: refused with a clear error" "$ERR" '^nook: .*(/tmp|symlink|rootfs)'
fi
assert_nothing_left escape2

B=$T/dotdot
ESCAPE=/nook-escape-$$
make_bundle "$B" sh -c 'echo ran' || bail "make a bundle"
edit_config "$B" --arg d "/../../../../..$ESCAPE" '.mounts += [ { "destination": $d, "type": "tmpfs", "source": "tmpfs" } ]'
capture nook run -b "$B" dotdot
C=$OUT
if [ -e "$ESCAPE" ]; then
	fail "a destination with .. stays inside the rootfs" "$ESCAPE was created on the host"
	rmdir "$ESCAPE"
else
	ok "a destination with .. stays inside the rootfs"
fi
assert_nothing_left dotdot

# --- root.path absolute, and elsewhere than the bundle ---------------------------------------

B=$T/abs
make_bundle "$B" sh -c 'echo absolute-root' || bail "make a bundle"
mv "$B/rootfs" "$T/abs-rootfs"
edit_config "$B" --arg r "$T/abs-rootfs" '.root.path = $r'
check_output "an absolute root.path" absolute-root nook run -b "$B" abs
assert_nothing_left abs

# --- sysctl ---------------------------------------------------------------------------------------

B=$T/sysctl
make_bundle "$B" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced' ||
	bail "make a bundle"
edit_config "$B" '.linux.sysctl = { "net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1" }'
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
SHM_BEFORE=$(cat /proc/sys/kernel/shm_rmid_forced)
capture nook run -b "$B" sysctl
C=$OUT
is "sysctl net.ipv4.ip_forward=1 and kernel.shm_rmid_forced=1 inside" "$OUT" "1
1"
is "sysctl: ip_forward outside is unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$FWD_BEFORE"
is "sysctl: shm_rmid_forced outside is unchanged" "$(cat /proc/sys/kernel/shm_rmid_forced)" "$SHM_BEFORE"
assert_nothing_left sysctl

# A net.* sysctl without a network namespace would change the host: refused.
B=$T/sysctl-hostnet
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.linux.namespaces |= map(select(.type != "network"))
	| .linux.sysctl = { "net.ipv4.ip_forward": "1" }'
check_error "sysctl net.* without a network namespace is refused" "sysctl" nook run -b "$B" sysctl-hostnet
is "the refused sysctl did not change ip_forward" "$(cat /proc/sys/net/ipv4/ip_forward)" "$FWD_BEFORE"
assert_nothing_left sysctl-hostnet

# A sysctl that no namespace isolates is refused.  (The value given is the current one,
# so even a runtime that wrongly wrote it would change nothing.)
B=$T/sysctl-global
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" --arg v "$(cat /proc/sys/vm/swappiness)" '.linux.sysctl = { "vm.swappiness": $v }'
check_error "a sysctl outside any namespace (vm.swappiness) is refused" "sysctl" nook run -b "$B" sysctl-global
assert_nothing_left sysctl-global

done_testing
