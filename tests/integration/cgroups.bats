#!/usr/bin/env bats
# linux.resources at create time: each limit shown by its effect inside the
# container (xhelper makes the calls busybox cannot), its value read back
# from the container's own view of its cgroup, and bad values refused with
# one error line naming the field and nothing left behind. Every container
# has an absolute cgroupsPath of its own (/xrun-test/<id>).

load helpers

setup() {
	xrun_setup
	install_xhelper
	LOOPDEV=
}

teardown() {
	xrun_teardown
	# The loop device of the blockIO test (its backing file was in TESTDIR).
	[ -z "${LOOPDEV:-}" ] || losetup -d "$LOOPDEV" 2>/dev/null || true
}

# is_v2: the host is cgroup v2 only (cgroup2 mounted at /sys/fs/cgroup).
is_v2() { [ "$(stat -fc %T "$CGROUP_MNT")" = cgroup2fs ]; }

# needs_v2: the rest of the test needs a cgroup v2 host.
needs_v2() { is_v2 || skip "needs a cgroup v2 host ($CGROUP_MNT is $(stat -fc %T "$CGROUP_MNT"), hybrid or v1)"; }

# needs_v1 CONTROLLER...: skip unless the v1 hierarchies are mounted.
needs_v1() {
	local c
	for c in "$@"; do
		[ -d "$CGROUP_MNT/$c" ] && ! is_v2 || skip "no cgroup v1 $c hierarchy at $CGROUP_MNT/$c"
	done
}

# knob V1FILE V2FILE: the path, inside the container, of a file of its own
# cgroup (the container's cgroup namespace makes it the root of each
# hierarchy): /sys/fs/cgroup/<V1FILE> on v1 and hybrid hosts,
# /sys/fs/cgroup/<V2FILE> on v2 hosts.
knob() { if is_v2; then echo "/sys/fs/cgroup/$2"; else echo "/sys/fs/cgroup/$1"; fi; }

# unified_dir: the container's cgroup2 directory, as the container sees it.
unified_dir() { if is_v2; then echo /sys/fs/cgroup; else echo /sys/fs/cgroup/unified; fi; }

# assert_create_fails NEEDLE: create with the bundle as it is fails and
# leaves no state, cgroup (in any hierarchy), mount or process; and (not
# for runc, whose messages differ) prints one error line naming NEEDLE.
assert_create_fails() {
	set_args sleep 1000
	create_ctr
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc's messages differ
	assert_one_error_line "$1"
}

# ---------------------------------------------------------------- memory

@test "memory.limit: a hog under the limit runs, one over it is OOM-killed (137)" {
	# swap = limit: no swap on top (memory.memsw where the kernel has it).
	update_config '.linux.resources.memory = {"limit": 67108864, "swap": 67108864}'
	run_ctr sh -c "cat $(knob memory/memory.limit_in_bytes memory.max); /xhelper memhog 16"
	assert_success
	assert_eq "$output" "67108864
allocated 16"

	run_ctr /xhelper memhog 256
	assert_failure 137
	assert_not_contains "$output" allocated
}

@test "memory.limit: the OOM kill is counted in the container's cgroup" {
	needs_v1 memory
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	run_ctr sh -c '/xhelper memhog 128; echo "hog $?"; grep "^oom_kill " /sys/fs/cgroup/memory/memory.oom_control'
	assert_success
	assert_eq "${lines[0]}" "hog 137"
	[[ ${lines[1]} =~ ^oom_kill\ [1-9] ]] || fail "no OOM kill counted: ${lines[1]}"
}

@test "memory: reservation, swap and swappiness land in the v1 files" {
	needs_v1 memory
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "swappiness": 17}'
	m=/sys/fs/cgroup/memory
	run_ctr sh -c "cat $m/memory.limit_in_bytes $m/memory.soft_limit_in_bytes $m/memory.swappiness; cat $m/memory.memsw.limit_in_bytes 2>/dev/null || echo 134217728"
	assert_success
	assert_eq "$(xargs <<<"$output")" "67108864 33554432 17 134217728"
}

@test "memory.disableOOMKiller: a hog over the limit waits instead of being killed" {
	needs_v1 memory
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432, "disableOOMKiller": true}'
	start_sleeper '/xhelper memhog 64; echo "hog ended $?" > /tmp/hog; exec sleep 1000'
	oc=$CGROUP_MNT/memory/$CGROUP_PARENT/$CTR/memory.oom_control
	wait_for grep -qx 'under_oom 1' "$oc"
	assert_eq "$(awk '$1 == "oom_kill_disable" { print $2 }' "$oc")" 1
	sleep 0.5
	# Still waiting: neither killed nor done.
	[ ! -e "$ROOTFS/tmp/hog" ] || fail "the hog ended: $(cat "$ROOTFS/tmp/hog")"
	assert_eq "$(awk '$1 == "oom_kill" { print $2 }' "$oc")" 0
	pid_alive "$PID"
}

# ---------------------------------------------------------------- pids

@test "pids.limit: fork fails with EAGAIN beyond the limit" {
	update_config '.linux.resources.pids = {"limit": 10}'
	# sh and the helper count: 5 more fit, 20 do not.
	run_ctr sh -c "cat $(knob pids/pids.max pids.max); /xhelper forkbomb 5; /xhelper forkbomb 20"
	assert_success
	assert_eq "${lines[0]}" 10
	assert_eq "${lines[1]}" "forked 5 first_error none"
	[[ ${lines[2]} =~ ^forked\ ([0-9]+)\ first_error\ EAGAIN$ ]] || fail "unexpected: ${lines[2]}"
	[ "${BASH_REMATCH[1]}" -lt 10 ] || fail "forked ${BASH_REMATCH[1]} children under pids.limit 10"
}

# ---------------------------------------------------------------- cpu

@test "cpu.quota 20ms/100ms: a one-second spin gets about a fifth of the CPU" {
	update_config '.linux.resources.cpu = {"quota": 20000, "period": 100000}'
	if is_v2; then
		script='cat /sys/fs/cgroup/cpu.max; /xhelper spin 1'
	else
		script='cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; /xhelper spin 1'
	fi
	run_ctr sh -c "$script"
	assert_success
	if is_v2; then
		assert_eq "${lines[0]}" "20000 100000"
	else
		assert_eq "${lines[0]} ${lines[1]}" "20000 100000"
	fi
	read -r _ cpu _ wall <<<"${lines[-1]}"
	echo "# spin: cpu ${cpu} ms in ${wall} ms" >&2
	[ "$wall" -ge 1000 ]
	# 20% of the wall time, loosely: well under half, but it did run.
	[ $((cpu * 100)) -lt $((wall * 45)) ] || fail "used $cpu ms of CPU in $wall ms (quota 20%)"
	[ $((cpu * 100)) -gt $((wall * 5)) ] || fail "used only $cpu ms of CPU in $wall ms"
}

@test "cpu.shares and cpu.cpus/mems land in the files; the process runs only on those CPUs" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	update_config '.linux.resources.cpu = {"shares": 512, "cpus": "1", "mems": "0"}'
	if is_v2; then
		script='cat /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/cpuset.mems'
	else
		script='cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset/cpuset.mems'
	fi
	run_ctr sh -c "$script; grep ^Cpus_allowed_list: /proc/self/status"
	assert_success
	# shares 512 is weight 20 on v2 (the spec's mapping: 1 + (512-2)*9999/262142).
	if is_v2; then assert_eq "${lines[0]}" 20; else assert_eq "${lines[0]}" 512; fi
	assert_eq "${lines[1]}" 1
	assert_eq "${lines[2]}" 0
	assert_eq "$(xargs <<<"${lines[3]}")" "Cpus_allowed_list: 1"
}

# ---------------------------------------------------------------- blockIO

# loop_device: attach a 16 MiB file of the test's as a loop device
# (LOOPDEV; teardown detaches it) and set MAJ and MIN.
loop_device() {
	truncate -s 16M "$TESTDIR/disk.img"
	LOOPDEV=$(losetup -f --show "$TESTDIR/disk.img")
	read -r MAJ MIN < <(stat -c '%Hr %Lr' "$LOOPDEV")
}

@test "blockIO throttles: direct writes and reads of a loop device run at the 1 MiB/s limit" {
	loop_device
	update_config '.linux.devices += [{"path": "/dev/xloop", "type": "b", "major": $M, "minor": $m, "fileMode": 432}]
		| .linux.resources.devices += [{"allow": true, "type": "b", "major": $M, "minor": $m, "access": "rw"}]
		| .linux.resources.blockIO = {
			"throttleWriteBpsDevice": [{"major": $M, "minor": $m, "rate": 1048576}],
			"throttleReadBpsDevice": [{"major": $M, "minor": $m, "rate": 1048576}]}' \
		--argjson M "$MAJ" --argjson m "$MIN"
	if is_v2; then
		files=/sys/fs/cgroup/io.max
	else
		files="/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"
	fi
	# 3 MiB each way at 1 MiB/s: about three seconds each (O_DIRECT: no
	# page cache in between).
	run_ctr sh -c "cat $files
		read a _ </proc/uptime
		dd if=/dev/zero of=/dev/xloop bs=64k count=48 oflag=direct 2>&1 | tail -n 1
		read b _ </proc/uptime
		dd if=/dev/xloop of=/dev/null bs=64k count=48 iflag=direct 2>&1 | tail -n 1
		read c _ </proc/uptime
		echo \$a \$b \$c"
	assert_success
	if is_v2; then
		assert_contains "${lines[0]}" "$MAJ:$MIN"
		assert_contains "${lines[0]}" "rbps=1048576 wbps=1048576"
		lines=("" "${lines[@]}")
	else
		assert_eq "${lines[0]}" "$MAJ:$MIN 1048576"
		assert_eq "${lines[1]}" "$MAJ:$MIN 1048576"
	fi
	assert_eq "${lines[2]}" "48+0 records out"
	assert_eq "${lines[3]}" "48+0 records out"
	read -r w r < <(awk '{ printf "%d %d\n", ($2 - $1) * 10, ($3 - $2) * 10 }' <<<"${lines[4]}")
	echo "# dd took $w (write) and $r (read) tenths of a second" >&2
	[ "$w" -ge 19 ] || fail "3 MiB written in $w/10 s under a 1 MiB/s throttle"
	[ "$r" -ge 19 ] || fail "3 MiB read in $r/10 s under a 1 MiB/s throttle"
}

@test "blockIO weight and weightDevice land in the bfq files" {
	needs_v1 blkio
	loop_device
	# The scheduler of the test's own loop device.
	grep -qw bfq "/sys/block/${LOOPDEV#/dev/}/queue/scheduler" || skip "no bfq scheduler for $LOOPDEV"
	echo bfq >"/sys/block/${LOOPDEV#/dev/}/queue/scheduler"
	update_config '.linux.resources.blockIO = {"weight": 500, "weightDevice": [{"major": $M, "minor": $m, "weight": 300}]}' \
		--argjson M "$MAJ" --argjson m "$MIN"
	run_ctr cat /sys/fs/cgroup/blkio/blkio.bfq.weight /sys/fs/cgroup/blkio/blkio.bfq.weight_device
	assert_success
	assert_contains "$output" 500
	assert_contains "$output" "$MAJ:$MIN 300"
}

# ---------------------------------------------------------------- devices

@test "devices: a denied device node cannot be opened, an allowed one can" {
	# Nodes made in the rootfs by the test, not by linux.devices: like runc,
	# the runtime allows every linux.devices node after the resource rules.
	# /dev/loop-control's 10:237 is outside the default allow list, and
	# opening it does nothing by itself.
	mknod -m 600 "$ROOTFS/xloopctl" c 10 237
	mknod -m 600 "$ROOTFS/xloopctl2" c 10 237
	# Allowed, then denied again: the later rule wins.
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rwm"},
			{"allow": false, "type": "c", "major": 10, "minor": 237, "access": "rwm"}]'
	run_ctr sh -c '/xhelper open /xloopctl; /xhelper open /xloopctl2; /xhelper open /dev/null'
	assert_success
	assert_eq "$output" "EPERM
EPERM
OK"
	# Without the deny rule the same nodes open.
	update_config 'del(.linux.resources.devices[2])'
	run_ctr sh -c '/xhelper open /xloopctl; /xhelper open /xloopctl2'
	assert_success
	assert_eq "$output" "OK
OK"
	# Denied by the leading deny-all alone.
	update_config 'del(.linux.resources.devices[1])'
	run_ctr /xhelper open /xloopctl
	assert_success
	assert_eq "$output" EPERM
}

# ---------------------------------------------------------------- hugetlb, unified

@test "hugepageLimits: the limit lands in the hugetlb file" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	if [ -d "$CGROUP_MNT/hugetlb" ] && ! is_v2; then
		file=/sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes
	else
		# On v2 and hybrid hosts the controller must be delegated from the
		# cgroup2 root; enabling it there would change the host.
		root=$CGROUP_MNT
		is_v2 || root=$CGROUP_MNT/unified
		grep -qw hugetlb "$root/cgroup.subtree_control" ||
			skip "hugetlb is not enabled in $root/cgroup.subtree_control (the test does not change the host's root)"
		file=$(unified_dir)/hugetlb.2MB.max
	fi
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	run_ctr cat "$file"
	assert_success
	assert_eq "$output" 4194304
}

@test "unified: a cgroup2 key lands in the container's cgroup2 directory" {
	xrun_only # runc 1.1 refuses unified on a hybrid host
	[ -f "$CGROUP_MNT/unified/cgroup.controllers" ] || is_v2 || skip "no cgroup2 tree on this host"
	update_config '.linux.resources.unified = {"cgroup.max.descendants": "7"}'
	run_ctr cat "$(unified_dir)/cgroup.max.descendants"
	assert_success
	assert_eq "$output" 7
}

@test "unified: an unknown key fails create naming it; nothing left" {
	[ -f "$CGROUP_MNT/unified/cgroup.controllers" ] || is_v2 || skip "no cgroup2 tree on this host"
	update_config '.linux.resources.unified = {"xrun.bogus": "1"}'
	assert_create_fails "linux.resources.unified.xrun.bogus"
}

@test "unified: a v2 key of a controller the cgroup2 tree lacks fails create naming it; nothing left" {
	is_v2 && skip "the memory controller is in the cgroup2 tree of a v2 host"
	[ -f "$CGROUP_MNT/unified/cgroup.controllers" ] || skip "no cgroup2 tree on this host"
	! grep -qw memory "$CGROUP_MNT/unified/cgroup.controllers" || skip "memory is bound to the cgroup2 tree here"
	update_config '.linux.resources.unified = {"memory.high": "67108864"}'
	assert_create_fails "linux.resources.unified.memory.high"
	assert_contains "$stderr" "memory controller"
}

# ---------------------------------------------------------------- v2 only

@test "v2: unified memory.high and memory.max land in the files, the mapped limit is overridden" {
	needs_v2
	grep -qw memory "$CGROUP_MNT/cgroup.subtree_control" || skip "memory is not delegated in $CGROUP_MNT"
	update_config '.linux.resources.memory = {"limit": 134217728}
		| .linux.resources.unified = {"memory.high": "33554432", "memory.max": "67108864"}'
	run_ctr cat /sys/fs/cgroup/memory.high /sys/fs/cgroup/memory.max
	assert_success
	assert_eq "$output" "33554432
67108864"
}

@test "v2: the device rules are a BPF program (denied node EPERM, allowed OK)" {
	needs_v2
	mknod -m 600 "$ROOTFS/xloopctl" c 10 237
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	run_ctr sh -c '/xhelper open /xloopctl; /xhelper open /dev/null'
	assert_success
	assert_eq "$output" "EPERM
OK"
}

# ---------------------------------------------------------------- bad input

@test "bad input: an unknown device type fails create naming the field; nothing left" {
	update_config '.linux.resources.devices += [{"allow": true, "type": "x", "major": 1, "minor": 3, "access": "rwm"}]'
	n=$(jq '.linux.resources.devices | length - 1' "$BUNDLE/config.json")
	assert_create_fails "linux.resources.devices[$n].type"
	assert_contains "$stderr" '"x"'
}

@test "bad input: cpu.cpus outside the machine fails create naming the field; nothing left" {
	update_config '.linux.resources.cpu = {"cpus": "99"}'
	assert_create_fails "linux.resources.cpu.cpus"
	assert_contains "$stderr" 99
}

# Like memory values, a pids limit below -1 is refused (runc takes any
# negative value as unlimited).
@test "bad input: a negative pids.limit fails create naming the field; nothing left" {
	xrun_only # runc takes any negative pids.limit as unlimited
	update_config '.linux.resources.pids = {"limit": -5}'
	assert_create_fails "linux.resources.pids.limit"
}

@test "bad input: a later refusal (after cgroups were made) leaves no cgroup in any hierarchy" {
	# Valid memory and pids limits are written before the bad cpuset.
	update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}
		| .linux.resources.cpu = {"cpus": "0", "mems": "63"}'
	assert_create_fails "linux.resources.cpu.mems"
}

@test "bad input: memory.swap below memory.limit fails create naming the field; nothing left" {
	update_config '.linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
	assert_create_fails "linux.resources.memory.swap"
}

@test "bad input: a throttle on a device that does not exist fails create naming the field; nothing left" {
	needs_v1 blkio
	update_config '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": 259, "minor": 99999, "rate": 1048576}]}'
	assert_create_fails "linux.resources.blockIO.throttleReadBpsDevice[0]"
}
