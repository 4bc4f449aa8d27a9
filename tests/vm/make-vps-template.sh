#!/bin/bash
# Makes the Debian template that tests/vm/integration/vps.sh boots in the VM, which has
# no network: `nookctl template create --debootstrap bookworm` (minbase + systemd,
# ~100 MB downloaded from Debian's archive, 2-3 minutes) exported as a tarball.  An
# existing tarball is kept; delete it to make a fresh one.
#
#   NOOKCTL=path/to/nookctl tests/vm/make-vps-template.sh   (as root; `make vps-template`)
#
# Environment: NOOK_VPS_TEMPLATE, the tarball (default /var/tmp/nook-vm/vps-bookworm.tar.zst).
set -eu -o pipefail

out=${NOOK_VPS_TEMPLATE:-/var/tmp/nook-vm/vps-bookworm.tar.zst}
nookctl=${NOOKCTL:?NOOKCTL must name the nookctl binary}
if [ -s "$out" ]; then
	echo "vps-template: $out is there already"
	exit 0
fi
if ! command -v debootstrap >/dev/null; then
	echo "+ apt-get install debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
fi
home=$(mktemp -d /var/tmp/nook-vps-home.XXXXXX)
trap 'rm -rf --one-file-system "$home"' EXIT
echo "+ nookctl template create vps --debootstrap bookworm"
"$nookctl" --home "$home" template create vps --debootstrap bookworm
mkdir -p "$(dirname "$out")"
echo "+ nookctl template export vps $out"
"$nookctl" --home "$home" template export vps "$out"
ls -l "$out"
