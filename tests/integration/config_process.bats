#!/usr/bin/env bats
# config.json's process object (and hostname/domainname), checked inside.

load helpers

@test "process.args: each argument arrives intact" {
	run_ctr sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 "a b" 'c"d' '' "\$HOME" "*"
	assert_success
	assert_eq "$output" '[a b]
[c"d]
[]
[$HOME]
[*]'
}

@test "process.env is the environment, exactly" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	run_ctr env
	assert_success
	# HOME may be added from /etc/passwd (runc and crun do), nothing else.
	assert_eq "$(grep -v '^HOME=' <<<"$output" | sort)" "$(printf '%s\n' EMPTY= 'FOO=bar baz' PATH=/bin:/usr/bin | sort)"
	home=$(grep '^HOME=' <<<"$output" || true)
	[ -z "$home" ] || assert_eq "$home" HOME=/root
}

@test "process.cwd is the working directory" {
	mkdir -p "$ROOTFS/srv/app"
	update_config '.process.cwd = "/srv/app"'
	run_ctr pwd
	assert_success
	assert_eq "$output" /srv/app
}

@test "process.user uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [2000, 3000]}'
	run_ctr cat /proc/self/status
	assert_success
	assert_contains "$output" "$(printf 'Uid:\t1000\t1000\t1000\t1000')"
	assert_contains "$output" "$(printf 'Gid:\t1000\t1000\t1000\t1000')"
	groups=$(awk '/^Groups:/ { $1 = ""; print }' <<<"$output" | xargs -n1 | sort -n | xargs)
	assert_eq "$groups" "2000 3000"
}

@test "process.user without additionalGids has no stray supplementary groups" {
	update_config '.process.user = {"uid": 65534, "gid": 65534}'
	run_ctr sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
	assert_success
	assert_eq "${lines[0]}" 65534
	assert_eq "${lines[1]}" 65534
	groups=$(awk '{ $1 = ""; print }' <<<"${lines[2]}" | xargs -n1 | grep -vx 65534 | xargs)
	assert_eq "$groups" ""
}

@test "process.user.umask" {
	update_config '.process.user.umask = 23' # 027
	run_ctr sh -c 'umask; touch /tmp/f; mkdir /tmp/d; stat -c %a /tmp/f /tmp/d'
	assert_success
	assert_eq "$output" "0027
640
750"
}

@test "process.rlimits set soft and hard limits" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
		{"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
	run_ctr sh -c 'ulimit -n; ulimit -Hn; cat /proc/self/limits'
	assert_success
	assert_eq "${lines[0]}" 123
	assert_eq "${lines[1]}" 456
	assert_eq "$(awk '/^Max open files/ { print $4, $5 }' <<<"$output")" "123 456"
	assert_eq "$(awk '/^Max core file size/ { print $5, $6 }' <<<"$output")" "0 4096"
	assert_eq "$(awk '/^Max processes/ { print $3, $4 }' <<<"$output")" "300 400"
}

@test "process.noNewPrivileges true and false" {
	update_config '.process.noNewPrivileges = true'
	run_ctr grep NoNewPrivs /proc/self/status
	assert_success
	assert_eq "$(awk '{ print $2 }' <<<"$output")" 1
	update_config '.process.noNewPrivileges = false'
	run_ctr grep NoNewPrivs /proc/self/status
	assert_success
	assert_eq "$(awk '{ print $2 }' <<<"$output")" 0
}

@test "process.oomScoreAdj (raised to 100)" {
	update_config '.process.oomScoreAdj = 100'
	run_ctr cat /proc/self/oom_score_adj
	assert_success
	assert_eq "$output" 100
}

@test "process.capabilities set the capability sets" {
	# CAP_CHOWN is bit 0, CAP_KILL bit 5, CAP_NET_BIND_SERVICE bit 10.
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN", "CAP_KILL"],
		"permitted": ["CAP_CHOWN", "CAP_KILL"],
		"inheritable": [],
		"ambient": []}'
	run_ctr cat /proc/self/status
	assert_success
	assert_eq "$(awk '/^CapEff/ { print $2 }' <<<"$output")" 0000000000000021
	assert_eq "$(awk '/^CapPrm/ { print $2 }' <<<"$output")" 0000000000000021
	assert_eq "$(awk '/^CapBnd/ { print $2 }' <<<"$output")" 0000000000000421
}

@test "process.terminal false: stdio are not terminals" {
	run_ctr sh -c '[ -t 0 ] || [ -t 1 ] || [ -t 2 ] || echo no-tty'
	assert_success
	assert_eq "$output" no-tty
}

@test "hostname" {
	update_config '.hostname = "xrun-host-test"'
	run_ctr sh -c 'hostname; cat /proc/sys/kernel/hostname'
	assert_success
	assert_eq "$output" "xrun-host-test
xrun-host-test"
	[ "$(hostname)" != xrun-host-test ]
}

@test "domainname" {
	xrun_only # runc 1.1 ignores domainname
	update_config '.domainname = "xrun.domain.test"'
	run_ctr cat /proc/sys/kernel/domainname
	assert_success
	assert_eq "$output" xrun.domain.test
	[ "$(cat /proc/sys/kernel/domainname)" != xrun.domain.test ]
}

@test "a missing process.cwd is created" {
	update_config '.process.cwd = "/does/not/exist/yet"'
	run_ctr pwd
	assert_success
	assert_eq "$output" /does/not/exist/yet
}

@test "the program is found through process.env's PATH" {
	mkdir -p "$ROOTFS/opt/tools"
	printf '#!/bin/sh\necho found-in-path\n' >"$ROOTFS/opt/tools/mytool"
	chmod 755 "$ROOTFS/opt/tools/mytool"
	update_config '.process.env = ["PATH=/opt/tools:/bin"]'
	run_ctr mytool
	assert_success
	assert_eq "$output" found-in-path
}
