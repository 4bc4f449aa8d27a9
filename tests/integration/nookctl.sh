#!/bin/bash
# shellcheck disable=SC2016 # jq programs and container scripts are in single quotes
# nookctl, one container through every command: template create/list/remove, create
# (the config it writes), mount/umount, start, status, list, exec (exit status, '-'),
# enter, console, set (live and --save: host name, addresses, resolver, password),
# restart, stop, destroy, --onboot with start --all-onboot; the host-side writes into
# a container's /etc resolved inside its root; limits in the config and their refusal
# on a host without the controllers.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

TPL=$HOME_DIR/templates/minimal

# --- templates --------------------------------------------------------------------------

check "template: busybox is in it" test -x "$TPL/bin/busybox"
is "template: applets link to busybox" "$(readlink "$TPL/usr/bin/wget")" /bin/busybox
check "template: an inittab boots rcS, syslogd, httpd" \
	grep -q 'httpd -f -p 80 -h /var/www' "$TPL/etc/inittab"
grep -q 'syslogd' "$TPL/etc/inittab" && grep -q 'sysinit:/etc/init.d/rcS' "$TPL/etc/inittab" &&
	ok "template: rcS and syslogd in the inittab" || fail "template: rcS and syslogd in the inittab" "$(cat "$TPL/etc/inittab")"
check "template: os-release says nook-minimal" grep -qx 'ID=nook-minimal' "$TPL/etc/os-release"
for f in passwd group shadow hosts hostname resolv.conf; do
	check "template: /etc/$f exists" test -e "$TPL/etc/$f"
done
is "template: shadow is private" "$(stat -c %a "$TPL/etc/shadow")" 600
like "template create said what is missing (no dropbear)" "$(cat "$T/template.out")" 'dropbear'
check_ctl_error "template create: an existing one is refused" "template minimal already exists" \
	ctl template create minimal
check_ctl_error "template create: a bad name is refused" "invalid template name" \
	ctl template create ../x
capture ctl template list
like "template list: name, size, users" "$OUT" '^minimal +[0-9]+ +0$'

# containers/ is flagged as the top of directory hierarchies (chattr +T): on ext4 each
# container's files then go near its own directory, not all into one block group.
case $(stat -f -c %T "$HOME_DIR") in
ext2/ext3)
	like "containers/ is flagged +T (ext4's top of hierarchies)" \
		"$(lsattr -d "$HOME_DIR/containers" | cut -d' ' -f1)" 'T'
	;;
*) skip "containers/ +T: the home is on $(stat -f -c %T "$HOME_DIR"), not ext4" ;;
esac

# --- create ---------------------------------------------------------------------------------

check "create 101" ctl create 101 --ipadd 10.0.0.101/24 --hostname web101 --name web \
	--description "the web server"
CFG=$HOME_DIR/containers/101/config.json
is "config: ostemplate" "$(jq -r '.annotations["org.nook.ostemplate"]' "$CFG")" minimal
is "config: name" "$(jq -r '.annotations["org.nook.name"]' "$CFG")" web
is "config: description" "$(jq -r '.annotations["org.nook.description"]' "$CFG")" "the web server"
is "config: onboot" "$(jq -r '.annotations["org.nook.onboot"]' "$CFG")" no
is "config: network (gateway: the subnet's first host)" \
	"$(jq -r '.annotations["org.nook.net.eth0"]' "$CFG")" "bridge=nookbr0,ip=10.0.0.101/24,gw=10.0.0.1"
is "config: hostname" "$(jq -r .hostname "$CFG")" web101
is "config: process is /sbin/init" "$(jq -c .process.args "$CFG")" '["/sbin/init"]'
is "config: no terminal" "$(jq -r .process.terminal "$CFG")" false
check "config: env container=nook" jq -e '.process.env | index("container=nook")' "$CFG"
check "config: CAP_NET_ADMIN and CAP_SYS_CHROOT, not CAP_SYS_ADMIN" jq -e \
	'.process.capabilities.bounding | (index("CAP_NET_ADMIN") and index("CAP_SYS_CHROOT") and (index("CAP_SYS_ADMIN") | not))' "$CFG"
mkdir -p "$T/spec" && "$NOOK" spec --bundle "$T/spec" >/dev/null 2>&1
is "config: the default seccomp profile of nook spec" "$(jq -Sc .linux.seccomp "$CFG")" \
	"$(jq -Sc .linux.seccomp "$T/spec/config.json")"
check "config: /run is a tmpfs, cgroup2 is writable" jq -e \
	'(.mounts | map(select(.destination == "/run" and .type == "tmpfs")) | length == 1) and
	 (.mounts | map(select(.destination == "/sys/fs/cgroup")) | .[0].options | index("ro") | not)' "$CFG"
is "config: namespaces" "$(jq -c '[.linux.namespaces[].type] | sort' "$CFG")" \
	'["cgroup","ipc","mount","network","pid","uts"]'
is "config: cgroup below the parent" "$(jq -r .linux.cgroupsPath "$CFG")" "$CGP_PATH/101"
is "config: no limits asked, none set" "$(jq -c .linux.resources "$CFG")" '{}'
is "status after create" "$(ct_status 101)" "exist unmounted down"
capture ctl template list
like "template list counts the user" "$OUT" '^minimal +[0-9]+ +1$'

# --- mount / umount ---------------------------------------------------------------------

check "mount" ctl mount 101
is "status after mount" "$(ct_status web)" "exist mounted down"
check "the root shows the template" test -x "$HOME_DIR/containers/101/rootfs/bin/busybox"
check "umount" ctl umount 101
is "status after umount" "$(ct_status 101)" "exist unmounted down"

# --- start, list, exec, console ---------------------------------------------------------

check "start by --name" ctl start web
is "status after start" "$(ct_status 101)" "exist mounted running"
check_ctl_error "start of a running container is refused" "already running" ctl start 101
# The root is mounted in the container's own namespace only: the host's holds no copy
# (each new namespace would copy it, N x N for a fleet), and reaches it at /proc/PID/root.
ROOT101="$HOME_DIR/containers/101/rootfs"
check "running: the host's namespace holds no mount of its root" \
	test -z "$(awk -v r="$ROOT101" '$5 == r' /proc/self/mountinfo)"
PID101=$(ctl list -H -o pid 101)
is "list -o pid: the init's PID on the host" "$PID101" "$(jq -r .pid "$ROOT/101/state.json")"
check "running: the host reaches its root at /proc/PID/root" test -x "/proc/$PID101/root/bin/busybox"
check "mount of a running container succeeds (it is mounted)" ctl mount 101
check "... without a second overlay on the host" \
	test -z "$(awk -v r="$ROOT101" '$5 == r' /proc/self/mountinfo)"
PAGE=
wait_for 10 http_get http://10.0.0.101/ && PAGE=$(http_get http://10.0.0.101/)
like "its httpd serves a page with its host name" "$PAGE" '<h1>web101</h1>'
capture ctl list
like "list: default columns" "$OUT" '^CTID +NPROC +STATUS +IP_ADDR +HOSTNAME'
like "list: the container's row" "$OUT" '^101 +[0-9]+ running 10\.0\.0\.101 +web101$'
capture ctl list -H -o ctid,name,ostemplate,onboot,description,disk,uptime,mounted
like "list -o: more fields" "$OUT" '^101 +web +minimal +no +the web server +[0-9]+ +[0-9]+ +yes$'
capture ctl list -j -o ctid,numproc_usage,ip,ram
check_jq "list -j: JSON with the fields" "$OUT" \
	'length == 1 and .[0].ctid == "101" and .[0].numproc_usage >= 2 and .[0].ip == "10.0.0.101" and .[0].ram == null'
capture ctl list -S
is "list -S: no stopped container" "$OUT" "CTID NPROC STATUS IP_ADDR HOSTNAME"
check_output "exec: hostname" web101 ctl exec 101 hostname
# A list is resolved from the container directories alone; a --name alias in it makes
# nookctl read the configurations to find it.
check_output "exec by --name" web101 ctl exec web hostname
check_status "exec: the exit status is nookctl's" 7 ctl exec 101 sh -c 'exit 7'
capture sh -c "printf 'echo one; echo \"\$((6 * 7))\"\n' | '$NOOKCTL' exec 101 -"
is "exec -: a script from stdin" "$OUT" "one
42"
check_output "exec: /etc/hostname in line with the config" web101 ctl exec 101 cat /etc/hostname
like "exec: /etc/hosts names the address" "$(ctl exec 101 cat /etc/hosts)" '10\.0\.0\.101	web101'
check_output "exec: init is busybox as pid 1" init ctl exec 101 sh -c 'cat /proc/1/comm'
capture ctl console -n 101
like "console: init's output" "$OUT" 'nook-minimal: web101 is up'
capture timeout 3 "$NOOKCTL" console 101
is "console follows until interrupted" "$RC" 124
like "console (following) shows the log" "$OUT" 'web101 is up'

# enter: a login shell on a new terminal.
OUT=$(printf 'echo ENTERED-$(hostname)-$$\nexit 0\n' | timeout 20 script -qec "$NOOKCTL enter 101" /dev/null 2>&1 | tr -d '\r')
like "enter: a shell on a terminal inside" "$OUT" 'ENTERED-web101-[0-9]+'
check_ctl_error "enter without a terminal is refused" "needs a terminal" ctl enter 101

# --- set ------------------------------------------------------------------------------------

check "set --hostname (live)" ctl set 101 --hostname live1
check_output "set: the live host name" live1 ctl exec 101 hostname
check_output "set: /etc/hostname follows" live1 ctl exec 101 cat /etc/hostname
is "set without --save: config unchanged" "$(jq -r .hostname "$CFG")" web101
check "set --ipadd (live)" ctl set 101 --ipadd 10.0.0.111/24
like "set: the new address answers" "$(http_get http://10.0.0.111/)" '<h1>web101</h1>'
is "set without --save: addresses unchanged" "$(jq -r '.annotations["org.nook.net.eth0"]' "$CFG")" \
	"bridge=nookbr0,ip=10.0.0.101/24,gw=10.0.0.1"
check "set --ipadd --nameserver --searchdomain --save" ctl set 101 --ipadd 10.0.0.112/24 \
	--nameserver 10.0.0.1 --searchdomain example.org --save
like "set --save: the config has the addresses" "$(jq -r '.annotations["org.nook.net.eth0"]' "$CFG")" \
	'ip=10.0.0.101/24,ip=10.0.0.112/24'
is "set --save: resolver in resolv.conf" "$(ctl exec 101 cat /etc/resolv.conf)" "search example.org
nameserver 10.0.0.1"
like "set --save: address live too" "$(ctl exec 101 ip -o addr show eth0)" '10\.0\.0\.112/24'
check "set --ipdel --save" ctl set 101 --ipdel 10.0.0.112 --save
unlike "set --ipdel: gone from the config" "$(jq -r '.annotations["org.nook.net.eth0"]' "$CFG")" '10\.0\.0\.112'
unlike "set --ipdel: gone live" "$(ctl exec 101 ip -o addr show eth0)" '10\.0\.0\.112/'
check "set --userpasswd bob:s3cret" ctl set 101 --userpasswd bob:s3cret
SHADOW=$(ctl exec 101 cat /etc/shadow)
like "userpasswd: a SHA-512 hash" "$SHADOW" '^bob:\$6\$'
SALT=$(printf '%s\n' "$SHADOW" | awk -F: '$1 == "bob" { split($2, p, "$"); print p[3] }')
is "userpasswd: the hash is of the password" \
	"$(printf '%s\n' "$SHADOW" | awk -F: '$1 == "bob" { print $2 }')" \
	"$(openssl passwd -6 -salt "$SALT" s3cret)"
like "userpasswd: the user was created" "$(ctl exec 101 cat /etc/passwd)" '^bob:x:1000:1000::/home/bob:/bin/sh$'
check "set --description --onboot --save" ctl set 101 --description changed --onboot yes --save
is "set --save: description" "$(jq -r '.annotations["org.nook.description"]' "$CFG")" changed
is "set --save keeps the rest of the config" "$(jq -Sc .linux.seccomp "$CFG")" \
	"$(jq -Sc .linux.seccomp "$T/spec/config.json")"
capture ctl exec 101 sh -c 'echo x >/dev/full'
like "before --devices: /dev/full opens (and is full)" "$ERR" 'No space left on device'
check "set --devices c:1:7:none (live)" ctl set 101 --devices c:1:7:none
capture ctl exec 101 sh -c 'echo x >/dev/full'
like "set --devices: /dev/full is denied live" "$ERR" 'Operation not permitted'
check "set --devices c:1:7:rw --save" ctl set 101 --devices c:1:7:rw --save
is "set --devices: one rule per device in the config" "$(jq -c .linux.resources.devices "$CFG")" \
	'[{"allow":true,"type":"c","major":1,"minor":7,"access":"rw"}]'
capture ctl exec 101 sh -c 'echo x >/dev/full'
like "set --devices rw: /dev/full opens again" "$ERR" 'No space left on device'
check_ctl_error "set --devices: a bad rule" "expected c|b:MAJOR:MINOR:ACCESS" ctl set 101 --devices x:1:7:rw
check "set --capability CAP_SYS_TIME:on --save" ctl set 101 --capability CAP_SYS_TIME:on --save
check "set: the capability is in the config" jq -e '.process.capabilities.bounding | index("CAP_SYS_TIME")' "$CFG"

# --- restart, stop, onboot ----------------------------------------------------------------

PID1=$(ctl list -H -o ctid 2>/dev/null; jq -r .pid "$ROOT/101/state.json" 2>/dev/null)
check "restart" ctl restart 101
is "status after restart" "$(ct_status 101)" "exist mounted running"
check_output "restart: the saved host name (live1 was not saved)" web101 ctl exec 101 hostname
unlike "restart: a new init" "$(jq -r .pid "$ROOT/101/state.json")" "^${PID1##*$'\n'}\$"
IFLINK=$(ctl exec 101 cat /sys/class/net/eth0/iflink 2>/dev/null)
HOSTSIDE=$(ip -o link show | awk -F': ' -v i="$IFLINK" '$1 == i { sub(/@.*/, "", $2); print $2 }')
like "the host side of 101's eth0 is marked as its own" "$(ip -o link show "$HOSTSIDE" 2>&1)" 'alias nook:101'
check "stop" ctl stop 101
is "status after stop" "$(ct_status 101)" "exist unmounted down"
check "stop: the host side of its veth is gone at once" test -z "$(ip -o link show "$HOSTSIDE" 2>/dev/null)"
check "stop: no runtime state left" test ! -e "$ROOT/101"
check "stop: no cgroup left" test ! -d "$CGP/101"
check "start --all-onboot (101 is onboot)" ctl start --all-onboot
is "start --all-onboot started it" "$(ct_status 101)" "exist mounted running"
HOSTNAME_INODE=$(stat -c %i "$HOME_DIR/containers/101/private/etc/hostname")
check "stop --fast" ctl stop --fast --timeout 5 101
is "status after stop --fast" "$(ct_status 101)" "exist unmounted down"
# A root mounted on the host before the start (vzctl's /vz/root view) is the one the
# container runs on: what the host writes there, the container reads.
check "mount, then start" sh -c "'$NOOKCTL' mount 101 && '$NOOKCTL' start 101"
check "the host writes into the mounted root" sh -c "echo from-host >'$ROOT101/tmp/note'"
check_output "the container reads it" from-host ctl exec 101 cat /tmp/note
is "a start with nothing to change rewrites no file of /etc" \
	"$(stat -c %i "$HOME_DIR/containers/101/private/etc/hostname")" "$HOSTNAME_INODE"
check "stop" ctl stop --fast 101
is "stop unmounts the root mounted before" "$(ct_status 101)" "exist unmounted down"

# --- destroy --------------------------------------------------------------------------------

check "start again" ctl start 101
check_ctl_error "destroy of a running container is refused" "is running" ctl destroy 101
is "the refused destroy left it running" "$(ct_status 101)" "exist mounted running"
check_ctl_error "template remove is refused while used" "used by 1 container" \
	ctl template remove minimal
check "destroy --force" ctl destroy --force web
is "status after destroy" "$(ct_status 101)" "deleted unmounted down"
assert_ct_gone 101 "destroy: nothing left"

# --- host-side writes stay inside the root ------------------------------------------------

echo victim >"$T/victim"
check "create 102" ctl create 102 --ipadd 10.0.0.102/24 --hostname safe102
P=$HOME_DIR/containers/102/private
mkdir -p "$P/etc"
ln -s "$T/victim" "$P/etc/hostname"
ln -s "../../../../../../../../../../$T/victim" "$P/etc/hosts"
ln -s "$T/victim" "$P/etc/shadow"
check "start with symlinks planted at /etc/hostname and /etc/hosts" ctl start 102
check "set --userpasswd with /etc/shadow planted as a symlink" ctl set 102 --userpasswd root:pw
is "the host file the symlinks point at is untouched" "$(cat "$T/victim")" victim
check "/etc/hostname is now a file inside" test -f "$P/etc/hostname" -a ! -L "$P/etc/hostname"
check_output "/etc/hostname holds the host name" safe102 ctl exec 102 cat /etc/hostname
like "/etc/shadow inside holds the password" "$(cat "$P/etc/shadow")" '^root:\$6\$'
check "destroy --force 102" ctl destroy --force 102
assert_ct_gone 102 "102: nothing left"

# --- routed (venet-style) networking ---------------------------------------------------------

ip link add up0 type veth peer name up1 && ip link set up0 up && ip link set up1 up ||
	fail "a veth pair as the uplink"
check "create 104 --routed up0" ctl create 104 --routed up0 --ipadd 10.9.0.4 --hostname routed104
is "routed: the annotation (a /32, no gateway)" \
	"$(jq -r '.annotations["org.nook.net.eth0"]' "$HOME_DIR/containers/104/config.json")" \
	"mode=routed,dev=up0,ip=10.9.0.4/32"
check "start 104" ctl start 104
PAGE=
wait_for 10 http_get http://10.9.0.4/ && PAGE=$(http_get http://10.9.0.4/)
like "routed: its page through the host's /32 route" "$PAGE" '<h1>routed104</h1>'
like "routed: the host routes the address to it" "$(ip route show 10.9.0.4)" '^10\.9\.0\.4 dev '
check "destroy --force 104" ctl destroy --force 104
assert_ct_gone 104 "104: nothing left"
is "routed: the host route is gone" "$(ip route show 10.9.0.4)" ""
ip link del up0

# --- limits -----------------------------------------------------------------------------------

check "create 103 with limits" ctl create 103 --ram 256M --swap 128M --cpus 2 --cpulimit 150 \
	--cpuunits 512 --numproc 100
is "limits: linux.resources" "$(jq -c .linux.resources "$HOME_DIR/containers/103/config.json")" \
	'{"memory":{"limit":268435456,"swap":402653184},"cpu":{"shares":512,"quota":150000,"period":100000},"pids":{"limit":100}}'
capture ctl list -a -H -o ctid,ram,swap,cpulimit,cpuunits,numproc 103
like "list: the limits" "$OUT" '^103 +268435456 +134217728 +150 +512 +100$'
if grep -qw memory "$CG_MOUNT/cgroup.controllers" 2>/dev/null; then
	skip "start with limits is refused" "this host's cgroup v2 has a memory controller (see tests/vm)"
else
	check_ctl_error "start with limits is refused on this host" "memory controller is not available" \
		ctl start 103
	is "the refused start left it down" "$(ct_status 103)" "exist unmounted down"
	check "the refused start left no cgroup" test ! -d "$CGP/103"
	check "the refused start left no runtime state" test ! -e "$ROOT/103"
fi
check "destroy 103" ctl destroy 103
check "template remove once unused" ctl template remove minimal
check "template remove: gone" test ! -e "$TPL"

done_testing
