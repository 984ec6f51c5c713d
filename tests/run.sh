#!/usr/bin/env bash
# tests/run.sh: the single test command of xocker (CI runs it through .ci/run).
#
#   1. scripts/install-deps.sh                 (fast when everything is installed)
#   2. make -j2  and  make -j2 SANITIZE=1      (build/ and build-asan/)
#   3. every unit test build-asan/tests/test_* (cmocka, TAP output)
#   4. bats --tap tests/integration           with XRUN=build/xrun, then XRUN=build-asan/xrun
#                                              (the second is skipped if tests/integration/.no-asan exists)
#      bats --tap tests/image                 with XOCKER=build/xocker, then build-asan/xocker
#      bats --tap tests/engine                the same
#   5. counts the TAP results of all of them; the very last line printed is
#        N passed, N failed, N skipped
#      and the exit status is non-zero if anything failed or nothing ran.
#
# Every line is shown as it comes and kept in build/test-output.log; the TAP of each suite is
# also kept in build/tap/<suite>.tap. Needs root (containers).
#
# Knobs (environment): BATS_TEST_TIMEOUT (per bats test, default 120 s),
# XRUN_TEST_UNIT_TIMEOUT (per unit test binary, default 300 s),
# XRUN_TEST_BATS_TIMEOUT (per bats run, default 1500 s).
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
REPO=$PWD
LOG=$REPO/build/test-output.log
TAPDIR=$REPO/build/tap

if [[ $(id -u) -ne 0 ]]; then
	echo "tests/run.sh: the tests create containers and must run as root (try: sudo tests/run.sh)" >&2
	exit 1
fi

UNIT_TIMEOUT=${XRUN_TEST_UNIT_TIMEOUT:-300}
BATS_RUN_TIMEOUT=${XRUN_TEST_BATS_TIMEOUT:-1500}
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}
export XRUN_TEST_BUNDLE=$REPO/build/busybox-bundle
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

passed=0
failed=0
skipped=0

section() { printf '\n# ==== %s\n' "$*"; }

# fail_line MSG: report a failure that is not a TAP test result of its own (a build that broke, a
# suite that crashed) as a TAP line, and count it.
fail_line() {
	echo "not ok - $*"
	failed=$((failed + 1))
}

# count_tap NAME FILE STATUS: add the results in TAP file FILE to the totals. A suite that reported
# fewer results than it planned (crash, timeout) counts the missing ones as failed; one that exited
# non-zero without reporting any failure counts one failure, so no breakage goes unnoticed.
count_tap() {
	local name=$1 file=$2 status=$3 p f s plan results
	# "ok N ... # skip" is a skip; so is cmocka's "not ok N # SKIP name"; "not ok ... # TODO" is
	# an expected failure and, like a skip, is neither a pass nor a failure.
	read -r p f s plan results < <(awk '
		/^1\.\.[0-9]+/ { plan += substr($1, 4) + 0; next }
		/^ok([ \t]|$)/ {
			results++
			if (tolower($0) ~ /#[ \t]*skip/) s++; else p++
			next
		}
		/^not ok([ \t]|$)/ {
			results++
			if (tolower($0) ~ /#[ \t]*(skip|todo)/) s++; else f++
			next
		}
		END { printf "%d %d %d %d %d\n", p, f, s, plan, results }
	' "$file")
	if ((results < plan)); then
		echo "not ok - $name: only $results of $plan planned tests reported (exit status $status: crash or timeout?)"
		f=$((f + plan - results))
	elif ((status != 0 && f == 0)); then
		echo "not ok - $name: exited with status $status"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	echo "# $name: $p passed, $f failed, $s skipped"
}

# run_tap NAME TIMEOUT CMD...: run a TAP-printing CMD under a time limit, show its output line by
# line, keep it in build/tap/NAME.tap, and count its results.
# timeout(1) puts CMD in a process group of its own, so on a time-out the whole suite (bats, xrun,
# containers) is killed; for the same reason a ^C on the terminal does not reach CMD, and the trap
# set in main forwards it to that group ($child).
child=""
run_tap() {
	local name=$1 limit=$2 file=$TAPDIR/$1.tap status=0
	shift 2
	section "$name: $*"
	: >"$file"
	timeout --kill-after=30 "$limit" "$@" </dev/null >"$file" 2>&1 &
	child=$!
	tail -n +1 -s 0.2 --pid="$child" -f "$file" || true
	wait "$child" || status=$?
	child=""
	((status != 124)) || echo "# $name: killed after the time limit of ${limit}s"
	count_tap "$name" "$file" "$status"
}

# on_signal STATUS: stop the suite in progress (its whole process group) and exit.
# shellcheck disable=SC2317 # called from the INT and TERM traps
on_signal() {
	if [[ -n "$child" ]]; then
		kill -TERM -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	echo "# interrupted"
	exit "$1"
}

main() {
	section "tests/run.sh on $(uname -srm), $(date -u '+%F %T UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

	section "dependencies: scripts/install-deps.sh"
	if ! scripts/install-deps.sh </dev/null; then
		fail_line "scripts/install-deps.sh failed"
		return
	fi

	host_state >"$REPO/build/host-before.txt"

	# Builds. A configuration that does not build skips the tests that need it (stale binaries
	# from an earlier build must not pass in its place).
	local built=1 built_asan=1
	section "build: make -j2"
	make -j2 </dev/null || { fail_line "build: make -j2"; built=0; }
	section "build: make -j2 SANITIZE=1"
	make -j2 SANITIZE=1 </dev/null || { fail_line "build: make -j2 SANITIZE=1"; built_asan=0; }

	# Unit tests (the ASan+UBSan build).
	if ((built_asan)); then
		local t found=0
		for t in build-asan/tests/test_*; do
			# A binary whose source is gone is a leftover of an earlier build: not a test.
			[[ -f "$t" && -x "$t" && -f "tests/unit/$(basename -- "$t").c" ]] || continue
			found=1
			CMOCKA_MESSAGE_OUTPUT=TAP run_tap "unit-$(basename -- "$t")" "$UNIT_TIMEOUT" "$t"
		done
		((found)) || section "unit: no unit test binaries in build-asan/tests"
	else
		section "unit: skipped (the SANITIZE=1 build failed)"
	fi

	# Integration tests, once per xrun build.
	if ! compgen -G 'tests/integration/*.bats' >/dev/null; then
		section "integration: no tests/integration/*.bats yet"
		return
	fi
	if ((built)); then
		XRUN=$REPO/build/xrun run_tap integration "$BATS_RUN_TIMEOUT" bats --tap tests/integration
	else
		section "integration: skipped (make -j2 failed)"
	fi
	# Image and storage tests (the xocker CLI), once per build as well.
	if compgen -G 'tests/image/*.bats' >/dev/null; then
		if ((built)); then
			XOCKER=$REPO/build/xocker run_tap image "$BATS_RUN_TIMEOUT" bats --tap tests/image
		fi
		if ((built_asan)); then
			XOCKER=$REPO/build-asan/xocker run_tap image-asan "$BATS_RUN_TIMEOUT" bats --tap tests/image
		fi
	fi
	# Engine tests (containers, monitor, logs, volumes), once per build.
	if compgen -G 'tests/engine/*.bats' >/dev/null; then
		if ((built)); then
			XOCKER=$REPO/build/xocker run_tap engine "$BATS_RUN_TIMEOUT" bats --tap tests/engine
		fi
		if ((built_asan)); then
			XOCKER=$REPO/build-asan/xocker run_tap engine-asan "$BATS_RUN_TIMEOUT" bats --tap tests/engine
		fi
	fi
	if [[ -e tests/integration/.no-asan ]]; then
		section "integration-asan: skipped (tests/integration/.no-asan exists)"
	elif ((built_asan)); then
		XRUN=$REPO/build-asan/xrun run_tap integration-asan "$BATS_RUN_TIMEOUT" bats --tap tests/integration
		check_host_left_alone
	else
		section "integration-asan: skipped (make -j2 SANITIZE=1 failed)"
	fi
}

# host_state: the network devices, network namespaces and nftables tables of the machine, one a
# line (what the tests must leave as they found it).
host_state() {
	{
		ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
		ip netns list 2>/dev/null | awk '{ print "netns " $1 }'
		nft list tables 2>/dev/null | sed 's/^/nft /'
	} | sort
}

# check_host_left_alone: one more result, failed when the suites left devices, namespaces or
# tables behind that were not there before them.
check_host_left_alone() {
	section "host: no network devices, namespaces or nftables tables left behind"
	local extra
	extra=$(comm -13 "$REPO/build/host-before.txt" <(host_state))
	if [[ -z "$extra" ]]; then
		echo "ok - the tests left no network devices, namespaces or nftables tables behind"
		passed=$((passed + 1))
	else
		fail_line "the tests left behind: $(tr '\n' ' ' <<<"$extra")"
	fi
}

# summary: the closing line (CI reads it) and the exit status.
summary() {
	local status=0
	section "total"
	if ((passed + failed == 0)); then
		echo "# nothing ran: no test passed or failed"
		status=1
	fi
	((failed == 0)) || status=1
	echo "$passed passed, $failed failed, $skipped skipped"
	return "$status"
}

mkdir -p build
rm -rf -- "$TAPDIR"
mkdir -p -- "$TAPDIR"
# Everything, stdout and stderr, goes through one tee into the log. tee ignores INT and TERM so
# that a ^C (sent to the whole foreground process group) does not kill it before our trap has
# stopped the suite and said so: bash would die of SIGPIPE writing to a dead tee, trap unrun.
exec > >(trap '' INT TERM; exec tee "$LOG") 2>&1
tee_pid=$!
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
main
status=0
summary || status=$?
# Close our end of the pipe and let tee write the last line before we exit.
exec >&- 2>&-
wait "$tee_pid" 2>/dev/null || true
exit "$status"
