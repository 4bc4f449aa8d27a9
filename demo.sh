#!/bin/bash
# The first thing to run, as root on a fresh Debian 12 machine:
#
#     ./demo.sh
#
# installs the build dependencies, builds nook and nookctl, assembles a busybox root
# filesystem from Debian's busybox-static (nothing is downloaded but Debian packages),
# writes a config.json with `nook spec`, and runs a container from it.  Then, in a
# private network and mount namespace (your host's network and mounts stay untouched and
# nothing stays behind), nookctl builds its minimal template, creates and starts system
# container 101 with its own address, lists it, fetches its web page, runs ps in it,
# stops and destroys it.  Each command is printed before it runs.  The bundle of the
# first part stays in ./demo for you to look at.
set -u -o pipefail
cd "$(dirname "$0")" || exit 1

# run 'COMMAND LINE': prints the command line, then runs it; the demo stops when it fails.
if [ -t 1 ]; then BOLD='\033[1m' PLAIN='\033[0m'; else BOLD='' PLAIN=''; fi
run() {
	printf "\n$BOLD# %s$PLAIN\n" "$1"
	eval "$1" || {
		echo "demo.sh: failed: $1" >&2
		exit 1
	}
}

# The nookctl part, run by the outer demo inside `unshare -n -m --propagation private`:
# the bridge, the veth and the overlay mount live and die with these namespaces; the
# home, the runtime state and the cgroup parent are temporary.
if [ -n "${NOOK_DEMO_NS:-}" ]; then
	ip link set lo up
	work=$(mktemp -d /tmp/nookctl-demo.XXXXXX)
	cgmount=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	export NOOK_HOME=$work/home NOOK_ROOT=$work/run NOOK_CGROUP_PARENT=/nookctl-demo-$$
	mkdir -p "$cgmount$NOOK_CGROUP_PARENT"
	cleanup_ns() {
		./nookctl destroy --force 101 >/dev/null 2>&1
		rmdir "$cgmount$NOOK_CGROUP_PARENT" 2>/dev/null
		rm -rf --one-file-system "$work"
	}
	trap cleanup_ns EXIT
	PATH=$PWD:$PATH
	run 'nookctl template create minimal'
	run 'nookctl create 101 --ipadd 10.0.0.101/24 --hostname web101'
	run 'nookctl start 101'
	run 'nookctl list'
	# Its httpd takes a moment to listen.
	for _ in $(seq 50); do busybox wget -q -O /dev/null http://10.0.0.101/ 2>/dev/null && break; sleep 0.1; done
	run 'busybox wget -q -O - http://10.0.0.101/'
	run 'nookctl exec 101 ps'
	run 'nookctl stop 101'
	run 'nookctl destroy 101'
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run it as root: it installs packages and creates a container" >&2
	exit 1
fi


export DEBIAN_FRONTEND=noninteractive
run 'apt-get -qq update'
run 'apt-get install -y -qq --no-install-recommends build-essential autoconf automake pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev libnftnl-dev libarchive-dev libcmocka-dev busybox-static jq iproute2 util-linux >/dev/null'

[ -x configure ] || run './autogen.sh'
[ -f Makefile ] || run './configure'
run 'make -j2 nook nookctl'

ID=demo-$$
run 'sh tests/make-busybox-rootfs.sh demo/bundle/rootfs'
rm -f demo/bundle/config.json
run './nook spec --bundle demo/bundle'
run 'jq '"'"'.process.args = ["sh", "-c", "echo hello from nook; hostname; id; ps"]'"'"' demo/bundle/config.json > demo/bundle/config.json.new'
run 'mv demo/bundle/config.json.new demo/bundle/config.json'

# Should the run be interrupted, delete the container (and with it its cgroup); leave
# no empty state directory behind either.
[ -e /run/nook ] && HAD_STATE_DIR=1 || HAD_STATE_DIR=
cleanup() {
	./nook delete --force "$ID" >/dev/null 2>&1
	[ -n "$HAD_STATE_DIR" ] || rmdir /run/nook 2>/dev/null
}
trap cleanup EXIT
run "./nook run --bundle demo/bundle $ID"
run './nook list'
trap - EXIT
cleanup

run 'unshare -n -m --propagation private env NOOK_DEMO_NS=1 ./demo.sh'
echo
echo "Both containers ran and are gone.  The first one's bundle is in demo/bundle;"
echo "README.md and 'man -l man/nookctl.8' tell more."
