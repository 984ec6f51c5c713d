#!/usr/bin/env bats
# pause / resume (the processes really stop) and ps.

load helpers

COUNTER='i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'

count() { cat "$ROOTFS/tmp/count" 2>/dev/null; }
count_above() { local c; c=$(count); [ -n "$c" ] && [ "$c" -gt "$1" ]; }

# frozen_by_cgroup ID: a freezer of the container's cgroup says frozen.
frozen_by_cgroup() {
	local d
	for d in $(cgroup_dirs "$1"); do
		if [ -f "$d/freezer.state" ] && [ "$(cat "$d/freezer.state")" = FROZEN ]; then return 0; fi
		if [ -f "$d/cgroup.events" ] && grep -qx 'frozen 1' "$d/cgroup.events"; then return 0; fi
	done
	return 1
}

@test "pause freezes every process, resume thaws them" {
	start_sleeper "sleep 1000 & $COUNTER"
	wait_for count_above 0
	kid=$(children "$PID" | awk '{ print $1 }')
	xr pause "$CTR"
	assert_success
	assert_eq "$(ctr_status "$CTR")" paused
	frozen_by_cgroup "$CTR" || fail "no freezer of the container's cgroup is frozen"
	# The state the kernel reports for a frozen task (v1 freezer: D; v2: S,
	# with the cgroup frozen) is not running.
	for p in $PID $kid; do
		st=$(awk '/^State:/ { print $2 }' /proc/$p/status)
		[ "$st" != R ] || fail "pid $p is running while paused"
	done
	before=$(count)
	sleep 0.5
	assert_eq "$(count)" "$before" "the counter moved while paused"

	xr resume "$CTR"
	assert_success
	assert_eq "$(ctr_status "$CTR")" running
	! frozen_by_cgroup "$CTR" || fail "still frozen after resume"
	wait_for count_above $((before + 3))
}

@test "pause of a stopped container fails" {
	set_args true
	run_d
	assert_success
	wait_status "$CTR" stopped
	xr pause "$CTR"
	assert_failure
	assert_eq "$(ctr_status "$CTR")" stopped
}

@test "resume of a running container fails" {
	start_sleeper
	xr resume "$CTR"
	assert_failure
	assert_eq "$(ctr_status "$CTR")" running
}

@test "pause and resume of a container that does not exist fail" {
	xr pause xt-no-such-container
	assert_failure
	xr resume xt-no-such-container
	assert_failure
}

@test "delete --force removes a paused container" {
	start_sleeper "$COUNTER"
	xr pause "$CTR"
	assert_success
	xr delete --force "$CTR"
	assert_success
	wait_pid_exit "$PID"
	assert_gone "$CTR"
}

@test "exec into a paused container fails; after resume it works" {
	start_sleeper
	xr pause "$CTR"
	assert_success
	XR_TIMEOUT=3 xr exec "$CTR" true
	assert_failure
	xr resume "$CTR"
	assert_success
	xr exec "$CTR" echo after-resume
	assert_success
	assert_eq "$output" after-resume
}

@test "ps --format json lists the container's host pids" {
	start_sleeper 'sleep 1000 & exec sleep 1001'
	wait_for has_children "$PID" 1
	kid=$(children "$PID")
	xr ps --format json "$CTR"
	assert_success
	assert_eq "$(jq -c 'sort' <<<"$output")" "$(printf '%s\n' "$PID" $kid | sort -n | jq -cs .)"
}

@test "ps prints a table with a PID column" {
	start_sleeper 'sleep 1000 & exec sleep 1001'
	wait_for has_children "$PID" 1
	xr ps "$CTR"
	assert_success
	col=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "PID") print i }' <<<"$output")
	[ -n "$col" ] || fail "no PID column in: ${lines[0]}"
	pids=$(awk -v c="$col" 'NR > 1 { print $c }' <<<"$output" | sort -n | xargs)
	assert_eq "$pids" "$(printf '%s\n' "$PID" $(children "$PID") | sort -n | xargs)"
	assert_contains "$output" "sleep 1001"
}

@test "ps of a container that does not exist fails" {
	xr ps xt-no-such-container
	assert_failure
}
