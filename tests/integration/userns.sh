#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# User namespaces: a container whose root is host uid 100000 on a rootfs chowned to it,
# the refusal of a rootfs its root does not own, idmapped mounts (the rootfs through the
# org.nook.rootfs.idmap annotation, binds through "idmap" and mount-level mappings), two
# containers with different ranges sharing one root-owned template, and the refusal of
# mappings and capabilities the kernel would not take.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# userns_config DIR HOSTID: a user namespace mapping container ids 0-65535 to HOSTID...
userns_config() {
	edit_config "$1" --argjson h "$2" '.linux.namespaces += [ { "type": "user" } ]
		| .linux.uidMappings = [ { "containerID": 0, "hostID": $h, "size": 65536 } ]
		| .linux.gidMappings = [ { "containerID": 0, "hostID": $h, "size": 65536 } ]'
}

# host_uid ID: the uid on the host of container ID's init.
host_uid() {
	awk '$1 == "Uid:" { print $2 }' "/proc/$(state_field "$1" pid)/status" 2>/dev/null
}

# owner PATH: "uid:gid" of PATH as the host sees it.
owner() {
	stat -c %u:%g "$1" 2>/dev/null
}

is "features: idmapped mounts are supported" \
	"$("$NOOK" features | jq -c '[.linux.mountExtensions.idmap.enabled, (.mountOptions | index("idmap") != null), (.mountOptions | index("ridmap") != null)]')" \
	"[true,true,true]"

# --- a rootfs chowned to the container's root ---------------------------------------------------

B=$T/chowned
make_bundle "$B" sh -c 'echo "id=$(id -u):$(id -g)"
	echo "uid_map=$(tr -s " " <  /proc/self/uid_map | sed "s/^ //")"
	echo "gid_map=$(tr -s " " <  /proc/self/gid_map | sed "s/^ //")"
	touch /created && echo "created=yes"' || bail "make a bundle"
userns_config "$B" 100000
chown -R 100000:100000 "$B/rootfs"
capture nook run -b "$B" chowned
[ "$RC" = 0 ] || fail "run a container on a rootfs chowned to 100000" "$(_cmd_details nook run -b "$B" chowned)"
# field NAME: the value of the first line "NAME=value" of $OUT.
field() {
	awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' <<<"$OUT"
}
is "chowned rootfs: id says uid 0 gid 0" "$(field id)" 0:0
is "chowned rootfs: /proc/self/uid_map shows the map" "$(field uid_map)" "0 100000 65536"
is "chowned rootfs: /proc/self/gid_map shows the map" "$(field gid_map)" "0 100000 65536"
is "chowned rootfs: a file the container's root creates is host uid 100000's" \
	"$(owner "$B/rootfs/created")" 100000:100000
assert_nothing_left chowned

# --- a rootfs the container's root does not own -------------------------------------------------

B=$T/rootowned
make_bundle "$B" true || bail "make a bundle"
userns_config "$B" 100000
# runc and crun run it (it can read and execute what it does not own); nook too, and
# warns that the container's root cannot write there.
capture nook run -b "$B" rootowned
is "a root-owned rootfs runs for a container whose root is host uid 100000" "$RC" 0
like "... with a warning that the container's root cannot write there" "$ERR" \
	"rootfs $B/rootfs is owned by uid 0, but the container's root is uid 100000 on the host \\(linux.uidMappings\\): it cannot write there"
assert_nothing_left rootowned

# --- the rootfs idmapped (org.nook.rootfs.idmap) -------------------------------------------------

B=$T/idmapped
make_bundle "$B" sleep 1000 || bail "make a bundle"
userns_config "$B" 100000
# CAP_CHOWN, which the default capability set lacks, to hand a file to uid 1000.
edit_config "$B" '.annotations["org.nook.rootfs.idmap"] = "true"
	| .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
capture nook run -d -b "$B" idmapped
IDMAP_OK=
if [ "$RC" = 0 ]; then
	IDMAP_OK=1
	ok "a root-owned rootfs runs idmapped with annotation org.nook.rootfs.idmap=true"
	is "idmapped rootfs: the init runs as host uid 100000" "$(host_uid idmapped)" 100000
	capture nook exec idmapped sh -c 'echo "id=$(id -u):$(id -g)"
		echo "busybox=$(stat -c %u:%g /bin/busybox)"
		touch /by-root && mkdir /by-user && chown 1000:1000 /by-user && echo "wrote=yes"'
	is "idmapped rootfs: uid 0 inside" "$(field id)" 0:0
	is "idmapped rootfs: the template's root-owned files are the container root's" \
		"$(field busybox)" 0:0
	is "idmapped rootfs: the container's root can write its rootfs" "$(field wrote)" yes
	# Through the idmapped mount a file is written with the container's own ids, so the
	# template stays in one id space whatever range the container runs in.
	is "idmapped rootfs: a file root creates is uid 0's on the host, not 100000's" \
		"$(owner "$B/rootfs/by-root")" 0:0
	is "idmapped rootfs: a file chowned to 1000 inside is uid 1000's on the host" \
		"$(owner "$B/rootfs/by-user")" 1000:1000
	is "idmapped rootfs: the template itself still belongs to root" "$(owner "$B/rootfs")" 0:0
	nook delete --force idmapped >/dev/null 2>&1
elif grep -q "support idmapped mounts" <<<"$ERR"; then
	skip "idmapped mounts" "the file system of $T cannot be idmapped: $ERR"
else
	fail "a root-owned rootfs runs idmapped with annotation org.nook.rootfs.idmap=true" \
		"$(_cmd_details nook run -d -b "$B" idmapped)"
fi
assert_nothing_left idmapped

if [ -n "$IDMAP_OK" ]; then
	# --- idmapped bind mounts -------------------------------------------------------------

	mkdir -p "$T/hostdata"
	echo root-file >"$T/hostdata/root-file"
	echo user-file >"$T/hostdata/user-file"
	chown 1000:1000 "$T/hostdata/user-file"
	B=$T/bindmap
	make_bundle "$B" sh -c 'for f in /idmap /idmap/root-file /idmap/user-file /own/root-file /plain/root-file; do
			echo "$f=$(stat -c %u:%g $f)"
		done
		touch /idmap/from-container && echo "wrote=yes"' || bail "make a bundle"
	userns_config "$B" 100000
	chown -R 100000:100000 "$B/rootfs"
	# /idmap takes the container's mappings; /own has its own, which put host uid 0 at
	# container uid 1000 (host 101000); /plain is not idmapped.
	edit_config "$B" --arg src "$T/hostdata" '.mounts += [
		{ "destination": "/idmap", "type": "bind", "source": $src, "options": ["rbind", "idmap"] },
		{ "destination": "/own", "type": "bind", "source": $src, "options": ["rbind", "ridmap"],
		  "uidMappings": [ { "containerID": 0, "hostID": 101000, "size": 1000 } ],
		  "gidMappings": [ { "containerID": 0, "hostID": 101000, "size": 1000 } ] },
		{ "destination": "/plain", "type": "bind", "source": $src, "options": ["rbind"] } ]'
	capture nook run -b "$B" bindmap
	[ "$RC" = 0 ] || fail "run a container with idmapped bind mounts" "$(_cmd_details nook run -b "$B" bindmap)"
	is "idmapped bind: a root-owned host dir is owned by 0 inside" "$(field /idmap)" 0:0
	is "idmapped bind: a root-owned host file is owned by 0 inside" "$(field /idmap/root-file)" 0:0
	is "idmapped bind: host uid 1000's file is uid 1000's inside" "$(field /idmap/user-file)" 1000:1000
	is "idmapped bind with its own mappings: host uid 0 shows as 1000" "$(field /own/root-file)" 1000:1000
	is "without idmap the root-owned file is nobody's inside" "$(field /plain/root-file)" 65534:65534
	is "idmapped bind: the container's root can write there" "$(field wrote)" yes
	is "idmapped bind: its file is root's on the host" "$(owner "$T/hostdata/from-container")" 0:0
	assert_nothing_left bindmap

	B=$T/badsource
	make_bundle "$B" true || bail "make a bundle"
	userns_config "$B" 100000
	chown 100000:100000 "$B/rootfs"
	edit_config "$B" --arg src "$T/no-such-dir" '.mounts += [
		{ "destination": "/data", "type": "bind", "source": $src, "options": ["rbind", "idmap"] } ]'
	check_error "an idmapped bind of a missing source fails with its name" \
		"copy $T/no-such-dir for the idmapped mount on /data" nook run -b "$B" badsource
	assert_nothing_left badsource

	# --- two containers with different ranges share one root-owned rootfs ---------------

	busybox_rootfs "$T/template" || bail "make the template"
	for pair in share1:100000 share2:200000; do
		id=${pair%%:*}
		B=$T/$id
		make_bundle "$B" sleep 1000 || bail "make a bundle"
		rm -rf "$B/rootfs"
		userns_config "$B" "${pair#*:}"
		edit_config "$B" --arg root "$T/template" '.root.path = $root
			| .annotations["org.nook.rootfs.idmap"] = "true"'
		check "shared template: start $id" nook run -d -b "$B" "$id"
	done
	is "shared template: share1 runs as host uid 100000" "$(host_uid share1)" 100000
	is "shared template: share2 runs as host uid 200000" "$(host_uid share2)" 200000
	capture nook exec share1 sh -c 'stat -c %u:%g /bin/busybox; id -u; echo one > /from-share1'
	is "shared template: share1 sees the template as its root's" "$OUT" "0:0
0"
	capture nook exec share2 sh -c 'stat -c %u:%g /bin/busybox; cat /from-share1; echo two > /from-share2'
	is "shared template: share2 sees it as its root's too, and share1's file" "$OUT" "0:0
one"
	is "shared template: both wrote as root into the template" \
		"$(owner "$T/template/from-share1") $(owner "$T/template/from-share2")" "0:0 0:0"
	for id in share1 share2; do
		nook delete --force "$id" >/dev/null 2>&1
		assert_nothing_left "$id"
	done
	is "shared template: still owned by root" "$(owner "$T/template")" 0:0

	# --- an idmapped rootfs under a shared mount leaks nothing to the host --------------

	mkdir -p "$T/shared"
	mount --bind "$T/shared" "$T/shared" && mount --make-shared "$T/shared"
	mount_snapshot
	B=$T/shared/leak
	make_bundle "$B" sleep 1000 || bail "make a bundle"
	userns_config "$B" 100000
	edit_config "$B" '.annotations["org.nook.rootfs.idmap"] = "true"'
	check "an idmapped rootfs on a shared mount runs" nook run -d -b "$B" leak
	is "the container's mounts do not propagate to the host" \
		"$(awk -v p="$B/rootfs/" 'index($5, p) == 1' /proc/self/mountinfo)" ""
	nook delete --force leak >/dev/null 2>&1
	assert_nothing_left leak
fi

# --- mappings and capabilities the kernel would not take --------------------------------------

# refused NAME ID JQ-EDIT TEXT: a user-namespaced bundle with the edit is refused with TEXT
# and leaves nothing behind.
refused() {
	local name=$1 id=$2 edit=$3 text=$4 B=$T/$2
	make_bundle "$B" true || bail "make a bundle"
	userns_config "$B" 100000
	chown 100000:100000 "$B/rootfs"
	edit_config "$B" "$edit"
	check_error "$name" "$text" nook run -b "$B" "$id"
	assert_nothing_left "$id"
}

refused "overlapping container ids are refused" overlap \
	'.linux.uidMappings += [ { "containerID": 1000, "hostID": 300000, "size": 10 } ]' \
	"config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0] (container ids)"
refused "overlapping host ids are refused" overlaphost \
	'.linux.gidMappings += [ { "containerID": 70000, "hostID": 165535, "size": 10 } ]' \
	"config.json: linux.gidMappings[1]: overlaps linux.gidMappings[0] (host ids)"
refused "a mapping beyond 2^32 is refused" outofrange \
	'.linux.uidMappings = [ { "containerID": 0, "hostID": 4294967290, "size": 65536 } ]' \
	"config.json: linux.uidMappings[0]: hostID 4294967290 + size 65536 goes beyond 2^32"
refused "a mapping of size 0 is refused" sizezero \
	'.linux.gidMappings[0].size = 0' \
	"config.json: linux.gidMappings[0].size: must not be 0"
refused "an idmapped tmpfs is refused" idmaptmpfs \
	'.mounts += [ { "destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"] } ]' \
	"must be a bind mount"
refused "mount uidMappings without gidMappings are refused" idmapuidonly \
	'.mounts += [ { "destination": "/t", "type": "bind", "source": "/tmp", "options": ["rbind"],
	   "uidMappings": [ { "containerID": 0, "hostID": 100000, "size": 1 } ] } ]' \
	"uidMappings given without gidMappings"

B=$T/idmapnouserns
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.annotations["org.nook.rootfs.idmap"] = "true"'
check_error "an idmapped rootfs without a user namespace is refused" \
	"annotations.org.nook.rootfs.idmap: requires a user namespace" nook run -b "$B" idmapnouserns
assert_nothing_left idmapnouserns

done_testing
