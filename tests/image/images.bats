#!/usr/bin/env bats
# images, tag, image inspect, history, rmi, image prune against a fresh store holding the built-in
# busybox image.

load helpers

busybox_id() { xocker image inspect -f '{{.Id}}' busybox; }

@test "images: a fresh store lists the built-in busybox:latest in Docker's columns" {
	run xocker images
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ "${lines[1]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.+\ +[0-9.]+[kMG]?B$ ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "images -q, --no-trunc and --digests" {
	id=$(busybox_id)
	run xocker images -q
	[ "$status" -eq 0 ]
	[ "$output" = "${id:7:12}" ]
	run xocker images -q --no-trunc
	[ "$output" = "$id" ]
	run xocker images --digests
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]]
	[[ "${lines[1]}" =~ ^busybox\ +latest\ +\<none\>\ + ]]
}

@test "image ls is images; --format renders Go-template fields" {
	run xocker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$status" -eq 0 ]
	id=$(busybox_id)
	[ "$output" = "busybox:latest ${id:7:12}" ]
}

@test "tag: a second name for the same image; images REPOSITORY filters by it" {
	xocker tag busybox localhost:5000/me/tool:1.0
	run xocker images
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *"localhost:5000/me/tool   1.0"* ]]
	run xocker images localhost:5000/me/tool
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == localhost:5000/me/tool* ]]
	[ "$(xocker image inspect -f '{{.Id}}' localhost:5000/me/tool:1.0)" = "$(busybox_id)" ]
	run xocker image inspect -f '{{json .RepoTags}}' busybox
	[ "$output" = '["busybox:latest","localhost:5000/me/tool:1.0"]' ]
}

@test "tag: bad input names the problem and changes nothing" {
	run xocker tag nope:1 x
	[ "$status" -eq 1 ]
	[ "$output" = "Error: No such image: nope:1" ]
	run xocker tag busybox 'Bad/Name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid reference format: repository name must be lowercase"* ]]
	run xocker tag busybox "x@sha256:$(printf '%064d' 0)"
	[ "$status" -eq 1 ]
	run xocker tag busybox
	[ "$status" -eq 125 ]
	[[ "$output" == *"requires exactly 2 arguments"* ]]
	[ "$(xocker images -q | wc -l)" -eq 1 ]
}

@test "image inspect: Docker's fields from the stored config" {
	run xocker image inspect busybox
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'length == 1 and (.[0] | .Id != null and .RepoTags == ["busybox:latest"]
		and .Os == "linux" and .Config.Cmd == ["sh"] and (.RootFS.Layers | length) == 1
		and .RootFS.Type == "layers" and .Size > 100000 and .GraphDriver.Data.UpperDir != null)'
	run xocker inspect -f '{{json .Config.Cmd}} {{.Os}}/{{.Architecture}}' busybox
	[ "$output" = '["sh"] linux/amd64' ]
	# by full id, by short id, by sha256: prefix
	id=$(busybox_id)
	[ "$(xocker image inspect -f '{{.Id}}' "${id:7}")" = "$id" ]
	[ "$(xocker image inspect -f '{{.Id}}' "${id:7:5}")" = "$id" ]
	[ "$(xocker image inspect -f '{{.Id}}' "${id:0:12}")" = "$id" ]
}

@test "image inspect: a missing image is an error, the others still print" {
	run xocker image inspect nope
	[ "$status" -eq 1 ]
	[[ "$output" == *"Error: No such image: nope:latest"* ]]
	run xocker image inspect -f '{{.Os}}' busybox nope
	[ "$status" -eq 1 ]
	[[ "$output" == *linux* ]]
	run xocker image inspect -f '{{.Nope' busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"template"* ]]
}

@test "history: one line per history entry, newest first, the top with the image id" {
	id=$(busybox_id)
	run xocker history busybox
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	[[ "${lines[1]}" == "${id:7:12}"* ]]
	run xocker history -q --no-trunc busybox
	[ "${lines[0]}" = "$id" ]
	run xocker history nope
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such image"* ]]
}

@test "rmi: a name with other names only untags; the last name deletes image, layers and blobs" {
	xocker tag busybox other:1
	run xocker rmi other:1
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: other:1" ]
	run xocker rmi busybox
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Untagged: busybox:latest" ]
	[[ "${lines[1]}" == "Deleted: sha256:"* ]]
	[ "$(xocker images -q)" = "" ]
	# nothing left but the empty directories
	[ -z "$(ls "$XOCKER_ROOT/blobs/sha256")" ]
	[ -z "$(ls "$XOCKER_ROOT/layers" | grep -v '^l$')" ]
}

@test "rmi by id of an image with several names needs -f" {
	xocker tag busybox other:1
	id=$(busybox_id)
	run xocker rmi "${id:7:12}"
	[ "$status" -eq 1 ]
	[[ "$output" == *"image is referenced in multiple repositories"* ]]
	run xocker rmi -f "${id:7:12}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Untagged: busybox:latest"* && "$output" == *"Untagged: other:1"* ]]
	[[ "$output" == *"Deleted: $id"* ]]
	run xocker rmi busybox
	[ "$status" -eq 1 ]
	[ "$output" = "Error: No such image: busybox:latest" ]
}

@test "image prune: nothing dangling reclaims 0B; -a removes unused images" {
	run xocker image prune -f
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]
	run xocker image prune -a -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"untagged: busybox:latest"* && "$output" == *"Total reclaimed space:"* ]]
	[ "$(xocker images -q)" = "" ]
	# without -f it asks; "n" keeps everything
	run bash -c "echo n | '$XOCKER' image prune -a"
	[ "$status" -eq 0 ]
}

@test "images: filters and bad flags" {
	xocker tag busybox app/one:1
	run xocker images -f reference='app/*'
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == app/one* ]]
	run xocker images -q -f dangling=true
	[ "$output" = "" ]
	run xocker images -f dangling=false -q
	[ "${#lines[@]}" -eq 2 ]
	run xocker images -f bogus=1
	[ "$status" -eq 1 ]
	[ "$output" = "Error: invalid filter 'bogus'" ]
	run xocker images --bogus
	[ "$status" -eq 125 ]
	[[ "$output" == "unknown flag: --bogus"* ]]
	run xocker image frobnicate
	[ "$status" -eq 125 ]
}

@test "the store survives concurrent commands" {
	# Wait for these jobs only: a bare `wait` would also wait for bats' own timeout watchdog.
	local pids=() pid
	for i in 1 2 3 4 5 6; do
		xocker tag busybox "par/t:$i" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
	[ "$(xocker images --format '{{.Repository}}' | grep -c '^par/t$')" -eq 6 ]
}

@test "rmi refuses an image a container uses; -f only untags it, and the container keeps working" {
	xocker create --name user1 busybox >/dev/null
	id=$(busybox_id)
	run xocker rmi busybox
	[ "$status" -eq 1 ]
	[[ "$output" == "Error: conflict: unable to delete ${id:7:12} (must be forced) - image is being used by stopped container "* ]]
	[ "$(xocker images -q)" = "${id:7:12}" ]
	run xocker rmi -f busybox
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: busybox:latest" ]
	# The image stays, untagged, for its container, whose rootfs still mounts.
	[ "$(xocker images -q -f dangling=true)" = "${id:7:12}" ]
	rootfs=$(xocker mount user1)
	[ -x "$rootfs/bin/busybox" ]
	xocker umount user1
	xocker rm user1
	run xocker image prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"deleted: $id"* ]]
	[ "$(xocker images -q)" = "" ]
}

@test "image prune -a reports the space its layers held" {
	size=$(xocker image inspect -f '{{.Size}}' busybox)
	run xocker image prune -a -f
	[ "$status" -eq 0 ]
	want=$(python3 -c "
v = $size; u = ['B', 'kB', 'MB', 'GB']; i = 0
while v >= 1000 and i < 3: v /= 1000; i += 1
print('%.3g%s' % (v, u[i]))")
	[ "${lines[-1]}" = "Total reclaimed space: $want" ]
}
