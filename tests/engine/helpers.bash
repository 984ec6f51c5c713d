# Shared helpers for the engine tests (bats), run as root: the image helpers (own XOCKER_ROOT,
# XOCKER_RUNROOT and DOCKER_CONFIG under TESTDIR, track_pid, free_port, wait_for) plus a
# teardown that removes every container the test made (which stops its monitor, its processes
# and its cgroup) before the image teardown unmounts and deletes TESTDIR.
# shellcheck source=../image/helpers.bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../image/helpers.bash"

setup() { engine_setup; }
teardown() { engine_teardown; }

engine_setup() {
	image_setup
	# Containers' cgroups go under a parent of this test's own.
	export XOCKER_CGROUP_PARENT=/xocker-test-$$-$BATS_TEST_NUMBER
}

engine_teardown() {
	[ -n "${TESTDIR:-}" ] && [ -d "$TESTDIR" ] || return 0
	local id pidfile pid
	for id in $("$XOCKER" ps -aq --no-trunc 2>/dev/null); do
		timeout 30 "$XOCKER" rm -f -v "$id" >/dev/null 2>&1
	done
	# A monitor or container process the engine lost track of (a test that broke the store).
	for pidfile in "$XOCKER_RUNROOT"/containers/*/monitor.pid "$XOCKER_RUNROOT"/xrun/*/pid; do
		[ -f "$pidfile" ] || continue
		# Never 0 or 1: `kill 0` is this whole process group.
		pid=$(cat "$pidfile" 2>/dev/null) && [[ "$pid" =~ ^[0-9]+$ ]] && ((pid > 1)) && kill -KILL "$pid" 2>/dev/null
	done
	local d
	for d in /sys/fs/cgroup/*/"$XOCKER_CGROUP_PARENT" /sys/fs/cgroup/unified/"$XOCKER_CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	image_teardown
}

# busybox_id: the built-in image's id (the store seeds it on first use).
