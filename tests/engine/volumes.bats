#!/usr/bin/env bats
# Volumes: the `volume` commands (create/ls/inspect/rm/prune, names, labels, filters, in use),
# and their effects in containers: named volumes outliving containers, copy-up from the image,
# binds (:ro, a missing host path made), --tmpfs and --mount type=tmpfs, anonymous volumes
# (-v /x, --mount without source, the image's VOLUME) and rm -v, --volumes-from, inspect's Mounts.

load helpers

# inspect_json CONTAINER FIELD: `inspect -f '{{json .FIELD}}'`.
inspect_json() {
	xocker inspect -f "{{json .$2}}" "$1"
}

# A tiny image with a VOLUME, committed from busybox.
make_volume_image() {
	xocker create --name base busybox true >/dev/null
	xocker commit -c 'VOLUME ["/data"]' base withvol >/dev/null
	xocker rm base >/dev/null
}

@test "volume create and inspect: name, labels, options, Docker's fields" {
	run xocker volume create myvol --label a=b --label c
	[ "$status" -eq 0 ]
	[ "$output" = myvol ]
	# Creating an existing name is no error: it is the same volume.
	run xocker volume create myvol
	[ "$status" -eq 0 ]
	[ "$output" = myvol ]
	run xocker volume inspect myvol
	[ "$status" -eq 0 ]
	python3 - "$output" "$XOCKER_ROOT" <<'EOF'
import json, sys
v = json.loads(sys.argv[1])
assert len(v) == 1, v
v = v[0]
assert list(v) == ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"], list(v)
assert v["Name"] == "myvol" and v["Driver"] == "local" and v["Scope"] == "local", v
assert v["Labels"] == {"a": "b", "c": ""}, v
assert v["Options"] is None, v
assert v["Mountpoint"] == sys.argv[2] + "/volumes/myvol/_data", v
assert v["CreatedAt"].endswith("Z") or "+" in v["CreatedAt"], v
EOF
	[ -d "$XOCKER_ROOT/volumes/myvol/_data" ]
	run xocker volume inspect -f '{{.Name}} {{.Labels}} {{json .Options}}' myvol
	[ "$output" = "myvol map[a:b c:] null" ]
	# No name: 64 hex.
	run xocker volume create
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	run xocker volume create -o type=tmpfs -o device=tmpfs -o o=size=10m tv
	[ "$status" -eq 0 ]
	run xocker volume inspect -f '{{json .Options}}' tv
	[ "$output" = '{"device":"tmpfs","o":"size=10m","type":"tmpfs"}' ]
}

@test "volume create: bad names, drivers and options are Docker's errors, nothing made" {
	run xocker volume create 'bad/name'
	[ "$status" -eq 1 ]
	[ "$output" = 'Error: create bad/name: "bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path' ]
	run xocker volume create a
	[ "$status" -eq 1 ]
	[ "$output" = 'Error: create a: volume name is too short, names should be at least two alphanumeric characters' ]
	run xocker volume create -d nope xy
	[ "$status" -eq 1 ]
	[ "$output" = 'Error: create xy: error looking up volume plugin nope: plugin "nope" not found' ]
	run xocker volume create -o foo=bar xy
	[ "$status" -eq 1 ]
	[ "$output" = 'Error: create xy: invalid option key: "foo"' ]
	run xocker volume create one two
	[ "$status" -eq 125 ]
	run xocker volume ls -q
	[ -z "$output" ]
}

@test "volume create: concurrent creates of one name make one volume" {
	local i pids=()
	for i in $(seq 1 8); do
		"$XOCKER" volume create racer >"$TESTDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in $(seq 1 8); do [ "$(cat "$TESTDIR/out.$i")" = racer ]; done
	run xocker volume ls -q
	[ "$output" = racer ]
	[ "$(ls "$XOCKER_ROOT/volumes")" = racer ]
}

@test "volume ls: table, -q, filters name/label/dangling/driver, --format" {
	xocker volume create alpha --label env=prod >/dev/null
	xocker volume create beta --label env=dev --label keep >/dev/null
	xocker volume create gamma >/dev/null
	xocker run --name user -v gamma:/g busybox true
	run xocker volume ls
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
	[ "${lines[1]}" = "local     alpha" ]
	[ "${lines[3]}" = "local     gamma" ]
	run xocker volume ls -q -f name=ta
	[ "$output" = beta ]
	run xocker volume ls -q -f label=env
	[ "$output" = $'alpha\nbeta' ]
	run xocker volume ls -q -f label=env=dev
	[ "$output" = beta ]
	run xocker volume ls -q -f label=env -f label=keep
	[ "$output" = beta ]
	run xocker volume ls -q -f dangling=true
	[ "$output" = $'alpha\nbeta' ]
	run xocker volume ls -q -f dangling=false
	[ "$output" = gamma ]
	run xocker volume ls -q -f driver=local
	[ "${#lines[@]}" -eq 3 ]
	run xocker volume ls -f name=beta --format '{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}} {{.Mountpoint}}'
	[ "$output" = "beta local env=dev,keep= local $XOCKER_ROOT/volumes/beta/_data" ]
	run xocker volume ls -f name=alpha --format 'table {{.Name}}\t{{.Labels}}'
	[ "${lines[0]}" = "VOLUME NAME   LABELS" ]
	[ "${lines[1]}" = "alpha         env=prod" ]
	run xocker volume ls -f bogus=1
	[ "$status" -eq 1 ]
	[ "$output" = "Error: Invalid filter 'bogus'" ]
}

@test "volume inspect and rm: missing volumes, usage errors, rm -f" {
	run xocker volume inspect nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"Error: get nosuch: no such volume"* ]]
	run xocker volume inspect
	[ "$status" -eq 125 ]
	run xocker volume rm
	[ "$status" -eq 125 ]
	run xocker volume rm nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "Error: get nosuch: no such volume" ]
	run xocker volume rm -f nosuch
	[ "$status" -eq 0 ]
	[ "$output" = nosuch ]
	xocker volume create gone >/dev/null
	run xocker volume rm gone
	[ "$status" -eq 0 ]
	[ "$output" = gone ]
	[ ! -e "$XOCKER_ROOT/volumes/gone" ]
}

@test "volume rm: a volume in use is refused (also with -f) until its container is removed" {
	local id
	id=$(xocker create --name holder -v held:/h busybox true)
	run xocker volume rm held
	[ "$status" -eq 1 ]
	[ "$output" = "Error: remove held: volume is in use - [$id]" ]
	run xocker volume rm -f held
	[ "$status" -eq 1 ]
	xocker rm holder
	run xocker volume rm held
	[ "$status" -eq 0 ]
	[ "$output" = held ]
}

@test "volume prune: removes unused local volumes, keeps used ones and those with options" {
	xocker volume create unused1 >/dev/null
	xocker volume create unused2 --label x=1 >/dev/null
	xocker volume create -o type=tmpfs -o device=tmpfs tmpvol >/dev/null
	xocker run --name user -v used:/u busybox true
	dd if=/dev/zero of="$XOCKER_ROOT/volumes/unused1/_data/big" bs=1000 count=1500 2>/dev/null
	# Not confirmed: nothing happens.
	run sh -c "echo n | '$XOCKER' volume prune"
	[ "$status" -eq 0 ]
	[[ "$output" == "WARNING! This will remove all local volumes not used by at least one container."* ]]
	[ "$(xocker volume ls -q | wc -l)" -eq 4 ]
	run xocker volume prune -f --filter label=x=1
	[ "$output" = $'Deleted Volumes:\nunused2\n\nTotal reclaimed space: 0B' ]
	run xocker volume prune -f
	[ "$status" -eq 0 ]
	[ "$output" = $'Deleted Volumes:\nunused1\n\nTotal reclaimed space: 1.5MB' ]
	run xocker volume ls -q
	[ "$output" = $'tmpvol\nused' ]
	run xocker volume prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
}

@test "a named volume's data outlives the container and is seen by the next" {
	xocker run --name writer -v keep:/data busybox sh -c 'echo persisted >/data/file'
	xocker rm -v writer
	run xocker run --rm -v keep:/mnt busybox cat /mnt/file
	[ "$status" -eq 0 ]
	[ "$output" = persisted ]
	run xocker run --rm --mount source=keep,target=/m busybox cat /m/file
	[ "$output" = persisted ]
}

@test "copy-up: a new volume over an image directory gets its content, a full one keeps its own" {
	run xocker run --rm -v etcvol:/etc busybox cat /etc/passwd
	[ "$status" -eq 0 ]
	[[ "$output" == root:x:0:0:* ]]
	[ -f "$XOCKER_ROOT/volumes/etcvol/_data/passwd" ]
	[ "$(stat -c %a "$XOCKER_ROOT/volumes/etcvol/_data")" = "$(xocker run --rm busybox stat -c %a /etc)" ]
	# Not empty any more: never overwritten.
	xocker run --rm -v etcvol:/etc busybox sh -c 'echo changed >/etc/passwd'
	run xocker run --rm -v etcvol:/etc busybox cat /etc/passwd
	[ "$output" = changed ]
	# nocopy leaves a new volume empty.
	run xocker run --rm -v empty:/etc:nocopy busybox ls /etc
	[ "$status" -eq 0 ]
	[[ "$output" != *passwd* ]]
	run xocker run --rm --mount type=volume,src=empty2,dst=/etc,volume-nocopy busybox ls /etc
	[[ "$output" != *passwd* ]]
}

@test "copy-up: containers made at once with one new volume fill it once" {
	local i pids=()
	for i in 1 2 3 4; do
		"$XOCKER" create -v together:/etc busybox true >"$TESTDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in 1 2 3 4; do [[ "$(cat "$TESTDIR/out.$i")" =~ ^[0-9a-f]{64}$ ]]; done
	grep -q '^root:' "$XOCKER_ROOT/volumes/together/_data/passwd"
}

@test "binds: :ro makes writes fail, a missing host path is made, --mount needs it to exist" {
	mkdir "$TESTDIR/host"
	echo from-host >"$TESTDIR/host/f"
	run xocker run --rm -v "$TESTDIR/host:/h:ro" busybox sh -c 'cat /h/f; touch /h/new'
	[ "$status" -ne 0 ]
	[[ "$output" == *from-host* ]]
	[[ "$output" == *"Read-only file system"* ]]
	xocker run --rm -v "$TESTDIR/host:/h" busybox touch /h/new
	[ -f "$TESTDIR/host/new" ]
	xocker run --rm -v "$TESTDIR/made/here:/m" busybox true
	[ -d "$TESTDIR/made/here" ]
	run xocker run --rm --mount "type=bind,src=$TESTDIR/nothere,dst=/x" busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid mount config for type \"bind\": bind source path does not exist: $TESTDIR/nothere"* ]]
	[ ! -e "$TESTDIR/nothere" ]
	run xocker run --rm --mount "type=bind,src=$TESTDIR/host,dst=/h,readonly" busybox touch /h/x
	[ "$status" -ne 0 ]
}

@test "--tmpfs and --mount type=tmpfs are tmpfs mounts with Docker's options" {
	run xocker run --rm --tmpfs /run:size=1m busybox grep ' /run ' /proc/mounts
	[ "$status" -eq 0 ]
	[[ "$output" == "tmpfs /run tmpfs "*nosuid*nodev*noexec*size=1024k* ]]
	run xocker run --rm --mount type=tmpfs,dst=/tt,tmpfs-size=2m,tmpfs-mode=1770 busybox sh -c 'grep " /tt " /proc/mounts; stat -c %a /tt'
	[[ "${lines[0]}" == "tmpfs /tt tmpfs "*size=2048k*mode=1770* ]]
	[ "${lines[1]}" = 1770 ]
	run xocker run --rm --tmpfs /x:exec busybox grep ' /x ' /proc/mounts
	[[ "$output" != *noexec* ]]
	# A volume with tmpfs options is a tmpfs too.
	xocker volume create -o type=tmpfs -o device=tmpfs -o o=size=3m tv >/dev/null
	run xocker run --rm -v tv:/t busybox grep ' /t ' /proc/mounts
	[[ "$output" == "tmpfs /t tmpfs "*size=3072k* ]]
}

@test "anonymous volumes (-v /x, --mount without source, image VOLUME): rm -v removes them, rm keeps them" {
	make_volume_image
	xocker create --name anon -v /x --mount type=volume,dst=/y withvol true >/dev/null
	run xocker volume ls -q
	[ "${#lines[@]}" -eq 3 ]
	for v in "${lines[@]}"; do [[ "$v" =~ ^[0-9a-f]{64}$ ]]; done
	xocker rm anon
	run xocker volume ls -q
	[ "${#lines[@]}" -eq 3 ]
	xocker volume prune -f >/dev/null
	xocker create --name anon2 -v /x -v named:/n withvol true >/dev/null
	[ "$(xocker volume ls -q | wc -l)" -eq 3 ]
	xocker rm -v anon2
	run xocker volume ls -q
	[ "$output" = named ]
	# run --rm takes its anonymous volumes with it, as Docker's does; named ones stay.
	xocker run --rm -v /x -v named2:/n busybox true
	wait_for sh -c '[ "$("$XOCKER" volume ls -q | wc -l)" -eq 2 ]'
	run xocker volume ls -q
	[ "$output" = $'named\nnamed2' ]
	# A flag for the image's VOLUME destination replaces the anonymous volume.
	xocker create --name flagged -v mine:/data withvol true >/dev/null
	run xocker volume ls -q
	[ "$output" = $'mine\nnamed\nnamed2' ]
}

@test "--volumes-from: the other container's volumes and binds, :ro read-only" {
	mkdir "$TESTDIR/host"
	xocker run --name source -v shared:/shared -v "$TESTDIR/host:/h" -v /anon busybox sh -c 'echo s >/shared/f; echo a >/anon/f'
	run xocker run --rm --volumes-from source busybox sh -c 'cat /shared/f /anon/f; touch /h/fromother'
	[ "$status" -eq 0 ]
	[ "$output" = $'s\na' ]
	[ -f "$TESTDIR/host/fromother" ]
	run xocker run --rm --volumes-from source:ro busybox touch /shared/x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	# rm -v of a container that only borrowed the anonymous volume keeps it for its owner.
	xocker run --name borrower --volumes-from source busybox true
	xocker rm -v borrower
	run xocker run --rm --volumes-from source busybox cat /anon/f
	[ "$output" = a ]
	run xocker run --rm --volumes-from nosuch busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"No such container: nosuch"* ]]
}

@test "inspect Mounts has Docker's shape" {
	mkdir "$TESTDIR/host"
	xocker create --name shape -v named:/data -v "$TESTDIR/host:/h:ro" \
		--mount type=tmpfs,dst=/tt --mount "type=bind,src=$TESTDIR/host,dst=/b,bind-propagation=shared" \
		--tmpfs /run busybox true >/dev/null
	run inspect_json shape Mounts
	[ "$status" -eq 0 ]
	python3 - "$output" "$XOCKER_ROOT" "$TESTDIR" <<'EOF'
import json, sys
mounts = {m["Destination"]: m for m in json.loads(sys.argv[1])}
root, testdir = sys.argv[2], sys.argv[3]
assert set(mounts) == {"/data", "/h", "/tt", "/b"}, mounts  # --tmpfs is not listed, as Docker
assert mounts["/data"] == {"Type": "volume", "Name": "named", "Source": root + "/volumes/named/_data",
                           "Destination": "/data", "Driver": "local", "Mode": "z", "RW": True,
                           "Propagation": ""}, mounts["/data"]
assert mounts["/h"] == {"Type": "bind", "Source": testdir + "/host", "Destination": "/h", "Mode": "ro",
                        "RW": False, "Propagation": "rprivate"}, mounts["/h"]
assert mounts["/tt"] == {"Type": "tmpfs", "Source": "", "Destination": "/tt", "Mode": "", "RW": True,
                         "Propagation": ""}, mounts["/tt"]
assert mounts["/b"]["Propagation"] == "shared" and mounts["/b"]["Mode"] == "", mounts["/b"]
for m in mounts.values():
    assert list(m)[:2] == ["Type", "Name"] if m["Type"] == "volume" else list(m)[0] == "Type", m
EOF
	run inspect_json shape HostConfig.Binds
	[ "$output" = "[\"named:/data\",\"$TESTDIR/host:/h:ro\"]" ]
	run inspect_json shape HostConfig.Tmpfs
	[ "$output" = '{"/run":""}' ]
}

@test "bad mount flags: Docker's messages, exit 125, nothing left behind" {
	local before
	before=$(xocker ps -aq | wc -l)
	run xocker run --rm -v /a:rw busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid volume specification: '/a:rw'"* ]]
	run xocker create -v /a:/b:xx busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid mode: xx"* ]]
	run xocker create --mount dst=/x,bogus=1 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid argument \"dst=/x,bogus=1\" for \"--mount\" flag: unexpected key 'bogus' in 'bogus=1'"* ]]
	# The next two are the daemon's refusals: Docker's create exits 1 for those (run 125).
	run xocker create -v 'a/b:/c' busybox true
	[ "$status" -eq 1 ]
	[[ "$output" == *'create a/b: "a/b" includes invalid characters for a local volume name'* ]]
	run xocker create -v made:/m -v /tmp:/x --tmpfs /x busybox true
	[ "$status" -eq 1 ]
	[[ "$output" == *"Duplicate mount point: /x"* ]]
	[ "$(xocker ps -aq | wc -l)" -eq "$before" ]
	run xocker volume ls -q
	[ -z "$output" ]
}
