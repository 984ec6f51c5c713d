#!/usr/bin/env bats
# Interop: Podman drives $XRUN as its OCI runtime (`podman --runtime`).
# Podman needs the set-up of /work/shared/peers/podman-env on these machines
# (lowered ulimits, cgroupfs, its own storage); the wrapper it prints is used
# for every podman command. Containers run with --network none so that no
# bridge or firewall rule is made on the host.

load helpers

PODMAN_ENV=${PODMAN_ENV:-/work/shared/peers/podman-env}
IMAGE=localhost/xrun-it-busybox:latest

setup() {
	command -v podman >/dev/null || skip "podman is not installed"
	[ -x "$PODMAN_ENV" ] || skip "no podman-env script at $PODMAN_ENV"
	xrun_setup
	# libpod_parent is shared with every Podman on the machine: only remove
	# it afterwards if this test made it.
	LIBPOD_PARENT_EXISTED=
	[ ! -d "$CGROUP_MNT/memory/libpod_parent" ] || LIBPOD_PARENT_EXISTED=1
	PODMAN=$("$PODMAN_ENV" "$TESTDIR/podman")
	[ -x "$PODMAN" ] || fail "podman-env printed no wrapper"
	tar -C "$ROOTFS" -c . | timeout 60 "$PODMAN" import - "$IMAGE" >/dev/null 2>"$TESTDIR/import.err" 3>&- ||
		fail "podman import failed: $(cat "$TESTDIR/import.err")"
}

teardown() {
	if [ -n "${PODMAN:-}" ] && [ -x "$PODMAN" ]; then
		timeout 60 "$PODMAN" --runtime "$XRUN" rm -af -t 0 >/dev/null 2>&1 </dev/null 3>&- || true
		timeout 60 "$PODMAN" rmi -af >/dev/null 2>&1 </dev/null 3>&- || true
	fi
	if [ -z "${LIBPOD_PARENT_EXISTED:-}" ]; then
		find "$CGROUP_MNT"/*/libpod_parent -depth -type d -exec rmdir {} \; 2>/dev/null || true
	fi
	xrun_teardown
}

# pm ARGS...: podman with $XRUN as the runtime; results as for xr.
pm() {
	status=0
	timeout -k 5 120 "$PODMAN" --runtime "$XRUN" "$@" >"$TESTDIR/pm.out" 2>"$TESTDIR/pm.err" </dev/null 3>&- ||
		status=$?
	_xr_collect "$TESTDIR/pm" "podman $*"
}

@test "podman --runtime \$XRUN run --rm <image> true" {
	pm run --rm --network none "$IMAGE" true
	assert_success
	pm ps -aq
	assert_success
	assert_eq "$output" ""
}

@test "podman: output, exit code, and a process really in the container" {
	pm run --rm --network none "$IMAGE" sh -c 'echo hello-from-podman; cat /etc/passwd | grep -c xuser; exit 3'
	assert_failure 3
	assert_eq "${lines[0]}" hello-from-podman
	assert_eq "${lines[1]}" 1
	pm run --rm --network none --hostname pm-host --user 1000:1000 "$IMAGE" sh -c 'hostname; id -u; readlink /proc/self/ns/pid'
	assert_success
	assert_eq "${lines[0]}" pm-host
	assert_eq "${lines[1]}" 1000
	[ "${lines[2]}" != "$(host_ns pid)" ]
}

@test "podman: detached container, exec, stop, rm" {
	pm run -d --network none --name xrun-it-$$ "$IMAGE" sleep 1000
	assert_success
	pm exec xrun-it-$$ sh -c 'echo exec-ok'
	assert_success
	assert_eq "$output" exec-ok
	pm stop -t 1 xrun-it-$$
	assert_success
	pm rm xrun-it-$$
	assert_success
}
