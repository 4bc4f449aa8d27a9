#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# The process of config.json: hostname and domainname, env, cwd, user (uid, gid,
# additionalGids, umask), rlimits, oomScoreAdj, capabilities, noNewPrivileges.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# field NAME: the value of "NAME=value" in $OUT.
field() {
	sed -n "s/^$1=//p" <<<"$C" | head -n 1
}

HOSTNAME_BEFORE=$(hostname)

# --- one root process with everything set -------------------------------------------------

B=$T/proc
make_bundle "$B" sh -c '
	echo "hostname=$(hostname)"
	echo "domainname=$(cat /proc/sys/kernel/domainname)"
	echo "foo=$FOO"
	echo "spaced=$SPACED"
	echo "path=$PATH"
	echo "cwd=$(pwd)"
	echo "umask=$(umask)"
	echo "nofile=$(ulimit -Sn)/$(ulimit -Hn)"
	echo "nproc=$(ulimit -Su)/$(ulimit -Hu)"
	echo "core=$(ulimit -Sc)/$(ulimit -Hc)"
	echo "oom=$(cat /proc/self/oom_score_adj)"
	echo "uid=$(id -u) gid=$(id -g)"
	echo "groups=$(id -G)"
	echo "newfile=$(touch /tmp/newfile && stat -c %a /tmp/newfile)"
	sed -n "s/^\(Cap[A-Za-z]*\|NoNewPrivs\):[[:space:]]*/\1=/p" /proc/self/status' ||
	bail "make a bundle"
edit_config "$B" '.hostname = "nookhost" | .domainname = "example.org"
	| .process.env = ["PATH=/bin:/sbin", "FOO=bar", "SPACED=a b  c"]
	| .process.cwd = "/var/www"
	| .process.user = { "uid": 0, "gid": 0, "umask": 23, "additionalGids": [2000, 3000] }
	| .process.rlimits = [ { "type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000 },
	                       { "type": "RLIMIT_NPROC", "soft": 500, "hard": 900 },
	                       { "type": "RLIMIT_CORE", "soft": 0, "hard": 0 } ]
	| .process.oomScoreAdj = 123'
capture nook run -b "$B" proc
C=$OUT
if [ "$RC" != 0 ]; then
	fail "run the process test container" "$(_cmd_details nook run -b "$B" proc)"
fi
is "hostname" "$(field hostname)" nookhost
is "domainname" "$(field domainname)" example.org
is "env: FOO" "$(field foo)" bar
is "env: a value with spaces" "$(field spaced)" "a b  c"
is "env: PATH" "$(field path)" /bin:/sbin
is "cwd" "$(field cwd)" /var/www
is "umask 027" "$(field umask)" 0027
is "umask applies to new files" "$(field newfile)" 640
is "rlimit NOFILE 512/1000" "$(field nofile)" 512/1000
is "rlimit NPROC 500/900" "$(field nproc)" 500/900
is "rlimit CORE 0/0" "$(field core)" 0/0
is "oomScoreAdj 123" "$(field oom)" 123
is "uid 0 gid 0" "$(field uid)" "0 gid=0"
GROUPS_=" $(field groups) "
if [[ $GROUPS_ == *" 2000 "* && $GROUPS_ == *" 3000 "* ]]; then
	ok "additionalGids 2000 3000"
else
	fail "additionalGids 2000 3000" "id -G: $GROUPS_"
fi
HOST_BND=$(host_cap_bnd)
caps_of() {
	# The config's capability set $1 within the host's bounding set.
	local names
	mapfile -t names < <(jq -r ".process.capabilities.$1 // [] | .[]" "$B/config.json")
	printf '%016x\n' $((0x$(cap_mask "${names[@]}") & 0x$HOST_BND))
}
is "capabilities: effective as configured" "$(field CapEff)" "$(caps_of effective)"
is "capabilities: bounding as configured" "$(field CapBnd)" "$(caps_of bounding)"
is "capabilities: permitted as configured" "$(field CapPrm)" "$(caps_of permitted)"
is "capabilities: the default set is AUDIT_WRITE KILL NET_BIND_SERVICE" "$(field CapEff)" \
	"$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)"
is "noNewPrivileges (the default true)" "$(field NoNewPrivs)" 1
assert_nothing_left proc

is "the host name outside is unchanged" "$(hostname)" "$HOSTNAME_BEFORE"

# --- a non-root user --------------------------------------------------------------------------

B=$T/user
make_bundle "$B" sh -c 'echo "$(id -u) $(id -g) $(id -G)"; grep -E "^Cap(Eff|Prm|Amb):" /proc/self/status' ||
	bail "make a bundle"
edit_config "$B" '.process.user = { "uid": 1000, "gid": 1000, "additionalGids": [2000] }'
capture nook run -b "$B" user
C=$OUT
first=$(head -n 1 <<<"$OUT")
like "user 1000:1000 with additionalGids 2000" "$first" '^1000 1000 (1000 2000|2000 1000)$'
like "a non-root user without ambient capabilities has no effective ones" "$OUT" 'CapEff:[[:space:]]+0000000000000000'
assert_nothing_left user

B=$T/ambient
make_bundle "$B" sh -c 'grep -E "^Cap(Eff|Amb):" /proc/self/status' || bail "make a bundle"
edit_config "$B" '.process.user = { "uid": 1000, "gid": 1000 }
	| .process.capabilities = { "bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
	    "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
	    "ambient": ["CAP_NET_BIND_SERVICE"] }'
capture nook run -b "$B" ambient
C=$OUT
like "ambient capability of a non-root user: CapAmb" "$OUT" 'CapAmb:[[:space:]]+0000000000000400'
like "ambient capability of a non-root user: CapEff" "$OUT" 'CapEff:[[:space:]]+0000000000000400'
assert_nothing_left ambient

# --- a chosen capability set, and none ------------------------------------------------------

B=$T/caps
make_bundle "$B" sh -c 'grep -E "^Cap(Eff|Bnd):" /proc/self/status' || bail "make a bundle"
edit_config "$B" '.process.capabilities = { "bounding": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER"],
	"effective": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER"],
	"permitted": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER"] }'
capture nook run -b "$B" caps
C=$OUT
like "capabilities CHOWN DAC_OVERRIDE FOWNER: CapEff" "$OUT" "CapEff:[[:space:]]+$(cap_mask CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER)"
like "capabilities CHOWN DAC_OVERRIDE FOWNER: CapBnd" "$OUT" "CapBnd:[[:space:]]+$(cap_mask CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER)"
assert_nothing_left caps

B=$T/nocaps
make_bundle "$B" sh -c 'grep -E "^CapEff:" /proc/self/status; chown 1 /tmp && echo CHOWNED' ||
	bail "make a bundle"
edit_config "$B" '.process.capabilities = { "bounding": [], "effective": [], "permitted": [] }'
capture nook run -b "$B" nocaps
C=$OUT
like "empty capability sets: CapEff is empty" "$OUT" 'CapEff:[[:space:]]+0000000000000000'
unlike "empty capability sets: root cannot chown" "$OUT" CHOWNED
assert_nothing_left nocaps

# A capability the host cannot grant (this host's bounding set lacks CAP_SYS_RESOURCE)
# does not fail the container; a name that is no capability at all is refused.
B=$T/ungrantablecap
make_bundle "$B" sh -c 'echo ran' || bail "make a bundle"
edit_config "$B" '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"]'
capture nook run -b "$B" ungrantablecap
C=$OUT
if [ "$RC" = 0 ] && [ "$OUT" = ran ]; then
	ok "an ungrantable capability does not fail the container"
else
	fail "an ungrantable capability does not fail the container" \
		"$(_cmd_details nook run -b "$B" ungrantablecap)"
fi
assert_nothing_left ungrantablecap
B=$T/unknowncap
make_bundle "$B" sh -c 'echo ran' || bail "make a bundle"
edit_config "$B" '.process.capabilities.effective += ["CAP_NO_SUCH_THING"]'
# runtime-spec 1.1: a runtime should not fail on an unknown name; runc and crun run the
# container without it, runc with this warning.
capture nook run -b "$B" unknowncap
is "an unknown capability is left out: the container runs" "$RC $OUT" "0 ran"
like "... with runc's warning naming it" "$ERR" \
	"ignoring unknown or unavailable capabilities: \\[CAP_NO_SUCH_THING\\]"
assert_nothing_left unknowncap

# --- noNewPrivileges false --------------------------------------------------------------------

B=$T/nnp
make_bundle "$B" sh -c 'grep NoNewPrivs /proc/self/status' || bail "make a bundle"
edit_config "$B" '.process.noNewPrivileges = false'
capture nook run -b "$B" nnp
C=$OUT
like "noNewPrivileges false" "$OUT" 'NoNewPrivs:[[:space:]]+0'
assert_nothing_left nnp

# --- rlimits above the host's hard limit fail cleanly --------------------------------------

B=$T/rlimit
make_bundle "$B" true || bail "make a bundle"
# Above fs.nr_open no one may raise RLIMIT_NOFILE, not even with CAP_SYS_RESOURCE.
NR_OPEN=$(cat /proc/sys/fs/nr_open)
edit_config "$B" --argjson h $((NR_OPEN + 1)) '.process.rlimits = [ { "type": "RLIMIT_NOFILE", "soft": 64, "hard": $h } ]'
check_error "an rlimit the kernel refuses fails with an error naming rlimits" "rlimit" nook run -b "$B" rlimit
assert_nothing_left rlimit
B=$T/badrlimit
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.process.rlimits = [ { "type": "RLIMIT_NOSUCH", "soft": 1, "hard": 1 } ]'
check_error "an unknown rlimit is refused" "RLIMIT_NOSUCH" nook run -b "$B" badrlimit
assert_nothing_left badrlimit

done_testing
