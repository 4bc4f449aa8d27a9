# shellcheck shell=bash disable=SC2016 # jq filters are in single quotes
# The corpus of tests/compat/compat.sh: run_case NAME ARGS FILTER [EXPECT...], where
# ARGS is process.args as JSON ("-": the probe), FILTER a jq filter applied to the base
# config (`runc spec`'s, running /probe), and each EXPECT a regular expression nook's
# output or error must match.

# --- what clients start from --------------------------------------------------------------
run_case runc-spec - '.'
mkdir -p "$T/nook-spec" && "$NOOK" spec --bundle "$T/nook-spec" || bail "nook spec"
NOOK_SPEC=$(cat "$T/nook-spec/config.json")
export NOOK_SPEC
run_case nook-spec - '. as $b | $ENV.NOOK_SPEC | fromjson | .ociVersion = "1.0.2"
	| .process.args = ["/probe"] | .process.terminal = false | .root = $b.root
	| .linux.cgroupsPath = $b.linux.cgroupsPath'
if command -v crun >/dev/null; then
	mkdir -p "$T/crun-spec" && (cd "$T/crun-spec" && crun spec) || bail "crun spec"
	CLIENT_CONFIG=$(cat "$T/crun-spec/config.json")
	export CLIENT_CONFIG
	run_case crun-spec - '. as $b | $ENV.CLIENT_CONFIG | fromjson | .process.args = ["/probe"]
		| .process.terminal = false | .root = $b.root | .linux.cgroupsPath = $b.linux.cgroupsPath'
fi
# What podman 4.3 (run; run --user --cap-add --cap-drop --read-only --tmpfs -w --ulimit
# --hostname; run --privileged), buildah's RUN (podman build) and ctr 1.6 (run; run
# --privileged) gave runc, recorded by a wrapper (tests/compat/configs/README).  Their
# bind sources (hostname, hosts, .containerenv, the shm directory) are files of the
# test's; ctr gives no PATH, so the probe is named by its absolute path.
mkdir -p "$T/files/shm" && touch "$T/files/hostname" "$T/files/hosts" "$T/files/.containerenv" &&
	cp "$T/rootfs/etc/passwd" "$T/rootfs/etc/group" "$T/files/" || bail "the files of the client configs"
for f in "$COMPAT"/configs/*.json; do
	CLIENT_CONFIG=$(sed "s|@FILES@|$T/files|g" "$f")
	export CLIENT_CONFIG
	run_case "$(basename "$f" .json)" - '. as $b | $ENV.CLIENT_CONFIG | fromjson
		| .process.args = ["/probe"] | .process.terminal = false | .root.path = $b.root.path
		| .linux.cgroupsPath = $b.linux.cgroupsPath'
done

# --- process ------------------------------------------------------------------------------
run_case user-uid-gid - '.process.user = {"uid": 1000, "gid": 1000}'
run_case user-groups - '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 100, 65534]}'
run_case user-gid-beyond-2g - '.process.user = {"uid": 0, "gid": 0, "additionalGids": [4294967294]}'
run_case user-umask - '.process.user.umask = 63'
run_case env-extra - '.process.env += ["FOO=bar", "SPACED=a b  c", "EMPTY="]'
run_case cwd-existing - '.process.cwd = "/tmp"'
run_case rlimits - '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 512},
	{"type": "RLIMIT_CORE", "hard": 0, "soft": 0}, {"type": "RLIMIT_NPROC", "hard": 500, "soft": 400}]'
run_case nnp-false - '.process.noNewPrivileges = false'
run_case caps-more - '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"])'
run_case caps-none - '.process.capabilities = {}'
run_case caps-no-object - 'del(.process.capabilities)'
run_case oom-score-adj - '.process.oomScoreAdj = 500'
run_case exit-status '["sh","-c","exit 42"]' '.'
run_case killed-by-signal '["sh","-c","kill -TERM $$"]' '.'
run_case missing-executable '["/bin/nosuch"]' '.'
run_case not-in-path '["nosuch"]' '.' 'executable file not found in \$PATH'
# ctr run --rootfs gives no PATH: a bare args[0] is then found nowhere.
run_case no-path-bare-args0 '["sh","/probe"]' '.process.env = ["TERM=xterm"]' \
	'exec: "sh": executable file not found in \$PATH'
run_case no-path-absolute-args0 '["/bin/sh","/probe"]' '.process.env = ["TERM=xterm"]'

# --- root, hostname, mounts --------------------------------------------------------------
run_case root-readonly - '.root.readonly = true'
run_case hostname - '.hostname = "box.example.org"'
run_case domainname - '.domainname = "example.org"'
run_case mount-tmpfs - '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
	"options": ["nosuid", "nodev", "noexec", "size=1m"]}]'
run_case mount-bind-ro - '.mounts += [{"destination": "/host-etc", "type": "bind", "source": "/etc",
	"options": ["rbind", "ro"]}]'
run_case mount-relative-destination - '.mounts += [{"destination": "data", "type": "tmpfs", "source": "tmpfs"}]'
run_case no-mounts - '.mounts = []'
# Options beyond mount(8)'s core: what runc and crun both accept.
run_case mount-options-more - '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
	"options": ["silent", "iversion", "nosymfollow", "mode=700"]}]'
run_case mount-option-defaults - '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
	"options": ["defaults"]}]'
# tmpcopyup (podman's, on a --read-only container's /tmp and --tmpfs): the tmpfs starts
# with a copy of the directory it covers.
mkdir -p "$T/rootfs/copy/sub" && echo data >"$T/rootfs/copy/file" && ln -s file "$T/rootfs/copy/link" &&
	chown 1000:1000 "$T/rootfs/copy/sub" && chmod 750 "$T/rootfs/copy/sub" ||
	bail "the directory to copy up"
printf '%s\n' '#!/bin/sh' '/probe' 'stat -c "copy: %A %u:%g %n" /copy /copy/*' \
	'echo "copy: $(readlink /copy/link) $(cat /copy/file)"' >"$T/rootfs/copy-list" && chmod 755 "$T/rootfs/copy-list" ||
	bail "the copy-list script"
run_case mount-tmpcopyup '["/copy-list"]' \
	'.mounts += [{"destination": "/copy", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "nosuid"]}]' \
	'copy: drwxr-xr-x 0:0 /copy' 'copy: -rw-r--r-- 0:0 /copy/file' 'copy: drwxr-x--- 1000:1000 /copy/sub' 'copy: file data'
# The recursive options of runtime-spec 1.1, on an rbind whose source has a submount.
mkdir -p "$T/rec/sub" && mount -t tmpfs tmpfs "$T/rec/sub" || bail "a source with a submount"
run_case mount-recursive-options - '.mounts += [{"destination": "/rec", "type": "bind", "source": ($t + "/rec"),
	"options": ["rbind", "rro", "rnosuid", "rnodev", "rnoatime"]}]' 'mount: /rec/sub tmpfs ro,nosuid,nodev'

# --- linux --------------------------------------------------------------------------------
run_case masked-readonly-default - '.'
run_case no-masked-paths - '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
run_case sysctl - '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536"}'
run_case ns-no-network - '.linux.namespaces |= map(select(.type != "network"))'
run_case ns-no-uts - '.linux.namespaces |= map(select(.type != "uts")) | del(.hostname)'
run_case ns-no-ipc - '.linux.namespaces |= map(select(.type != "ipc"))'
run_case ns-no-cgroup - '.linux.namespaces |= map(select(.type != "cgroup"))'
run_case ns-cgroup - '.linux.namespaces += [{"type": "cgroup"}] | .linux.namespaces |= unique_by(.type)'
run_case devices - '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
	"fileMode": 438, "uid": 0, "gid": 0}]'
run_case rootfs-propagation - '.linux.rootfsPropagation = "rprivate"'
run_case ns-no-pid - '.linux.namespaces |= map(select(.type != "pid"))'

# --- the items of issue 16 ----------------------------------------------------------------
# 1. A strict seccomp profile (default an error) that lists what the probe needs but not
#    close_range or clone3: nook's own calls after the filter must not depend on them.
STRICT='($ENV.NOOK_SPEC | fromjson | .linux.seccomp) as $s
	| .linux.seccomp = ($s | .syscalls |= (map(.names -= ["close_range", "clone3", "openat2",
		"faccessat2"]) | map(select(.names | length > 0))))'
run_case seccomp-strict-nnp - "$STRICT"
run_case seccomp-strict-no-nnp - "$STRICT | .process.noNewPrivileges = false"
run_case seccomp-errno-mkdir '["sh","-c","/probe; mkdir /x 2>/dev/null && echo \"mkdir: made\" || echo \"mkdir: refused\""]' \
	'.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' \
	'mkdir: refused'
# 3. A session of its own.
run_case session-leader - '.' 'leader: pid1=yes group=yes session=yes'
# 4. Ambient capabilities without inheritable ones (buildah's RUN).
run_case ambient-not-inheritable - '.process.capabilities.ambient = ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"]
	| .process.capabilities.inheritable = []'
run_case ambient-inheritable - '.process.capabilities.ambient = ["CAP_KILL"]
	| .process.capabilities.inheritable = ["CAP_KILL"]'
# 5. A relative args[0], from process.cwd.
run_case relative-args0 '["./busybox","sh","/probe"]' '.process.cwd = "/bin"' 'cwd: /bin'
# 6. HOME from /etc/passwd, else "/".
run_case home-root - '.process.env -= ["HOME=/root"]' 'env: HOME=/root'
run_case home-unknown-uid - '.process.user = {"uid": 4242, "gid": 4242}' 'env: HOME=/'
run_case home-empty - '.process.env += ["HOME="]' 'env: HOME=/root'
# 7. A missing cwd is made.
run_case cwd-missing - '.process.cwd = "/new/deep/dir"' 'cwd: /new/deep/dir'
run_case cwd-missing-readonly-root - '.process.cwd = "/made" | .root.readonly = true' 'cwd: /made'
# 8. Unknown capability names.
run_case caps-unknown - '.process.capabilities |= with_entries(.value += ["CAP_FOO_BAR"])' \
	'ignoring unknown or unavailable capabilities: \[CAP_FOO_BAR\]'
# 9. No mount namespace: runc refuses masked and read-only paths there, crun does not.
run_case ns-no-mount-masked - '.linux.namespaces |= map(select(.type != "mount"))' \
	'unable to restrict sys entries without a private MNT namespace'
run_case ns-no-mount - '.linux.namespaces |= map(select(.type != "mount"))
	| .linux.maskedPaths = [] | .linux.readonlyPaths = []'
# 10, 11. A user namespace: root-owned rootfs, no cgroup namespace, a device the host lacks.
USERNS='.linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
run_case userns-root-owned-rootfs - "$USERNS"
run_case userns-no-cgroupns - "$USERNS"' | .linux.namespaces |= map(select(.type != "cgroup"))'
DEVICE=$(jq -nc '["sh", "-c", "/probe; echo \"device: $(stat -c \"%A %t,%T\" /dev/nookdev)\""]')
run_case userns-device-not-on-host "$DEVICE" \
	"$USERNS"' | .linux.devices = [{"path": "/dev/nookdev", "type": "c", "major": 1, "minor": 3, "fileMode": 416}]' \
	'device: crw-r----- 1,3'
# 15. ociVersion.
run_case oci-version-1.2.0 - '.ociVersion = "1.2.0"'
run_case oci-version-invalid - '.ociVersion = "invalid"' "ociVersion: 'invalid' is not a runtime-spec version 1.x.y"
run_case oci-version-2 - '.ociVersion = "2.0.0"'

# 12. Hooks: every poststart and poststop runs, a failing one only warns; a hook without
#     env gets the runtime's environment.
HOOKS='.hooks = {
	"prestart": [{"path": ($t + "/hook"), "args": ["hook", "prestart", "0", ($b + "/hooks.log")]}],
	"poststart": [{"path": ($t + "/hook"), "args": ["hook", "poststart1", "1", ($b + "/hooks.log")]},
		{"path": ($t + "/hook"), "args": ["hook", "poststart2", "0", ($b + "/hooks.log")]}],
	"poststop": [{"path": ($t + "/hook"), "args": ["hook", "poststop1", "1", ($b + "/hooks.log")]},
		{"path": ($t + "/hook"), "args": ["hook", "poststop2", "0", ($b + "/hooks.log")]}]}'
run_case hooks-failing-post - "$HOOKS"
run_case hooks-env-given - "$HOOKS"' | .hooks.prestart[0].env = []'
run_case hooks-failing-prestart - '.hooks.prestart = [{"path": ($t + "/hook"), "args": ["hook", "prestart", "1", ($b + "/hooks.log")]},
	{"path": ($t + "/hook"), "args": ["hook", "prestart2", "0", ($b + "/hooks.log")]}]'

# 13. Socket activation and sd_notify.
CASE_WRAP=$T/listen-wrap
run_case listen-fds - '.' 'env: LISTEN_FDS=1' 'env: LISTEN_PID=1' 'fd: 3'
CASE_WRAP="env LISTEN_FDS=1 LISTEN_PID=1"
run_case listen-fds-other-pid - '.'
CASE_WRAP="env NOTIFY_SOCKET=$T/notify.sock"
CASE_NOTIFY=1
run_case notify-ready '["sh","-c","/probe; /sd-notify send READY=1"]' '.' \
	'env: NOTIFY_SOCKET=/run/notify/notify.sock' 'notify: READY=1 MAINPID=n'
unset CASE_WRAP CASE_NOTIFY

# exec into a running container.
exec_case exec-default '.' '[]'
exec_case exec-user '.' '["-u", "1000:1000"]' 'uid: 1000 gid: 1000'
exec_case exec-cwd '.' '["--cwd", "/tmp"]' 'cwd: /tmp'
exec_case exec-env '.' '["-e", "FOO=bar", "-e", "PATH=/bin"]' 'env: FOO=bar'
exec_case exec-cap '.' '["--cap", "CAP_SYS_ADMIN"]'
exec_case exec-cap-unknown '.' '["--cap", "CAP_FOO"]'
exec_case exec-no-new-privs '.process.noNewPrivileges = false' '["--no-new-privs"]'
exec_case exec-session '.' '[]' 'leader: pid1=no group=yes session=yes'
exec_case exec-home-user '.' '["-u", "4242"]' 'env: HOME=/'
# 16. exec in a container whose init is chroot'ed (no mount namespace) lands in its root.
exec_case exec-no-mount-ns '.linux.namespaces |= map(select(.type != "mount"))
	| .linux.maskedPaths = [] | .linux.readonlyPaths = []' '[]' 'mount: / [a-z0-9]+ rw'

# 2, 17. The commands clients drive, and the words they match.
cli_case delete-force-missing ':' '$RT_CMD delete --force $ID'
cli_case delete-missing ':' '$RT_CMD delete $ID' 'does not exist'
cli_case state-missing ':' '$RT_CMD state $ID' 'does not exist'
cli_case kill-missing ':' '$RT_CMD kill $ID KILL' 'does not exist'
STOPPED='$RT_CMD run -d -b $BUNDLE $ID; sleep 0.2; $RT_CMD kill $ID KILL; sleep 0.5'
cli_case kill-stopped "$STOPPED" '$RT_CMD kill $ID TERM' 'container not running'
cli_case kill-all-stopped "$STOPPED" '$RT_CMD kill --all $ID TERM'
cli_case start-stopped "$STOPPED" '$RT_CMD start $ID' 'cannot start a container that has stopped'
cli_case pause-stopped "$STOPPED" '$RT_CMD pause $ID' 'container not running'
cli_case exec-stopped "$STOPPED" '$RT_CMD exec $ID true' 'cannot exec in a stopped container'
cli_case delete-stopped "$STOPPED" '$RT_CMD delete $ID'
RUNNING='$RT_CMD run -d -b $BUNDLE $ID'
cli_case start-running "$RUNNING" '$RT_CMD start $ID' 'cannot start an already running container'
cli_case delete-running "$RUNNING" '$RT_CMD delete $ID' 'cannot delete container .* that is not stopped: running'
cli_case resume-running "$RUNNING" '$RT_CMD resume $ID' 'container not paused'
cli_case delete-created '$RT_CMD create -b $BUNDLE $ID' '$RT_CMD delete $ID'
cli_case state-created '$RT_CMD create -b $BUNDLE $ID' '$RT_CMD state $ID | grep -q "\"status\": *\"created\""'
