#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# Escapes tried for real from inside containers by a static helper (tests/attacks/attack.c),
# each check asserting what a vulnerable runtime would get wrong:
# - CVE-2019-5736: writing nook's binary through /proc/<pid>/exe of `nook exec` while it
#   joins the container, and reaching the host through /proc/<pid>/root and fd/ of that
#   process: with the default capabilities, with CAP_SYS_PTRACE (nook re-executes from a
#   sealed memfd), in a user namespace (non-dumpable), and against a created container's
#   init;
# - CVE-2024-21626: fds leaked into the container, a cwd outside its root;
# - CVE-2021-30465: mount destinations that are symlinks out of the rootfs, also while a
#   process swaps the symlink;
# - a fake /proc or /dev/null against masked paths, read-only paths and sysctl;
# - a setuid-root binary under noNewPrivileges.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

ATTACK=$BUILDDIR/tests/attacks/attack
[ -x "$ATTACK" ] || bail "the attack helper is built" "$ATTACK is missing: make tests/attacks/attack"

# attack_bundle DIR ARGS...: make_bundle, with the helper at /attack in the rootfs.
attack_bundle() {
	make_bundle "$@" && cp "$ATTACK" "$1/rootfs/attack"
}

# val KEY TEXT: the value of the helper's line KEY=... in TEXT.
val() {
	sed -n "s/^$1=//p" <<<"$2" | head -n 1
}

# with_caps CAP: a jq filter adding CAP to every capability set of the process.
with_caps() {
	printf '.process.capabilities |= with_entries(.value += ["%s"])' "$1"
}

USERNS='.linux.namespaces += [ { "type": "user" } ]
	| .linux.uidMappings = [ { "containerID": 0, "hostID": 200000, "size": 65536 } ]
	| .linux.gidMappings = [ { "containerID": 0, "hostID": 200000, "size": 65536 } ]'

# --- CVE-2019-5736: /proc/<pid>/exe of the runtime joining the container ----------------------
#
# The attacker watches /proc for processes whose executable is not its own and tries to
# write to their exe (directly, and through an O_PATH fd reopened once nook has exited), to
# read a host file through their /proc/<pid>/root and to open the directories among their
# fds.  The runtime under attack is a copy of nook for each attack, so that a successful
# attack breaks nothing else.

ORIG_NOOK=$NOOK
at_exit 'NOOK=$ORIG_NOOK'
NOOK_SUM=$(sha256sum <"$ORIG_NOOK")
echo "host secret" >"$T/host-secret"

# victim ID: a fresh copy of nook for the attack ID, as $VICTIM.
victim() {
	VICTIM=$T/nook-$1
	cp "$ORIG_NOOK" "$VICTIM"
}

# exe_race ID MIN FILTER: the attacker is the init of container ID (config edited with the
# jq FILTER) while `nook exec -d` joins it, until the attacker has seen MIN joining
# processes.  Sets RACE (the attacker's report) and EXECS.
exe_race() {
	local id=$1 min=$2 filter=$3 B=$T/$1
	RACE=
	EXECS=0
	victim "$id" || return 1
	attack_bundle "$B" /attack race 60 "$min" "$T/host-secret" /seen || return 1
	edit_config "$B" "$filter" || return 1
	if jq -e '.linux.uidMappings' "$B/config.json" >/dev/null; then
		chown -R 200000:200000 "$B/rootfs"
	fi
	NOOK=$VICTIM
	if nook run -d -b "$B" "$id" >"$T/$id.out" 2>&1 </dev/null; then
		while [ ! -e "$B/rootfs/seen" ] && [ "$EXECS" -lt 300 ] && status_is "$id" running; do
			nook exec -d "$id" /attack true >/dev/null 2>&1 </dev/null
			EXECS=$((EXECS + 1))
		done
		wait_status "$id" stopped 70
	fi
	NOOK=$ORIG_NOOK
	RACE=$(cat "$T/$id.out")
	nook delete --force "$id" >/dev/null 2>&1
}

# race_checks WHAT MIN: what no variant may let through.
race_checks() {
	local what=$1 min=$2 seen
	seen=$(val seen "$RACE")
	if [ "${seen:-0}" -ge "$min" ]; then
		ok "$what: the attacker caught the runtime joining ($min times)"
	else
		fail "$what: the attacker caught the runtime joining ($min times)" "$EXECS execs" \
			"report:" "$RACE"
	fi
	is "$what: nothing written through /proc/<pid>/exe" "$(val written "$RACE")" 0
	is "$what: no host file read through /proc/<pid>/root" "$(val root_read "$RACE")" 0
	is "$what: no directory opened through /proc/<pid>/fd" "$(val fd_dirs "$RACE")" 0
	is "$what: the nook binary is unchanged" "$(sha256sum <"$VICTIM")" "$NOOK_SUM"
}

# The default capabilities: the joining process is out of reach.
exe_race race-default 3 '.'
race_checks "exe race, default capabilities" 3
is "exe race, default capabilities: no exe could be opened" "$(val exe_opened "$RACE")" 0
assert_nothing_left race-default

# CAP_SYS_PTRACE over the host's user namespace defeats non-dumpable: nook runs from a
# sealed memfd, and the process the container sees has joined everything already.
exe_race race-ptrace 3 "$(with_caps CAP_SYS_PTRACE)"
race_checks "exe race, CAP_SYS_PTRACE" 3
is "exe race, CAP_SYS_PTRACE: the attacker found only the sealed copy" \
	"$(val targets "$RACE")" "/memfd:nook (deleted)"
assert_nothing_left race-ptrace

# In a user namespace CAP_SYS_PTRACE counts only there: non-dumpable keeps the joining
# process (whose memory belongs to the host's user namespace) out of reach.
exe_race race-userns 10 "$USERNS | $(with_caps CAP_SYS_PTRACE)"
race_checks "exe race, user namespace with CAP_SYS_PTRACE" 10
is "exe race, user namespace with CAP_SYS_PTRACE: no exe could be opened" \
	"$(val exe_opened "$RACE")" 0
assert_nothing_left race-userns

# A created container's init is nook until `nook start`; a process exec'd into the
# container meanwhile attacks it and waits for the start.
# init_race ID FILTER: like exe_race, against the init of a created container.
init_race() {
	local id=$1 filter=$2 B=$T/$1
	RACE=
	victim "$id" || return 1
	attack_bundle "$B" /attack sleep 10 || return 1
	edit_config "$B" "$filter" || return 1
	NOOK=$VICTIM
	if nook create -b "$B" "$id" >/dev/null 2>&1 </dev/null; then
		nook exec -d "$id" /attack race 30 1 "$T/host-secret" /seen >"$T/$id.out" 2>&1 </dev/null
		wait_for 20 test -e "$B/rootfs/seen"
		nook start "$id" >/dev/null 2>&1
		wait_for 40 grep -q '^result=' "$T/$id.out"
	fi
	NOOK=$ORIG_NOOK
	RACE=$(cat "$T/$id.out" 2>/dev/null)
	nook delete --force "$id" >/dev/null 2>&1
}

init_race init-default '.'
race_checks "created init, default capabilities" 1
is "created init, default capabilities: its exe could not be opened" "$(val exe_opened "$RACE")" 0
assert_nothing_left init-default

# With CAP_SYS_PTRACE only an init running from a sealed copy is safe, so `nook create`
# re-executes from one for such a container.
B=$T/init-exe
make_bundle "$B" sleep 10 || bail "make a bundle"
edit_config "$B" "$(with_caps CAP_SYS_PTRACE)"
nook create -b "$B" init-exe >/dev/null 2>&1 </dev/null
case $(readlink "/proc/$(state_field init-exe pid)/exe") in
/memfd:*)
	nook delete --force init-exe >/dev/null 2>&1
	init_race init-ptrace "$(with_caps CAP_SYS_PTRACE)"
	race_checks "created init, CAP_SYS_PTRACE" 1
	assert_nothing_left init-ptrace
	;;
*)
	nook delete --force init-exe >/dev/null 2>&1
	fail "created init, CAP_SYS_PTRACE: the waiting init runs from a sealed copy" \
		"its exe is $(readlink "/proc/$(state_field init-exe pid)/exe" 2>/dev/null)"
	;;
esac
assert_nothing_left init-exe

# --- CVE-2024-21626: leaked fds and a cwd outside the rootfs ------------------------------------

# fd 7 is open in the caller without being passed on; --preserve-fds N passes 3..N+2.
echo leaked >"$T/leaked"
exec 7<"$T/leaked"
B=$T/fds
attack_bundle "$B" /attack fds || bail "make a bundle"
capture nook run -b "$B" fds
is "init: only fds 0, 1 and 2" "$(val fds "$OUT")" 0,1,2
set_id "$B" fds2
capture nook run --preserve-fds 2 -b "$B" fds2 3<"$T/leaked" 4<"$T/leaked"
is "init with --preserve-fds 2: fds 0 to 4" "$(val fds "$OUT")" 0,1,2,3,4
assert_nothing_left fds
assert_nothing_left fds2

B=$T/ex
attack_bundle "$B" /attack sleep 1000 || bail "make a bundle"
ln -s ../../../ "$B/rootfs/updir"
nook run -d -b "$B" ex >/dev/null 2>&1 </dev/null || bail "start a container to exec in"
capture nook exec ex /attack fds
is "exec: only fds 0, 1 and 2" "$(val fds "$OUT")" 0,1,2
capture nook exec --preserve-fds 1 ex /attack fds 3<"$T/leaked"
is "exec --preserve-fds 1: fds 0 to 3" "$(val fds "$OUT")" 0,1,2,3
exec 7<&-

capture nook exec --cwd / ex /attack cwd
is "exec --cwd /: the cwd is the container's /" "$(val cwd "$OUT") $(val getcwd "$OUT")" "/ /"
is "exec --cwd /: '..' of / is /" "$(val rootdotdot "$OUT")" same
is "exec --cwd /: '..' from the cwd never leaves the root" "$(val up "$OUT")" root
capture nook exec --cwd /updir ex /attack cwd
is "exec --cwd through a symlink to ../../../: the container's /" "$(val cwd "$OUT") $(val up "$OUT")" "/ root"
# A cwd through a leaked directory fd is the CVE itself: refused, or inside.
escaped=
for n in 3 4 5 6 7 8 9; do
	capture nook exec --cwd "/proc/self/fd/$n" ex /attack cwd
	if [ "$RC" = 0 ] && [ "$(val up "$OUT")" != root ]; then
		escaped="$escaped fd $n: $(val cwd "$OUT");"
	fi
done
is "exec --cwd /proc/self/fd/N (3 to 9) never leaves the rootfs" "$escaped" ""
nook delete --force ex >/dev/null 2>&1
assert_nothing_left ex

B=$T/cwd
attack_bundle "$B" /attack cwd || bail "make a bundle"
ln -s ../../../ "$B/rootfs/updir"
capture nook run -b "$B" cwd
is "init: the cwd is the container's /, '..' stays inside" \
	"$(val cwd "$OUT") $(val rootdotdot "$OUT") $(val up "$OUT")" "/ same root"
set_id "$B" cwd-up
edit_config "$B" '.process.cwd = "/updir"'
capture nook run -b "$B" cwd-up
is "init: a cwd through a symlink to ../../../ is the container's /" \
	"$(val cwd "$OUT") $(val up "$OUT")" "/ root"
escaped=
for n in 3 4 5 6; do
	set_id "$B" "cwd-fd$n"
	edit_config "$B" --arg c "/proc/self/fd/$n" '.process.cwd = $c'
	capture nook run -b "$B" "cwd-fd$n"
	if [ "$RC" = 0 ] && [ "$(val up "$OUT")" != root ]; then
		escaped="$escaped fd $n: $(val cwd "$OUT");"
	fi
	nook delete --force "cwd-fd$n" >/dev/null 2>&1
done
is "init: a cwd of /proc/self/fd/N (3 to 6) never leaves the rootfs" "$escaped" ""
for id in cwd cwd-up cwd-fd3 cwd-fd4 cwd-fd5 cwd-fd6; do
	assert_nothing_left "$id"
done

# --- CVE-2021-30465: mount destinations that are symlinks out of the rootfs ---------------------
#
# A runtime that follows these links on the host would create /nook-escape-<pid>-* there;
# nook must resolve them inside the rootfs.  (Mount points only are matched: where /tmp is
# a tmpfs, the rootfs and the bind are tmpfs mounts whose root names the test's directory.)

ESC=nook-escape-$$
mkdir "$T/bindsrc" && echo marker >"$T/bindsrc/marker"
B=$T/links
make_bundle "$B" sh -c 'awk "\$5 ~ /nook-escape/ { print \$5 }" /proc/self/mountinfo | sort
	awk "{ for (i = 7; \$i != \"-\"; i++) ; if (\$5 ~ /nook-escape.*-tmp\$/) print \$(i + 1) }" /proc/self/mountinfo
	cat /mnt/'"$ESC"'-bind/marker' || bail "make a bundle"
rm -rf "$B/rootfs/tmp" "$B/rootfs/mnt"
ln -s ../../../../ "$B/rootfs/tmp"
ln -s / "$B/rootfs/mnt"
edit_config "$B" --arg t "/tmp/$ESC-tmp" --arg m "/mnt/$ESC-bind" --arg s "$T/bindsrc" '.mounts += [
	{ "destination": $t, "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"] },
	{ "destination": $m, "type": "bind", "source": $s, "options": ["bind", "ro"] } ]'
capture nook run -b "$B" links
is "symlinked destinations: the mounts land inside the rootfs" "$OUT" "/$ESC-bind
/$ESC-tmp
tmpfs
marker"
check "symlinked destinations: nothing was created on the host" \
	test ! -e "/$ESC-tmp" -a ! -e "/$ESC-bind"
check "symlinked destinations: the mount points were made in the rootfs" \
	test -d "$B/rootfs/$ESC-tmp" -a -d "$B/rootfs/$ESC-bind"
assert_nothing_left links

# A tmpfs on /tmp itself, where rootfs/tmp -> ../../../../: at most the container's own
# root is covered; the host's / and mounts stay as they were.
B=$T/tmproot
make_bundle "$B" true || bail "make a bundle"
rm -rf "$B/rootfs/tmp" && ln -s ../../../../ "$B/rootfs/tmp"
edit_config "$B" '.mounts += [ { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs" } ]'
ROOT_BEFORE=$(ls -A /)
capture nook run -b "$B" tmproot
is "tmpfs on /tmp -> ../../../../: the host's / is unchanged" "$(ls -A /)" "$ROOT_BEFORE"
assert_nothing_left tmproot "tmpfs on /tmp -> ../../../../: no new mount outside the rootfs"

# The race: a process outside swaps rootfs/mnt between a directory of the rootfs and "/"
# while nook mounts below it.
B=$T/swap
make_bundle "$B" true || bail "make a bundle"
rm -rf "$B/rootfs/mnt" && mkdir "$B/rootfs/mnt.dir"
edit_config "$B" --arg m "/mnt/$ESC-race" --arg s "$T/bindsrc" \
	'.mounts += [ { "destination": $m, "type": "bind", "source": $s, "options": ["bind"] } ]'
"$ATTACK" swap "$B/rootfs/mnt" / mnt.dir 60 >"$T/swap.out" 2>&1 &
SWAPPER=$!
at_exit '[ -z "$SWAPPER" ] || { kill "$SWAPPER"; wait "$SWAPPER"; }'
ran=0
for i in $(seq 20); do
	set_id "$B" "swap$i"
	nook run -b "$B" "swap$i" >/dev/null 2>&1 </dev/null && ran=$((ran + 1))
	nook delete --force "swap$i" >/dev/null 2>&1
done
kill "$SWAPPER" 2>/dev/null
wait "$SWAPPER" 2>/dev/null
SWAPPER=
check "swapped symlink: nothing was created on the host (20 runs, $ran started)" test ! -e "/$ESC-race"
for i in $(seq 20); do
	left=$(leftovers "swap$i")
	[ -z "$left" ] || break
done
is "swapped symlink: nothing left behind" "$left" ""

# --- a fake /proc ------------------------------------------------------------------------------

if [ ! -e /proc/keys ]; then
	skip "a fake /proc" "this kernel has no /proc/keys to mask"
else
	# rootfs/proc is a link to /fakeproc, whose files are fakes and whose "keys" links to
	# /etc/motd: proc must be mounted where the link leads, inside, and the masks and
	# read-only paths must apply to it, not to the fakes.
	PROBE='echo "keys=$(wc -c < /proc/keys)"; echo "fstype=$(stat -f -c %T /proc/)"
		echo "motd=$(cat /etc/motd)"
		echo x > /proc/sys/kernel/domainname 2>/dev/null && echo "sys-write=yes" || echo "sys-write=no"'
	B=$T/fakeproc
	make_bundle "$B" sh -c "$PROBE" || bail "make a bundle"
	rm -rf "$B/rootfs/proc"
	mkdir -p "$B/rootfs/fakeproc/sys/kernel"
	echo fake >"$B/rootfs/fakeproc/sys/kernel/domainname"
	echo motd >"$B/rootfs/etc/motd"
	ln -s /etc/motd "$B/rootfs/fakeproc/keys"
	ln -s /fakeproc "$B/rootfs/proc"
	capture nook run -b "$B" fakeproc
	is "/proc -> /fakeproc: proc is mounted there, /proc/keys is masked" \
		"$(val fstype "$OUT") $(val keys "$OUT")" "proc 0"
	is "/proc -> /fakeproc: the fake keys link did not mask its target" "$(val motd "$OUT")" motd
	is "/proc -> /fakeproc: /proc/sys is read-only" "$(val sys-write "$OUT")" no
	is "/proc -> /fakeproc: the fake files are untouched" \
		"$(cat "$B/rootfs/fakeproc/sys/kernel/domainname") $(readlink "$B/rootfs/fakeproc/keys")" \
		"fake /etc/motd"
	assert_nothing_left fakeproc

	# A tmpfs mounted on /proc before proc (mounts are performed in order).
	B=$T/tmpfsproc
	make_bundle "$B" sh -c "$PROBE" || bail "make a bundle"
	echo motd >"$B/rootfs/etc/motd"
	edit_config "$B" '.mounts = [ { "destination": "/proc", "type": "tmpfs", "source": "tmpfs" } ] + .mounts'
	capture nook run -b "$B" tmpfsproc
	is "tmpfs on /proc before proc: /proc is proc, /proc/keys is masked" \
		"$(val fstype "$OUT") $(val keys "$OUT")" "proc 0"
	assert_nothing_left tmpfsproc
fi

# Masks bind /dev/null: when /dev is the image's, its null must be the real 1:3 device,
# not a file, a link or another device planted to show through every masked file.
for kind in file link zero; do
	B=$T/null-$kind
	make_bundle "$B" true || bail "make a bundle"
	edit_config "$B" '.mounts |= map(select(.destination | startswith("/dev") | not))
		| .linux.maskedPaths = ["/proc/keys", "/proc/timer_list", "/proc/version"]'
	mkdir -p "$B/rootfs/dev"
	rm -f "$B/rootfs/dev/null"
	echo motd >"$B/rootfs/etc/motd"
	case $kind in
	file) echo NOTNULL >"$B/rootfs/dev/null" ;;
	link) ln -s /etc/motd "$B/rootfs/dev/null" ;;
	zero) mknod "$B/rootfs/dev/null" c 1 5 ;;
	esac
	check_error "a fake /dev/null ($kind) is refused for masking" "/dev/null" nook run -b "$B" "null-$kind"
	assert_nothing_left "null-$kind"
done

# sysctl writes need /proc/sys to be procfs: here there is no proc mount, and the image's
# /proc/sys holds fakes.
B=$T/fakesys
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.mounts |= map(select(.destination != "/proc"))
	| .linux.sysctl = { "kernel.domainname": "evil" }'
rm -rf "$B/rootfs/proc"
mkdir -p "$B/rootfs/proc/sys/kernel"
echo fake >"$B/rootfs/proc/sys/kernel/domainname"
check_error "sysctl with a /proc/sys that is not procfs is refused" "procfs" nook run -b "$B" fakesys
is "sysctl: the fake file is untouched" "$(cat "$B/rootfs/proc/sys/kernel/domainname")" fake
assert_nothing_left fakesys

# --- setuid under noNewPrivileges ---------------------------------------------------------------

B=$T/suid
attack_bundle "$B" /suid-attack ids || bail "make a bundle"
cp "$ATTACK" "$B/rootfs/suid-attack"
chown 0:0 "$B/rootfs/suid-attack" && chmod 4755 "$B/rootfs/suid-attack"
if findmnt -n -o OPTIONS --target "$B/rootfs" | grep -qw nosuid; then
	skip "setuid under noNewPrivileges" "$T is on a nosuid file system"
else
	edit_config "$B" '.process.user = { "uid": 1000, "gid": 1000 } | .process.noNewPrivileges = true'
	capture nook run -b "$B" suid
	is "setuid root with noNewPrivileges: euid stays 1000" "$(val euid "$OUT") $(val nnp "$OUT")" "1000 1"
	set_id "$B" suid-nonnp
	edit_config "$B" '.process.noNewPrivileges = false'
	capture nook run -b "$B" suid-nonnp
	is "setuid root without noNewPrivileges: euid 0 (the check above can fail)" \
		"$(val euid "$OUT") $(val nnp "$OUT")" "0 0"
	assert_nothing_left suid-nonnp
fi
assert_nothing_left suid

done_testing
