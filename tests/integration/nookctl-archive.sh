#!/bin/bash
# shellcheck disable=SC2016 # container scripts are in single quotes
# nookctl's tarballs: template export and import (links and modes kept; a tarball
# without /sbin/init or with an entry escaping the template refused, leaving nothing),
# template create --debootstrap (through a fake debootstrap: the real one downloads),
# backup (the private layer and config only, whiteouts included) and restore (refused
# over a taken CTID or address or without the template).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/integration/nookctl-lib.bash
. "$(dirname "$0")/nookctl-lib.bash"

TPLS=$HOME_DIR/templates
no_staging() { ! ls -a "$TPLS" "$HOME_DIR/containers" | grep -q '^\.[^.]'; }

# --- template export / import ---------------------------------------------------------------

# libarchive is loaded when a tarball is first read or written (manager/archive_lib.h):
# linked, it and its twelve libraries cost every nookctl command and fork.
check "nookctl does not link libarchive" sh -c "! ldd '$NOOKCTL' | grep -q libarchive"
check "template export minimal" ctl template export minimal "$T/minimal.tar.gz"
check "the export is a gzip tarball" sh -c "tar tzf '$T/minimal.tar.gz' | grep -qx 'bin/busybox'"
check "template import min2" ctl template import min2 "$T/minimal.tar.gz"
is "import: applet links kept" "$(readlink "$TPLS/min2/usr/bin/wget")" /bin/busybox
is "import: modes kept" "$(stat -c %a "$TPLS/min2/etc/shadow")" 600
is "import: the same files" "$(cd "$TPLS/minimal" && find . | sort | md5sum)" \
	"$(cd "$TPLS/min2" && find . | sort | md5sum)"
capture ctl template list
like "template list shows the import" "$OUT" '^min2 +[0-9]+ +0$'
check_ctl_error "import over an existing template" "template min2 already exists" \
	ctl template import min2 "$T/minimal.tar.gz"
mkdir -p "$T/noinit/etc" && echo x >"$T/noinit/etc/x"
tar cf "$T/noinit.tar" -C "$T/noinit" .
check_ctl_error "import of a tree without /sbin/init" "has no /sbin/init" \
	ctl template import noinit "$T/noinit.tar"
check "the refused import left nothing" sh -c "[ ! -e '$TPLS/noinit' ]"
python3 - "$T/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"pwned\n"
    info = tarfile.TarInfo("../../evil")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
PY
capture ctl template import evil "$T/evil.tar"
is "import of an escaping entry fails" "$RC" 1
like "its error names the entry" "$ERR" 'evil'
check "the escaping entry landed nowhere" sh -c "[ ! -e '$HOME_DIR/evil' ] && [ ! -e '$T/evil' ] && [ ! -e '$TPLS/evil' ]"
check "no staging directory is left" no_staging
check_ctl_error "import of a missing file" "nosuch.tar" ctl template import x "$T/nosuch.tar"
check_ctl_error "export of a missing template" "template nosuch does not exist" \
	ctl template export nosuch "$T/x.tar"

# --- template create --debootstrap (a fake debootstrap) -------------------------------------

cat >"$T/debootstrap" <<EOF2
#!/bin/bash
printf '%s\n' "\$@" >"$T/debootstrap.args"
target=\${@: -2:1}
mkdir -p "\$target"
echo 'P: 1 2 DOWNDEBS' >&3
cp -a "$TPLS/minimal/." "\$target/"
echo 'P: 2 2 CONFBASE' >&3
EOF2
chmod 755 "$T/debootstrap"
check "template create deb --debootstrap bookworm --variant minbase --include less" \
	env NOOK_DEBOOTSTRAP="$T/debootstrap" "$NOOKCTL" template create deb --debootstrap bookworm \
	--variant minbase --include less
like "debootstrap got the suite, variant and packages" "$(tr '\n' ' ' <"$T/debootstrap.args")" \
	'--variant=minbase .*less.* bookworm '
check "the debootstrap template is there" test -x "$TPLS/deb/bin/busybox"
check_ctl_error "--variant without --debootstrap" "--variant and --include need --debootstrap" \
	ctl template create x --variant minbase

# --- backup / restore ---------------------------------------------------------------------------

check "create 101 from the imported template" ctl create 101 --ostemplate min2 \
	--ipadd 10.0.0.101/24 --name web --hostname web101
check "start 101" ctl start 101
check "write a file, delete a template file" ctl exec 101 sh -c \
	'echo precious >/root/data && rm /etc/os-release && mkdir -p /srv/a && echo b >/srv/a/b'
check "stop 101" ctl stop 101
check "backup 101" ctl backup web "$T/101.tar.zst"
SIZE=$(stat -c %s "$T/101.tar.zst")
echo "# backup of 101: $SIZE bytes (template: $(du -sk "$TPLS/min2" | cut -f1) KiB)"
check "the backup is small (the template is not in it)" test "$SIZE" -lt 65536
check "the backup holds config.json and private/" sh -c \
	"tar --zstd -tf '$T/101.tar.zst' | grep -qx 'config.json' && tar --zstd -tf '$T/101.tar.zst' | grep -q '^private/root/data$'"
check_ctl_error "restore over an existing container" "container 101 already exists" \
	ctl restore 101 "$T/101.tar.zst"
check_ctl_error "restore where the name is taken" "name web is taken by container 101" \
	ctl restore 102 "$T/101.tar.zst"
check "set --name www --save (the address stays taken)" ctl set 101 --name www --save
check_ctl_error "restore where the address is taken" "address 10.0.0.101 is used by container 101" \
	ctl restore 102 "$T/101.tar.zst"
check "set --name web --save" ctl set 101 --name web --save
check "no staging directory is left after refusals" no_staging
CFG_BEFORE=$(jq -S 'del(.linux.cgroupsPath)' "$HOME_DIR/containers/101/config.json")
check "destroy 101" ctl destroy 101
check "restore 101" ctl restore 101 "$T/101.tar.zst"
is "restore: the same config" "$(jq -S 'del(.linux.cgroupsPath)' "$HOME_DIR/containers/101/config.json")" \
	"$CFG_BEFORE"
is "restore: the cgroup path of this home" "$(jq -r .linux.cgroupsPath "$HOME_DIR/containers/101/config.json")" \
	"$CGP_PATH/101"
check "start the restored 101" ctl start web
check_output "the file is back" precious ctl exec 101 cat /root/data
check_status "the deleted template file stays deleted (whiteout)" 1 ctl exec 101 test -e /etc/os-release
check_output "the host name" web101 ctl exec 101 hostname
check "destroy --force 101" ctl destroy --force 101
check "restore as 102" ctl restore 102 "$T/101.tar.zst"
is "restore 102: its own cgroup path" "$(jq -r .linux.cgroupsPath "$HOME_DIR/containers/102/config.json")" \
	"$CGP_PATH/102"
check "destroy 102" ctl destroy 102
check "template remove min2" ctl template remove min2
check_ctl_error "restore without its template" "template min2 of the backup does not exist" \
	ctl restore 103 "$T/101.tar.zst"
check "no staging directory is left" no_staging
assert_ct_gone 103 "103: nothing left"

done_testing
