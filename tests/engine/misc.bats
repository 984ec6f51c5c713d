#!/usr/bin/env bats
# top, port, rename, export, container prune, events (and stats, cp): each
# command's real behaviour and Docker's errors for bad input.
load helpers

# ---- top ----
@test "top: the container's processes in ps -ef columns" {
	id=$(xocker run -d busybox sleep 100)
	run xocker top "$id"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"sleep 100" ]]
	pid=$(xocker inspect -f '{{.State.Pid}}' "$id")
	[[ "${lines[1]}" =~ ^root\ +$pid\  ]]
}

@test "top: ps options after the container" {
	id=$(xocker run -d busybox sleep 100)
	xocker exec -d "$id" sleep 99
	wait_for sh -c "\"$XOCKER\" top $id -o pid,args | grep -q 'sleep 99'"
	run xocker top "$id" -o pid,args
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^PID\ +COMMAND$ ]]
	[ "${#lines[@]}" -eq 3 ]
	run xocker top "$id" -o comm
	[ "$status" -eq 1 ]
	[[ "$output" == *"Couldn't find PID field in ps output"* ]]
}

@test "top: a stopped container, a missing one, no argument" {
	id=$(xocker create busybox true)
	run xocker top "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container $id is not running"* ]]
	run xocker top nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == "Error response from daemon: No such container: nosuch" ]]
	run xocker top
	[ "$status" -eq 125 ]
	[[ "$output" == *'"top" requires at least 1 argument.'* ]]
}

# ---- port ----
@test "port: nothing published prints nothing; a port that is not published is an error" {
	xocker create --name p1 busybox true
	run xocker port p1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run xocker port p1 80
	[ "$status" -eq 1 ]
	[ "$output" = "Error: No public port '80/tcp' published for p1" ]
	run xocker port p1 53/udp
	[ "$output" = "Error: No public port '53/udp' published for p1" ]
	run xocker port p1 http
	[ "$status" -eq 1 ]
	run xocker port
	[ "$status" -eq 125 ]
	run xocker port p1 80 81
	[ "$status" -eq 125 ]
}

# ---- rename ----
@test "rename: the new name is used everywhere; Docker's errors" {
	id=$(xocker create --name old busybox true)
	xocker create --name other busybox true
	run xocker rename old new
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(xocker inspect -f '{{.Name}}' "$id")" = "/new" ]
	run xocker inspect old
	[ "$status" -eq 1 ]
	run xocker rename new new
	[ "$status" -eq 1 ]
	[[ "$output" == "Error response from daemon: Renaming a container with the same name as its current name"* ]]
	run xocker rename new other
	[ "$status" -eq 1 ]
	[[ "$output" == *'Conflict. The container name "/other" is already in use by container'* ]]
	run xocker rename new 'bad/name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Invalid container name (bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"* ]]
	run xocker rename new ''
	[ "$status" -eq 1 ]
	[[ "$output" == *"Neither old nor new names may be empty"* ]]
	run xocker rename nosuch x2
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: nosuch"* ]]
	run xocker rename new
	[ "$status" -eq 125 ]
	[[ "$output" == *'"rename" requires exactly 2 arguments.'* ]]
}

# ---- export ----
@test "export: the container's filesystem with its changes, to stdout or -o" {
	id=$(xocker run -d busybox sh -c 'echo hello >/marker; sleep 100')
	wait_for xocker exec "$id" test -f /marker
	xocker export "$id" >"$TESTDIR/out.tar"
	tar -tf "$TESTDIR/out.tar" >"$TESTDIR/list"
	grep -qx 'bin/busybox' "$TESTDIR/list"
	grep -qx 'marker' "$TESTDIR/list"
	[ "$(tar -xOf "$TESTDIR/out.tar" marker)" = hello ]
	xocker rm -f "$id"
	id=$(xocker create busybox true)
	xocker umount "$id"
	xocker export -o "$TESTDIR/b.tar" "$id"
	tar -tf "$TESTDIR/b.tar" | grep -qx 'etc/passwd'
	# A container that was not mounted is not left mounted.
	! grep -q "$id" /proc/self/mountinfo
}

@test "export: refuses a terminal; bad arguments" {
	id=$(xocker create busybox true)
	run script -qec "\"$XOCKER\" export $id" /dev/null
	[[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
	run xocker export
	[ "$status" -eq 125 ]
	run xocker export nosuch -o "$TESTDIR/x.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: nosuch"* ]]
}

# ---- container prune ----
@test "container prune -f: removes the stopped ones, keeps the running one" {
	run_id=$(xocker run -d busybox sleep 100)
	c1=$(xocker create --label keep=yes busybox true)
	c2=$(xocker create busybox true)
	run xocker container prune -f --filter label!=keep=yes
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Containers:" ]
	[ "${lines[1]}" = "$c2" ]
	[[ "${lines[2]}" == "Total reclaimed space: "* ]]
	run xocker container prune -f
	[ "${lines[1]}" = "$c1" ]
	[ "$(xocker ps -aq --no-trunc)" = "$run_id" ]
	run xocker container prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
}

@test "container prune: asks first; no removes nothing; bad filter" {
	id=$(xocker create busybox true)
	run sh -c "echo n | \"$XOCKER\" container prune"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
	[ "$(xocker ps -aq --no-trunc)" = "$id" ]
	run sh -c "echo y | \"$XOCKER\" container prune"
	[[ "$output" == *"$id"* ]]
	[ -z "$(xocker ps -aq)" ]
	run xocker container prune -f --filter foo=bar
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid filter 'foo'"* ]]
	run xocker container prune -f --filter until=yesterday
	[ "$status" -eq 1 ]
	run xocker container prune -f --filter until=1h
	[ "$status" -eq 0 ]
}

# ---- events ----
@test "events: the lifecycle of a container in Docker's text format" {
	since=$(date +%s)
	id=$(xocker run -d --name ev1 --label l=v busybox sleep 100)
	xocker pause ev1
	xocker unpause ev1
	xocker kill ev1
	xocker wait ev1
	xocker rename ev1 ev2
	xocker rm ev2
	run xocker events --since "$since" --until 0s
	[ "$status" -eq 0 ]
	actions=$(printf '%s\n' "${lines[@]}" | awk '{print $3}' | tr '\n' ' ')
	[ "$actions" = "create start pause unpause kill die rename destroy " ]
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ container\ create\ $id\ \(image=busybox,\ l=v,\ name=ev1\)$ ]]
	[[ "${lines[4]}" == *"(image=busybox, l=v, name=ev1, signal=9)" ]]
	[[ "${lines[5]}" == *"(exitCode=137, image=busybox, l=v, name=ev1)" ]]
	[[ "${lines[6]}" == *"(image=busybox, l=v, name=ev2, oldName=ev1)" ]]
}

@test "events: filters, --format json and templates" {
	since=$(date +%s)
	a=$(xocker create --name fa --label team=x busybox true)
	b=$(xocker create --name fb busybox true)
	xocker start -a fa
	run xocker events --since "$since" --until 0s -f event=die --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'
	[ "$output" = "die fa 0" ]
	run xocker events --since "$since" --until 0s -f container=fb
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"container create $b "* ]]
	run xocker events --since "$since" --until 0s -f label=team=x -f event=create
	[[ "$output" == *"create $a "* ]]
	[ "${#lines[@]}" -eq 1 ]
	run xocker events --since "$since" --until 0s -f type=image
	[ -z "$output" ]
	run xocker events --since "$since" --until 0s --format '{{json .}}' -f container=fa -f event=create
	[ "$(echo "$output" | jq -r '.Action + " " + .Type + " " + .Actor.Attributes.name + " " + .scope + " " + .from')" = "create container fa local busybox" ]
	[ "$(echo "$output" | jq -r '.id')" = "$a" ]
	[ "$(echo "$output" | jq -r '(.timeNano / 1000000000 | floor) == .time')" = true ]
	run xocker events --since "$since" --until 0s --format json -f container=fb
	[ "$(echo "$output" | jq -r .status)" = create ]
}

@test "events: follows new events until --until" {
	until=$(($(date +%s) + 3))
	xocker events --until "$until" -f event=create >"$TESTDIR/ev" &
	pid=$!
	track_pid "$pid"
	sleep 0.3
	id=$(xocker create busybox true)
	wait_for grep -q "create $id" "$TESTDIR/ev"
	wait "$pid"
	[ "$(wc -l <"$TESTDIR/ev")" -eq 1 ]
}

@test "events: bad input" {
	run xocker events --since nonsense
	[ "$status" -eq 1 ]
	[[ "$output" == *'failed to parse value as time or duration: "nonsense"'* ]]
	run xocker events -f foo
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad format of filter (expected name=value)"* ]]
	run xocker events -f foo=bar
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid filter 'foo'"* ]]
	run xocker events --since 2 --until 1
	[ "$status" -eq 1 ]
	run xocker events extra
	[ "$status" -eq 125 ]
}

# ---- stats ----
@test "stats --no-stream: Docker's columns for the running containers" {
	id=$(xocker run -d --name st1 busybox sh -c 'while :; do :; done')
	xocker create --name st2 busybox true
	run xocker stats --no-stream
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^${id:0:12}\ +st1\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+(B|KiB|MiB)\ /\ [0-9.]+(MiB|GiB|TiB)\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +1$ ]]
	# A busy loop shows CPU use measured over two samples.
	cpu=$(xocker stats --no-stream --format '{{.CPUPerc}}' st1)
	[ "${cpu%%.*}" -ge 5 ]
	run xocker stats --no-stream -a --format '{{.Name}} {{.PIDs}}'
	[ "${#lines[@]}" -eq 2 ]
	[[ "$output" == *"st1 1"* ]]
	[[ "$output" == *"-- 0"* ]]
}

@test "stats: --format templates, json, --no-trunc, the memory limit" {
	# No network but lo (which stats leaves out): NET I/O is 0B / 0B.
	id=$(xocker run -d --name st3 -m 64m --network none busybox sleep 100)
	run xocker stats --no-stream --no-trunc --format 'table {{.Container}}\t{{.ID}}\t{{.MemUsage}}' st3
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ +CONTAINER\ ID\ +MEM\ USAGE\ /\ LIMIT$ ]]
	[[ "${lines[1]}" =~ ^st3\ +$id\ +[0-9.]+(B|KiB|MiB)\ /\ 64MiB$ ]]
	run xocker stats --no-stream --format json st3
	[ "$(echo "$output" | jq -r .Name)" = st3 ]
	[ "$(echo "$output" | jq -r .PIDs)" = 1 ]
	[ "$(echo "$output" | jq -r .NetIO)" = "0B / 0B" ]
}

@test "stats: NET I/O counts the container's traffic on its network" {
	id=$(xocker run -d --name st4 busybox sleep 100)
	run xocker exec st4 ping -c3 -s 1000 -i 0.2 "${XOCKER_BRIDGE_SUBNET%.0/24}.1"
	[ "$status" -eq 0 ]
	net=$(xocker stats --no-stream --format '{{.NetIO}}' st4)
	[[ "$net" =~ ^[0-9.]+kB\ /\ [0-9.]+kB$ ]]
}

@test "stats: live mode redraws and ends when the named containers stop" {
	id=$(xocker run -d busybox sleep 2)
	run timeout 20 "$XOCKER" stats "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\033[2J\033[H'* ]]
	[ "$(grep -c 'CONTAINER ID' <<<"$output")" -ge 2 ]
}

@test "stats: a missing container; a bad flag" {
	run xocker stats --no-stream nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "Error response from daemon: No such container: nosuch" ]
	run xocker stats --bogus
	[ "$status" -eq 125 ]
}

# ---- cp ----
@test "cp into a running container: Docker's path rules" {
	mkdir -p "$TESTDIR/h/dir/sub"
	echo one >"$TESTDIR/h/file"
	echo two >"$TESTDIR/h/dir/sub/f"
	ln -s /etc/passwd "$TESTDIR/h/link"
	id=$(xocker run -d busybox sleep 100)
	xocker cp "$TESTDIR/h/file" "$id:/tmp/"
	[ "$(xocker exec "$id" cat /tmp/file)" = one ]
	xocker cp "$TESTDIR/h/file" "$id:/tmp/renamed"
	[ "$(xocker exec "$id" cat /tmp/renamed)" = one ]
	xocker cp "$TESTDIR/h/dir" "$id:/tmp/new"
	[ "$(xocker exec "$id" cat /tmp/new/sub/f)" = two ]
	xocker cp "$TESTDIR/h/dir" "$id:/tmp/new"
	[ "$(xocker exec "$id" cat /tmp/new/dir/sub/f)" = two ]
	xocker exec "$id" mkdir /tmp/into
	xocker cp "$TESTDIR/h/dir/." "$id:/tmp/into"
	[ "$(xocker exec "$id" cat /tmp/into/sub/f)" = two ]
	xocker cp "$TESTDIR/h/link" "$id:/tmp/l"
	[ "$(xocker exec "$id" readlink /tmp/l)" = /etc/passwd ]
	xocker cp -L "$TESTDIR/h/link" "$id:/tmp/l2"
	[ "$(xocker exec "$id" head -1 /tmp/l2)" = "$(head -1 /etc/passwd)" ]
	# Owned by the container's root unless -a.
	chown 1234:1234 "$TESTDIR/h/file"
	xocker cp "$TESTDIR/h/file" "$id:/tmp/owned"
	[ "$(xocker exec "$id" stat -c %u:%g /tmp/owned)" = 0:0 ]
	xocker cp -a "$TESTDIR/h/file" "$id:/tmp/kept"
	[ "$(xocker exec "$id" stat -c %u:%g /tmp/kept)" = 1234:1234 ]
}

@test "cp out of a container: files, directories, symlinks resolved inside its root" {
	id=$(xocker run -d busybox sh -c 'echo in >/tmp/x; ln -s / /tmp/up; ln -s /etc /tmp/etc; sleep 100')
	wait_for xocker exec "$id" test -L /tmp/etc
	mkdir "$TESTDIR/out"
	xocker cp "$id:/tmp/x" "$TESTDIR/out/"
	[ "$(cat "$TESTDIR/out/x")" = in ]
	# "/tmp/up" is the container's root, not the host's.
	xocker cp "$id:/tmp/up/etc/hostname" "$TESTDIR/out/hn"
	[ "$(cat "$TESTDIR/out/hn")" = "${id:0:12}" ]
	xocker cp "$id:/tmp/etc" "$TESTDIR/out/"
	[ "$(readlink "$TESTDIR/out/etc")" = /etc ]
	xocker cp -L "$id:/tmp/etc" "$TESTDIR/out/etcdir"
	[ -f "$TESTDIR/out/etcdir/passwd" ]
	xocker cp "$id:/etc/." "$TESTDIR/out/etc2"
	[ -f "$TESTDIR/out/etc2/hostname" ]
	xocker cp "$id:/tmp/x" - | tar -t >"$TESTDIR/list"
	[ "$(cat "$TESTDIR/list")" = x ]
}

@test "cp: a stopped container, tar on stdin; it stays unmounted" {
	id=$(xocker create busybox true)
	xocker umount "$id"
	echo hi >"$TESTDIR/in"
	tar -C "$TESTDIR" -cf - in | xocker cp - "$id:/root"
	xocker cp "$id:/root/in" "$TESTDIR/back"
	[ "$(cat "$TESTDIR/back")" = hi ]
	! grep -q "$id" /proc/self/mountinfo
	run xocker start -a "$id"
	[ "$status" -eq 0 ]
}

@test "cp: Docker's errors" {
	id=$(xocker create --name cpe busybox true)
	mkdir "$TESTDIR/d"
	echo x >"$TESTDIR/f"
	run xocker cp cpe:/nosuch "$TESTDIR/d"
	[ "$status" -eq 1 ]
	[ "$output" = "Error response from daemon: Could not find the file /nosuch in container cpe" ]
	run xocker cp "$TESTDIR/f" cpe:/nosuchdir/
	[ "$status" -eq 1 ]
	[ "$output" = "Error: no such directory" ]
	run xocker cp "$TESTDIR/d" cpe:/etc/passwd
	[ "$output" = "Error: cannot copy directory" ]
	run xocker cp cpe:/etc/passwd/ "$TESTDIR/d"
	[ "$output" = "Error: not a directory" ]
	run xocker cp - cpe:/etc/passwd </dev/null
	[[ "$output" == *"must be a directory"* ]]
	run xocker cp "$TESTDIR/f" "$TESTDIR/g"
	[ "$status" -eq 1 ]
	[ "$output" = "Error: must specify at least one container source" ]
	run xocker cp cpe:/a cpe:/b
	[ "$output" = "Error: copying between containers is not supported" ]
	run xocker cp nosuch:/a "$TESTDIR/d"
	[ "$output" = "Error response from daemon: No such container: nosuch" ]
	run xocker cp "$TESTDIR/f"
	[ "$status" -eq 125 ]
}

@test "cp: a tar cannot write through a symlink it made" {
	id=$(xocker create busybox true)
	mkdir -p "$TESTDIR/t" "$TESTDIR/victim"
	ln -s "$TESTDIR/victim" "$TESTDIR/t/esc"
	mkdir "$TESTDIR/t2" && echo x >"$TESTDIR/t2/pwned"
	tar -C "$TESTDIR/t" -cf "$TESTDIR/evil.tar" esc
	tar -C "$TESTDIR/t2" -rf "$TESTDIR/evil.tar" --transform 's,^,esc/,' pwned
	run xocker cp - "$id:/tmp" <"$TESTDIR/evil.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"extract esc/pwned"* ]]
	[ ! -e "$TESTDIR/victim/pwned" ]
}

@test "events: the log is trimmed to its last 10000 lines past 4 MiB" {
	xocker create --name first busybox true
	line=$(head -1 "$XOCKER_ROOT/events.log")
	yes "$line" | head -n 18000 >>"$XOCKER_ROOT/events.log"
	[ "$(stat -c %s "$XOCKER_ROOT/events.log")" -gt $((4 * 1024 * 1024)) ]
	id=$(xocker create busybox true)
	[ "$(wc -l <"$XOCKER_ROOT/events.log")" -eq 10000 ]
	tail -1 "$XOCKER_ROOT/events.log" | grep -q "\"id\":\"$id\""
	run xocker events --since 1h --until 0s -f container="$id"
	[[ "$output" == *"container create $id"* ]]
}
