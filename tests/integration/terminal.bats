#!/usr/bin/env bats
# process.terminal: --console-socket (the pty master over SCM_RIGHTS),
# consoleSize, and run/exec -t in a real terminal.

load helpers

# The receiver's output without carriage returns.
tty_output() { tr -d '\r' <"$TESTDIR/tty.out"; }

wait_recv() {
	local i
	for i in $(seq 100); do
		pid_alive "$RECV_PID" || return 0
		sleep 0.1
	done
	fail "console receiver still waiting; got: $(cat "$TESTDIR/tty.out" "$TESTDIR/tty.out.log" 2>/dev/null)"
}

@test "create --console-socket: the pty master comes over the socket, consoleSize applies" {
	update_config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	set_args sh -c 'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo done'
	start_recvtty "$TESTDIR/console.sock" "$TESTDIR/tty.out"
	create_ctr --console-socket "$TESTDIR/console.sock"
	assert_success
	xr start "$CTR"
	assert_success
	wait_recv
	assert_contains "$(cat "$TESTDIR/tty.out.fdinfo")" "fds=1"
	assert_eq "$(tty_output)" "/dev/pts/0
30 100
all-tty
done"
}

@test "console: input typed on the pty master reaches the process" {
	update_config '.process.terminal = true'
	set_args sh -c 'read line; echo "got:$line"'
	start_recvtty "$TESTDIR/console.sock" "$TESTDIR/tty.out" $'hello-pty\n'
	create_ctr --console-socket "$TESTDIR/console.sock"
	assert_success
	xr start "$CTR"
	assert_success
	wait_recv
	assert_contains "$(tty_output)" got:hello-pty
}

@test "console: /dev/console is the container's terminal" {
	update_config '.process.terminal = true'
	set_args sh -c '[ /dev/console -ef "$(tty)" ] && echo console-is-tty; stat -c %t /dev/console'
	start_recvtty "$TESTDIR/console.sock" "$TESTDIR/tty.out"
	run_d --console-socket "$TESTDIR/console.sock"
	assert_success
	wait_recv
	# 0x88 = 136, the major of Unix98 pty slaves
	assert_eq "$(tty_output)" "console-is-tty
88"
}

@test "terminal without --console-socket on create fails and leaves nothing" {
	update_config '.process.terminal = true'
	set_args true
	create_ctr
	assert_failure
	assert_nothing_left "$CTR"
}

@test "--console-socket to a socket nobody listens on fails and leaves nothing" {
	update_config '.process.terminal = true'
	set_args true
	create_ctr --console-socket "$TESTDIR/nobody.sock"
	assert_failure
	assert_nothing_left "$CTR"
}

@test "run -t in a real terminal (script provides one)" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 7'
	new_id
	out=$(script -qec "$XRUN --root $ROOT run --bundle $BUNDLE $CTR" /dev/null </dev/null 3>&-) && rc=0 || rc=$?
	echo "$out" >&2
	assert_eq "$rc" 7
	out=$(tr -d '\r' <<<"$out")
	assert_contains "$out" /dev/pts/0
	assert_contains "$out" both-tty
	assert_gone "$CTR"
}

@test "run -t: input from the terminal reaches the process" {
	update_config '.process.terminal = true'
	set_args sh -c 'read line; echo "got:$line"'
	new_id
	out=$( (sleep 1; printf 'typed-in\n'; sleep 2) |
		script -qec "$XRUN --root $ROOT run --bundle $BUNDLE $CTR" /dev/null 3>&-) || true
	echo "$out" >&2
	assert_contains "$out" got:typed-in
}

@test "exec -t --console-socket -d sends the exec's pty master" {
	start_sleeper
	start_recvtty "$TESTDIR/exec.sock" "$TESTDIR/tty.out"
	xr exec -t -d --console-socket "$TESTDIR/exec.sock" "$CTR" sh -c 'tty; echo exec-done'
	assert_success
	wait_recv
	out=$(tty_output)
	assert_contains "$out" /dev/pts/
	assert_contains "$out" exec-done
}
