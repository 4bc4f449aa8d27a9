#!/bin/sh
# Assembles a minimal root filesystem in DIR from the host's statically linked busybox
# (Debian's busybox-static): DIR/bin/busybox, one symlink per applet, /etc/passwd and
# /etc/group, and the usual empty directories.  Nothing is downloaded.  Running it again
# on the same DIR is harmless.
#
# usage: tests/make-busybox-rootfs.sh DIR
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ]; then
	echo "$0: $busybox not found: install the Debian package busybox-static" >&2
	exit 1
fi
# A dynamically linked busybox (Debian's "busybox" package) would not run inside a
# root filesystem that has no libc.
if ldd "$busybox" >/dev/null 2>&1; then
	echo "$0: $busybox is dynamically linked: install busybox-static instead of busybox" >&2
	exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp etc root var/www home
chmod 1777 tmp
chmod 0700 root

# Copy through a temporary name so that a rootfs in use is never seen half-written.
if ! cmp -s "$busybox" bin/busybox 2>/dev/null; then
	cp "$busybox" bin/busybox.new
	chmod 0755 bin/busybox.new
	mv -f bin/busybox.new bin/busybox
fi

for applet in $(bin/busybox --list); do
	case $applet in
	busybox | */*) continue ;;
	esac
	[ -e "bin/$applet" ] || [ -L "bin/$applet" ] || ln -s busybox "bin/$applet"
done

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
[ -e etc/hostname ] || echo nook >etc/hostname
[ -e var/www/index.html ] || echo "hello from nook" >var/www/index.html
