#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# OCI hooks: every kind runs, in order, at its step of the lifecycle, with the state
# JSON on stdin and its own args and env; failures of prestart, createRuntime,
# createContainer and startContainer fail the operation and leave nothing behind, a
# failing poststart or poststop only warns; a hook's timeout is enforced.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

M=$T/markers
mkdir -p "$M"
# Runs in the runtime's namespaces (createContainer: the container's, before
# pivot_root, where this host path still resolves).
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
cat > "$MARKDIR/$1.json"
echo "$1" >> "$MARKDIR/order"
EOF
chmod 755 "$T/hook.sh"

# hook_obj KIND: the JSON of a host hook that records KIND.
hook_obj() {
	jq -nc --arg p "$T/hook.sh" --arg k "$1" --arg m "MARKDIR=$M" \
		'{ "path": $p, "args": ["hook.sh", $k], "env": [$m, "PATH=/usr/bin:/bin"] }'
}

B=$T/hooks
make_bundle "$B" sleep 1000 || bail "make a bundle"
# startContainer runs in the container, after pivot_root: its path is the container's,
# and /markers is the host's marker directory bound in.
edit_config "$B" --arg m "$M" \
	--argjson prestart "$(hook_obj prestart)" --argjson createRuntime "$(hook_obj createRuntime)" \
	--argjson createContainer "$(hook_obj createContainer)" --argjson poststart "$(hook_obj poststart)" \
	--argjson poststop "$(hook_obj poststop)" '
	.mounts += [ { "destination": "/markers", "type": "bind", "source": $m, "options": ["bind"] } ]
	| .hooks = {
	    "prestart": [ $prestart ],
	    "createRuntime": [ $createRuntime ],
	    "createContainer": [ $createContainer ],
	    "startContainer": [ { "path": "/bin/sh", "args": ["sh", "-c",
	        "cat > /markers/startContainer.json; echo startContainer >> /markers/order"] } ],
	    "poststart": [ $poststart ],
	    "poststop": [ $poststop ] }'

check "create with every hook" nook create -b "$B" hooks
PID=$(state_field hooks pid)
for k in prestart createRuntime createContainer; do
	check "$k hook ran at create" test -s "$M/$k.json"
done
for k in startContainer poststart poststop; do
	check "$k hook did not run at create" test ! -e "$M/$k.json"
done
check "start" nook start hooks
wait_for 10 grep -qx poststart "$M/order"
for k in startContainer poststart; do
	check "$k hook ran at start" test -s "$M/$k.json"
done
check "poststop hook did not run at start" test ! -e "$M/poststop.json"
check "kill" nook kill hooks KILL
wait_status hooks stopped
check "poststop hook did not run before delete" test ! -e "$M/poststop.json"
check "delete" nook delete hooks
check "poststop hook ran at delete" test -s "$M/poststop.json"
is "hooks ran in the order of the runtime-spec" "$(tr '\n' ' ' <"$M/order" 2>/dev/null)" \
	"prestart createRuntime createContainer startContainer poststart poststop "
for k in prestart createRuntime createContainer startContainer poststart poststop; do
	check "$k hook: the state on stdin has the id and bundle" \
		jq -e --arg b "$B" '.id == "hooks" and .bundle == $b and (.ociVersion | length > 0)' "$M/$k.json"
done
for k in prestart createRuntime createContainer startContainer poststart; do
	check "$k hook: the state on stdin has the container's pid" \
		jq -e --argjson p "${PID:-0}" '.pid == $p' "$M/$k.json"
done
assert_nothing_left hooks

# --- args and env -------------------------------------------------------------------------------

B=$T/argenv
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" --arg out "$T/argenv.out" '.hooks = { "createRuntime": [ { "path": "/bin/sh",
	"args": ["sh", "-c", "echo \"$0 $1 $FOO\" > \"$OUT\"", "argv0", "first"],
	"env": ["FOO=from-env", ("OUT=" + $out)] } ] }'
check "run with a hook that has args and env" nook run -b "$B" argenv
is "a hook gets its args and env" "$(cat "$T/argenv.out" 2>/dev/null)" "argv0 first from-env"
assert_nothing_left argenv

# --- failures -------------------------------------------------------------------------------------

for k in prestart createRuntime createContainer; do
	B=$T/fail-$k
	make_bundle "$B" true || bail "make a bundle"
	edit_config "$B" --arg k "$k" '.hooks = { ($k): [ { "path": "/bin/false" } ] }'
	check_error "a failing $k hook fails create" hook nook create -b "$B" "fail-$k"
	like "the error names the $k hook" "$ERR" "$k"
	assert_nothing_left "fail-$k" "a failing $k hook leaves nothing behind"
done

B=$T/fail-startContainer
make_bundle "$B" sh -c 'echo ran > /tmp/ran' || bail "make a bundle"
edit_config "$B" '.hooks = { "startContainer": [ { "path": "/bin/false" } ] }'
check "create (failing startContainer hook)" nook create -b "$B" fail-startContainer
check_error "a failing startContainer hook fails start" hook nook start fail-startContainer
check "the user process did not run" test ! -e "$B/rootfs/tmp/ran"
nook delete --force fail-startContainer >/dev/null 2>&1
assert_nothing_left fail-startContainer

B=$T/fail-poststart
make_bundle "$B" sleep 1000 || bail "make a bundle"
edit_config "$B" '.hooks = { "poststart": [ { "path": "/bin/false" } ] }'
nook create -b "$B" fail-poststart >/dev/null 2>&1
check "a failing poststart hook does not fail start" nook start fail-poststart
is "after a failing poststart hook the container runs" "$(state_field fail-poststart status)" running
nook delete --force fail-poststart >/dev/null 2>&1
assert_nothing_left fail-poststart

B=$T/fail-poststop
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.hooks = { "poststop": [ { "path": "/bin/false" } ] }'
check "run --keep (failing poststop hook)" nook run --keep -b "$B" fail-poststop
check "a failing poststop hook does not fail delete" nook delete fail-poststop
assert_nothing_left fail-poststop

B=$T/missing-hook
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.hooks = { "createRuntime": [ { "path": "/no/such/hook" } ] }'
check_error "a createRuntime hook that does not exist fails create" hook nook create -b "$B" missing-hook
assert_nothing_left missing-hook

B=$T/relative-hook
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" '.hooks = { "createRuntime": [ { "path": "bin/true" } ] }'
check_error "a hook path that is not absolute is refused" "hooks" nook create -b "$B" relative-hook
assert_nothing_left relative-hook

# --- timeout --------------------------------------------------------------------------------------

cat >"$T/sleeper.sh" <<EOF
#!/bin/sh
echo \$\$ > "$T/sleeper.pid"
exec sleep 30
EOF
chmod 755 "$T/sleeper.sh"
B=$T/timeout
make_bundle "$B" true || bail "make a bundle"
edit_config "$B" --arg p "$T/sleeper.sh" '.hooks = { "createRuntime": [ { "path": $p, "timeout": 2 } ] }'
start=$SECONDS
check_error "a hook that outlives its timeout fails create" hook nook create -b "$B" timeout
elapsed=$((SECONDS - start))
if [ "$elapsed" -le 15 ]; then
	ok "the hook timeout (2 s) is enforced (create took ${elapsed} s)"
else
	fail "the hook timeout (2 s) is enforced" "create took ${elapsed} s"
fi
HPID=$(cat "$T/sleeper.pid" 2>/dev/null)
if [ -z "$HPID" ]; then
	fail "the timed-out hook ran" "$T/sleeper.pid was not written"
elif wait_for 5 sh -c "! kill -0 $HPID 2>/dev/null || grep -q '^State:.*Z' /proc/$HPID/status"; then
	ok "the timed-out hook was killed"
else
	fail "the timed-out hook was killed" "pid $HPID: $(tr '\0' ' ' <"/proc/$HPID/cmdline")"
	kill -9 "$HPID" 2>/dev/null
fi
assert_nothing_left timeout

done_testing
