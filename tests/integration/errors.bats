#!/usr/bin/env bats
# Bad input: a non-zero exit, one error line naming the field or object, and
# nothing left behind (state, cgroup, mounts, processes). Global flags --log,
# --log-format, --debug and --systemd-cgroup.

load helpers

# try_create: create a new container from the bundle as it is; it must fail
# and leave nothing behind.
try_create() {
	new_id
	xr create --bundle "$BUNDLE" "$@" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
}

@test "malformed JSON in config.json" {
	set_args true
	new_id
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	xr create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line config.json
}

@test "wrong type: process.args is a string" {
	update_config '.process.args = "sh"'
	try_create
	xrun_only
	assert_one_error_line process.args
}

@test "wrong type: root.readonly is a string" {
	set_args true
	update_config '.root.readonly = "yes"'
	try_create
	xrun_only
	assert_one_error_line root.readonly
}

@test "wrong type deep inside: process.rlimits[0].soft" {
	set_args true
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": "many", "hard": 10}]'
	try_create
	xrun_only
	assert_one_error_line "process.rlimits[0].soft"
}

@test "process.args missing or empty" {
	update_config '.process.args = []'
	try_create
	xrun_only
	assert_one_error_line process.args
}

@test "missing rootfs" {
	set_args true
	rm -rf "$ROOTFS"
	try_create
	xrun_only
	assert_one_error_line rootfs
}

@test "missing config.json" {
	new_id
	rm "$BUNDLE/config.json"
	xr create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line config.json
}

@test "a bundle directory that does not exist" {
	new_id
	xr create --bundle "$TESTDIR/no-such-bundle" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line no-such-bundle
}

@test "a program that is not in the rootfs" {
	set_args /bin/no-such-program
	new_id
	xr run --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_contains "$stderr" no-such-program
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line no-such-program
}

@test "an unknown mount type" {
	set_args true
	update_config '.mounts += [{"destination": "/mnt/x", "type": "xrunnofs", "source": "none"}]'
	try_create
	xrun_only
	assert_one_error_line /mnt/x
}

@test "a bind mount whose source does not exist" {
	set_args true
	update_config '.mounts += [{"destination": "/mnt/x", "type": "bind", "source": "/no/such/source", "options": ["bind"]}]'
	try_create
	xrun_only
	assert_one_error_line /no/such/source
}

@test "an unknown namespace type" {
	set_args true
	update_config '.linux.namespaces += [{"type": "xrunns"}]'
	try_create
	xrun_only
	assert_one_error_line xrunns
}

@test "duplicate id: the second create fails, the first container is untouched" {
	start_sleeper
	first=$CTR
	set_args true
	xr create --bundle "$BUNDLE" "$first"
	assert_failure
	assert_eq "$(ctr_status "$first")" running
	assert_eq "$(ctr_pid "$first")" "$PID"
	pid_alive "$PID"
	xr run --bundle "$BUNDLE" "$first"
	assert_failure
	assert_eq "$(ctr_status "$first")" running
	xrun_only
	assert_one_error_line "$first"
}

@test "invalid ids: ../x, a/b, .., and the empty id" {
	set_args true
	for id in ../x a/b .. "" "x/../../y"; do
		xr create --bundle "$BUNDLE" "$id"
		assert_failure
		[ "$status" -ne 124 ]
		# Nothing was made outside or inside the state root.
		[ ! -e "$TESTDIR/x" ] && [ ! -e "$ROOT/a" ] && [ ! -e "$TESTDIR/y" ]
		assert_eq "$(ls -A "$ROOT")" ""
		assert_eq "$(mounts_under "$TESTDIR")" ""
	done
	[ -z "$(_leftover_pids)" ]
	xrun_only
	xr create --bundle "$BUNDLE" a/b
	assert_one_error_line a/b
}

@test "an unknown command" {
	xr frobnicate
	assert_failure
	xrun_only
	assert_one_error_line frobnicate
}

@test "an unknown global flag" {
	xr --no-such-flag list
	assert_failure
	xrun_only
	assert_one_error_line --no-such-flag
}

@test "an unknown command flag" {
	set_args true
	new_id
	xr create --no-such-flag --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line --no-such-flag
}

@test "a command without its container id" {
	xr create --bundle "$BUNDLE"
	assert_failure
	assert_eq "$(ls -A "$ROOT")" ""
	xr start
	assert_failure
	xr kill
	assert_failure
}

@test "--log with --log-format json: a failing command writes an error line" {
	status=0
	timeout 20 "$XRUN" --root "$ROOT" --log "$TESTDIR/log.json" --log-format json state xt-no-such \
		</dev/null >/dev/null 2>&1 3>&- || status=$?
	assert_failure
	cat "$TESTDIR/log.json" >&2
	# Every line is JSON; the last one is the error.
	jq -e . "$TESTDIR/log.json" >/dev/null
	last=$(tail -n1 "$TESTDIR/log.json")
	assert_eq "$(jq -r .level <<<"$last")" error
	assert_contains "$(jq -r .msg <<<"$last")" "does not exist"
	[ -n "$(jq -r '.time // empty' <<<"$last")" ]
}

@test "--log with text format writes the error too" {
	status=0
	timeout 20 "$XRUN" --root "$ROOT" --log "$TESTDIR/log.txt" --log-format text state xt-no-such \
		</dev/null >/dev/null 2>&1 3>&- || status=$?
	assert_failure
	assert_contains "$(cat "$TESTDIR/log.txt")" "does not exist"
}

@test "--debug logs debug lines" {
	set_args true
	new_id
	status=0
	timeout 30 "$XRUN" --root "$ROOT" --debug --log "$TESTDIR/debug.json" --log-format json \
		run --bundle "$BUNDLE" "$CTR" </dev/null >/dev/null 2>&1 3>&- || status=$?
	assert_success
	jq -e . "$TESTDIR/debug.json" >/dev/null
	[ "$(jq -r 'select(.level == "debug") | .msg' "$TESTDIR/debug.json" | wc -l)" -ge 1 ]
}

@test "--systemd-cgroup without systemd fails with a clear error and leaves nothing" {
	[ ! -d /run/systemd/system ] || skip "this host runs systemd"
	set_args true
	new_id
	xr --systemd-cgroup create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc fails on the cgroupsPath format instead
	assert_one_error_line systemd
}
