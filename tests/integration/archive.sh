#!/bin/bash
# template_debootstrap() (manager/debootstrap.c) with the real debootstrap, through
# tests/helpers/template-debootstrap: the failure paths, which need no network (an
# unknown suite; a mirror on a loopback port nothing listens on), give one error line
# naming debootstrap's own cause and the kept log, and leave no directory and no mount.
# The real download (bookworm minbase) is test_debootstrap's, with NOOK_TEST_DEBOOTSTRAP=1:
# this script's network namespace has no way out.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

HELPER=$BUILDDIR/tests/helpers/template-debootstrap
[ -x "$HELPER" ] || bail "template-debootstrap helper" "$HELPER is not built (make check builds it)"

if [ ! -x /usr/sbin/debootstrap ]; then
	skip "debootstrap failure paths" "debootstrap is not installed (apt-get install debootstrap)"
	done_testing
fi

# fails_cleanly NAME TEXT SUITE MIRROR: template-debootstrap into $T/templates/NAME fails
# with one error line containing TEXT, leaving only its log.
fails_cleanly() {
	local name=$1 text=$2 suite=$3 mirror=$4 dir=$T/templates/$1 log
	log=$T/templates/.$name.debootstrap.log
	mkdir -p "$T/templates"
	capture "$HELPER" "$dir" "$suite" minbase - "$mirror"
	is "$name: exit status" "$RC" 1
	is "$name: one line on stderr" "$(printf '%s\n' "$ERR" | grep -c .)" 1
	like "$name: the error names the cause and the log" "$ERR" \
		"^template-debootstrap: debootstrap $suite into $dir failed \(log: $log\): .*$text"
	is "$name: no directory left" \
		"$(find "$T/templates" -mindepth 1 -maxdepth 1 ! -name '.*.debootstrap.log')" ""
	is "$name: no mount left" "$(new_mounts)" ""
	if [ -s "$log" ]; then
		ok "$name: the log is kept"
	else
		fail "$name: the log is kept" "$(ls -la "$T/templates")"
	fi
}

fails_cleanly unknown-suite "No such script: .*/nosuchsuite" nosuchsuite -
fails_cleanly unreachable-mirror "Failed getting release file http://127.0.0.1:9/" bookworm \
	http://127.0.0.1:9/

# An existing, non-empty directory is refused before debootstrap runs, and kept.
mkdir -p "$T/templates/full"
echo keep >"$T/templates/full/file"
capture "$HELPER" "$T/templates/full" bookworm
is "non-empty target: exit status" "$RC" 1
like "non-empty target: error" "$ERR" "^template-debootstrap: debootstrap: $T/templates/full: Directory not empty$"
is "non-empty target: content kept" "$(cat "$T/templates/full/file")" keep

done_testing
