#!/usr/bin/env bats
# kill (signal names, numbers, --all) and delete (--force).

load helpers

# A container whose init records the signals it handles in /tmp/sig.
start_trapper() {
	start_sleeper 'trap "echo TERM >> /tmp/sig; exit 0" TERM
trap "echo HUP >> /tmp/sig" HUP
trap "echo USR1 >> /tmp/sig" USR1
echo ready > /tmp/ready
while :; do sleep 0.1; done'
	wait_for test -e "$ROOTFS/tmp/ready"
}

# sig_count SIG N: the init has handled SIG N times.
sig_count() { [ "$(grep -c "$1" "$ROOTFS/tmp/sig")" -eq "$2" ]; }

@test "kill without a signal sends SIGTERM" {
	start_trapper
	xr kill "$CTR"
	assert_success
	wait_status "$CTR" stopped
	assert_eq "$(cat "$ROOTFS/tmp/sig")" TERM
}

@test "kill by name, with and without SIG, and by number" {
	start_trapper
	xr kill "$CTR" HUP
	assert_success
	wait_for grep -q HUP "$ROOTFS/tmp/sig"
	xr kill "$CTR" SIGUSR1
	assert_success
	wait_for grep -q USR1 "$ROOTFS/tmp/sig"
	xr kill "$CTR" 1
	assert_success
	wait_for sig_count HUP 2
	assert_eq "$(ctr_status "$CTR")" running
}

@test "kill KILL, SIGKILL and 9 stop the container" {
	for sig in KILL SIGKILL 9; do
		start_sleeper
		xr kill "$CTR" "$sig"
		assert_success
		wait_status "$CTR" stopped
		wait_pid_exit "$PID"
	done
}

@test "kill --all signals every process of the container" {
	# The init ignores SIGTERM (pid 1 without a handler); its children do
	# not, so only --all makes `wait` return.
	start_sleeper 'sleep 1000 & sleep 1001 & wait; echo waited > /tmp/done; exec sleep 1002'
	wait_for has_children "$PID" 2
	kids=$(children "$PID")
	xr kill --all "$CTR" TERM
	assert_success
	wait_for test -e "$ROOTFS/tmp/done"
	for k in $kids; do wait_pid_exit "$k"; done
	assert_eq "$(ctr_status "$CTR")" running
	pid_alive "$PID"
}

@test "kill --all KILL leaves no process in the container's cgroup" {
	start_sleeper 'sleep 1000 & sleep 1001 & exec sleep 1002'
	wait_for has_children "$PID" 2
	kids=$(children "$PID")
	xr kill --all "$CTR" KILL
	assert_success
	wait_status "$CTR" stopped
	for k in $PID $kids; do wait_pid_exit "$k"; done
}

@test "kill of a container that does not exist fails" {
	xr kill xt-no-such-container KILL
	assert_failure
	assert_contains "$stderr" "does not exist"
}

@test "kill of a stopped container fails" {
	start_sleeper
	xr kill "$CTR" KILL
	assert_success
	wait_status "$CTR" stopped
	xr kill "$CTR" KILL
	assert_failure
	assert_contains "$stderr" "not running"
}

@test "kill with an unknown signal fails and leaves the container running" {
	start_sleeper
	xr kill "$CTR" SIGNOPE
	assert_failure
	assert_eq "$(ctr_status "$CTR")" running
	xrun_only
	assert_one_error_line SIGNOPE
}

@test "delete of a running container fails and leaves it running" {
	start_sleeper
	xr delete "$CTR"
	assert_failure
	assert_eq "$(ctr_status "$CTR")" running
	pid_alive "$PID"
	[ -e "$ROOT/$CTR" ]
	[ -n "$(cgroup_dirs "$CTR")" ]
}

@test "delete --force kills a running container and removes everything" {
	start_sleeper 'sleep 1000 & exec sleep 1001'
	wait_for has_children "$PID" 1
	kid=$(children "$PID")
	xr delete --force "$CTR"
	assert_success
	wait_pid_exit "$PID"
	wait_pid_exit "$kid"
	assert_gone "$CTR"
}

@test "delete --force of a created container" {
	set_args true
	create_ctr
	assert_success
	pid=$(ctr_pid "$CTR")
	xr delete --force "$CTR"
	assert_success
	wait_pid_exit "$pid"
	assert_gone "$CTR"
	# The held process never ran.
	[ ! -e "$ROOTFS/tmp/ran" ]
}

@test "delete of a stopped container removes its state and cgroup" {
	set_args true
	run_d
	assert_success
	wait_status "$CTR" stopped
	xr delete "$CTR"
	assert_success
	assert_gone "$CTR"
}

@test "delete of a container that does not exist fails" {
	xr delete xt-no-such-container
	assert_failure
	assert_contains "$stderr" "does not exist"
}

@test "a deleted container's id can be used again" {
	start_sleeper
	id=$CTR
	xr delete --force "$id"
	assert_success
	set_cgroup "$id"
	xr run -d --bundle "$BUNDLE" "$id"
	assert_success
	assert_eq "$(ctr_status "$id")" running
}
