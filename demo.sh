#!/bin/bash
# The first thing to run, as root on a fresh Debian 12 machine:
#
#     ./demo.sh
#
# installs the build dependencies, builds nook, assembles a busybox root filesystem from
# Debian's busybox-static (nothing is downloaded but Debian packages), writes a
# config.json with `nook spec`, and runs a container from it.  Each command is printed
# before it runs.  The container is deleted afterwards (nook removes its cgroup); the
# bundle stays in ./demo for you to look at.
set -u -o pipefail
cd "$(dirname "$0")" || exit 1

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run it as root: it installs packages and creates a container" >&2
	exit 1
fi

# run 'COMMAND LINE': prints the command line, then runs it; the demo stops when it fails.
if [ -t 1 ]; then BOLD='\033[1m' PLAIN='\033[0m'; else BOLD='' PLAIN=''; fi
run() {
	printf "\n$BOLD# %s$PLAIN\n" "$1"
	eval "$1" || {
		echo "demo.sh: failed: $1" >&2
		exit 1
	}
}

export DEBIAN_FRONTEND=noninteractive
run 'apt-get -qq update'
run 'apt-get install -y -qq --no-install-recommends build-essential autoconf automake pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev libnftnl-dev libcmocka-dev busybox-static jq >/dev/null'

[ -x configure ] || run './autogen.sh'
[ -f Makefile ] || run './configure'
run 'make -j2 nook'

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
echo
echo "The container ran and is gone.  Its bundle is in demo/bundle; README.md tells more."
