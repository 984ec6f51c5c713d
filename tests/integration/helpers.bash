# Shared helpers for the xrun integration tests (bats).
#
# The runtime under test is $XRUN (an absolute path); the bundle to copy is
# $XRUN_TEST_BUNDLE (DIR with DIR/config.json in `runc spec` shape and
# DIR/rootfs, a busybox rootfs). Every test gets:
#   TESTDIR  its own temporary directory (mode 0755, so a user namespace can
#            reach the rootfs)
#   BUNDLE   a copy of the bundle ($TESTDIR/bundle), ROOTFS its rootfs
#   ROOT     its own state root, passed as `$XRUN --root $ROOT`
#   CTR      the id of the last container made by a helper; new_id makes more
# and teardown force-deletes every container, kills background processes and
# anything left in the test's cgroups or rootfs (by PID), removes the
# cgroups (/xrun-test/<id>), unmounts what is left under TESTDIR (persistent
# namespace files included), then removes TESTDIR; also when the test failed.

: "${XRUN:?set XRUN to the absolute path of the runtime under test}"
: "${XRUN_TEST_BUNDLE:?set XRUN_TEST_BUNDLE to a busybox bundle (scripts/make-busybox-bundle.sh)}"

CGROUP_PARENT=xrun-test
CGROUP_MNT=/sys/fs/cgroup
# Seconds before a runtime command is considered hung (and killed).
XR_TIMEOUT=${XR_TIMEOUT:-30}
HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi

# ---------------------------------------------------------------- setup/teardown

setup() { xrun_setup; }
teardown() { xrun_teardown; }

xrun_setup() {
	[ -x "$XRUN" ] || { echo "XRUN=$XRUN is not executable" >&2; return 1; }
	[ -f "$XRUN_TEST_BUNDLE/config.json" ] && [ -d "$XRUN_TEST_BUNDLE/rootfs" ] ||
		{ echo "XRUN_TEST_BUNDLE=$XRUN_TEST_BUNDLE is not a bundle" >&2; return 1; }
	# mkdir fails if the name exists: a fresh directory, 0755 so that a user
	# namespace can reach the rootfs. (Fewer processes than mktemp + chmod:
	# every fork counts in a suite of a few hundred tests.)
	local i
	for i in 1 2 3 4 5; do
		TESTDIR=${TMPDIR:-/tmp}/xrun-it.$$.$RANDOM$RANDOM
		mkdir -m 0755 "$TESTDIR" "$TESTDIR/bundle" "$TESTDIR/state" 2>/dev/null && break
		TESTDIR=
	done
	[ -n "$TESTDIR" ] || { echo "cannot make a test directory in ${TMPDIR:-/tmp}" >&2; return 1; }
	BUNDLE=$TESTDIR/bundle
	ROOTFS=$BUNDLE/rootfs
	ROOT=$TESTDIR/state
	: >"$TESTDIR/.ids"
	: >"$TESTDIR/.pids"
	cp -a "$XRUN_TEST_BUNDLE/rootfs" "$XRUN_TEST_BUNDLE/config.json" "$BUNDLE/"
	[ -d "$ROOTFS/tmp" ] || mkdir -m 1777 "$ROOTFS/tmp"
	# A writable, non-terminal container with a cgroup of its own is the
	# baseline; tests set what they check.
	_new_id_name
	update_config '.root.readonly = false | .process.terminal = false | del(.process.consoleSize)
		| .linux.cgroupsPath = $p' --arg p "/$CGROUP_PARENT/$CTR"
}

xrun_teardown() {
	[ -n "${TESTDIR:-}" ] && [ -d "$TESTDIR" ] || return 0
	local id pid i ids pids d mounts
	mapfile -t pids <"$TESTDIR/.pids"
	mapfile -t ids <"$TESTDIR/.ids"
	# Background helpers first (receivers, foreground runs), by PID.
	[ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
	# Thaw our cgroups so that a paused container can be killed.
	_cgroup_dirs_of "${ids[@]}"
	for d in "${CGROUP_DIRS[@]}"; do
		[ ! -f "$d/freezer.state" ] || echo THAWED >"$d/freezer.state" 2>/dev/null || true
		[ ! -f "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze" 2>/dev/null || true
	done
	# Every container the state root knows of (ids made by hand included).
	for d in "$ROOT"/*; do
		[ -e "$d" ] || continue
		timeout -k 2 20 "$XRUN" --root "$ROOT" delete --force "${d##*/}" >/dev/null 2>&1 </dev/null 3>&- || true
	done
	# Anything still alive in one of our cgroups or inside our rootfs: kill by PID.
	for i in 1 2 3 4 5; do
		pid=$(_leftover_pids "${ids[@]}")
		[ -n "$pid" ] || break
		kill -KILL $pid 2>/dev/null || true
		sleep 0.1
	done
	_cgroup_dirs_of "${ids[@]}"
	for d in "${CGROUP_DIRS[@]}"; do
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || { sleep 0.2; rmdir "$d" 2>/dev/null; } || true
	done
	rmdir "$CGROUP_MNT"/*/"$CGROUP_PARENT" 2>/dev/null || true
	# Unmount everything under TESTDIR, deepest first; lazily if busy.
	for i in 1 2 3 4; do
		mounts=$(mounts_under "$TESTDIR")
		[ -n "$mounts" ] || break
		if [ "$i" -eq 4 ]; then
			echo "teardown: mounts left under $TESTDIR, not removing it:" >&2
			echo "$mounts" >&2
			return 1
		fi
		for d in $(sort -r <<<"$mounts"); do
			umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || true
		done
	done
	rm -rf --one-file-system "$TESTDIR"
}

# _cgroup_dirs_of ID...: set CGROUP_DIRS to the cgroup directories (any
# hierarchy) of the IDs that exist.
_cgroup_dirs_of() {
	local id d
	CGROUP_DIRS=()
	for id in "$@"; do
		for d in "$CGROUP_MNT"/*/"$CGROUP_PARENT/$id"; do
			[ ! -d "$d" ] || CGROUP_DIRS+=("$d")
		done
	done
}

# _leftover_pids ID...: processes (other than this shell) in the cgroups of
# the IDs, or whose root directory is the test's rootfs.
_leftover_pids() {
	local d p st procs all=() seen=" $$ "
	# In our cgroups (a cgroup that is gone holds no process) ...
	_cgroup_dirs_of "$@"
	for d in "${CGROUP_DIRS[@]}"; do
		mapfile -t procs <"$d/cgroup.procs" 2>/dev/null || continue
		all+=("${procs[@]}")
	done
	# ... or rooted in our rootfs.
	for p in $(find -L /proc/[0-9]*/root -maxdepth 0 -samefile "$ROOTFS" 2>/dev/null); do
		p=${p#/proc/}
		all+=("${p%/root}")
	done
	for p in "${all[@]}"; do
		[[ $seen != *" $p "* ]] || continue
		seen+="$p "
		# skip zombies: they hold nothing and only pid 1 can reap them
		read -r st <"/proc/$p/stat" 2>/dev/null || continue
		st=${st##*) }
		[ "${st:0:1}" = Z ] || echo "$p"
	done
}

# mounts_under DIR: mount points at or below DIR in this mount namespace.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# ---------------------------------------------------------------- ids, config

# new_id: make a fresh container id, stored in CTR, remember it for
# teardown, and point the bundle's linux.cgroupsPath at /xrun-test/<id>.
# (Call it directly, not in $(...): it sets CTR.)
new_id() {
	_new_id_name
	set_cgroup "$CTR"
}

_new_id_name() {
	CTR=xt-${BATS_TEST_NUMBER:-0}-$$-$RANDOM$RANDOM
	echo "$CTR" >>"$TESTDIR/.ids"
}

# remember_id ID: teardown also deletes ID (for ids made by hand).
remember_id() { echo "$1" >>"$TESTDIR/.ids"; }

# remember_pid PID: teardown kills PID.
remember_pid() { echo "$1" >>"$TESTDIR/.pids"; }

set_cgroup() { update_config '.linux.cgroupsPath = $p' --arg p "/$CGROUP_PARENT/$1"; }

# update_config FILTER [JQ ARGS...]: edit $BUNDLE/config.json (or $CONFIG) in place with jq.
update_config() {
	local f=${CONFIG:-$BUNDLE/config.json} filter=$1 new
	shift
	new=$(jq "$filter" "$f" "$@") || return 1
	printf '%s\n' "$new" >"$f"
}

# set_args ARG...: process.args = [ARG...]
set_args() {
	# `--args --` so that an argument such as -c is not read as a jq option.
	update_config '.process.args = $ARGS.positional' --args -- "$@"
}

# json_array ARG...: print ARGs as a JSON array of strings.
json_array() { jq -cn '$ARGS.positional' --args -- "$@"; }

# ---------------------------------------------------------------- running xrun

# xr ARGS...: run `$XRUN --root $ROOT ARGS...` with stdin from /dev/null and
# stdout/stderr to files (so a container that inherits them never blocks the
# test), under a timeout. Sets status, output (stdout), stderr, lines and
# err_lines (arrays). Prints a transcript that bats shows when a test fails.
xr() { _xr_io "$TESTDIR/xr" "$@"; }

_xr_io() {
	local pfx=$1
	shift
	status=0
	timeout -k 5 "$XR_TIMEOUT" "$XRUN" --root "$ROOT" "$@" >"$pfx.out" 2>"$pfx.err" </dev/null 3>&- ||
		status=$?
	_xr_collect "$pfx" "$*"
}

_xr_collect() {
	local pfx=$1
	output=$(<"$pfx.out")
	stderr=$(<"$pfx.err")
	lines=()
	err_lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	[ -z "$stderr" ] || mapfile -t err_lines <<<"$stderr"
	{
		echo "# xrun $2 -> status $status"
		[ ${#lines[@]} -eq 0 ] || printf '#   out: %s\n' "${lines[@]}"
		[ ${#err_lines[@]} -eq 0 ] || printf '#   err: %s\n' "${err_lines[@]}"
	} >&2
}

# run_ctr ARG...: set process.args, make a new id, and run the container in
# the foreground (`xrun run`); results as for xr.
run_ctr() {
	set_args "$@"
	new_id
	xr run --bundle "$BUNDLE" "$CTR"
}

# sh_ctr SCRIPT: run_ctr sh -c SCRIPT
sh_ctr() { run_ctr sh -c "$1"; }

# create_ctr [FLAGS...]: `xrun create` a new container from the bundle as it
# is now; its stdio go to $TESTDIR/<id>.out/.err. CTR names it.
create_ctr() {
	new_id
	_xr_io "$TESTDIR/$CTR" create --bundle "$BUNDLE" "$@" "$CTR"
}

# run_d [FLAGS...]: `xrun run -d` a new container (stdio to $TESTDIR/<id>.*).
run_d() {
	new_id
	_xr_io "$TESTDIR/$CTR" run -d --bundle "$BUNDLE" "$@" "$CTR"
}

# start_sleeper [SCRIPT]: run -d a container whose init runs SCRIPT (default:
# sleep), and wait until it is running. CTR names it, PID is its init's pid.
start_sleeper() {
	set_args sh -c "${1:-exec sleep 1000}"
	run_d
	assert_success
	wait_status "$CTR" running
	PID=$(ctr_pid "$CTR")
}

# ctr_state ID [JQ]: print the state JSON (or a field of it).
ctr_state() {
	local json
	json=$(timeout -k 5 "$XR_TIMEOUT" "$XRUN" --root "$ROOT" state "$1" 2>/dev/null </dev/null 3>&-) || return 1
	if [ -z "${2:-}" ]; then echo "$json"; else jq -r "$2" <<<"$json"; fi
}

# ctr_status ID, ctr_pid ID: fields of the state (without a jq process).
ctr_status() {
	local json
	json=$(timeout -k 5 "$XR_TIMEOUT" "$XRUN" --root "$ROOT" state "$1" 2>/dev/null </dev/null 3>&-) || return 1
	[[ $json =~ \"status\"[[:space:]]*:[[:space:]]*\"([a-z]+)\" ]] && echo "${BASH_REMATCH[1]}"
}
ctr_pid() {
	local json
	json=$(timeout -k 5 "$XR_TIMEOUT" "$XRUN" --root "$ROOT" state "$1" 2>/dev/null </dev/null 3>&-) || return 1
	[[ $json =~ \"pid\"[[:space:]]*:[[:space:]]*([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# wait_status ID STATUS: wait up to ~10 s until `state` reports STATUS.
wait_status() {
	local i s
	for i in $(seq 100); do
		s=$(ctr_status "$1") || s=
		[ "$s" != "$2" ] || return 0
		sleep 0.1
	done
	echo "container $1: status '$s', expected '$2'" >&2
	return 1
}

# wait_for CMD...: retry CMD for up to ~10 s.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	return 1
}

assert_success() {
	[ "$status" -eq 0 ] || fail "expected success, got status $status"
}

# assert_failure [STATUS]
assert_failure() {
	if [ $# -gt 0 ]; then
		[ "$status" -eq "$1" ] || fail "expected status $1, got $status"
	else
		[ "$status" -ne 0 ] || fail "expected failure, got status 0"
		# 124/137 from timeout(1) mean the runtime hung, not that it refused.
		[ "$status" -ne 124 ] || fail "command timed out"
	fi
}

assert_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"; }

# assert_contains HAYSTACK NEEDLE
assert_contains() { [[ $1 == *"$2"* ]] || fail "'$2' not found in: $1"; }
assert_not_contains() { [[ $1 != *"$2"* ]] || fail "'$2' unexpectedly found in: $1"; }

# assert_one_error_line NEEDLE: stderr is exactly one line and names NEEDLE
# (the issue's demand on xrun's error reports).
assert_one_error_line() {
	[ "${#err_lines[@]}" -eq 1 ] || fail "expected one error line on stderr, got ${#err_lines[@]}: $stderr"
	[ -z "${1:-}" ] || assert_contains "$stderr" "$1"
}

# assert_nothing_left ID: no state, no cgroup, no mounts under TESTDIR (other
# than the ones the test made itself, listed in KEEP_MOUNTS), no process.
assert_nothing_left() {
	local id=$1 m left
	[ ! -e "$ROOT/$id" ] || fail "state left behind: $ROOT/$id"
	_cgroup_dirs_of "$id"
	[ ${#CGROUP_DIRS[@]} -eq 0 ] || fail "cgroup left behind: ${CGROUP_DIRS[*]}"
	for m in $(mounts_under "$TESTDIR"); do
		[[ " ${KEEP_MOUNTS:-} " == *" $m "* ]] || fail "mount left behind: $m"
	done
	left=$(_leftover_pids "$id")
	[ -z "$left" ] || fail "processes left behind: $left"
}

# assert_gone ID: the container no longer exists (state fails, nothing left).
assert_gone() {
	local out
	if out=$(timeout 20 "$XRUN" --root "$ROOT" state "$1" 2>&1 </dev/null 3>&-); then
		fail "state still succeeds for $1: $out"
	fi
	assert_nothing_left "$1"
}

# ---------------------------------------------------------------- misc

is_runc() { [[ $(basename "$XRUN") == runc* ]]; }

# xrun_only: the assertions that follow are the issue's demands on xrun where
# the reference runtime (runc) behaves differently; skip them for runc.
xrun_only() {
	if is_runc; then
		skip "reference runtime differs"
	fi
}

# host_ns TYPE: the host's namespace link (as readlink prints it).
host_ns() { readlink "/proc/self/ns/$1"; }

# cgroup_dirs ID: print the cgroup directories that exist for container ID.
cgroup_dirs() {
	_cgroup_dirs_of "$1"
	[ ${#CGROUP_DIRS[@]} -eq 0 ] || printf '%s\n' "${CGROUP_DIRS[@]}"
}

# bg CMD...: run CMD in the background (fd 3 closed, so bats does not wait
# for it), remember its PID for teardown, and set BG_PID.
bg() {
	"$@" 3>&- &
	BG_PID=$!
	remember_pid "$BG_PID"
}

# start_recvtty SOCKET OUTPUT [INPUT]: start the console-socket receiver and
# wait until it listens.
start_recvtty() {
	bg "$PYTHON" "$HELPERS_DIR/recvtty.py" "$@" </dev/null >"$2.log" 2>&1
	RECV_PID=$BG_PID
	wait_for test -S "$1"
}

# wait_pid_exit PID [TRIES]: wait (0.1 s steps) until PID is gone or a zombie
# (reaping orphans is up to whoever is pid 1 here, not to the runtime).
wait_pid_exit() {
	local i
	for i in $(seq "${2:-100}"); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	echo "process $1 still alive" >&2
	return 1
}

# pid_alive PID: PID exists and is not a zombie.
pid_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st:0:1}" != Z ]
}

# children PID: the pids of PID's children (its main thread's).
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

# has_children PID N: PID has at least N children.
has_children() {
	local c
	c=($(children "$1"))
	[ ${#c[@]} -ge "$2" ]
}

# install_xhelper: copy the static test helper (tests/helper/xhelper.c, built
# by make next to the runtime, or $XHELPER) into the rootfs as /xhelper.
install_xhelper() {
	local h=${XHELPER:-$(dirname "$XRUN")/xhelper}
	[ -x "$h" ] || h=$HELPERS_DIR/../../build/xhelper
	[ -x "$h" ] || fail "no xhelper next to $XRUN nor in build/ (make builds it)"
	cp "$h" "$ROOTFS/xhelper"
}
