#!/usr/bin/env bats
# create / start / run: the lifecycle of runtime.md and create's flags.

load helpers

@test "create holds the process until start; status created -> running -> stopped" {
	set_args sh -c 'touch /ran; sleep 1'
	create_ctr
	assert_success
	assert_eq "$(ctr_status "$CTR")" created
	pid=$(ctr_pid "$CTR")
	[ "$pid" -gt 0 ]
	pid_alive "$pid"
	# The environment is built: the held process already lives in the rootfs
	# and in its own namespaces, but the user program has not run.
	[ /proc/$pid/root -ef "$ROOTFS" ]
	[ "$(readlink /proc/$pid/ns/uts)" != "$(host_ns uts)" ]
	[ "$(readlink /proc/$pid/ns/pid)" != "$(host_ns pid)" ]
	sleep 0.3
	[ ! -e "$ROOTFS/ran" ]

	xr start "$CTR"
	assert_success
	wait_for test -e "$ROOTFS/ran"
	assert_eq "$(ctr_status "$CTR")" running
	assert_eq "$(ctr_pid "$CTR")" "$pid"

	wait_status "$CTR" stopped
	wait_pid_exit "$pid"
	xr delete "$CTR"
	assert_success
	assert_gone "$CTR"
}

@test "create --pid-file writes the init's host pid" {
	set_args sleep 1000
	create_ctr --pid-file "$TESTDIR/pid"
	assert_success
	pid=$(cat "$TESTDIR/pid")
	assert_eq "$pid" "$(ctr_pid "$CTR")"
	[ /proc/$pid/root -ef "$ROOTFS" ]
}

@test "create puts the init into the cgroup linux.cgroupsPath names" {
	set_args sleep 1000
	create_ctr
	assert_success
	pid=$(ctr_pid "$CTR")
	grep -E ":/xrun-test/$CTR\$" /proc/$pid/cgroup
	[ -n "$(cgroup_dirs "$CTR")" ]
}

@test "start of a running container fails and leaves it running" {
	start_sleeper
	xr start "$CTR"
	assert_failure
	assert_eq "$(ctr_status "$CTR")" running
	pid_alive "$PID"
}

@test "start of a container that does not exist fails" {
	xr start "xt-nonexistent-$$"
	assert_failure
	assert_contains "$stderr" "does not exist"
}

@test "run -d detaches, --pid-file names the running init" {
	set_args sh -c 'echo up > /tmp/up; exec sleep 1000'
	run_d --pid-file "$TESTDIR/pid"
	assert_success
	assert_eq "$(ctr_status "$CTR")" running
	pid=$(cat "$TESTDIR/pid")
	assert_eq "$pid" "$(ctr_pid "$CTR")"
	wait_for test -e "$ROOTFS/tmp/up"
	pid_alive "$pid"
}

@test "run in the foreground passes stdout and stderr through" {
	sh_ctr 'echo to-stdout; echo to-stderr >&2'
	assert_success
	assert_eq "$output" to-stdout
	assert_contains "$stderr" to-stderr
}

@test "run in the foreground returns the container's exit code" {
	sh_ctr 'exit 3'
	assert_failure 3
	sh_ctr 'exit 0'
	assert_success
	run_ctr false
	assert_failure 1
}

@test "run in the foreground: killed by a signal gives 128+n" {
	set_args sleep 1000
	new_id
	"$XRUN" --root "$ROOT" run --bundle "$BUNDLE" "$CTR" </dev/null >"$TESTDIR/fg.out" 2>&1 3>&- &
	fg=$!
	remember_pid "$fg"
	wait_status "$CTR" running
	xr kill "$CTR" KILL
	assert_success
	rc=0
	wait "$fg" || rc=$?
	assert_eq "$rc" 137
	# run removes its container when the process is gone.
	assert_gone "$CTR"
}

@test "run in the foreground deletes the container afterwards" {
	run_ctr true
	assert_success
	assert_gone "$CTR"
}

@test "run --no-pivot still confines the process to the rootfs" {
	set_args sh -c 'ls /; cat /etc/passwd; echo ok > /written'
	new_id
	xr run --no-pivot --bundle "$BUNDLE" "$CTR"
	assert_success
	assert_contains "$output" bin
	assert_not_contains "$output" work
	assert_contains "$output" xuser
	assert_eq "$(cat "$ROOTFS/written")" ok
}

@test "create --no-pivot then start" {
	set_args sh -c 'echo ok > /written'
	create_ctr --no-pivot
	assert_success
	xr start "$CTR"
	assert_success
	wait_status "$CTR" stopped
	assert_eq "$(cat "$ROOTFS/written")" ok
}

@test "a container gets a new session keyring; --no-new-keyring keeps the caller's" {
	update_config '.linux.maskedPaths -= ["/proc/keys"]'
	set_args cat /proc/keys
	# The caller's session keyring is viewable only by its possessors.
	ring=xt-ses-$$-$RANDOM
	new_id
	out=$(timeout 30 "$PYTHON" "$HELPERS_DIR/session-keyring.py" "$ring" \
		"$XRUN" --root "$ROOT" run --bundle "$BUNDLE" "$CTR" </dev/null 3>&-)
	echo "$out" >&2
	assert_not_contains "$out" "$ring"
	new_id
	out=$(timeout 30 "$PYTHON" "$HELPERS_DIR/session-keyring.py" "$ring" \
		"$XRUN" --root "$ROOT" run --no-new-keyring --bundle "$BUNDLE" "$CTR" </dev/null 3>&-)
	echo "$out" >&2
	assert_contains "$out" "$ring"
}

@test "create --preserve-fds passes extra fds to the container" {
	echo secret-one >"$TESTDIR/f3"
	echo secret-two >"$TESTDIR/f4"
	set_args sh -c 'cat <&3 >/tmp/got; cat <&4 >>/tmp/got; ls /proc/self/fd > /tmp/fds'
	new_id
	status=0
	timeout 30 "$XRUN" --root "$ROOT" create --preserve-fds 2 --bundle "$BUNDLE" "$CTR" \
		3<"$TESTDIR/f3" 4<"$TESTDIR/f4" </dev/null >"$TESTDIR/c.out" 2>"$TESTDIR/c.err" || status=$?
	cat "$TESTDIR/c.err" >&2
	assert_success
	xr start "$CTR"
	assert_success
	wait_status "$CTR" stopped
	assert_eq "$(cat "$ROOTFS/tmp/got")" "secret-one
secret-two"
	grep -qx 4 "$ROOTFS/tmp/fds"
}

@test "run --preserve-fds with a foreground container" {
	echo passed-fd >"$TESTDIR/f3"
	set_args sh -c 'cat <&3'
	new_id
	out=$(timeout 30 "$XRUN" --root "$ROOT" run --preserve-fds 1 --bundle "$BUNDLE" "$CTR" \
		3<"$TESTDIR/f3" </dev/null)
	assert_eq "$out" passed-fd
}

@test "create --bundle with a relative path from the caller's cwd" {
	set_args sh -c 'echo rel > /tmp/rel'
	new_id
	(cd "$TESTDIR" && timeout 30 "$XRUN" --root "$ROOT" run --bundle bundle "$CTR" </dev/null 3>&-)
	assert_eq "$(cat "$ROOTFS/tmp/rel")" rel
}

@test "create without --bundle uses the current directory" {
	set_args sh -c 'echo cwd > /tmp/cwd'
	new_id
	(cd "$BUNDLE" && timeout 30 "$XRUN" --root "$ROOT" create "$CTR" </dev/null >/dev/null 2>&1 3>&-)
	assert_eq "$(ctr_state "$CTR" .bundle)" "$BUNDLE"
	xr start "$CTR"
	assert_success
	wait_for test -e "$ROOTFS/tmp/cwd"
}
