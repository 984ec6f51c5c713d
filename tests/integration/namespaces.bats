#!/usr/bin/env bats
# linux.namespaces: new ones, shared with the host, joined by path; user
# namespace mappings; time namespace offsets.

load helpers

NS_SCRIPT='for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'

# ns_of NAME: the namespace link NAME from the container's output.
ns_of() { awk -v n="$1" '$1 == n { print $2 }' <<<"$output"; }

@test "new pid, net, ipc, uts, mount and cgroup namespaces differ from the host's" {
	update_config '.linux.namespaces = [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
		{"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}]'
	sh_ctr "$NS_SCRIPT"
	assert_success
	for n in pid net ipc uts mnt cgroup; do
		[ -n "$(ns_of $n)" ] || fail "no $n namespace link"
		[ "$(ns_of $n)" != "$(host_ns $n)" ] || fail "$n namespace is the host's: $(ns_of $n)"
	done
}

@test "namespaces not listed are shared with the host" {
	update_config '.linux.namespaces = [{"type": "mount"}] | del(.hostname)'
	sh_ctr "$NS_SCRIPT"
	assert_success
	for n in pid net ipc uts cgroup; do
		assert_eq "$(ns_of $n)" "$(host_ns $n)" "$n namespace"
	done
	[ "$(ns_of mnt)" != "$(host_ns mnt)" ]
}

@test "pid namespace: the process is pid 1 and sees only its own" {
	sh_ctr 'echo $$; sleep 100 & ls -d /proc/[0-9]* | wc -l; kill $!'
	assert_success
	assert_eq "${lines[0]}" 1
	[ "${lines[1]}" -le 4 ]
}

@test "network namespace: only a loopback interface" {
	run_ctr sh -c 'ls /sys/class/net; tail -n +3 /proc/net/dev | wc -l'
	assert_success
	assert_eq "$output" "lo
1"
}

@test "uts namespace: the hostname is the container's own" {
	update_config '.hostname = "xrun-uts"'
	run_ctr hostname
	assert_success
	assert_eq "$output" xrun-uts
	[ "$(hostname)" != xrun-uts ]
}

@test "cgroup namespace: the container's cgroup is its root" {
	update_config 'if any(.linux.namespaces[]; .type == "cgroup") then . else .linux.namespaces += [{"type": "cgroup"}] end'
	run_ctr cat /proc/self/cgroup
	assert_success
	assert_not_contains "$output" xrun-test
	while read -r line; do
		assert_eq "${line##*:}" / "cgroup line $line"
	done <<<"$output"
}

@test "user namespace with uidMappings and gidMappings" {
	update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != "cgroup")] + [{"type": "user"}, {"type": "cgroup"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	start_sleeper 'cat /proc/self/uid_map /proc/self/gid_map > /tmp/maps; id -u > /tmp/id; id -g >> /tmp/id
		readlink /proc/self/ns/user >> /tmp/id; touch /tmp/owned; exec sleep 1000'
	wait_for test -e "$ROOTFS/tmp/owned"
	assert_eq "$(xargs <"$ROOTFS/tmp/maps")" "0 100000 65536 0 200000 65536"
	assert_eq "$(sed -n 1,2p "$ROOTFS/tmp/id" | xargs)" "0 0"
	[ "$(sed -n 3p "$ROOTFS/tmp/id")" != "$(host_ns user)" ]
	# Seen from the host, container root is the mapped ids.
	assert_eq "$(awk '/^Uid:/ { print $2 }' /proc/$PID/status)" 100000
	assert_eq "$(awk '/^Gid:/ { print $2 }' /proc/$PID/status)" 200000
	assert_eq "$(stat -c %u:%g "$ROOTFS/tmp/owned")" 100000:200000
}

@test "user namespace: uid 1000 in the container maps to its host id" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 2000}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 2000}]
		| .process.user = {"uid": 1000, "gid": 1000}'
	start_sleeper
	assert_eq "$(awk '/^Uid:/ { print $2 }' /proc/$PID/status)" 301000
	assert_eq "$(awk '/^Gid:/ { print $2 }' /proc/$PID/status)" 301000
}

@test "time namespace: linux.timeOffsets shift boottime and monotonic" {
	xrun_only # runc 1.1 has no time namespace
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0},
		                        "monotonic": {"secs": 864000, "nanosecs": 0}}'
	run_ctr sh -c 'cat /proc/uptime; readlink /proc/self/ns/time'
	assert_success
	host_up=$(cut -d. -f1 /proc/uptime)
	up=$(cut -d. -f1 <<<"${lines[0]}")
	[ "$up" -ge $((host_up + 864000 - 10)) ] && [ "$up" -le $((host_up + 864000 + 10)) ] ||
		fail "uptime $up is not host's $host_up + 864000"
	[ "${lines[1]}" != "$(host_ns time)" ]
}

# persist_ns TYPE FILE: a new namespace of TYPE (unshare's flag name), kept
# alive by a bind mount on FILE in TESTDIR (teardown unmounts it).
persist_ns() {
	touch "$2"
	unshare "--$1=$2" true
}

@test "join a network namespace by path" {
	persist_ns net "$TESTDIR/netns"
	nsenter --net="$TESTDIR/netns" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
	ino=$(stat -L -c %i "$TESTDIR/netns")
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "$TESTDIR/netns"
	run_ctr sh -c 'readlink /proc/self/ns/net; cat /proc/sys/net/ipv4/ip_forward'
	assert_success
	assert_eq "${lines[0]}" "net:[$ino]"
	assert_eq "${lines[1]}" 1
}

@test "join a uts namespace by path" {
	persist_ns uts "$TESTDIR/utsns"
	nsenter --uts="$TESTDIR/utsns" hostname joined-uts
	ino=$(stat -L -c %i "$TESTDIR/utsns")
	update_config 'del(.hostname) | .linux.namespaces |= map(if .type == "uts" then .path = $p else . end)' \
		--arg p "$TESTDIR/utsns"
	run_ctr sh -c 'readlink /proc/self/ns/uts; hostname'
	assert_success
	assert_eq "$output" "uts:[$ino]
joined-uts"
}

@test "join another container's pid and ipc namespaces" {
	start_sleeper
	first_pid=$PID
	update_config '.linux.namespaces |= map(
		if .type == "pid" then .path = $pid elif .type == "ipc" then .path = $ipc else . end)' \
		--arg pid "/proc/$first_pid/ns/pid" --arg ipc "/proc/$first_pid/ns/ipc"
	run_ctr sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; ps -o args'
	assert_success
	assert_eq "${lines[0]}" "$(readlink /proc/$first_pid/ns/pid)"
	assert_eq "${lines[1]}" "$(readlink /proc/$first_pid/ns/ipc)"
	assert_contains "$output" "sleep 1000"
}

@test "joining a namespace path that does not exist fails and leaves nothing" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/no/such/netns" else . end)'
	set_args true
	new_id
	xr run --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only
	assert_one_error_line /no/such/netns
}
