#!/usr/bin/env bats
# exec: a new process in a running container.

load helpers

@test "exec runs a command in the container and returns its output" {
	start_sleeper
	xr exec "$CTR" sh -c 'echo out; echo err >&2; cat /etc/passwd'
	assert_success
	assert_eq "${lines[0]}" out
	assert_contains "$output" xuser
	assert_eq "$stderr" err
}

@test "exec joins every namespace of the container" {
	start_sleeper
	xr exec "$CTR" sh -c 'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done'
	assert_success
	for n in pid net ipc uts mnt; do
		assert_contains "$output" "$(readlink /proc/$PID/ns/$n)"
	done
	xr exec "$CTR" sh -c 'echo $$; hostname; ps -o pid,args'
	assert_success
	[ "${lines[0]}" -gt 1 ]
	assert_eq "${lines[1]}" "$(jq -r .hostname "$BUNDLE/config.json")"
	assert_contains "$output" "sleep 1000"
}

@test "exec propagates the exit code" {
	start_sleeper
	xr exec "$CTR" sh -c 'exit 5'
	assert_failure 5
	xr exec "$CTR" true
	assert_success
}

@test "exec: a process killed by a signal gives 128+n" {
	start_sleeper
	xr exec "$CTR" sh -c 'kill -KILL $$'
	assert_failure 137
}

@test "exec of a missing program fails naming it" {
	start_sleeper
	xr exec "$CTR" /no/such/program
	assert_failure
	assert_contains "$stderr" /no/such/program
	assert_eq "$(ctr_status "$CTR")" running
}

@test "exec --cwd sets the working directory" {
	start_sleeper
	mkdir -p "$ROOTFS/srv/work"
	xr exec --cwd /srv/work "$CTR" pwd
	assert_success
	assert_eq "$output" /srv/work
}

@test "exec -e adds and overrides environment variables" {
	update_config '.process.env += ["KEEP=kept", "OVER=old"]'
	start_sleeper
	xr exec -e FOO=bar -e OVER=new "$CTR" sh -c 'echo $FOO $OVER $KEEP; echo $PATH'
	assert_success
	assert_eq "${lines[0]}" "bar new kept"
	assert_eq "${lines[1]}" "$(jq -r '.process.env[] | select(startswith("PATH=")) | ltrimstr("PATH=")' "$BUNDLE/config.json")"
}

@test "exec --user 1000:1000 runs with that uid and gid" {
	start_sleeper
	xr exec --user 1000:1000 "$CTR" cat /proc/self/status
	assert_success
	assert_contains "$output" "$(printf 'Uid:\t1000\t1000\t1000\t1000')"
	assert_contains "$output" "$(printf 'Gid:\t1000\t1000\t1000\t1000')"
	xr exec --user 65534 "$CTR" id -u
	assert_success
	assert_eq "$output" 65534
}

@test "exec --cap adds a capability to the process's sets" {
	start_sleeper
	init_eff=$(awk '/^CapEff/ { print $2 }' /proc/$PID/status)
	# CAP_NET_ADMIN is bit 12.
	xr exec --cap CAP_NET_ADMIN "$CTR" cat /proc/self/status
	assert_success
	eff=$(awk '/^CapEff/ { print $2 }' <<<"$output")
	[ $((0x$eff & (1 << 12))) -ne 0 ] || fail "CAP_NET_ADMIN not in CapEff $eff"
	[ $((0x$eff & 0x$init_eff)) -eq $((0x$init_eff)) ] || fail "CapEff $eff lost bits of the init's $init_eff"
	# Without --cap, exec gets the config's capabilities, like the init.
	xr exec "$CTR" cat /proc/self/status
	assert_success
	assert_eq "$(awk '/^CapEff/ { print $2 }' <<<"$output")" "$init_eff"
}

@test "exec gets the config's noNewPrivileges" {
	update_config '.process.noNewPrivileges = true'
	start_sleeper
	xr exec "$CTR" grep NoNewPrivs /proc/self/status
	assert_success
	assert_eq "$(awk '{ print $2 }' <<<"$output")" 1
}

@test "exec --process FILE takes the whole process from JSON" {
	start_sleeper
	cat >"$TESTDIR/process.json" <<-'EOF'
		{
			"args": ["sh", "-c", "echo from-file $A; pwd; id -u"],
			"env": ["PATH=/bin:/usr/bin", "A=alpha"],
			"cwd": "/tmp",
			"user": {"uid": 1000, "gid": 1000}
		}
	EOF
	xr exec --process "$TESTDIR/process.json" "$CTR"
	assert_success
	assert_eq "$output" "from-file alpha
/tmp
1000"
}

@test "exec --process with a malformed file fails" {
	start_sleeper
	echo '{"args": ["true"' >"$TESTDIR/process.json"
	xr exec --process "$TESTDIR/process.json" "$CTR"
	assert_failure
	xrun_only
	assert_one_error_line process.json
}

@test "exec -d detaches; --pid-file names the process" {
	start_sleeper
	xr exec -d --pid-file "$TESTDIR/exec.pid" "$CTR" sh -c 'echo detached > /tmp/d; exec sleep 999'
	assert_success
	pid=$(cat "$TESTDIR/exec.pid")
	[ "$pid" -gt 0 ]
	wait_for test -e "$ROOTFS/tmp/d"
	pid_alive "$pid"
	assert_eq "$(tr '\0' ' ' </proc/$pid/cmdline)" "sleep 999 "
	assert_eq "$(readlink /proc/$pid/ns/pid)" "$(readlink /proc/$PID/ns/pid)"
	[ /proc/$pid/root -ef "$ROOTFS" ]
	# The process shows up in the container's process list.
	xr ps --format json "$CTR"
	assert_success
	assert_eq "$(jq --argjson p "$pid" 'index($p) != null' <<<"$output")" true
}

@test "exec -t gives the process a terminal (script provides one)" {
	start_sleeper
	out=$(script -qec "$XRUN --root $ROOT exec -t $CTR sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'" /dev/null </dev/null 3>&-) && rc=0 || rc=$?
	echo "$out" >&2
	assert_contains "$out" /dev/pts/
	assert_contains "$out" both-tty
	assert_eq "$rc" 4
}

@test "exec without -t has no terminal" {
	start_sleeper
	xr exec "$CTR" sh -c '[ -t 0 ] || [ -t 1 ] || echo no-tty'
	assert_success
	assert_eq "$output" no-tty
}

@test "exec into a stopped container fails" {
	set_args true
	run_d
	assert_success
	wait_status "$CTR" stopped
	xr exec "$CTR" true
	assert_failure
}

@test "exec into a container that does not exist fails" {
	xr exec xt-no-such-container true
	assert_failure
	assert_contains "$stderr" "does not exist"
}

@test "exec does not change the container's state" {
	start_sleeper
	xr exec "$CTR" true
	assert_success
	assert_eq "$(ctr_status "$CTR")" running
	assert_eq "$(ctr_pid "$CTR")" "$PID"
}
