#!/usr/bin/env bats
# HostConfig flags of run/create and `update`, by their effects inside real containers: cgroup
# limits, ulimits, capabilities, read-only rootfs, seccomp, devices, /dev/shm, --init,
# --privileged, sysctls, namespace modes; Docker's errors for bad values (exit 125, no container
# left); and update changing a running container's cgroup and its stored HostConfig.

load helpers

# The cgroup v2 unified tree, or cgroup v1 hierarchies (this project's CI hosts are hybrid).
cgroup_v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# limit_file CONTROLLER V1FILE V2FILE: the file as the container sees it (its own cgroup, through
# its cgroup namespace).
limit_file() {
	if cgroup_v2; then echo "/sys/fs/cgroup/$3"; else echo "/sys/fs/cgroup/$1/$2"; fi
}

# host_limit_file ID CONTROLLER V1FILE V2FILE: the same file of container ID, seen from the host.
host_limit_file() {
	if cgroup_v2; then
		echo "/sys/fs/cgroup$XOCKER_CGROUP_PARENT/$1/$4"
	else
		echo "/sys/fs/cgroup/$2$XOCKER_CGROUP_PARENT/$1/$3"
	fi
}

container_count() { "$XOCKER" ps -aq | wc -l; }

# stored_hostconfig NAME: the container's HostConfig as inspect shows it.
stored_hostconfig() { "$XOCKER" inspect -f '{{json .HostConfig}}' "$1"; }

@test "inspect shows Docker's HostConfig fields and values" {
	run xocker create --name hc -m 64m --cpus 1.5 --pids-limit 30 --ulimit nofile=10:20 --cap-add net_admin \
		--shm-size 1g --sysctl net.ipv4.ip_forward=1 --init busybox true
	[ "$status" -eq 0 ]
	hc=$(stored_hostconfig hc)
	[ "$(jq -c '[.Memory, .MemorySwap, .NanoCpus, .PidsLimit, .ShmSize, .Init]' <<<"$hc")" = \
		'[67108864,134217728,1500000000,30,1073741824,true]' ]
	[ "$(jq -c .Ulimits <<<"$hc")" = '[{"Name":"nofile","Hard":20,"Soft":10}]' ]
	[ "$(jq -c .CapAdd <<<"$hc")" = '["CAP_NET_ADMIN"]' ]
	[ "$(jq -c .Sysctls <<<"$hc")" = '{"net.ipv4.ip_forward":"1"}' ]
	run xocker create --name plain busybox true
	hc=$(stored_hostconfig plain)
	[ "$(jq -c '[.IpcMode, .ShmSize, .PidsLimit, .MemorySwappiness, .Memory, .Privileged]' <<<"$hc")" = \
		'["private",67108864,null,null,0,false]' ]
}

@test "-m sets the memory limit the container sees, and Docker's default swap of twice as much" {
	run xocker run --rm -m 64m busybox cat "$(limit_file memory memory.limit_in_bytes memory.max)"
	[ "$status" -eq 0 ]
	[ "$output" = 67108864 ]
	if ! cgroup_v2; then
		run xocker run --rm -m 64m busybox cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
		[ "$output" = 134217728 ]
	fi
}

@test "--pids-limit and --cpus set pids.max and the CFS quota" {
	run xocker run --rm --pids-limit 20 --cpus 0.5 busybox cat \
		"$(limit_file pids pids.max pids.max)" "$(limit_file cpu cpu.cfs_quota_us cpu.max)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 20 ]
	[[ "${lines[1]}" == 50000* ]]
}

@test "--ulimit sets the soft and hard limits" {
	run xocker run --rm --ulimit nofile=100:200 busybox sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 100 ]
	[ "${lines[1]}" = 200 ]
}

@test "--cap-drop CHOWN makes chown fail; --read-only makes the rootfs read-only" {
	run xocker run --rm busybox chown 1 /tmp
	[ "$status" -eq 0 ]
	run xocker run --rm --cap-drop CHOWN busybox chown 1 /tmp
	[ "$status" -eq 1 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run xocker run --rm --read-only busybox touch /x
	[ "$status" -eq 1 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "the default seccomp profile blocks unshare; seccomp=unconfined, --privileged and a profile file decide otherwise" {
	run xocker run --rm busybox unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run xocker run --rm --security-opt seccomp=unconfined busybox unshare -U true
	[ "$status" -eq 0 ]
	run xocker run --rm --privileged busybox unshare -U true
	[ "$status" -eq 0 ]
	# A Docker-format profile that allows everything but mkdir (EPERM).
	cat >"$TESTDIR/profile.json" <<-'EOF'
		{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64",
		 "subArchitectures":["SCMP_ARCH_X86"]}],
		 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
	EOF
	run xocker run --rm --security-opt "seccomp=$TESTDIR/profile.json" busybox sh -c 'unshare -U true && mkdir /tmp/d'
	[ "$status" -eq 1 ]
	[[ "$output" == *"mkdir"*"Operation not permitted"* ]]
}

@test "--device maps a host device to a new path; --privileged sees the host's devices" {
	run xocker run --rm --device /dev/null:/dev/mynull busybox sh -c 'echo hi >/dev/mynull && stat -c %t:%T /dev/mynull'
	[ "$status" -eq 0 ]
	[ "$output" = 1:3 ]
	run xocker run --rm --device /nonexistent busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *'error gathering device information while adding custom device "/nonexistent": no such file or directory'* ]]
	host_devices=$(find /dev -maxdepth 1 \( -type c -o -type b \) | wc -l)
	run xocker run --rm --privileged busybox sh -c 'find /dev -maxdepth 1 \( -type c -o -type b \) | wc -l'
	[ "$status" -eq 0 ]
	[ "$output" -ge $((host_devices - 2)) ]
}

@test "--shm-size sizes /dev/shm; --ipc none has none" {
	run xocker run --rm --shm-size 8m busybox df -k /dev/shm
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *" 8192 "* ]]
	run xocker run --rm busybox df -k /dev/shm
	[[ "${lines[1]}" == *" 65536 "* ]]
	run xocker run --rm --ipc none busybox ls /dev/shm
	[ "$status" -ne 0 ]
}

@test "--init runs docker-init (tini) as pid 1" {
	run xocker run --rm --init busybox sh -c 'tr "\0" " " </proc/1/cmdline'
	[ "$status" -eq 0 ]
	[[ "$output" == "/sbin/docker-init -- sh -c "* ]]
}

@test "--sysctl, --oom-score-adj, --group-add and no-new-privileges reach the process" {
	run xocker run --rm --sysctl kernel.shmmax=1000000 --oom-score-adj 200 --group-add 1234 \
		--security-opt no-new-privileges busybox sh -c \
		'cat /proc/sys/kernel/shmmax /proc/self/oom_score_adj; id -G; grep NoNewPrivs /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000000 ]
	[ "${lines[1]}" = 200 ]
	[[ " ${lines[2]} " == *" 1234 "* ]]
	[[ "${lines[3]}" == *1 ]]
}

@test "--pid host shares the host's processes" {
	run xocker run --rm --pid host busybox cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat /proc/1/comm)" ]
	run xocker run --rm busybox cat /proc/1/comm
	[ "$output" = cat ]
}

@test "bad values exit 125 with Docker's message and leave no container" {
	run xocker run --rm -m 12x busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid argument \"12x\" for \"-m, --memory\" flag: invalid suffix: 'x'"* ]]
	run xocker run --rm --cpus 1000 busybox true
	[ "$status" -eq 125 ]
	n=$(nproc)
	[[ "$output" == *"Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"* ]]
	run xocker run --rm -m 4m busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
	# The daemon refuses this one: Docker's create exits 1 for that (run 125).
	run xocker create -m 64m --memory-swap 32m busybox true
	[ "$status" -eq 1 ]
	[[ "$output" == *"Minimum memoryswap limit should be larger than memory limit, see usage"* ]]
	run xocker run --rm --ulimit bogus=1 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid ulimit type: bogus"* ]]
	run xocker run --rm --pid bogus busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--pid: invalid PID mode"* ]]
	[ "$(container_count)" -eq 0 ]
}

@test "update changes a running container's cgroup and its stored HostConfig" {
	run xocker run -d --name up -m 64m busybox sleep 60
	[ "$status" -eq 0 ]
	id=$output
	mem=$(host_limit_file "$id" memory memory.limit_in_bytes memory.max)
	pids=$(host_limit_file "$id" pids pids.max pids.max)
	[ "$(cat "$mem")" = 67108864 ]
	run xocker update -m 100m --memory-swap 300m --pids-limit 9 up
	[ "$status" -eq 0 ]
	[ "$output" = up ]
	[ "$(cat "$mem")" = 104857600 ]
	[ "$(cat "$pids")" = 9 ]
	hc=$(stored_hostconfig up)
	[ "$(jq .Memory <<<"$hc")" = 104857600 ]
	[ "$(jq .MemorySwap <<<"$hc")" = 314572800 ]
	[ "$(jq .PidsLimit <<<"$hc")" = 9 ]
	run xocker update --pids-limit -1 up
	[ "$status" -eq 0 ]
	[ "$(cat "$pids")" = max ]
	[ "$(jq .PidsLimit <<<"$(stored_hostconfig up)")" = null ]
	# A bad value changes nothing.
	run xocker update --cpuset-cpus 0-999 up
	[ "$status" -eq 1 ]
	[[ "$output" == *"Requested CPUs are not available - requested 0-999, available: "* ]]
	run xocker update -m 500m up
	[ "$status" -eq 1 ]
	[[ "$output" == *"Cannot update container $id: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"* ]]
	run xocker update -m 1x up
	[ "$status" -eq 125 ]
	[ "$(cat "$mem")" = 104857600 ]
}

@test "update of a stopped container is kept for its next start; update needs a flag" {
	run xocker create --name later busybox cat /sys/fs/cgroup/pids/pids.max
	[ "$status" -eq 0 ]
	run xocker update --pids-limit 7 later
	[ "$status" -eq 0 ]
	[ "$output" = later ]
	if ! cgroup_v2; then
		run xocker start -a later
		[ "$status" -eq 0 ]
		[ "$output" = 7 ]
	fi
	run xocker update later
	[ "$status" -eq 1 ]
	[[ "$output" == *"you must provide one or more flags when using this command"* ]]
	run xocker update -m 64m nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: nosuch"* ]]
}

@test "--ipc and --pid container:NAME join a running container's namespaces" {
	run xocker run -d --name src --ipc shareable busybox sleep 60
	[ "$status" -eq 0 ]
	pid=$(head -1 "$(dirname "$(host_limit_file "$output" pids pids.max pids.max)")/cgroup.procs")
	run xocker run --rm --ipc container:src --pid container:src busybox sh -c 'readlink /proc/self/ns/ipc; ps -o comm'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink "/proc/$pid/ns/ipc")" ]
	[[ "$output" == *sleep* ]]
	run xocker run --rm --ipc container:nosuch busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container: nosuch"* ]]
}

@test "--cgroup-parent puts the container's cgroup below the parent given" {
	run xocker run -d --name cgp --cgroup-parent "$XOCKER_CGROUP_PARENT/custom" -m 64m busybox sleep 60
	[ "$status" -eq 0 ]
	id=$output
	if cgroup_v2; then
		[ "$(cat "/sys/fs/cgroup$XOCKER_CGROUP_PARENT/custom/$id/memory.max")" = 67108864 ]
	else
		[ "$(cat "/sys/fs/cgroup/memory$XOCKER_CGROUP_PARENT/custom/$id/memory.limit_in_bytes")" = 67108864 ]
	fi
}
