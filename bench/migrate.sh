#!/bin/bash
# The downtime of `nookctl migrate --online` (from the freeze to running on the
# destination), for the minimal template and for a container with 200 MB of touched
# memory: tests/vm/integration/migrate.sh run in the VM harness (Debian's CRIU works
# only there), its progress lines printed.  The VM emulates its CPUs (qemu TCG, no
# KVM on these hosts): every step, ssh's handshakes above all, is many times slower
# than on hardware, so read the steps' shares more than the totals.
#   bench/migrate.sh [BUILDDIR]   (default: ../build beside the source, else .)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/../build}
[ -x "$BUILD/nookctl" ] || BUILD=$SRC
BUILD=$(cd "$BUILD" && pwd)
"$SRC/tests/vm/run-in-vm.sh" --timeout 1200 -- env NOOK="$BUILD/nook" NOOKCTL="$BUILD/nookctl" \
	BUILDDIR="$BUILD" SRCDIR="$SRC" bash "$SRC/tests/vm/integration/migrate.sh" |
	grep -E '^(# (migrate|migrated) |not ok|ok .*migrate --online)'
