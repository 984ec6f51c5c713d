#!/usr/bin/env bats
# config.json's linux object: devices, sysctl, maskedPaths, readonlyPaths,
# personality, cgroupsPath.

load helpers

@test "linux.devices: nodes made with type, major:minor, mode and owner" {
	update_config '.linux.devices = [
		{"path": "/dev/xnull", "type": "c", "major": 1, "minor": 3, "fileMode": 416, "uid": 0, "gid": 0},
		{"path": "/dev/xzero", "type": "c", "major": 1, "minor": 5, "fileMode": 438, "uid": 1000, "gid": 2000},
		{"path": "/dev/sub/xloop", "type": "b", "major": 7, "minor": 200, "fileMode": 384}]'
	run_ctr sh -c 'for d in /dev/xnull /dev/xzero /dev/sub/xloop; do
		stat -c "%F %t:%T %a %u:%g" $d; done
		echo data > /dev/xnull && echo write-ok
		head -c 4 /dev/xzero | od -An -tx1'
	assert_success
	# stat prints major and minor in hex
	assert_eq "${lines[0]}" "character special file 1:3 640 0:0"
	assert_eq "${lines[1]}" "character special file 1:5 666 1000:2000"
	assert_eq "${lines[2]%% 600 *}" "block special file 7:c8"
	assert_eq "${lines[3]}" write-ok
	assert_eq "$(xargs <<<"${lines[4]}")" "00 00 00 00"
}

@test "the standard devices exist in /dev" {
	run_ctr sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	assert_success
	assert_eq "$output" "/dev/null character special file 1:3
/dev/zero character special file 1:5
/dev/full character special file 1:7
/dev/random character special file 1:8
/dev/urandom character special file 1:9
/dev/tty character special file 5:0"
}

@test "linux.sysctl sets values in the container's namespaces only" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmax)
	# A new network namespace starts with ip_forward 0, a new IPC one with
	# the kernel's default shmmax: both values differ from the defaults.
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "12345678"}'
	run_ctr cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax
	assert_success
	assert_eq "$output" "1
12345678"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
	assert_eq "$(cat /proc/sys/kernel/shmmax)" "$host_shm"
}

@test "linux.maskedPaths: files read empty, directories are empty" {
	mkdir -p "$ROOTFS/secret-dir"
	echo hidden >"$ROOTFS/secret-dir/file"
	echo hidden >"$ROOTFS/secret-file"
	update_config '.linux.maskedPaths = ["/proc/kallsyms", "/proc/timer_list", "/secret-dir", "/secret-file", "/does/not/exist"]'
	run_ctr sh -c 'wc -c < /proc/kallsyms; cat /proc/timer_list | wc -c; ls -A /secret-dir | wc -l; cat /secret-file | wc -c'
	assert_success
	assert_eq "$(xargs <<<"$output")" "0 0 0 0"
	# Only masked in the container.
	assert_eq "$(cat "$ROOTFS/secret-dir/file")" hidden
}

@test "linux.readonlyPaths: writes fail, reads work" {
	mkdir -p "$ROOTFS/ro-dir"
	echo keep >"$ROOTFS/ro-dir/file"
	update_config '.linux.readonlyPaths = ["/proc/sys", "/ro-dir"]'
	run_ctr sh -c 'cat /ro-dir/file; echo x > /ro-dir/file 2>/dev/null && echo wrote || echo refused;
		touch /ro-dir/new 2>/dev/null && echo created || echo refused;
		echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo wrote || echo refused;
		cat /proc/sys/kernel/ostype'
	assert_success
	assert_eq "$output" "keep
refused
refused
refused
Linux"
	assert_eq "$(cat "$ROOTFS/ro-dir/file")" keep
}

@test "linux.personality LINUX32 makes uname -m print i686" {
	xrun_only # runc 1.1 ignores linux.personality
	update_config '.linux.personality = {"domain": "LINUX32"}'
	run_ctr uname -m
	assert_success
	assert_eq "$output" i686
}

@test "linux.personality LINUX keeps the native machine" {
	update_config '.linux.personality = {"domain": "LINUX"}'
	run_ctr uname -m
	assert_success
	assert_eq "$output" "$(uname -m)"
}

@test "linux.cgroupsPath: the container's processes are in that cgroup" {
	start_sleeper 'sleep 1000 & exec sleep 1001'
	wait_for has_children "$PID" 1
	kid=$(children "$PID")
	for p in "$PID" $kid; do
		grep -E ":/xrun-test/$CTR\$" /proc/$p/cgroup || fail "pid $p not in /xrun-test/$CTR"
	done
	dirs=$(cgroup_dirs "$CTR")
	[ -n "$dirs" ]
	for d in $dirs; do
		grep -qx "$PID" "$d/cgroup.procs" || fail "$PID not in $d/cgroup.procs"
	done
}

@test "linux.resources and linux.seccomp are accepted (parsed, not lost)" {
	update_config '.linux.resources = {"devices": [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}],
			"pids": {"limit": 100}}
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
			"syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"}]}'
	run_ctr echo fine
	assert_success
	assert_eq "$output" fine
}

@test "unknown fields are ignored, as the spec says" {
	update_config '.xrunUnknownTopLevel = {"a": 1} | .process.xrunUnknown = true
		| .linux.xrunUnknown = [1, 2] | .root.xrunUnknown = "x"'
	run_ctr echo fine
	assert_success
	assert_eq "$output" fine
}
