#!/bin/bash
# The whole test suite, as root on a fresh Debian 12 machine:
#
#     tests/setup-and-check.sh
#
# 1. installs the build and test dependencies with apt-get;
# 2. builds out of tree with gcc (-Werror) and runs `make check`, `make check-vm` (a VM
#    with pure cgroup v2; its VPS test boots a Debian template that `make vps-template`
#    makes with debootstrap first), `make check-clients` (podman and containerd with
#    nook as their runtime) and `make check-compat` (one corpus of bundles under nook,
#    runc and crun, compared);
# 3. builds with AddressSanitizer and UndefinedBehaviorSanitizer and runs `make check`;
# 4. builds with clang (-Werror), compiling only;
# 5. builds the libFuzzer targets (`make fuzz`, clang) and runs each for FUZZ_SECONDS;
# 6. checks the format of every *.c and *.h with clang-format.
#
# The builds go to build-check/ in the source tree (ignored by git); a tree that was
# already configured in place is copied there first, since autoconf cannot build out of
# a configured tree.  The last line is the sum of both test runs, "N passed, N failed"
# (", N skipped" when any were skipped), where a build or format check that fails counts
# as one failure and each fuzz target as one test; the exit status is non-zero when
# anything failed.
#
# Environment: JOBS (make -j, default 2), SKIP_APT=1 (do not run apt-get),
# TESTS_FILTER (passed to the runner, e.g. "lifecycle exec"), FUZZ_SECONDS (how long each
# fuzz target runs, default 60).

set -u -o pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${JOBS:-2}
OUT=$SRC/build-check
PACKAGES=(build-essential autoconf automake pkg-config libseccomp-dev libcap-dev libyajl-dev
	libmnl-dev libnftnl-dev libarchive-dev libcrypt-dev zstd xz-utils debootstrap nftables libcmocka-dev busybox-static qemu-system-x86 linux-image-amd64 cpio clang libclang-rt-14-dev clang-format jq util-linux bsdutils iproute2
	procps runc crun openssl xfsprogs lxcfs criu openssh-server openssh-client podman conmon)

passed=0
failed=0
skipped=0
problems=()

stage() {
	printf '\n=== %s\n' "$*"
}

# problem TEXT: a stage failed; it counts as one failure.
problem() {
	failed=$((failed + 1))
	problems+=("$1")
	printf '*** %s\n' "$1"
}

summary() {
	if [ ${#problems[@]} -gt 0 ]; then
		printf '\n=== problems\n'
		printf '  %s\n' "${problems[@]}"
	fi
	echo
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	echo "tests/setup-and-check.sh: run it as root (it installs packages and runs containers)" >&2
	problem "not run as root"
	summary
fi

# --- 1. dependencies ------------------------------------------------------------------------

if [ -z "${SKIP_APT:-}" ]; then
	stage "installing the build and test dependencies"
	export DEBIAN_FRONTEND=noninteractive
	echo "+ apt-get update && apt-get install ${PACKAGES[*]}"
	# No service starts at install (lxcfs would mount itself on this host): the VM
	# tests run their own LXCFS.  A policy-rc.d of the host's own stays as it is.
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
			policy=/usr/sbin/policy-rc.d
	fi
	if ! apt-get -q update >"$SRC/.apt.log" 2>&1 ||
		! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >>"$SRC/.apt.log" 2>&1; then
		[ -z "$policy" ] || rm -f "$policy"
		tail -n 30 "$SRC/.apt.log"
		problem "apt-get could not install the dependencies (see above)"
		rm -f "$SRC/.apt.log"
		summary
	fi
	[ -z "$policy" ] || rm -f "$policy"
	rm -f "$SRC/.apt.log"
fi

# --- the source to build -----------------------------------------------------------------------

stage "preparing the source"
rm -rf --one-file-system "$OUT"
mkdir -p "$OUT"
TREE=$SRC
if [ -e "$SRC/config.status" ]; then
	# Configured in place: build from a copy of the files git would have.
	TREE=$OUT/src
	echo "+ copying the source to $TREE (the tree is configured in place)"
	mkdir -p "$TREE"
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ ! -e "$f" ] || printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -C "$TREE" -xf -
	else
		tar -C "$SRC" --exclude=./build-check --exclude=./config.status --exclude=./config.h \
			--exclude=./Makefile --exclude='*.o' --exclude='*.a' --exclude=./stamp-h1 -cf - . |
			tar -C "$TREE" -xf -
	fi
fi
echo "+ ./autogen.sh"
if ! (cd "$TREE" && ./autogen.sh) >"$OUT/autogen.log" 2>&1; then
	cat "$OUT/autogen.log"
	problem "./autogen.sh failed"
	summary
fi

# build NAME CONFIGURE-ARGS...: configures and builds nook in $OUT/NAME; false on failure.
build() {
	local name=$1 dir=$OUT/$1
	shift
	mkdir -p "$dir"
	echo "+ cd build-check/$name && $TREE/configure $*"
	if ! (cd "$dir" && "$TREE/configure" "$@") >"$dir/configure.log" 2>&1; then
		tail -n 30 "$dir/configure.log"
		problem "$name: configure failed"
		return 1
	fi
	echo "+ make -j$JOBS"
	make -C "$dir" -j"$JOBS" 2>&1 | grep -v -E '^make(\[[0-9]+\])?: (Entering|Leaving) directory' |
		tee "$dir/make.log"
	if [ "${PIPESTATUS[0]}" != 0 ]; then
		problem "$name: the build failed"
		return 1
	fi
	return 0
}

# check_run NAME TARGET [ENV...]: runs `make TARGET` (check or check-vm) in $OUT/NAME and
# adds up its summary.
check_run() {
	local name=$1 target=$2 dir=$OUT/$1 last p f s
	shift 2
	echo "+ make -j$JOBS $target${TESTS_FILTER:+ TESTS_FILTER=\"$TESTS_FILTER\"}"
	env "$@" make -C "$dir" -j"$JOBS" "$target" ${TESTS_FILTER:+TESTS_FILTER="$TESTS_FILTER"} 2>&1 |
		grep -v -E '^make(\[[0-9]+\])?: (Entering|Leaving) directory' | tee "$dir/check.log"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/check.log" | tail -n 1)
	if [ -z "$last" ]; then
		problem "$name: make $target did not finish (see build-check/$name/check.log)"
		return
	fi
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$last")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$last")
	s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$last")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	[ "$f" = 0 ] || problems+=("$name: $f test(s) failed")
}

# --- 2. gcc, -Werror, make check ------------------------------------------------------------------

stage "gcc build (-Werror) and make check"
if build gcc CC=gcc --enable-werror; then
	check_run gcc check
	# Resource limits need cgroup v2 controllers, which hybrid hosts lack: those tests
	# run in a VM with a pure cgroup v2 hierarchy (Debian's kernel under qemu, TCG).
	# The VPS test boots a Debian template made by debootstrap; the VM has no network,
	# so the host makes it first (kept in /var/tmp/nook-vm between runs).
	stage "Debian template for the VPS test (make vps-template: debootstrap bookworm)"
	if ! make -C "$OUT/gcc" vps-template 2>&1 | grep -v -E '^make(\[[0-9]+\])?: (Entering|Leaving) directory'; then
		problem "make vps-template failed: the VPS test in the VM will skip"
	fi
	stage "VM tests (make check-vm: pure cgroup v2 under qemu)"
	check_run gcc check-vm
fi

# --- 2b. real clients: podman and containerd drive the gcc build (make check-clients) ----------

# tests/clients/*.sh; make check-clients first installs podman and containerd with
# apt-get where missing (tests/clients/install-packages), so this stage needs the
# archive even with SKIP_APT=1.
stage "real clients (make check-clients: podman, containerd)"
if [ -x "$OUT/gcc/nook" ]; then
	check_run gcc check-clients
else
	problem "clients: no gcc build of nook to run podman and containerd with"
fi

# --- 2c. the same bundles under nook, runc and crun (make check-compat) -------------------------

stage "runc and crun compared (make check-compat)"
if [ -x "$OUT/gcc/nook" ]; then
	check_run gcc check-compat
else
	problem "compat: no gcc build of nook to compare with runc and crun"
fi

# --- 3. ASan + UBSan, make check ---------------------------------------------------------------------

stage "AddressSanitizer + UndefinedBehaviorSanitizer build and make check"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1"
if build asan CC=gcc --disable-werror CFLAGS="$SAN" LDFLAGS="-fsanitize=address,undefined"; then
	# Leak reports are off: the runtime exits (and execs) with memory it still holds.
	check_run asan check ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98
fi

# --- 4. clang, -Werror, compile only ------------------------------------------------------------------

stage "clang build (-Werror), compile only"
if build clang CC=clang --enable-werror; then
	# The test programs too: `make check` would also run the tests.
	# shellcheck disable=SC2016 # a make recipe
	progs=$(make -s -C "$OUT/clang" -f Makefile -f - print-check-programs <<<'print-check-programs: ; @echo $(check_PROGRAMS)')
	echo "+ make -j$JOBS $progs"
	# shellcheck disable=SC2086 # a list of targets
	if ! make -C "$OUT/clang" -j"$JOBS" $progs >"$OUT/clang/check-programs.log" 2>&1; then
		tail -n 40 "$OUT/clang/check-programs.log"
		problem "clang: the test programs do not build"
	else
		echo "clang build: ok"
	fi
fi

# --- 5. libFuzzer targets, FUZZ_SECONDS each -----------------------------------------------------------

# fuzz_run TARGET: runs tests/fuzz/TARGET of the clang build for FUZZ_SECONDS, on a scratch
# copy of its seed corpus; a crash, leak or hang is one failure, a clean run one pass.
fuzz_run() {
	local target=$1 dir=$OUT/fuzz/$1 rc found tmp
	rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/tmp"
	tmp=$dir/tmp
	# fuzz_state writes a state file per input: on tmpfs that is 50 times faster.
	[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
	echo "+ tests/fuzz/$target -max_total_time=$FUZZ_SECONDS"
	(cd "$dir" && TMPDIR=$tmp "$OUT/clang/tests/fuzz/$target" -max_total_time="$FUZZ_SECONDS" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/" \
		corpus "$TREE/tests/fuzz/corpus/$target") >"$dir/fuzz.log" 2>&1
	rc=$?
	found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		passed=$((passed + 1))
		echo "$target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/fuzz.log" | tail -n 1)"
		return
	fi
	grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|Test unit written' "$dir/fuzz.log" | head -n 20
	problem "fuzz: $target failed (exit status $rc); reproducer: ${found:-none, see $dir/fuzz.log}; replay: build-check/clang/tests/fuzz/$target ${found:-}"
}

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
stage "libFuzzer targets (make fuzz), $FUZZ_SECONDS s each"
if [ ! -e "$OUT/clang/Makefile" ]; then
	problem "fuzz: no configured clang build to build the targets in"
elif ! make -C "$OUT/clang" -j"$JOBS" fuzz >"$OUT/clang/fuzz.log" 2>&1; then
	tail -n 40 "$OUT/clang/fuzz.log"
	problem "fuzz: make fuzz failed (see build-check/clang/fuzz.log)"
else
	for target in fuzz_config fuzz_process fuzz_state fuzz_net; do
		fuzz_run "$target"
	done
fi

# --- 6. clang-format ------------------------------------------------------------------------------------

stage "clang-format --dry-run -Werror"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t sources < <(cd "$SRC" && git ls-files --cached --others --exclude-standard '*.c' '*.h' |
		while read -r f; do [ -e "$f" ] && echo "$f"; done)
else
	mapfile -t sources < <(cd "$SRC" && find . -path ./build-check -prune -o \( -name '*.c' -o -name '*.h' \) \
		-type f ! -name config.h -print | sed 's|^\./||')
fi
echo "+ clang-format --dry-run -Werror (${#sources[@]} files)"
if [ ${#sources[@]} -eq 0 ]; then
	problem "clang-format: no *.c or *.h files found"
elif ! (cd "$SRC" && clang-format --dry-run -Werror "${sources[@]}") >"$OUT/clang-format.log" 2>&1; then
	grep -E '^[^ ].*: (error|warning):' "$OUT/clang-format.log" | sed -E 's/:[0-9]+:[0-9]+: .*//' |
		sort | uniq -c | awk '{ print "  " $2 ": " $1 " place(s) to reformat" }'
	problem "clang-format: some files are not formatted (clang-format -i FILE fixes them)"
else
	echo "clang-format: ok"
fi

summary
