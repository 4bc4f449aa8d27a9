# Sourced by bench/run: how each runtime is driven, so that the measuring loops in
# bench/run never need to know which runtime they time.
#
# Every runtime gets a bundle (or, for LXC, a config file) made from the same
# `nook spec` output; see bench/README.md for what differs and why.
#
# Expects from bench/run: $WORK, $NOOK, $CGPARENT, $BRIDGE, $CNI_CONF.
#
#   rt_bundle RT VARIANT CMD ID IDX   write the bundle or config of container ID
#   rt_run RT ID                      create+start+wait+delete a /bin/true container
#   rt_argv RT ID                     the command rt_run runs, in RT_ARGV
#   rt_start RT ID                    start a detached container (networking included)
#   rt_pid RT ID                      the container's first process, on stdout
#   rt_stop RT ID                     stop and delete a detached container
#   rt_cleanup RT                     delete the containers RT's state still lists
#   rt_version RT                     one line naming the version
#
# RT is nook, crun, runc, lxc or floor (unshare alone; only rt_run and rt_bundle).
# VARIANT is host (no network namespace), netns (an empty one of its own) or net
# (its own, with a veth on bridge $BRIDGE and an address).  CMD is true or sleep.

# Configs are templates whose @ID@, @CG@ and @IP@ are filled by rt_bundle, so that
# making 1000 bundles costs no process per bundle.
declare -A RT_TEMPLATE
# The variant each container was made with, by id: rt_start and rt_stop need it.
declare -A RT_VARIANT

# rt_templates: writes RT_TEMPLATE[KIND/VARIANT/CMD] for KIND nook, peer and lxc.
rt_templates() {
	local spec=$WORK/spec variant cmd args ns ann
	mkdir -p "$spec"
	(cd "$spec" && "$NOOK" spec) || return 1
	for variant in host netns net; do
		for cmd in true sleep; do
			if [ "$cmd" = true ]; then args='["/bin/true"]'; else args='["/bin/sleep","1000000"]'; fi
			ns='.'
			[ "$variant" = host ] && ns='.linux.namespaces |= map(select(.type != "network"))'
			ann='{}'
			[ "$variant" = net ] && ann="{\"org.nook.net.eth0\": \"bridge=$BRIDGE,ip=@IP@/16\"}"
			RT_TEMPLATE[nook/$variant/$cmd]=$(jq --argjson args "$args" --argjson ann "$ann" \
				--arg root "$WORK/rootfs" "$ns"' | .process.args = $args
				| .process.terminal = false | .root.path = $root
				| .linux.cgroupsPath = "@CG@" | .annotations = $ann' \
				"$spec/config.json") || return 1
			# crun 1.8.1 refuses ociVersion 1.2.0 ("unknown version specified"); the
			# peers network through CNI, not through nook's annotation.
			RT_TEMPLATE[peer/$variant/$cmd]=$(jq '.ociVersion = "1.0.2" | del(.annotations)' \
				<<<"${RT_TEMPLATE[nook/$variant/$cmd]}") || return 1
			RT_TEMPLATE[lxc/$variant/$cmd]=$(lxc_config "$spec/config.json" "$variant" "$cmd") || return 1
		done
	done
}

# lxc_config CONFIG.JSON VARIANT CMD: the LXC equivalent of the OCI config, as close
# as LXC's keys allow (bench/README.md lists the differences).
lxc_config() {
	local json=$1 variant=$2 cmd=$3 caps
	caps=$(jq -r '.process.capabilities.bounding | map(sub("^CAP_"; "") | ascii_downcase) | join(" ")' "$json")
	cat <<EOF
lxc.uts.name = $(jq -r '.hostname' "$json")
lxc.rootfs.path = dir:$WORK/rootfs
lxc.rootfs.options = $(jq -r 'if .root.readonly then "ro" else "rw" end' "$json")
lxc.autodev = 1
lxc.mount.auto = proc:mixed sys:ro cgroup:ro
lxc.mount.entry = shm dev/shm tmpfs nosuid,noexec,nodev,mode=1777,size=65536k,create=dir 0 0
lxc.mount.entry = mqueue dev/mqueue mqueue nosuid,noexec,nodev,create=dir 0 0
lxc.pty.max = 0
lxc.tty.max = 0
lxc.console.path = none
lxc.cap.keep = $caps
lxc.no_new_privs = $(jq -r 'if .process.noNewPrivileges then 1 else 0 end' "$json")
lxc.prlimit.nofile = 1024
lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp
lxc.apparmor.profile = unconfined
lxc.cgroup2.devices.deny = a
lxc.cgroup2.devices.allow = c 1:3 rwm
lxc.cgroup2.devices.allow = c 1:5 rwm
lxc.cgroup2.devices.allow = c 1:7 rwm
lxc.cgroup2.devices.allow = c 1:8 rwm
lxc.cgroup2.devices.allow = c 1:9 rwm
lxc.cgroup2.devices.allow = c 5:0 rwm
lxc.cgroup2.devices.allow = c 5:2 rwm
lxc.cgroup2.devices.allow = c 136:* rwm
lxc.cgroup.relative = 0
lxc.cgroup.dir.container = ${CGPARENT#/}/lxc-@ID@
lxc.cgroup.dir.monitor = ${CGPARENT#/}/lxcmon-@ID@
lxc.log.level = ERROR
EOF
	case $variant in
	host)
		echo "lxc.namespace.clone = pid ipc uts mnt cgroup"
		echo "lxc.net.0.type = none"
		;;
	netns)
		echo "lxc.namespace.clone = pid ipc uts mnt cgroup net"
		echo "lxc.net.0.type = empty"
		;;
	net)
		echo "lxc.namespace.clone = pid ipc uts mnt cgroup net"
		echo "lxc.net.0.type = veth"
		echo "lxc.net.0.link = $BRIDGE"
		echo "lxc.net.0.name = eth0"
		echo "lxc.net.0.flags = up"
		echo "lxc.net.0.ipv4.address = @IP@/16"
		;;
	esac
	if [ "$cmd" = true ]; then
		echo "lxc.init.cmd = /bin/true"
	else
		echo "lxc.init.cmd = /bin/sleep 1000000"
	fi
}

# The program of each runtime and the kind of config it takes, looked up without a
# subshell: a fork per container would be timed with the runtime.
declare -A RT_BIN=([crun]=crun [runc]=runc [lxc]=lxc-start [floor]=unshare)
declare -A RT_KIND=([nook]=nook [crun]=peer [runc]=peer [lxc]=lxc)
rt_bin() { echo "${RT_BIN[$1]:-$NOOK}"; }

# rt_bundle RT VARIANT CMD ID IDX: the container's address is derived from IDX so
# that nook and LXC, which are given addresses, use the same ones CNI hands out.
rt_bundle() {
	local rt=$1 variant=$2 cmd=$3 id=$4 idx=$5 text ip
	RT_VARIANT[$id]=$variant
	[ "$rt" = floor ] && return 0
	ip=10.77.$((idx / 250 + 1)).$((idx % 250 + 2))
	text=${RT_TEMPLATE[${RT_KIND[$rt]}/$variant/$cmd]}
	text=${text//@ID@/$id}
	text=${text//@CG@/$CGPARENT/$rt-$id}
	text=${text//@IP@/$ip}
	mkdir -p "$WORK/b/$id"
	if [ "$rt" = lxc ]; then
		printf '%s\n' "$text" >"$WORK/b/$id/lxc.conf"
	else
		printf '%s\n' "$text" >"$WORK/b/$id/config.json"
	fi
}

# rt_argv RT ID: sets RT_ARGV to the command that runs ID's /bin/true to the end and
# deletes it, so that it can be run under /usr/bin/time with nothing in between.
rt_argv() {
	local rt=$1 id=$2
	case $rt in
	floor)
		if [ "${RT_VARIANT[$id]}" = host ]; then
			RT_ARGV=(unshare -m -u -i -p -f /bin/true)
		else
			RT_ARGV=(unshare -m -u -i -n -p -f /bin/true)
		fi
		;;
	lxc) RT_ARGV=(lxc-start -F -n "$id" -P "$WORK/run/lxc" -f "$WORK/b/$id/lxc.conf") ;;
	*) RT_ARGV=("${RT_BIN[$rt]:-$NOOK}" --root "$WORK/run/$rt" run --bundle "$WORK/b/$id" "$id") ;;
	esac
}

rt_run() {
	rt_argv "$1" "$2"
	"${RT_ARGV[@]}" </dev/null >/dev/null
}

# cni ADD|DEL ID PID: what podman (CNI backend) and containerd do for a container:
# the bridge plugin, which runs host-local for the address, on the container's netns.
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/proc/$3/ns/net CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge <"$CNI_CONF" >/dev/null
}

rt_start() {
	local rt=$1 id=$2 bin=${RT_BIN[$1]:-$NOOK}
	if [ "$rt" = lxc ]; then
		lxc-start -d -n "$id" -P "$WORK/run/lxc" -f "$WORK/b/$id/lxc.conf" </dev/null >/dev/null
		return
	fi
	"$bin" --root "$WORK/run/$rt" create --bundle "$WORK/b/$id" --pid-file "$WORK/b/$id/pid" "$id" \
		</dev/null >/dev/null || return 1
	if [ "$rt" != nook ] && [ "${RT_VARIANT[$id]}" = net ]; then
		cni ADD "$id" "$(<"$WORK/b/$id/pid")" || return 1
	fi
	"$bin" --root "$WORK/run/$rt" start "$id"
}

rt_pid() {
	local rt=$1 id=$2
	if [ "$rt" = lxc ]; then
		lxc-info -H -p -n "$id" -P "$WORK/run/lxc"
	else
		printf '%s\n' "$(<"$WORK/b/$id/pid")"
	fi
}

rt_stop() {
	local rt=$1 id=$2
	if [ "$rt" = lxc ]; then
		lxc-stop -k -n "$id" -P "$WORK/run/lxc"
		return
	fi
	# containerd and podman tear the network down before they kill the container; the
	# container goes even when that fails, as with them.
	local cni_rc=0
	if [ "$rt" != nook ] && [ "${RT_VARIANT[$id]}" = net ]; then
		cni DEL "$id" "$(<"$WORK/b/$id/pid")" || cni_rc=1
	fi
	"${RT_BIN[$rt]:-$NOOK}" --root "$WORK/run/$rt" delete -f "$id" && return "$cni_rc"
}

rt_cleanup() {
	local rt=$1 id
	case $rt in
	floor) ;;
	lxc) ;; # LXC keeps no state for a container started from a config file: see bench/run
	*)
		[ -d "$WORK/run/$rt" ] || return 0
		for id in $("$(rt_bin "$rt")" --root "$WORK/run/$rt" list -q 2>/dev/null); do
			"$(rt_bin "$rt")" --root "$WORK/run/$rt" delete -f "$id" >/dev/null 2>&1
		done
		;;
	esac
}

rt_version() {
	case $1 in
	floor) echo "unshare from util-linux $(unshare --version | awk '{ print $NF }')" ;;
	lxc) echo "lxc $(lxc-start --version)" ;;
	*) "$(rt_bin "$1")" --version | head -n 1 ;;
	esac
}
