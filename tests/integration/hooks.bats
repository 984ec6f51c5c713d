#!/usr/bin/env bats
# The six hooks, their state on stdin, their order, and timeouts.

load helpers

# hook_cmd FILE: a hook that saves its stdin (the state) to FILE.
hook_cmd() {
	jq -cn --arg f "$1" '{"path": "/bin/sh", "args": ["sh", "-c", ("cat > " + $f)]}'
}

# All six hooks. The runtime-namespace hooks write to TESTDIR on the host;
# startContainer runs in the container (after pivot_root), so it writes into
# the rootfs, which the host reads as $ROOTFS/hook-startContainer.
set_all_hooks() {
	local h json='{}'
	for h in prestart createRuntime createContainer poststart poststop; do
		json=$(jq -c --arg h "$h" --argjson c "$(hook_cmd "$TESTDIR/hook-$h")" '.[$h] = [$c]' <<<"$json")
	done
	update_config '.hooks = $h | .hooks.startContainer = [{"path": "/bin/sh",
		"args": ["sh", "-c", "cat > /hook-startContainer; echo \"env=$XHOOK\" >> /hook-startContainer.env"],
		"env": ["XHOOK=from-config"]}]' --argjson h "$json"
}

hook_file() {
	if [ "$1" = startContainer ]; then echo "$ROOTFS/hook-startContainer"; else echo "$TESTDIR/hook-$1"; fi
}

# assert_hook_state HOOK: the hook ran and got the state with id and pid.
assert_hook_state() {
	local f
	f=$(hook_file "$1")
	[ -s "$f" ] || fail "hook $1 did not run (or got no state)"
	cat "$f" >&2
	assert_eq "$(jq -r .id "$f")" "$CTR" "$1: id"
	[ "$(jq -r '.pid // 0' "$f")" -gt 0 ] || fail "$1: no pid in the state"
	assert_eq "$(jq -r .bundle "$f")" "$BUNDLE" "$1: bundle"
	[ -n "$(jq -r '.ociVersion // empty' "$f")" ] || fail "$1: no ociVersion"
}

@test "all six hooks run at their points of the lifecycle with the state on stdin" {
	set_all_hooks
	set_args sleep 1000
	create_ctr
	assert_success
	pid=$(ctr_pid "$CTR")
	for h in prestart createRuntime createContainer; do
		assert_hook_state "$h"
	done
	for h in startContainer poststop; do
		[ ! -e "$(hook_file "$h")" ] || fail "$h ran at create"
	done
	# The runtime-namespace hooks get the init's host pid.
	assert_eq "$(jq -r .pid "$TESTDIR/hook-createRuntime")" "$pid"
	assert_eq "$(jq -r .pid "$TESTDIR/hook-prestart")" "$pid"

	xr start "$CTR"
	assert_success
	wait_for test -s "$TESTDIR/hook-poststart"
	assert_hook_state startContainer
	assert_hook_state poststart
	assert_eq "$(jq -r .pid "$TESTDIR/hook-poststart")" "$pid"
	assert_eq "$(cat "$ROOTFS/hook-startContainer.env")" env=from-config
	[ ! -e "$TESTDIR/hook-poststop" ] || fail "poststop ran before delete"

	xr delete --force "$CTR"
	assert_success
	f=$TESTDIR/hook-poststop
	[ -s "$f" ] || fail "poststop did not run"
	assert_eq "$(jq -r .id "$f")" "$CTR"
	assert_eq "$(jq -r .status "$f")" stopped
}

@test "hooks run in order within a phase, with args and env" {
	update_config '.hooks.createRuntime = [
		{"path": "/bin/sh", "args": ["sh", "-c", "echo first $0 $V >> \($d)/order", "arg0x"], "env": ["V=one"]},
		{"path": "/bin/sh", "args": ["sh", "-c", "echo second $V >> \($d)/order"], "env": ["V=two"]}]' \
		--arg d "$TESTDIR"
	run_ctr true
	assert_success
	assert_eq "$(cat "$TESTDIR/order")" "first arg0x one
second two"
}

@test "poststart runs at start, after the user process was executed, not at create" {
	xrun_only # runc 1.1 runs poststart hooks during create
	update_config '.hooks.poststart = [$c]' --argjson c "$(hook_cmd "$TESTDIR/hook-poststart")"
	set_args sleep 1000
	create_ctr
	assert_success
	sleep 0.2
	[ ! -e "$TESTDIR/hook-poststart" ] || fail "poststart ran at create"
	xr start "$CTR"
	assert_success
	# start returns after the poststart hooks.
	assert_eq "$(jq -r .id "$TESTDIR/hook-poststart")" "$CTR"
}

@test "createContainer runs in the container's mount namespace" {
	update_config '.hooks.createContainer = [{"path": "/bin/sh",
		"args": ["sh", "-c", "readlink /proc/self/ns/mnt > \($d)/cc-mnt; readlink /proc/self/ns/uts >> \($d)/cc-mnt"]}]' \
		--arg d "$TESTDIR"
	start_sleeper
	assert_eq "$(sed -n 1p "$TESTDIR/cc-mnt")" "$(readlink /proc/$PID/ns/mnt)"
	assert_eq "$(sed -n 2p "$TESTDIR/cc-mnt")" "$(readlink /proc/$PID/ns/uts)"
}

@test "poststop runs for a foreground run" {
	update_config '.hooks.poststop = [$c]' --argjson c "$(hook_cmd "$TESTDIR/hook-poststop")"
	run_ctr true
	assert_success
	assert_eq "$(jq -r .id "$TESTDIR/hook-poststop")" "$CTR"
}

@test "a hook that outlives its timeout fails the create and leaves nothing" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sh",
		"args": ["sh", "-c", "echo $$ > \($d)/hook.pid; exec sleep 30"], "timeout": 1}]' --arg d "$TESTDIR"
	set_args true
	start=$SECONDS
	create_ctr
	assert_failure
	[ $((SECONDS - start)) -lt 15 ] || fail "the hook was not stopped at its timeout"
	assert_nothing_left "$CTR"
	wait_pid_exit "$(cat "$TESTDIR/hook.pid")" 20
	xrun_only
	assert_one_error_line createRuntime
}

@test "a failing prestart hook fails the create and leaves nothing" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]'
	set_args true
	create_ctr
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line prestart
}

@test "a failing poststart hook is reported but the container was started" {
	xrun_only # runc 1.1 runs poststart hooks during create, and fails it
	update_config '.hooks.poststart = [{"path": "/bin/false"}]'
	set_args sh -c 'touch /tmp/started; exec sleep 1000'
	create_ctr
	assert_success
	xr start "$CTR"
	wait_for test -e "$ROOTFS/tmp/started"
}

@test "a hook whose path does not exist fails the create" {
	update_config '.hooks.createRuntime = [{"path": "/no/such/hook"}]'
	set_args true
	create_ctr
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line /no/such/hook
}
