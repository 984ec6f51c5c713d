#!/usr/bin/env bats
# Safety: no host fds, cwd and root inside the rootfs, the runtime binary out
# of reach (the /proc/self/exe class of escape), mount destinations resolved
# inside the rootfs.

load helpers

@test "no host file descriptor leaks into the container" {
	set_args ls /proc/self/fd
	new_id
	# Extra fds open in the caller, inheritable.
	out=$(timeout 30 "$XRUN" --root "$ROOT" run --bundle "$BUNDLE" "$CTR" \
		3<"$BUNDLE/config.json" 5<"$BUNDLE/config.json" 7<>"$TESTDIR/rw" 9</dev/null </dev/null 2>&1)
	echo "$out" >&2
	# 0 1 2, and the directory ls is reading
	assert_eq "$(xargs <<<"$out")" "0 1 2 3"
}

@test "a running init holds only its stdio" {
	start_sleeper
	assert_eq "$(ls /proc/$PID/fd | sort -n | xargs)" "0 1 2"
	xr exec -d --pid-file "$TESTDIR/exec.pid" "$CTR" sleep 999
	assert_success
	pid=$(cat "$TESTDIR/exec.pid")
	assert_eq "$(ls /proc/$pid/fd | sort -n | xargs)" "0 1 2"
}

@test "the init's root and cwd are inside the rootfs" {
	mkdir -p "$ROOTFS/srv"
	update_config '.process.cwd = "/srv"'
	start_sleeper
	[ /proc/$PID/root -ef "$ROOTFS" ] || fail "root is not the rootfs"
	[ /proc/$PID/cwd -ef "$ROOTFS/srv" ] || fail "cwd is not rootfs/srv"
	xr exec -d --pid-file "$TESTDIR/exec.pid" "$CTR" sleep 999
	assert_success
	pid=$(cat "$TESTDIR/exec.pid")
	[ /proc/$pid/root -ef "$ROOTFS" ] || fail "exec's root is not the rootfs"
	[ /proc/$pid/cwd -ef "$ROOTFS/srv" ] || fail "exec's cwd is not rootfs/srv"
}

@test "process.cwd through a symlink pointing out of the rootfs stays inside" {
	# The link's target exists both on the host and inside the rootfs.
	mkdir -p "$TESTDIR/hostcwd" "$ROOTFS$TESTDIR/hostcwd"
	ln -s "$TESTDIR/hostcwd" "$ROOTFS/escape-cwd"
	update_config '.process.cwd = "/escape-cwd"'
	start_sleeper 'touch ./written-here; exec sleep 1000'
	wait_for test -e "$ROOTFS$TESTDIR/hostcwd/written-here"
	[ ! /proc/$PID/cwd -ef "$TESTDIR/hostcwd" ] || fail "cwd is the host's directory"
	assert_eq "$(ls -A "$TESTDIR/hostcwd")" ""
}

@test "an exec'd process does not run the host's runtime binary" {
	start_sleeper
	xr exec -d --pid-file "$TESTDIR/exec.pid" "$CTR" sleep 999
	assert_success
	pid=$(cat "$TESTDIR/exec.pid")
	assert_eq "$(readlink /proc/$pid/exe)" /bin/busybox
	[ ! /proc/$pid/exe -ef "$XRUN" ] || fail "/proc/$pid/exe is $XRUN"
	[ /proc/$pid/exe -ef "$ROOTFS/bin/busybox" ]
}

@test "/proc/self/exe: the runtime image a container can reach is not writable" {
	# CVE-2019-5736: a container process that catches the runtime's image
	# (here by exec'ing /proc/self/exe, which names the runtime's process at
	# execve time) must not be able to write the runtime binary, now or after
	# the runtime exits. Its stdout is a full pipe, so the image blocks on its
	# first write (of --version) and cannot slip away. (The runtime's own
	# errors go to stderr, a file, so a refusal does not block.)
	sum=$(sha256sum <"$XRUN")
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
	start_sleeper
	mkfifo "$TESTDIR/full"
	exec 8<>"$TESTDIR/full"
	head -c 65536 /dev/zero >&8
	status=0
	timeout -k 5 20 "$XRUN" --root "$ROOT" exec -d --pid-file "$TESTDIR/evil.pid" "$CTR" \
		/proc/self/exe --version >&8 2>"$TESTDIR/evil.err" </dev/null 3>&- || status=$?
	echo "exec /proc/self/exe: status $status: $(cat "$TESTDIR/evil.err")" >&2
	evil=$(cat "$TESTDIR/evil.pid" 2>/dev/null) || evil=
	# A holder in the container opens every non-busybox image it can see,
	# waits until that process is gone, then tries to reopen it for writing.
	xr exec -d "$CTR" sh -c 'for d in /proc/[0-9]*; do
			[ -e $d/exe ] && ! [ $d/exe -ef /bin/busybox ] || continue
			echo "found $d" >> /tmp/result
			( exec 5<$d/exe || exit 0
			  while [ ! -e /tmp/go ]; do sleep 0.05; done; sleep 0.3
			  if ( : >> /proc/self/fd/5 ) 2>/dev/null; then echo WRITABLE >> /tmp/result
			  else echo not-writable >> /tmp/result; fi ) &
		done; wait; echo finished >> /tmp/result'
	assert_success
	sleep 0.5
	[ -z "$evil" ] || kill -KILL "$evil" 2>/dev/null || true
	[ -z "$evil" ] || wait_pid_exit "$evil"
	touch "$ROOTFS/tmp/go"
	wait_for grep -q finished "$ROOTFS/tmp/result"
	exec 8>&-
	cat "$ROOTFS/tmp/result" >&2
	! grep -q WRITABLE "$ROOTFS/tmp/result" || fail "the container could open the runtime binary for writing"
	assert_eq "$(sha256sum <"$XRUN")" "$sum"
}

# escape_target: a host directory a malicious rootfs points at.
escape_setup() {
	mkdir "$TESTDIR/hostdir"
	mkdir "$TESTDIR/src"
	echo from-source >"$TESTDIR/src/file"
}

assert_host_untouched() {
	assert_eq "$(ls -A "$TESTDIR/hostdir")" ""
	assert_eq "$(mounts_under "$TESTDIR/hostdir")" ""
}

@test "a mount destination through an absolute symlink out of the rootfs lands inside" {
	escape_setup
	ln -s "$TESTDIR/hostdir" "$ROOTFS/escape"
	update_config '.mounts += [{"destination": "/escape/sub", "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg s "$TESTDIR/src"
	start_sleeper 'cat /escape/sub/file > /tmp/seen; echo written > /escape/sub/../marker; exec sleep 1000'
	wait_for test -e "$ROOTFS/tmp/seen"
	assert_eq "$(cat "$ROOTFS/tmp/seen")" from-source
	assert_host_untouched
	[ -d "$ROOTFS$TESTDIR/hostdir/sub" ] || fail "the destination was not made inside the rootfs"
}

@test "a mount destination through a relative ../ symlink out of the rootfs lands inside" {
	escape_setup
	ln -s "../../../../../../../../../..$TESTDIR/hostdir" "$ROOTFS/escape"
	update_config '.mounts += [{"destination": "/escape/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
	start_sleeper 'touch /escape/sub/in-tmpfs; exec sleep 1000'
	assert_host_untouched
	[ -d "$ROOTFS$TESTDIR/hostdir/sub" ] || fail "the destination was not made inside the rootfs"
}

@test "a mount destination with .. components stays inside the rootfs" {
	escape_setup
	update_config '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg d "/../../../../../../..$TESTDIR/hostdir/sub" --arg s "$TESTDIR/src"
	run_ctr cat "$TESTDIR/hostdir/sub/file"
	assert_success
	assert_eq "$output" from-source
	assert_host_untouched
}

@test "a symlink as the final component of a mount destination is resolved inside" {
	escape_setup
	ln -s "$TESTDIR/hostdir" "$ROOTFS/final-link"
	update_config '.mounts += [{"destination": "/final-link", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
	start_sleeper 'touch /final-link/in-tmpfs; exec sleep 1000'
	assert_host_untouched
}

@test "a device path through a symlink out of the rootfs stays inside" {
	escape_setup
	ln -s "$TESTDIR/hostdir" "$ROOTFS/devlink"
	update_config '.linux.devices = [{"path": "/devlink/xnull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	run_ctr true
	assert_host_untouched
}
