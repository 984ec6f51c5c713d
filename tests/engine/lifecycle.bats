#!/usr/bin/env bats
# Containers' lifecycle through the xocker CLI: run, create, start, stop, kill, restart, pause,
# unpause, wait, rm; Docker's exit codes, states and messages; what is left behind.

load helpers

# state NAME: the container's State.Status.
state() { xocker inspect -f '{{.State.Status}}' "$1"; }

@test "run prints the container's output and exits with its code" {
	run xocker run --rm busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *out* ]]
	[[ "$output" == *err* ]]
	run xocker run --rm busybox true
	[ "$status" -eq 0 ]
}

@test "stdout and stderr stay apart" {
	xocker run --rm busybox sh -c 'echo out; echo err >&2' >"$TESTDIR/o" 2>"$TESTDIR/e"
	[ "$(cat "$TESTDIR/o")" = out ]
	[ "$(cat "$TESTDIR/e")" = err ]
}

@test "run --rm leaves no container, mount, cgroup or run directory" {
	xocker run --rm busybox true
	[ -z "$(xocker ps -aq)" ]
	! grep -q "$TESTDIR" /proc/self/mountinfo
	[ -z "$(ls "$XOCKER_RUNROOT/containers" 2>/dev/null)" ]
	[ ! -d /sys/fs/cgroup/memory"$XOCKER_CGROUP_PARENT" ] || [ -z "$(find /sys/fs/cgroup/memory"$XOCKER_CGROUP_PARENT" -mindepth 1 -type d)" ]
}

@test "a command that is not there exits 127 and the container stays Created with the error" {
	run xocker run --name nocmd busybox /no/such/thing
	[ "$status" -eq 127 ]
	[[ "$output" == *"/no/such/thing"* ]]
	[ "$(state nocmd)" = created ]
	[ "$(xocker inspect -f '{{.State.ExitCode}}' nocmd)" = 127 ]
	[[ "$(xocker inspect -f '{{.State.Error}}' nocmd)" == *"/no/such/thing"* ]]
}

@test "a command that cannot be run exits 126" {
	run xocker run --rm busybox /etc
	[ "$status" -eq 126 ]
}

@test "bad flags and unknown images exit 125 and create nothing" {
	run xocker run --no-such-flag busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown flag: --no-such-flag"* ]]
	run xocker run --restart sometimes busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid restart policy"* ]]
	run xocker run --rm --restart always busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"Conflicting options: --restart and --rm"* ]]
	run xocker run --pull never no-such-image:1 true
	[ "$status" -eq 125 ]
	run xocker run --log-driver syslog busybox true
	[ "$status" -eq 125 ]
	[ -z "$(xocker ps -aq)" ]
}

@test "a name in use is Docker's conflict and the first container is untouched" {
	xocker create --name dup busybox true >/dev/null
	run xocker run --name dup busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *'Conflict. The container name "/dup" is already in use'* ]]
	[ "$(xocker ps -aq | wc -l)" -eq 1 ]
}

@test "random names are adjective_surname and ids are 64 hex, found by unique prefix" {
	id=$(xocker create busybox true)
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	name=$(xocker inspect -f '{{.Name}}' "${id:0:6}")
	[[ "$name" =~ ^/[a-z]+_[a-z]+$ ]]
	[ "$(xocker inspect -f '{{.Id}}' "${name#/}")" = "$id" ]
}

@test "create then start -a runs it and reports its output and code" {
	xocker create --name c1 busybox sh -c 'echo started; exit 4' >/dev/null
	[ "$(state c1)" = created ]
	run xocker start -a c1
	[ "$status" -eq 4 ]
	[ "$output" = started ]
	[ "$(state c1)" = exited ]
	[ "$(xocker inspect -f '{{.State.ExitCode}}' c1)" = 4 ]
}

@test "run -d, ps, stop: SIGTERM, then SIGKILL after -t" {
	id=$(xocker run -d --name sleeper busybox sleep 100)
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	[ "$(state sleeper)" = running ]
	run xocker ps --format '{{.Names}} {{.Status}}'
	[[ "$output" =~ ^sleeper\ Up\  ]]
	pid=$(xocker inspect -f '{{.State.Pid}}' sleeper)
	kill -0 "$pid"
	# sleep as pid 1 ignores SIGTERM, so -t 1 ends in SIGKILL: 137.
	run xocker stop -t 1 sleeper
	[ "$status" -eq 0 ]
	[ "$output" = sleeper ]
	[ "$(state sleeper)" = exited ]
	[ "$(xocker inspect -f '{{.State.ExitCode}}' sleeper)" = 137 ]
	run xocker ps -a --format '{{.Status}}'
	[[ "$output" =~ ^Exited\ \(137\)\ .*ago$ ]]
	! kill -0 "$pid" 2>/dev/null
	# Stopping a stopped container is fine, as in Docker.
	run xocker stop sleeper
	[ "$status" -eq 0 ]
}

@test "stop uses the container's --stop-signal" {
	xocker run -d --name trap --stop-signal USR1 busybox sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done' >/dev/null
	run xocker stop -t 5 trap
	[ "$status" -eq 0 ]
	[ "$(xocker inspect -f '{{.State.ExitCode}}' trap)" = 7 ]
}

@test "kill sends SIGKILL or -s SIGNAL; a stopped container is an error" {
	xocker run -d --name kk busybox sh -c 'trap "exit 9" HUP; while :; do sleep 0.1; done' >/dev/null
	run xocker kill -s HUP kk
	[ "$status" -eq 0 ]
	xocker wait kk
	[ "$(xocker inspect -f '{{.State.ExitCode}}' kk)" = 9 ]
	run xocker kill kk
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
	run xocker kill -s NOSUCH kk
	[ "$status" -ne 0 ]
}

@test "wait prints the exit code" {
	xocker run -d --name ww busybox sh -c 'sleep 0.3; exit 5' >/dev/null
	run xocker wait ww
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
}

@test "pause and unpause freeze and thaw; ps says (Paused)" {
	xocker run -d --name pp busybox sleep 100 >/dev/null
	xocker pause pp
	[ "$(state pp)" = paused ]
	[ "$(xocker inspect -f '{{.State.Paused}} {{.State.Running}}' pp)" = "true true" ]
	run xocker ps --format '{{.Status}}'
	[[ "$output" == *"(Paused)" ]]
	run xocker pause pp
	[ "$status" -eq 1 ]
	[[ "$output" == *"already paused"* ]]
	run xocker rm pp
	[ "$status" -eq 1 ]
	xocker unpause pp
	[ "$(state pp)" = running ]
	run xocker unpause pp
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not paused"* ]]
}

@test "restart stops and starts again with a new pid" {
	xocker run -d --name rr busybox sleep 100 >/dev/null
	pid1=$(xocker inspect -f '{{.State.Pid}}' rr)
	run xocker restart -t 0 rr
	[ "$status" -eq 0 ]
	[ "$output" = rr ]
	pid2=$(xocker inspect -f '{{.State.Pid}}' rr)
	[ "$(state rr)" = running ]
	[ "$pid1" != "$pid2" ]
}

@test "rm of a running container needs -f; -f kills and removes it" {
	xocker run -d --name busy busybox sleep 100 >/dev/null
	pid=$(xocker inspect -f '{{.State.Pid}}' busy)
	run xocker rm busy
	[ "$status" -eq 1 ]
	[[ "$output" == *"You cannot remove a running container"* ]]
	[ "$(state busy)" = running ]
	run xocker rm -f busy
	[ "$status" -eq 0 ]
	[ "$output" = busy ]
	! kill -0 "$pid" 2>/dev/null
	run xocker inspect busy
	[ "$status" -eq 1 ]
	run xocker rm nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: nosuch"* ]]
	run xocker rm -f nosuch
	[ "$status" -eq 0 ]
}

@test "start of a running container is fine and start of a missing one fails" {
	xocker run -d --name ss busybox sleep 100 >/dev/null
	run xocker start ss
	[ "$status" -eq 0 ]
	run xocker start nosuch
	[ "$status" -eq 1 ]
}

@test "a stopped container starts again and keeps its writable layer" {
	xocker run --name keep busybox sh -c 'echo data >/kept' >/dev/null
	xocker start -a keep
	run xocker start -a keep
	[ "$status" -eq 0 ]
	xocker create --name reader busybox true >/dev/null
	# Its own layer still has the file it wrote.
	run xocker diff keep
	[[ "$output" == *"A /kept"* ]]
}

@test "run -i passes stdin and closes it at its end" {
	run bash -c "printf 'one\ntwo\n' | timeout 20 '$XOCKER' run -i --rm busybox wc -l"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -d ' ')" = 2 ]
}

@test "the monitor is gone (a reboot): the container shows Exited (255) and its process is killed" {
	xocker run -d --name lost busybox sleep 100 >/dev/null
	pid=$(xocker inspect -f '{{.State.Pid}}' lost)
	mpid=$(cat "$XOCKER_RUNROOT/containers/$(xocker inspect -f '{{.Id}}' lost)/monitor.pid")
	[ "$pid" -gt 1 ] && [ "$mpid" -gt 1 ]
	kill -KILL "$mpid"
	run xocker ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" =~ lost\ Exited\ \(255\) ]]
	[ "$(state lost)" = exited ]
	wait_for bash -c "! kill -0 $pid 2>/dev/null"
}

@test "after a reboot restart=always and unless-stopped come back, a user-stopped one does not" {
	xocker run -d --name always --restart always busybox sleep 100 >/dev/null
	xocker run -d --name unless --restart unless-stopped busybox sleep 100 >/dev/null
	xocker run -d --name stopped --restart unless-stopped busybox sleep 100 >/dev/null
	xocker run -d --name plain busybox sleep 100 >/dev/null
	xocker stop -t 0 stopped >/dev/null
	local n id mpid cpid
	for n in always unless plain; do
		# Both pids before the kill: after it, the state reads as exited with pid 0 (and
		# `kill 0` would kill this test's whole process group).
		id=$(xocker inspect -f '{{.Id}}' $n)
		cpid=$(xocker inspect -f '{{.State.Pid}}' $n)
		mpid=$(cat "$XOCKER_RUNROOT/containers/$id/monitor.pid")
		[ "$mpid" -gt 1 ] && [ "$cpid" -gt 1 ]
		kill -KILL "$mpid" "$cpid"
	done
	# A new boot: the run directory's marker is gone.
	rm -f "$XOCKER_RUNROOT/booted"
	run xocker ps --format '{{.Names}}'
	[[ "$output" == *always* ]]
	[[ "$output" == *unless* ]]
	[[ "$output" != *stopped* ]]
	[[ "$output" != *plain* ]]
	[ "$(state plain)" = exited ]
}

@test "restart=on-failure:2 restarts twice, then stays exited; RestartCount counts" {
	xocker run -d --name flaky --restart on-failure:2 busybox sh -c 'echo try; exit 1' >/dev/null
	wait_for bash -c "[ \"\$('$XOCKER' inspect -f '{{.RestartCount}} {{.State.Status}}' flaky)\" = '2 exited' ]"
	[ "$(xocker logs flaky | grep -c try)" -eq 3 ]
	[ "$(xocker inspect -f '{{.State.ExitCode}}' flaky)" = 1 ]
}

@test "restart=always brings back a container whose process died, but not after stop" {
	xocker run -d --name back --restart always busybox sleep 100 >/dev/null
	pid=$(xocker inspect -f '{{.State.Pid}}' back)
	[ "$pid" -gt 1 ]
	kill -KILL "$pid"
	wait_for bash -c "[ \"\$('$XOCKER' inspect -f '{{.RestartCount}} {{.State.Status}}' back)\" = '1 running' ]"
	xocker stop -t 0 back >/dev/null
	sleep 0.5
	[ "$(state back)" = exited ]
}

@test "run -it: a terminal of the caller's size, input typed, the exit code" {
	printf 'stty size; echo $((6*7))\\r\nexit 3\\r\n' >"$TESTDIR/in"
	run "$BATS_TEST_DIRNAME/pty_drive.py" --wait-for '# ' 33 101 "$TESTDIR/in" -- "$XOCKER" run -it --rm busybox sh
	[ "$status" -eq 3 ]
	[[ "$output" == *"33 101"* ]]
	[[ "$output" == *42* ]]
}

@test "ctrl-p ctrl-q detaches and the container keeps running; attach -t comes back" {
	printf '\\x10\\x11\n' >"$TESTDIR/in"
	run "$BATS_TEST_DIRNAME/pty_drive.py" --wait-for '# ' 24 80 "$TESTDIR/in" -- "$XOCKER" run -it --name det busybox sh
	[ "$status" -eq 0 ]
	[ "$(xocker inspect -f '{{.State.Status}}' det)" = running ]
	printf 'exit 7\\r\n' >"$TESTDIR/in2"
	run "$BATS_TEST_DIRNAME/pty_drive.py" 24 80 "$TESTDIR/in2" -- "$XOCKER" attach det
	[ "$status" -eq 7 ]
}
