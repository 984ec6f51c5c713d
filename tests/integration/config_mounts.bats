#!/usr/bin/env bats
# config.json's mounts, root.readonly and rootfsPropagation.

load helpers

# add_mount DEST TYPE SOURCE OPTION...: append a mount to config.json.
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	update_config '.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $ARGS.positional}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --args -- "$@"
}

# mnt_line DEST: the container's mountinfo line for DEST (from $output).
mnt_line() { awk -v d="$1" '$5 == d' <<<"$output" | tail -n1; }

# mnt_opts DEST: per-mount options (field 6) of DEST.
mnt_opts() { mnt_line "$1" | awk '{ print $6 }'; }

# mnt_fstype DEST: filesystem type of DEST.
mnt_fstype() { mnt_line "$1" | awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }'; }

has_opt() { [[ ,$1, == *,$2,* ]] || fail "option $2 not in $1"; }

@test "the default mounts are there with their types" {
	update_config '.mounts = [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}]'
	run_ctr cat /proc/self/mountinfo
	assert_success
	assert_eq "$(mnt_fstype /proc)" proc
	assert_eq "$(mnt_fstype /dev)" tmpfs
	assert_eq "$(mnt_fstype /dev/pts)" devpts
	assert_eq "$(mnt_fstype /dev/shm)" tmpfs
	assert_eq "$(mnt_fstype /dev/mqueue)" mqueue
	assert_eq "$(mnt_fstype /sys)" sysfs
	has_opt "$(mnt_opts /sys)" ro
	has_opt "$(mnt_opts /dev/shm)" nodev
	has_opt "$(mnt_opts /dev/pts)" noexec
	# The container's /proc is a new instance for its pid namespace.
	run_ctr sh -c 'ls -d /proc/[0-9]* | wc -l'
	assert_success
	[ "$output" -le 3 ]
}

@test "tmpfs with size and mode options" {
	add_mount /mnt/t tmpfs tmpfs size=1m mode=1770 nosuid
	run_ctr sh -c 'cat /proc/self/mountinfo; stat -c %a /mnt/t;
		dd if=/dev/zero of=/mnt/t/big bs=1k count=2048 2>/dev/null && echo fits || echo full'
	assert_success
	assert_eq "$(mnt_fstype /mnt/t)" tmpfs
	has_opt "$(mnt_opts /mnt/t)" nosuid
	assert_contains "$(mnt_line /mnt/t)" size=1024k
	assert_eq "${lines[-2]}" 1770
	assert_eq "${lines[-1]}" full
}

@test "bind ro: readable, not writable, ro in the mount table" {
	mkdir "$TESTDIR/src"
	echo hostdata >"$TESTDIR/src/file"
	add_mount /mnt/ro bind "$TESTDIR/src" bind ro
	run_ctr sh -c 'cat /mnt/ro/file; touch /mnt/ro/new 2>/dev/null && echo wrote || echo refused; cat /proc/self/mountinfo'
	assert_success
	assert_eq "${lines[0]}" hostdata
	assert_eq "${lines[1]}" refused
	has_opt "$(mnt_opts /mnt/ro)" ro
	[ ! -e "$TESTDIR/src/new" ]
}

@test "bind rw: the container's writes reach the source" {
	mkdir "$TESTDIR/src"
	add_mount /mnt/rw bind "$TESTDIR/src" rbind rw
	run_ctr sh -c 'echo from-container > /mnt/rw/out'
	assert_success
	assert_eq "$(cat "$TESTDIR/src/out")" from-container
}

@test "bind with nosuid, nodev, noexec" {
	mkdir "$TESTDIR/src"
	cp "$ROOTFS/bin/busybox" "$TESTDIR/src/true"
	add_mount /mnt/flags bind "$TESTDIR/src" bind nosuid nodev noexec
	add_mount /mnt/exec bind "$TESTDIR/src" bind
	run_ctr sh -c 'cat /proc/self/mountinfo; /mnt/exec/true && echo exec-ok; /mnt/flags/true 2>/dev/null && echo noexec-ignored || echo noexec-works'
	assert_success
	opts=$(mnt_opts /mnt/flags)
	has_opt "$opts" nosuid
	has_opt "$opts" nodev
	has_opt "$opts" noexec
	assert_eq "${lines[-2]}" exec-ok
	assert_eq "${lines[-1]}" noexec-works
}

@test "rbind brings submounts, bind does not" {
	mkdir -p "$TESTDIR/src/sub"
	mount -t tmpfs xrun-sub "$TESTDIR/src/sub"
	echo in-submount >"$TESTDIR/src/sub/file"
	add_mount /mnt/rbind bind "$TESTDIR/src" rbind
	add_mount /mnt/bind bind "$TESTDIR/src" bind
	run_ctr sh -c 'cat /mnt/rbind/sub/file; ls /mnt/bind/sub | wc -l'
	assert_success
	assert_eq "${lines[0]}" in-submount
	assert_eq "${lines[1]}" 0
}

# share_source DIR: make DIR a shared mount on the host (a peer group that
# propagation options can follow).
share_source() {
	mkdir -p "$1"
	mount --bind "$1" "$1"
	mount --make-shared "$1"
}

@test "propagation: rslave sees later host mounts, rprivate does not" {
	share_source "$TESTDIR/src"
	add_mount /mnt/slave bind "$TESTDIR/src" rbind rslave
	add_mount /mnt/private bind "$TESTDIR/src" rbind rprivate
	start_sleeper 'while [ ! -e /tmp/go ]; do sleep 0.05; done
		cat /proc/self/mountinfo > /tmp/mi; ls /mnt/slave/new > /tmp/slave; ls /mnt/private/new > /tmp/private
		exec sleep 1000'
	mkdir "$TESTDIR/src/new"
	mount -t tmpfs xrun-prop "$TESTDIR/src/new"
	touch "$TESTDIR/src/new/propagated"
	touch "$ROOTFS/tmp/go"
	wait_for test -e "$ROOTFS/tmp/private"
	assert_eq "$(cat "$ROOTFS/tmp/slave")" propagated
	assert_eq "$(cat "$ROOTFS/tmp/private")" ""
	output=$(cat "$ROOTFS/tmp/mi")
	assert_contains "$(mnt_line /mnt/slave)" master:
	assert_not_contains "$(mnt_line /mnt/private)" master:
	assert_not_contains "$(mnt_line /mnt/private)" shared:
}

@test "propagation: shared makes a shared mount" {
	mkdir "$TESTDIR/src"
	add_mount /mnt/shared bind "$TESTDIR/src" rbind rshared
	add_mount /mnt/private bind "$TESTDIR/src" rbind rprivate
	run_ctr cat /proc/self/mountinfo
	assert_success
	assert_contains "$(mnt_line /mnt/shared)" shared:
	assert_not_contains "$(mnt_line /mnt/private)" shared:
	# Nothing the container mounted leaked back to the host.
	assert_eq "$(mounts_under "$TESTDIR")" ""
}

@test "bind of a single file, onto a file that does not exist yet" {
	echo single-file >"$TESTDIR/one"
	add_mount /etc/xrun/one.conf bind "$TESTDIR/one" bind ro
	run_ctr sh -c 'cat /etc/xrun/one.conf; [ -f /etc/xrun/one.conf ] && echo regular'
	assert_success
	assert_eq "$output" "single-file
regular"
}

@test "missing destination directories are created inside the rootfs" {
	add_mount /a/b/c/d tmpfs tmpfs size=1m
	run_ctr sh -c 'awk "\$5 == \"/a/b/c/d\" { print \$5 }" /proc/self/mountinfo'
	assert_success
	assert_eq "$output" /a/b/c/d
	[ -d "$ROOTFS/a/b/c/d" ]
}

@test "mounts are made in order: a bind inside an earlier tmpfs" {
	mkdir "$TESTDIR/src"
	echo inner >"$TESTDIR/src/file"
	add_mount /mnt/outer tmpfs tmpfs size=1m
	add_mount /mnt/outer/inner bind "$TESTDIR/src" bind ro
	run_ctr cat /mnt/outer/inner/file
	assert_success
	assert_eq "$output" inner
	# The inner directory was made in the tmpfs, not in the rootfs.
	[ ! -e "$ROOTFS/mnt/outer/inner" ]
}

@test "a destination through a symlink inside the rootfs is resolved in the rootfs" {
	mkdir -p "$ROOTFS/real/target"
	ln -s /real "$ROOTFS/link"
	mkdir "$TESTDIR/src"
	echo via-link >"$TESTDIR/src/file"
	add_mount /link/target bind "$TESTDIR/src" bind
	run_ctr cat /real/target/file
	assert_success
	assert_eq "$output" via-link
}

@test "root.readonly: / is read-only, mounts on it are not" {
	update_config '.root.readonly = true'
	run_ctr sh -c 'touch /newfile 2>/dev/null && echo wrote || echo refused;
		touch /dev/shm/ok && echo shm-ok; awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo'
	assert_success
	assert_eq "${lines[0]}" refused
	assert_eq "${lines[1]}" shm-ok
	has_opt "${lines[2]}" ro
	[ ! -e "$ROOTFS/newfile" ]
}

@test "root.readonly false: / is writable" {
	update_config '.root.readonly = false'
	run_ctr sh -c 'echo hi > /newfile && echo wrote'
	assert_success
	assert_eq "$output" wrote
	assert_eq "$(cat "$ROOTFS/newfile")" hi
}

# rootfs_prop_run PROPAGATION: run a container with rootfsPropagation set
# while the rootfs is a shared mount on the host; the host mounts a tmpfs
# under the rootfs while the container runs. Leaves the container's view of
# it in $ROOTFS/tmp/seen and its mountinfo in $output.
rootfs_prop_run() {
	share_source "$ROOTFS"
	KEEP_MOUNTS=$ROOTFS
	mkdir -p "$ROOTFS/mnt/late"
	update_config '.linux.rootfsPropagation = $p' --arg p "$1"
	start_sleeper 'while [ ! -e /tmp/go ]; do sleep 0.05; done
		cat /proc/self/mountinfo > /tmp/mi; ls /mnt/late > /tmp/seen; exec sleep 1000'
	mount -t tmpfs xrun-late "$ROOTFS/mnt/late"
	touch "$ROOTFS/mnt/late/from-host" "$ROOTFS/tmp/go"
	wait_for test -e "$ROOTFS/tmp/seen"
	umount "$ROOTFS/mnt/late"
	output=$(cat "$ROOTFS/tmp/mi")
}

@test "rootfsPropagation rslave: host mounts reach the container" {
	rootfs_prop_run rslave
	assert_eq "$(cat "$ROOTFS/tmp/seen")" from-host
	assert_contains "$(mnt_line /)" master:
}

@test "rootfsPropagation slave: host mounts reach the container" {
	xrun_only # runc 1.1 makes the rootfs private for (non-recursive) slave
	rootfs_prop_run slave
	assert_eq "$(cat "$ROOTFS/tmp/seen")" from-host
	assert_contains "$(mnt_line /)" master:
}

@test "rootfsPropagation private: host mounts do not reach the container" {
	rootfs_prop_run private
	assert_eq "$(cat "$ROOTFS/tmp/seen")" ""
	assert_not_contains "$(mnt_line /)" master:
	assert_not_contains "$(mnt_line /)" shared:
}

@test "rootfsPropagation shared: the rootfs is a shared mount" {
	xrun_only # runc 1.1 makes the rootfs private for shared
	rootfs_prop_run shared
	assert_eq "$(cat "$ROOTFS/tmp/seen")" from-host
	assert_contains "$(mnt_line /)" shared:
}

@test "rootfsPropagation unbindable" {
	xrun_only # runc 1.1 makes the rootfs private for unbindable
	rootfs_prop_run unbindable
	assert_eq "$(cat "$ROOTFS/tmp/seen")" ""
	assert_contains "$(mnt_line /)" unbindable
}

@test "the container's mounts do not appear on the host" {
	mkdir "$TESTDIR/src"
	add_mount /mnt/t tmpfs tmpfs size=1m
	add_mount /mnt/b bind "$TESTDIR/src" rbind
	start_sleeper
	assert_eq "$(mounts_under "$TESTDIR")" ""
}
