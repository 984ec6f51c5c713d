#!/usr/bin/env bats
# What a container runs with: the image config merged with run's flags as Docker does, the default
# confinement, /etc files, inspect's document, ps's columns and filters, exec.

load helpers

@test "env, workdir, user, hostname and entrypoint" {
	run xocker run --rm -e FOO=bar -e HOME=/tmp -w /tmp -u 1000:1000 -h myhost busybox \
		sh -c 'echo $FOO $HOME $(pwd) $(id -u):$(id -g) $(hostname); echo $PATH'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar /tmp /tmp 1000:1000 myhost" ]
	[[ "${lines[1]}" == */usr/bin* ]]
	run xocker run --rm --entrypoint echo busybox hello world
	[ "$output" = "hello world" ]
}

@test "--env-file and -e NAME from the caller's environment" {
	printf '# comment\nA=1\nB=two words\n' >"$TESTDIR/env"
	export FROM_HOST=yes
	run xocker run --rm --env-file "$TESTDIR/env" -e FROM_HOST -e UNSET_VAR busybox sh -c 'echo "$A|$B|$FROM_HOST|${UNSET_VAR-unset}"'
	[ "$output" = "1|two words|yes|unset" ]
}

@test "users by name come from the container's /etc/passwd; an unknown one fails" {
	run xocker run --rm -u nobody busybox id -un
	[ "$output" = nobody ]
	run xocker run --rm -u nosuchuser busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *nosuchuser* ]]
}

@test "default confinement: Docker's capabilities, /dev/shm 64M, masked /proc paths, hostname is the short id" {
	id=$(xocker run -d busybox sleep 100)
	run xocker exec "$id" sh -c 'grep CapBnd /proc/self/status'
	[[ "$output" == *00000000a80425fb* ]]
	run xocker exec "$id" df -k /dev/shm
	[[ "$output" == *65536* ]]
	run xocker exec "$id" cat /proc/kcore
	[ "$status" -ne 0 ] || [ -z "$output" ]
	[ "$(xocker exec "$id" hostname)" = "${id:0:12}" ]
	run xocker exec "$id" sh -c 'echo x > /proc/sys/kernel/hostname'
	[ "$status" -ne 0 ]
}

@test "/etc/hosts, /etc/hostname and /etc/resolv.conf are the container's own" {
	run xocker run --rm -h box --add-host db:10.1.2.3 --dns 192.0.2.53 busybox sh -c 'cat /etc/hostname /etc/hosts /etc/resolv.conf'
	[[ "$output" == *box* ]]
	[[ "$output" == *"127.0.0.1	localhost"* ]]
	[[ "$output" == *"10.1.2.3	db"* ]]
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
}

@test "inspect shows Docker's fields" {
	xocker run -d --name ins -l team=a --restart on-failure:3 --stop-timeout 7 busybox sleep 100 >/dev/null
	run xocker inspect -f '{{.State.Running}} {{.State.Status}} {{.Name}} {{.Path}} {{json .Args}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.StopTimeout}} {{.Config.Labels.team}} {{.Config.Image}}' ins
	[ "$output" = 'true running /ins sleep ["100"] on-failure 3 7 a busybox' ]
	run xocker inspect ins
	echo "$output" | jq -e '.[0] | .Id and .Created and .State.StartedAt and .Config.Env and .HostConfig and .GraphDriver.Name and (.Mounts | type == "array")' >/dev/null
	[ "$(echo "$output" | jq -r '.[0].State.Pid')" -gt 0 ]
	run xocker container inspect busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: busybox"* ]]
	run xocker inspect --type image -f '{{.Id}}' busybox
	[[ "$output" == sha256:* ]]
}

@test "ps: -q, -n, -l, --no-trunc, -s, filters and formats" {
	a=$(xocker run -d --name alpha -l tier=web busybox sleep 100)
	b=$(xocker create --name beta -l tier=db busybox true)
	xocker run --name gamma busybox sh -c 'exit 2' || true
	run xocker ps -q
	[ "$output" = "${a:0:12}" ]
	run xocker ps -aq --no-trunc
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	[[ "$output" == *"$b"* ]]
	run xocker ps -l --format '{{.Names}}'
	[ "$output" = gamma ]
	run xocker ps -n 2 --format '{{.Names}}'
	[ "$output" = "$(printf 'gamma\nbeta')" ]
	run xocker ps -a -f status=created --format '{{.Names}}'
	[ "$output" = beta ]
	run xocker ps -f exited=2 --format '{{.Names}}'
	[ "$output" = gamma ]
	run xocker ps -a -f label=tier=web --format '{{.Names}}'
	[ "$output" = alpha ]
	run xocker ps -a -f name=^al --format '{{.Names}}'
	[ "$output" = alpha ]
	run xocker ps -a -f ancestor=busybox -q
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	run xocker ps -a -f id="${b:0:5}" -q
	[ "$output" = "${b:0:12}" ]
	run xocker ps -a -f status=bogus
	[ "$status" -ne 0 ]
	run xocker ps -a -f nosuchkey=1
	[ "$status" -ne 0 ]
	run xocker ps -a --format 'table {{.Names}}\t{{.Status}}'
	[[ "${lines[0]}" =~ ^NAMES\ +STATUS$ ]]
	run xocker ps -s --format '{{.Size}}'
	[[ "$output" =~ ^[0-9.]+[kMG]?B\ \(virtual\ [0-9.]+[kMG]?B\)$ ]]
	run xocker ps
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
	[[ "${lines[1]}" == *'"sleep 100"'* ]]
}

@test "exec: output, exit code, -e, -w, -u, -d, and errors" {
	xocker run -d --name ex busybox sleep 100 >/dev/null
	run xocker exec -e X=1 -w /etc ex sh -c 'echo $X $(pwd); exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "1 /etc" ]
	run xocker exec -u nobody ex id -un
	[ "$output" = nobody ]
	xocker exec -d ex sh -c 'echo detached > /tmp/flag'
	wait_for xocker exec ex test -f /tmp/flag
	run bash -c "echo piped | '$XOCKER' exec -i ex cat"
	[ "$output" = piped ]
	run xocker exec ex
	[ "$status" -eq 125 ]
	xocker stop -t 0 ex >/dev/null
	run xocker exec ex true
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not running"* ]]
}

@test "two runs at once with the same name: exactly one wins" {
	(rc=0; xocker run -d --name race busybox sleep 100 >"$TESTDIR/1" 2>&1 || rc=$?; echo $rc >"$TESTDIR/1.rc") &
	p1=$!
	(rc=0; xocker run -d --name race busybox sleep 100 >"$TESTDIR/2" 2>&1 || rc=$?; echo $rc >"$TESTDIR/2.rc") &
	p2=$!
	wait "$p1"
	wait "$p2"
	[ "$(cat "$TESTDIR/1.rc" "$TESTDIR/2.rc" | sort | tr '\n' ' ')" = "0 125 " ]
	[ "$(xocker ps -aq | wc -l)" -eq 1 ]
}
