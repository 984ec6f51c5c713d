#!/usr/bin/env bats
# update (runc's flags and -r FILE) and events (--stats, the stream and
# OOM events): values checked in the container's v1 cgroup files, and each
# limit shown by its effect inside the container.

load helpers

# cg CONTROLLER FILE: the content of a cgroup file of the container $CTR.
cg() { cat "$CGROUP_MNT/$1/$CGROUP_PARENT/$CTR/$2"; }

# needs_v1 CONTROLLER...: skip unless the v1 controllers are mounted (this
# file checks v1 files; on a v2-only host the same calls go to the unified
# tree, which the cgroup unit tests cover with a scratch tree).
needs_v1() {
	local c
	for c in "$@"; do
		[ -d "$CGROUP_MNT/$c" ] && [ ! -f "$CGROUP_MNT/cgroup.controllers" ] ||
			skip "no cgroup v1 $c hierarchy at $CGROUP_MNT/$c"
	done
}

# saved JQ: a field of the container's saved config (<root>/<id>/config.json).
saved() { jq -c "$1" "$ROOT/$CTR/config.json"; }

# start_events [FLAGS...]: `xrun events FLAGS $CTR` in the background; its
# stdout/stderr go to $TESTDIR/events.out/.err and its exit status, once it
# exits, to $TESTDIR/events.rc.
start_events() {
	bg bash -c 'x=$1 root=$2 id=$3 out=$4; shift 4
		timeout -k 2 60 "$x" --root "$root" events "$@" "$id" >"$out.out" 2>"$out.err" </dev/null
		echo $? >"$out.rc"' _ "$XRUN" "$ROOT" "$CTR" "$TESTDIR/events" "$@"
}

events_has() { grep -q "$1" "$TESTDIR/events.out"; }
events_done() { [ -s "$TESTDIR/events.rc" ]; }

# snapshot: the cgroup values and the saved config that bad input must not
# change, to compare with `unchanged`.
snapshot() {
	SNAP="$(cg memory memory.limit_in_bytes) $(cg pids pids.max) $(cg cpu cpu.cfs_quota_us)"
	SNAP_CFG=$(cat "$ROOT/$CTR/config.json")
}
unchanged() {
	assert_eq "$(cg memory memory.limit_in_bytes) $(cg pids pids.max) $(cg cpu cpu.cfs_quota_us)" "$SNAP" "cgroup values"
	[ "$(cat "$ROOT/$CTR/config.json")" = "$SNAP_CFG" ] || fail "saved config changed"
}

# ---------------------------------------------------------------- update

@test "update --memory/--memory-reservation/--memory-swap/--pids-limit/--cpu-* write the v1 cgroup files" {
	needs_v1 memory pids cpu
	start_sleeper
	xr update --memory 64m --memory-reservation 32M --memory-swap 128m --pids-limit 42 \
		--cpu-quota 50000 --cpu-period 200000 --cpu-share 512 "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" $((64 << 20))
	assert_eq "$(cg memory memory.soft_limit_in_bytes)" $((32 << 20))
	[ ! -f "$CGROUP_MNT/memory/memory.memsw.limit_in_bytes" ] ||
		assert_eq "$(cg memory memory.memsw.limit_in_bytes)" $((128 << 20))
	assert_eq "$(cg pids pids.max)" 42
	assert_eq "$(cg cpu cpu.cfs_quota_us)" 50000
	assert_eq "$(cg cpu cpu.cfs_period_us)" 200000
	assert_eq "$(cg cpu cpu.shares)" 512

	# Only what is named changes; unit strings as docker's (binary, any case).
	xr update --memory 1.5g --memory-swap 2GiB "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" $((3 << 29))
	assert_eq "$(cg pids pids.max)" 42
	assert_eq "$(cg cpu cpu.cfs_quota_us)" 50000
	# -1 is unlimited.
	xr update --memory -1 --pids-limit -1 --cpu-quota -1 "$CTR"
	assert_success
	[ "$(cg memory memory.limit_in_bytes)" -gt $((1 << 50)) ]
	assert_eq "$(cg pids pids.max)" max
	assert_eq "$(cg cpu cpu.cfs_quota_us)" -1
}

@test "update persists the new resources into the saved config (merged)" {
	needs_v1 memory pids
	update_config '.linux.resources.pids = {"limit": 100} | .linux.resources.memory = {"limit": 268435456}'
	start_sleeper
	xr update --pids-limit 10 "$CTR"
	assert_success
	assert_eq "$(saved .linux.resources.pids.limit)" 10
	assert_eq "$(saved .linux.resources.memory.limit)" 268435456
	xr update --memory 128m "$CTR"
	assert_success
	assert_eq "$(saved .linux.resources.memory.limit)" 134217728
	assert_eq "$(saved .linux.resources.pids.limit)" 10
	# The rest of the saved config is intact.
	assert_eq "$(saved .process.args)" "$(jq -c .process.args "$BUNDLE/config.json")"
	assert_eq "$(cg memory memory.limit_in_bytes)" 134217728
}

@test "update -r FILE and -r - apply a linux.resources object; zeros leave fields alone" {
	needs_v1 memory pids cpu
	start_sleeper
	cat >"$TESTDIR/res.json" <<-EOF
		{"memory": {"limit": 50331648}, "cpu": {"quota": 30000, "period": 100000, "shares": 256},
		 "pids": {"limit": 17}}
	EOF
	xr update -r "$TESTDIR/res.json" "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" 50331648
	assert_eq "$(cg cpu cpu.cfs_quota_us)" 30000
	assert_eq "$(cg cpu cpu.shares)" 256
	assert_eq "$(cg pids pids.max)" 17
	assert_eq "$(saved .linux.resources.cpu.quota)" 30000

	# runc's documented template: every field 0 except the one to change.
	status=0
	timeout 20 "$XRUN" --root "$ROOT" update -r - "$CTR" >"$TESTDIR/o" 2>"$TESTDIR/e" <<-EOF || status=$?
		{"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0},
		 "cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0,
		         "cpus": "", "mems": ""},
		 "blockIO": {"weight": 0}, "pids": {"limit": 9}}
	EOF
	cat "$TESTDIR/e" >&2
	assert_success
	assert_eq "$(cg pids pids.max)" 9
	assert_eq "$(cg memory memory.limit_in_bytes)" 50331648
	assert_eq "$(cg cpu cpu.cfs_quota_us)" 30000
	assert_eq "$(cg cpu cpu.shares)" 256
	assert_eq "$(saved .linux.resources.memory.limit)" 50331648
	assert_eq "$(saved .linux.resources.cpu.shares)" 256
}

@test "update works on created and paused containers" {
	needs_v1 pids memory
	set_args sleep 1000
	create_ctr
	assert_success
	xr update --pids-limit 11 "$CTR"
	assert_success
	assert_eq "$(cg pids pids.max)" 11
	xr start "$CTR"
	assert_success
	wait_status "$CTR" running
	xr pause "$CTR"
	assert_success
	xr update --memory 96m "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" $((96 << 20))
	assert_eq "$(ctr_status "$CTR")" paused
	xr resume "$CTR"
	assert_success
}

# ---------------------------------------------------------------- the limits at work

@test "update --pids-limit 5: fork fails inside the container; -1 lifts it" {
	needs_v1 pids
	start_sleeper
	# Without a limit the loop forks its ten children.
	xr exec "$CTR" sh -c 'for i in $(seq 10); do sleep 1 & done; wait; echo forked'
	assert_success
	assert_contains "$output" forked

	xr update --pids-limit 5 "$CTR"
	assert_success
	assert_eq "$(cg pids pids.max)" 5
	xr exec "$CTR" sh -c 'for i in $(seq 10); do sleep 100 & done; echo forked'
	assert_failure
	assert_contains "$stderr" "can't fork"
	assert_not_contains "$output" forked
	[ "$(cg pids pids.current)" -le 5 ]
	if [ -f "$CGROUP_MNT/pids/$CGROUP_PARENT/$CTR/pids.events" ]; then
		[ "$(awk '$1 == "max" { print $2 }' "$CGROUP_MNT/pids/$CGROUP_PARENT/$CTR/pids.events")" -gt 0 ]
	fi

	xr update --pids-limit -1 "$CTR"
	assert_success
	assert_eq "$(cg pids pids.max)" max
	xr exec "$CTR" sh -c 'for i in $(seq 10); do sleep 1 & done; wait; echo forked'
	assert_success
	assert_contains "$output" forked
}

@test "update --memory 32m: a memory hog is OOM-killed and events reports it; events ends with the container" {
	needs_v1 memory
	start_sleeper
	# Under no limit the hog (100 MiB held by tail) runs to the end.
	xr exec "$CTR" sh -c 'dd if=/dev/zero bs=1M count=100 2>/dev/null | tail >/dev/null; echo survived'
	assert_success
	assert_contains "$output" survived

	start_events --interval 1s
	wait_for events_has '"type":"stats"'
	xr update --memory 32m "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" $((32 << 20))
	xr exec "$CTR" sh -c 'dd if=/dev/zero bs=1M count=100 2>/dev/null | tail >/dev/null'
	assert_failure 137
	grep -qE '^oom_kill [1-9]' "$CGROUP_MNT/memory/$CGROUP_PARENT/$CTR/memory.oom_control"
	wait_for events_has '"type":"oom"'
	# One event per kernel kill; the kernel may kill more than once.
	run jq -c 'select(.type == "oom")' "$TESTDIR/events.out"
	assert_eq "$(sort -u <<<"$output")" "{\"type\":\"oom\",\"id\":\"$CTR\"}"
	# The container lives on (only the hog died); the stream goes on.
	assert_eq "$(ctr_status "$CTR")" running
	! events_done || fail "events exited while the container runs"

	# Every line is one JSON event of this container.
	run jq -r '"\(.type) \(.id)"' "$TESTDIR/events.out"
	[ "$status" -eq 0 ]
	assert_not_contains "$output" null

	xr kill "$CTR" KILL
	assert_success
	wait_for events_done
	assert_eq "$(cat "$TESTDIR/events.rc")" 0
	[ ! -s "$TESTDIR/events.err" ] || fail "events wrote to stderr: $(cat "$TESTDIR/events.err")"
}

@test "events reports the OOM kill of the init itself, then ends" {
	needs_v1 memory
	# The init waits for /tmp/go, then holds 100 MiB itself (a command
	# substitution keeps the whole output in the shell).
	start_sleeper 'while [ ! -e /tmp/go ]; do sleep 0.1; done
		x=$(dd if=/dev/zero bs=1M count=100 2>/dev/null | tr "\0" a); exec sleep 1000'
	xr update --memory 24m "$CTR"
	assert_success
	start_events --interval 10s
	sleep 0.3
	touch "$ROOTFS/tmp/go"
	wait_for events_done
	assert_eq "$(cat "$TESTDIR/events.rc")" 0
	# The kernel may need more than one kill before the group fits (a
	# child such as tr can be chosen first), so at least one OOM event,
	# each one of this container and nothing else.
	[ "$(grep -c '"type":"oom"' "$TESTDIR/events.out")" -ge 1 ] ||
		fail "no oom event: $(cat "$TESTDIR/events.out")"
	run jq -r 'select(.type == "oom") | .id' "$TESTDIR/events.out"
	assert_success
	assert_eq "$(sort -u <<<"$output")" "$CTR"
	assert_eq "$(ctr_status "$CTR")" stopped
}

@test "update --cpu-quota: a busy loop gets throttled (events --stats shows it)" {
	needs_v1 cpu cpuacct
	start_sleeper
	xr update --cpu-quota 10000 --cpu-period 100000 "$CTR"
	assert_success
	assert_eq "$(cg cpu cpu.cfs_quota_us)" 10000
	xr exec "$CTR" timeout 1 sh -c 'while :; do :; done'
	xr events --stats "$CTR"
	assert_success
	[ "$(jq '.data.cpu.throttling.throttled_periods' <<<"$output")" -gt 0 ]
	# 10% of one CPU over about a second: well under half a second of CPU time.
	[ "$(jq '.data.cpu.usage.total' <<<"$output")" -lt 500000000 ]
}

# ---------------------------------------------------------------- events

@test "events --stats prints one stats event of the container and exits" {
	needs_v1 memory pids
	start_sleeper
	xr update --pids-limit 33 "$CTR"
	assert_success
	xr events --stats "$CTR"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_eq "$(jq -r .type <<<"$output")" stats
	assert_eq "$(jq -r .id <<<"$output")" "$CTR"
	[ "$(jq '.data.memory.usage.usage' <<<"$output")" -gt 0 ]
	[ "$(jq '.data.pids.current' <<<"$output")" -ge 1 ]
	assert_eq "$(jq '.data.pids.limit' <<<"$output")" 33
	jq -e '.data.cpu.usage.total >= 0 and (.data.blkio | type == "object")' <<<"$output" >/dev/null
}

@test "events streams a stats event every interval and exits 0 when the container stops" {
	needs_v1 memory
	start_sleeper
	start_events --interval 200ms
	wait_for sh -c "[ \$(grep -c '\"type\":\"stats\"' $TESTDIR/events.out) -ge 3 ]"
	! events_done || fail "events exited early"
	xr kill "$CTR" KILL
	assert_success
	wait_for events_done
	assert_eq "$(cat "$TESTDIR/events.rc")" 0
	jq -e 'select(.type == "stats") | .data.pids.current >= 0' "$TESTDIR/events.out" >/dev/null
}

@test "events: bad --interval and a stopped container fail clearly" {
	start_sleeper
	xr events --interval 0s "$CTR"
	assert_failure
	assert_one_error_line "greater than 0"
	xr events --interval 5parsecs "$CTR"
	assert_failure
	assert_one_error_line "--interval"
	xr kill "$CTR" KILL
	wait_status "$CTR" stopped
	xr events --stats "$CTR"
	assert_failure
	assert_one_error_line "not running"
	xr events "$CTR"
	assert_failure
	assert_one_error_line "not running"
	xr events --stats "xt-nonexistent-$$"
	assert_failure
	assert_one_error_line "does not exist"
}

# ---------------------------------------------------------------- bad input

@test "update: unknown flag, bad values and unsupported flags fail naming the flag; nothing changes" {
	needs_v1 memory pids cpu
	start_sleeper
	xr update --memory 64m --pids-limit 20 --cpu-quota 40000 "$CTR"
	assert_success
	snapshot

	xr update --memroy 1g "$CTR"
	assert_failure
	assert_one_error_line "flag provided but not defined: --memroy"
	unchanged
	xr update --memory 12x --pids-limit 3 "$CTR"
	assert_failure
	assert_one_error_line "--memory"
	unchanged
	xr update --pids-limit 3 --memory=-2 "$CTR"
	assert_failure
	assert_one_error_line "--memory"
	unchanged
	xr update --pids-limit lots "$CTR"
	assert_failure
	assert_one_error_line "--pids-limit"
	unchanged
	xr update --cpu-period -5 "$CTR"
	assert_failure
	assert_one_error_line "--cpu-period"
	unchanged
	xr update --blkio-weight 5 --pids-limit 3 "$CTR"
	assert_failure
	assert_one_error_line "--blkio-weight"
	unchanged
	xr update --l3-cache-schema 'L3:0=ff' "$CTR"
	assert_failure
	assert_one_error_line "--l3-cache-schema"
	unchanged
	xr update --mem-bw-schema 'MB:0=50' "$CTR"
	assert_failure
	assert_one_error_line "--mem-bw-schema"
	unchanged
	# A value the kernel refuses after others were written: those are put back.
	xr update --pids-limit 3 --memory 128m --cpuset-cpus 4095 "$CTR"
	assert_failure
	assert_one_error_line "--cpuset-cpus"
	unchanged
	# Memory below what the container uses: the kernel refuses (EBUSY).
	xr update --memory 4k "$CTR"
	assert_failure
	assert_one_error_line "--memory"
	unchanged
	# A memory limit above the memory+swap limit names what to change.
	xr update --memory 64m --memory-swap 96m "$CTR"
	assert_success
	snapshot
	xr update --memory 128m "$CTR"
	assert_failure
	assert_one_error_line "--memory: "
	assert_contains "$stderr" "memory.swap"
	unchanged
	xr update --memory 128m --memory-swap 256m "$CTR"
	assert_success
	assert_eq "$(cg memory memory.limit_in_bytes)" $((128 << 20))
}

@test "update -r: bad files fail naming the file or the JSON path; nothing changes" {
	needs_v1 memory pids cpu
	start_sleeper
	snapshot
	echo '{"pids": {"limit": 5}, "memory": {"limit": "lots"}}' >"$TESTDIR/bad.json"
	xr update -r "$TESTDIR/bad.json" "$CTR"
	assert_failure
	assert_one_error_line "linux.resources.memory.limit"
	unchanged
	echo '{"pids": ' >"$TESTDIR/trunc.json"
	xr update -r "$TESTDIR/trunc.json" "$CTR"
	assert_failure
	assert_one_error_line "$TESTDIR/trunc.json"
	unchanged
	echo '[1, 2]' >"$TESTDIR/array.json"
	xr update -r "$TESTDIR/array.json" "$CTR"
	assert_failure
	assert_one_error_line "expected a linux.resources JSON object"
	unchanged
	xr update -r "$TESTDIR/missing.json" "$CTR"
	assert_failure
	assert_one_error_line "missing.json"
	unchanged
}

@test "update: a stopped container, a missing one and a missing id fail clearly" {
	needs_v1 memory
	start_sleeper
	xr kill "$CTR" KILL
	assert_success
	wait_status "$CTR" stopped
	before=$(cg memory memory.limit_in_bytes)
	cfg=$(cat "$ROOT/$CTR/config.json")
	xr update --memory 32m "$CTR"
	assert_failure
	assert_one_error_line "container not running"
	assert_eq "$(cg memory memory.limit_in_bytes)" "$before"
	[ "$(cat "$ROOT/$CTR/config.json")" = "$cfg" ] || fail "saved config changed"

	xr update --memory 32m "xt-nonexistent-$$"
	assert_failure
	assert_one_error_line "does not exist"
	xr update --memory 32m
	assert_failure
	assert_one_error_line "container id"
}

@test "update --kernel-memory is accepted and ignored with a warning" {
	needs_v1 memory
	start_sleeper
	xr update --kernel-memory 64m --memory 200m "$CTR"
	assert_success
	assert_contains "$stderr" "--kernel-memory is ignored"
	assert_eq "$(cg memory memory.limit_in_bytes)" $((200 << 20))
	assert_eq "$(saved '.linux.resources.memory.kernel')" null
}
