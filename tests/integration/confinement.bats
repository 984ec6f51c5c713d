#!/usr/bin/env bats
# Confinement: capabilities, seccomp (errno, argument rules, the Docker-like
# default profile, kill, notify), rlimits, oomScoreAdj, noNewPrivileges,
# sysctls and personality, each shown by its effect inside the container
# (xhelper makes the calls busybox cannot); bad input refused with one
# error line naming it and nothing left behind.

load helpers

PROFILE=$BATS_TEST_DIRNAME/../../src/runtime/profiles/default-seccomp.json

setup() {
	xrun_setup
	install_xhelper
}

# caps_json CAP...: a capabilities object with CAPs in the bounding,
# effective and permitted sets (inheritable and ambient empty).
caps_json() {
	jq -cn '$ARGS.positional as $c | {bounding: $c, effective: $c, permitted: $c, inheritable: [], ambient: []}' --args -- "$@"
}

# set_caps CAP...: process.capabilities = caps_json CAP...
set_caps() { update_config '.process.capabilities = $c' --argjson c "$(caps_json "$@")"; }

# capmask BIT...: the hex mask /proc/PID/status shows for the capability bits.
capmask() {
	local b m=0
	for b in "$@"; do m=$((m | (1 << b))); done
	printf '%016x' "$m"
}

# status_field NAME: the value of NAME: in $output (a /proc/PID/status).
status_field() { awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"; }

# set_seccomp JSON: linux.seccomp = JSON
set_seccomp() { update_config '.linux.seccomp = $s' --argjson s "$1"; }

# assert_create_fails NEEDLE: create fails and leaves no state, cgroup,
# mount or process; and (not for runc, whose messages differ) prints one
# error line naming NEEDLE.
assert_create_fails() {
	set_args sleep 1000
	create_ctr
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc's messages differ
	assert_one_error_line "$1"
}

CAP_TRIES='for c in CAP_CHOWN CAP_NET_RAW CAP_SYS_ADMIN CAP_MKNOD CAP_SYS_TIME; do echo "$c $(/xhelper cap-try $c)"; done'

# ---------------------------------------------------------------- capabilities

@test "capabilities: each privileged call works with its capability and fails with EPERM without it" {
	set_caps CAP_CHOWN CAP_NET_RAW CAP_SYS_ADMIN CAP_MKNOD CAP_SYS_TIME
	sh_ctr "$CAP_TRIES"
	assert_success
	assert_eq "$output" "CAP_CHOWN OK
CAP_NET_RAW OK
CAP_SYS_ADMIN OK
CAP_MKNOD OK
CAP_SYS_TIME OK"
	# The same calls with the bundle's capabilities (none of these).
	set_caps CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE
	sh_ctr "$CAP_TRIES"
	assert_success
	assert_eq "$output" "CAP_CHOWN EPERM
CAP_NET_RAW EPERM
CAP_SYS_ADMIN EPERM
CAP_MKNOD EPERM
CAP_SYS_TIME EPERM"
}

@test "capabilities: dropping only CAP_CHOWN makes chown fail, the rest still works" {
	set_caps CAP_NET_RAW CAP_SYS_ADMIN CAP_MKNOD CAP_SYS_TIME
	sh_ctr "$CAP_TRIES"
	assert_success
	assert_eq "$output" "CAP_CHOWN EPERM
CAP_NET_RAW OK
CAP_SYS_ADMIN OK
CAP_MKNOD OK
CAP_SYS_TIME OK"
}

@test "capabilities: CapBnd/CapEff/CapPrm/CapInh/CapAmb match the five sets; only effective ones act" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"],
		"effective": ["CAP_CHOWN", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"],
		"permitted": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"],
		"inheritable": ["CAP_CHOWN"],
		"ambient": []}'
	sh_ctr 'cat /proc/self/status; /xhelper cap-try CAP_CHOWN; /xhelper cap-try CAP_NET_RAW; /xhelper cap-try CAP_SYS_ADMIN'
	assert_success
	# CAP_CHOWN 0, CAP_NET_RAW 13, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39, CAP_CHECKPOINT_RESTORE 40
	assert_eq "$(status_field CapBnd)" "$(capmask 0 13 21 38 39 40)"
	# cat is a new program: effective = permitted for root
	assert_eq "$(status_field CapPrm)" "$(capmask 0 13 38 39 40)"
	assert_eq "$(status_field CapInh)" "$(capmask 0)"
	assert_eq "$(status_field CapAmb)" "$(capmask)"
	# Root's execve makes permitted effective: CAP_NET_RAW works, CAP_SYS_ADMIN
	# (bounding only) does not.
	assert_eq "${lines[-3]} ${lines[-2]} ${lines[-1]}" "OK OK EPERM"
}

@test "capabilities: a non-root process without ambient capabilities has none after execve" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_NET_RAW"], "effective": ["CAP_CHOWN"],
			"permitted": ["CAP_CHOWN"], "inheritable": [], "ambient": []}'
	sh_ctr 'cat /proc/self/status; /xhelper cap-try CAP_CHOWN'
	assert_success
	assert_eq "$(status_field CapEff)" "$(capmask)"
	assert_eq "$(status_field CapPrm)" "$(capmask)"
	assert_eq "$(status_field CapBnd)" "$(capmask 0 13)"
	assert_eq "${lines[-1]}" EPERM
}

@test "capabilities: CAP_BPF, CAP_PERFMON and CAP_CHECKPOINT_RESTORE are known names" {
	set_caps CAP_BPF CAP_PERFMON CAP_CHECKPOINT_RESTORE
	run_ctr cat /proc/self/status
	assert_success
	assert_eq "$(status_field CapEff)" "$(capmask 38 39 40)"
	assert_eq "$(status_field CapBnd)" "$(capmask 38 39 40)"
}

@test "capabilities: ambient CAP_NET_BIND_SERVICE lets uid 1000 bind port 80; without it EACCES" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_NET_BIND_SERVICE"]}'
	sh_ctr 'id -u; grep -E "^Cap(Eff|Amb):" /proc/self/status; /xhelper cap-try CAP_NET_BIND_SERVICE
		nc -l -p 80 & sleep 0.3; cat /proc/net/tcp /proc/net/tcp6 | grep -q ":0050 .* 0A " && echo listening; kill $!'
	assert_success
	assert_eq "${lines[0]}" 1000
	assert_eq "$(xargs <<<"${lines[1]}")" "CapEff: $(capmask 10)"
	assert_eq "$(xargs <<<"${lines[2]}")" "CapAmb: $(capmask 10)"
	assert_eq "${lines[3]}" OK
	assert_eq "${lines[4]}" listening

	update_config '.process.capabilities.ambient = [] | .process.capabilities.inheritable = []'
	run_ctr /xhelper cap-try CAP_NET_BIND_SERVICE
	assert_success
	assert_eq "$output" EACCES
}

@test "capabilities: an unknown name fails create naming it; nothing left" {
	xrun_only # runc ignores unknown capabilities with a warning
	update_config '.process.capabilities.bounding += ["CAP_XRUN_BOGUS"]'
	assert_create_fails CAP_XRUN_BOGUS
	assert_contains "$stderr" process.capabilities.bounding
}

@test "capabilities: an unknown name in the ambient set fails too" {
	xrun_only # runc ignores unknown capabilities with a warning
	update_config '.process.capabilities.ambient = ["CAP_NET_BIND_SERVICE", "CAP_NOT_A_CAP"]'
	assert_create_fails CAP_NOT_A_CAP
}

# ---------------------------------------------------------------- seccomp

@test "seccomp: an SCMP_ACT_ERRNO rule makes the call fail with its errnoRet (EPERM by default)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
		{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]}'
	sh_ctr 'grep ^Seccomp: /proc/self/status; /xhelper syscall-errno mkdir; /xhelper syscall-errno getcwd
		/xhelper syscall-errno chown; mkdir /tmp/d 2>&1; ls -d /tmp/d 2>/dev/null || echo no-dir'
	assert_success
	assert_eq "$(xargs <<<"${lines[0]}")" "Seccomp: 2"
	assert_eq "${lines[1]}" ENOMSG # 42
	assert_eq "${lines[2]}" EPERM
	assert_eq "${lines[3]}" OK
	assert_contains "${lines[4]}" "No message of desired type"
	assert_eq "${lines[5]}" no-dir
}

@test "seccomp: argument comparison blocks socket(AF_INET) and allows socket(AF_UNIX)" {
	# AF_INET is 2; EAFNOSUPPORT is 97.
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
		 "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}'
	sh_ctr '/xhelper syscall-errno socket-inet; /xhelper syscall-errno socket-unix'
	assert_success
	assert_eq "$output" "EAFNOSUPPORT
OK"
}

@test "seccomp: the Docker-like default profile: normal commands work, unshare and keyctl fail with EPERM" {
	[ -f "$PROFILE" ] || fail "no profile at $PROFILE"
	update_config '.linux.seccomp = $p[0]' --slurpfile p "$PROFILE"
	sh_ctr 'echo hello > /tmp/f && cat /tmp/f; ls / >/dev/null && echo ls-ok; mkdir /tmp/d && echo mkdir-ok
		grep ^Seccomp: /proc/self/status
		for s in unshare keyctl mkdir getcwd personality socket-inet socket-unix chown; do
			echo "$s $(/xhelper syscall-errno $s)"; done'
	assert_success
	assert_eq "$output" "hello
ls-ok
mkdir-ok
Seccomp:	2
unshare EPERM
keyctl EPERM
mkdir OK
getcwd OK
personality OK
socket-inet OK
socket-unix OK
chown OK"
}

@test "seccomp: the default profile as uid 1000 without noNewPrivileges (loaded while xrun still has capabilities)" {
	update_config '.linux.seccomp = $p[0] | .process.noNewPrivileges = false
		| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [2000]}' --slurpfile p "$PROFILE"
	sh_ctr 'id -u; id -G; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; /xhelper syscall-errno keyctl'
	assert_success
	assert_eq "$(xargs <<<"$output")" "1000 1000 2000 NoNewPrivs: 0 Seccomp: 2 EPERM"
}

@test "seccomp: flags SECCOMP_FILTER_FLAG_LOG and SPEC_ALLOW are accepted; the rules still act" {
	xrun_only # runc 1.1 does not support seccomp flags
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
	sh_ctr 'grep ^Seccomp: /proc/self/status; /xhelper syscall-errno mkdir'
	assert_success
	assert_eq "$(xargs <<<"$output")" "Seccomp: 2 ENOMSG"
}

@test "seccomp: defaultErrnoRet is the errno of calls the profile does not list" {
	update_config '.linux.seccomp = ($p[0] | .defaultErrnoRet = 38)' --slurpfile p "$PROFILE"
	sh_ctr 'for s in unshare keyctl getcwd; do /xhelper syscall-errno $s; done'
	assert_success
	assert_eq "$(xargs <<<"$output")" "ENOSYS ENOSYS OK"
}

@test "seccomp: SCMP_ACT_KILL_PROCESS kills the container with SIGSYS (run returns 159)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	run_ctr sh -c 'echo before; /xhelper syscall-errno mkdir; echo "helper $?"; exec /xhelper syscall-errno mkdir'
	assert_failure 159
	assert_eq "$output" "before
helper 159"
}

@test "seccomp: SCMP_ACT_TRACE without a tracer gives ENOSYS, SCMP_ACT_LOG allows, SCMP_ACT_TRAP sends SIGSYS" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"},
			{"names": ["getcwd"], "action": "SCMP_ACT_LOG"},
			{"names": ["chown", "fchownat"], "action": "SCMP_ACT_TRAP"}]}'
	sh_ctr '/xhelper syscall-errno mkdir; /xhelper syscall-errno getcwd; /xhelper syscall-errno chown 2>/dev/null; echo "trap $?"'
	assert_success
	assert_eq "$output" "ENOSYS
OK
trap 159"
}

@test "seccomp: a syscall name unknown to the kernel is skipped; the rule's known names still apply" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["xrun_no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
		{"names": ["another_bogus_syscall"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	run_ctr /xhelper syscall-errno mkdir
	assert_success
	assert_eq "$output" ENOMSG
}

@test "seccomp: an unknown action, operator, architecture or flag fails create naming the field; nothing left" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}'
	assert_create_fails "linux.seccomp.syscalls[0].action"
	assert_contains "$stderr" SCMP_ACT_BOGUS

	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 2, "op": "SCMP_CMP_BOGUS"}]}]}'
	assert_create_fails "linux.seccomp.syscalls[0].args[0].op"
	assert_contains "$stderr" SCMP_CMP_BOGUS

	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"]}'
	assert_create_fails "linux.seccomp.architectures[1]"
	assert_contains "$stderr" SCMP_ARCH_BOGUS

	set_seccomp '{"defaultAction": "SCMP_ACT_BOGUS_DEFAULT"}'
	assert_create_fails "linux.seccomp.defaultAction"

	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
	assert_create_fails "linux.seccomp.flags[0]"
	assert_contains "$stderr" SECCOMP_FILTER_FLAG_BOGUS
}

@test "seccomp: exec'd processes get the container's filter" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
	start_sleeper
	xr exec "$CTR" sh -c 'grep ^Seccomp: /proc/self/status; /xhelper syscall-errno mkdir'
	assert_success
	assert_eq "$(xargs <<<"$output")" "Seccomp: 2 ENOMSG"
	# and so does an exec with its own --process
	jq '.process | .args = ["/xhelper", "syscall-errno", "mkdir"]' "$BUNDLE/config.json" >"$TESTDIR/process.json"
	xr exec --process "$TESTDIR/process.json" "$CTR"
	assert_success
	assert_eq "$output" ENOMSG
}

@test "seccomp: exec as a non-root user without noNewPrivileges gets the filter too" {
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42}]}'
	start_sleeper
	xr exec "$CTR" sh -c 'id -u; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; /xhelper syscall-errno mkdir'
	assert_success
	assert_eq "$(xargs <<<"$output")" "1000 NoNewPrivs: 0 Seccomp: 2 ENOMSG"
}

# A seccomp agent: receives the notify fd and the state over listenerPath,
# writes the state to LOG.state, answers every notification with -EXDEV and
# logs the syscall numbers to LOG.nr, and ends when the filter has no users.
write_agent() {
	cat >"$TESTDIR/agent.py" <<-'EOF'
		import array, errno, fcntl, json, os, select, socket, struct, sys
		path, log = sys.argv[1], sys.argv[2]
		srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		srv.bind(path)
		srv.listen(1)
		conn, _ = srv.accept()
		fds, data = array.array("i"), b""
		while True:
		    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 16))
		    for level, kind, cdata in anc:
		        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
		            fds.frombytes(cdata[: len(cdata) - len(cdata) % 4])
		    data += msg
		    try:
		        state = json.loads(data)
		        break
		    except ValueError:
		        if not msg:
		            raise
		conn.close()
		with open(log + ".state.tmp", "w") as f:
		    json.dump({"state": state, "nfds": len(fds)}, f)
		os.rename(log + ".state.tmp", log + ".state")
		fd = fds[state["fds"].index("seccompFd")]
		# struct seccomp_notif is 80 bytes, seccomp_notif_resp 24: _IOWR('!', 0/1, ...)
		RECV, SEND = 0xC0502100, 0xC0182101
		p = select.poll()
		p.register(fd, select.POLLIN)
		while True:
		    ev = p.poll()
		    if any(e & (select.POLLHUP | select.POLLERR) for _, e in ev):
		        break
		    notif = bytearray(80)
		    try:
		        fcntl.ioctl(fd, RECV, notif, True)
		    except OSError as e:
		        if e.errno in (errno.EINTR, errno.ENOENT):
		            continue
		        raise
		    nid, pid, flags, nr = struct.unpack_from("=QIIi", notif, 0)
		    try:
		        fcntl.ioctl(fd, SEND, bytearray(struct.pack("=QqiI", nid, 0, -errno.EXDEV, 0)), True)
		    except OSError as e:
		        if e.errno != errno.ENOENT:  # the caller died meanwhile
		            raise
		    with open(log + ".nr", "a") as f:
		        f.write("%d\n" % nr)
	EOF
}

@test "seccomp: SCMP_ACT_NOTIFY sends the fd and the state to listenerPath; the agent answers" {
	write_agent
	bg "$PYTHON" "$TESTDIR/agent.py" "$TESTDIR/agent.sock" "$TESTDIR/agent" </dev/null >"$TESTDIR/agent.out" 2>&1
	wait_for test -S "$TESTDIR/agent.sock"
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "xrun-test-meta",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
	update_config '.linux.seccomp.listenerPath = $l' --arg l "$TESTDIR/agent.sock"
	sh_ctr '/xhelper syscall-errno mkdir; /xhelper syscall-errno getcwd'
	cat "$TESTDIR/agent.out" >&2
	assert_success
	# The agent's answer (EXDEV), not the kernel's.
	assert_eq "$output" "EXDEV
OK"
	[ -f "$TESTDIR/agent.state" ] || fail "the agent got no state"
	run jq -c '[.nfds, .state.fds, .state.metadata, .state.state.id, (.state.pid > 0), .state.ociVersion != null]' "$TESTDIR/agent.state"
	assert_eq "$output" "[1,[\"seccompFd\"],\"xrun-test-meta\",\"$CTR\",true,true]"
	# mkdir is 83 and mkdirat 258 on x86_64.
	nr=$(head -n 1 "$TESTDIR/agent.nr")
	[ "$nr" = 83 ] || [ "$nr" = 258 ] || [ "$(uname -m)" != x86_64 ] || fail "agent saw syscall $nr"
}

@test "seccomp: an agent that closes the notify fd: the notified call fails with ENOSYS" {
	cat >"$TESTDIR/closer.py" <<-'EOF'
		import array, json, os, socket, sys
		srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		srv.bind(sys.argv[1])
		srv.listen(1)
		conn, _ = srv.accept()
		fds, data = array.array("i"), b""
		while True:
		    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 16))
		    for level, kind, cdata in anc:
		        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
		            fds.frombytes(cdata[: len(cdata) - len(cdata) % 4])
		    data += msg
		    if not msg:
		        break
		    try:
		        json.loads(data)
		        break
		    except ValueError:
		        pass
		for fd in fds:
		    os.close(fd)
		print("closed %d" % len(fds), flush=True)
	EOF
	bg "$PYTHON" "$TESTDIR/closer.py" "$TESTDIR/agent.sock" </dev/null >"$TESTDIR/closer.out" 2>&1
	wait_for test -S "$TESTDIR/agent.sock"
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
	update_config '.linux.seccomp.listenerPath = $l' --arg l "$TESTDIR/agent.sock"
	sh_ctr 'while [ ! -e /tmp/go ]; do sleep 0.05; done; /xhelper syscall-errno mkdir' 3>&- &
	ctr_job=$!
	remember_pid "$ctr_job"
	wait_for grep -q closed "$TESTDIR/closer.out"
	touch "$ROOTFS/tmp/go"
	# Wait for the container's run only: the agent is reaped in teardown.
	wait "$ctr_job"
	assert_eq "$(cat "$TESTDIR/closer.out")" "closed 1"
	assert_eq "$(cat "$TESTDIR/xr.out")" ENOSYS
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath fails create naming it; nothing left" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	assert_create_fails "linux.seccomp.listenerPath"
}

# ---------------------------------------------------------------- rlimits, oomScoreAdj, noNewPrivileges

@test "rlimits: NOFILE up to the caller's hard limit works" {
	hard=$(ulimit -Hn)
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": $h}, {"type": "RLIMIT_NPROC", "soft": 77, "hard": 88}]' --argjson h "$hard"
	sh_ctr '/xhelper rlimit NOFILE; /xhelper rlimit NPROC'
	assert_success
	assert_eq "$output" "1000 $hard
77 88"
}

@test "rlimits: NOFILE above the caller's hard limit without CAP_SYS_RESOURCE fails create clearly; nothing left" {
	grep -q '^CapEff:' /proc/self/status
	eff=$((16#$(awk '/^CapEff:/ { print $2 }' /proc/self/status)))
	[ $(((eff >> 24) & 1)) -eq 0 ] || skip "the test runs with CAP_SYS_RESOURCE"
	hard=$(ulimit -Hn)
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]' --argjson h $((hard + 10000))
	assert_create_fails RLIMIT_NOFILE
	assert_contains "$stderr" CAP_SYS_RESOURCE
	assert_contains "$stderr" "$((hard + 10000))"
}

@test "rlimits: exec --process with NOFILE above the hard limit fails clearly; below works" {
	start_sleeper
	hard=$(ulimit -Hn)
	jq '.process | .args = ["/xhelper", "rlimit", "NOFILE"] | .rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": $h}]' \
		--argjson h $((hard + 10000)) "$BUNDLE/config.json" >"$TESTDIR/p.json"
	xr exec --process "$TESTDIR/p.json" "$CTR"
	assert_failure
	xrun_only # runc's message differs (and runc 1.1 sets an exec's soft limit to its hard one)
	assert_one_error_line RLIMIT_NOFILE
	assert_contains "$stderr" CAP_SYS_RESOURCE
	jq '.process | .args = ["/xhelper", "rlimit", "NOFILE"] | .rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 300}]' \
		"$BUNDLE/config.json" >"$TESTDIR/p.json"
	xr exec --process "$TESTDIR/p.json" "$CTR"
	assert_success
	assert_eq "$output" "100 300"
	assert_eq "$(ctr_status "$CTR")" running
}

@test "rlimits and oomScoreAdj: bad values fail create naming the field; nothing left" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 1000}, {"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	assert_create_fails "process.rlimits[1].type"
	assert_contains "$stderr" RLIMIT_BOGUS
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 100}]'
	assert_create_fails "process.rlimits[0]"
	update_config '.process.rlimits = [] | .process.oomScoreAdj = 1001'
	assert_create_fails "process.oomScoreAdj"
}

@test "oomScoreAdj: raised in the container; lowering below the caller's needs CAP_SYS_RESOURCE" {
	update_config '.process.oomScoreAdj = 500'
	run_ctr /bin/sh -c 'cat /proc/self/oom_score_adj'
	assert_success
	assert_eq "$output" 500

	eff=$((16#$(awk '/^CapEff:/ { print $2 }' /proc/self/status)))
	mine=$(cat /proc/self/oom_score_adj)
	update_config '.process.oomScoreAdj = $v' --argjson v $((mine - 100))
	if [ $(((eff >> 24) & 1)) -eq 1 ]; then
		run_ctr cat /proc/self/oom_score_adj
		assert_success
		assert_eq "$output" $((mine - 100))
	else
		assert_create_fails process.oomScoreAdj
	fi
}

@test "noNewPrivileges: a setuid-root program gains no capabilities (NoNewPrivs: 1); without it, it does" {
	cp "$ROOTFS/xhelper" "$ROOTFS/xhelper-suid"
	chown 0:0 "$ROOTFS/xhelper-suid"
	chmod 4755 "$ROOTFS/xhelper-suid"
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false
		| .process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": [], "permitted": [],
			"inheritable": [], "ambient": []}'
	sh_ctr 'grep ^NoNewPrivs: /proc/self/status; /xhelper-suid cap-try CAP_CHOWN; /xhelper cap-try CAP_CHOWN'
	assert_success
	assert_eq "$(xargs <<<"$output")" "NoNewPrivs: 0 OK EPERM"

	update_config '.process.noNewPrivileges = true'
	sh_ctr 'grep ^NoNewPrivs: /proc/self/status; /xhelper-suid cap-try CAP_CHOWN'
	assert_success
	assert_eq "$(xargs <<<"$output")" "NoNewPrivs: 1 EPERM"
}

# ---------------------------------------------------------------- sysctl

@test "sysctl: namespaced keys are set in the container's own network and ipc namespaces" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_msg=$(cat /proc/sys/fs/mqueue/msg_max)
	host_shm=$(cat /proc/sys/kernel/shmmax)
	want_fwd=$((1 - host_fwd))
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.shmmax": "87654321",
		"fs.mqueue.msg_max": "17", "net.core.somaxconn": "77"}' --arg f "$want_fwd"
	run_ctr cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max /proc/sys/net/core/somaxconn
	assert_success
	assert_eq "$(xargs <<<"$output")" "$want_fwd 87654321 17 77"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
	assert_eq "$(cat /proc/sys/kernel/shmmax)" "$host_shm"
	assert_eq "$(cat /proc/sys/fs/mqueue/msg_max)" "$host_msg"
}

@test "sysctl: a key of no namespace (vm.swappiness) fails create naming it; the host is untouched" {
	host=$(cat /proc/sys/vm/swappiness)
	update_config '.linux.sysctl = {"vm.swappiness": $v}' --arg v $(((host + 7) % 100))
	assert_create_fails vm.swappiness
	assert_eq "$(cat /proc/sys/vm/swappiness)" "$host"
}

@test "sysctl: net.* without a new network namespace and kernel.shm* without a new ipc namespace are refused" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	update_config '.linux.namespaces |= map(select(.type != "network"))
		| .linux.sysctl = {"net.ipv4.ip_forward": $f}' --arg f $((1 - host_fwd))
	assert_create_fails net.ipv4.ip_forward
	assert_contains "$stderr" network
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"

	host_shm=$(cat /proc/sys/kernel/shmmax)
	update_config '.linux.namespaces = ($ns | map(select(.type != "ipc")))
		| .linux.sysctl = {"kernel.shmmax": "12345"}' --argjson ns "$(jq -c .linux.namespaces "$XRUN_TEST_BUNDLE/config.json")"
	assert_create_fails kernel.shmmax
	assert_contains "$stderr" ipc
	assert_eq "$(cat /proc/sys/kernel/shmmax)" "$host_shm"
}

# ---------------------------------------------------------------- personality

@test "personality LINUX32: uname -m is i686 and the personality is PER_LINUX32" {
	xrun_only # runc 1.1 ignores linux.personality
	update_config '.linux.personality = {"domain": "LINUX32"}'
	run_ctr sh -c 'uname -m; cat /proc/self/personality'
	assert_success
	assert_eq "$output" "i686
00000008"
}

@test "personality: an unknown domain fails create naming it; nothing left" {
	xrun_only
	update_config '.linux.personality = {"domain": "LINUX_BOGUS"}'
	assert_create_fails linux.personality.domain
}
