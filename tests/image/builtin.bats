#!/usr/bin/env bats
# The built-in image busybox:latest: made at build time (scripts/make-busybox-image.sh) as an OCI
# layout next to xocker, and present in every new store with no registry.

load helpers

# db SQL: query the store's database.
db() { sqlite3 "$XOCKER_ROOT/xocker.db" "$1"; }

# The layout the store is seeded from.
layout() { echo "${XOCKER_BUILTIN_IMAGES:-$(dirname "$XOCKER")/busybox-oci}"; }

# Open (and so seed) a new store.
seed() { xocker save -o "$TESTDIR/seed.tar" busybox; }

@test "builtin: the OCI layout beside xocker is complete and names busybox:latest" {
	local dir manifest config
	dir=$(layout)
	[ "$(cat "$dir/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ]
	[ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$dir/index.json")" = docker.io/library/busybox:latest ]
	[ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$dir/index.json")" = latest ]
	manifest=$dir/blobs/sha256/$(jq -r '.manifests[0].digest' "$dir/index.json" | cut -d: -f2)
	[ "$(jq -r .mediaType "$manifest")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r '.layers[0].mediaType' "$manifest")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	config=$dir/blobs/sha256/$(jq -r .config.digest "$manifest" | cut -d: -f2)
	[ "$(jq -r .os "$config")" = linux ]
	[ "$(jq -c .config.Cmd "$config")" = '["sh"]' ]
	[ "$(jq -r '.config.Env[0]' "$config")" = PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
	[ "$(jq -r '.rootfs.diff_ids | length' "$config")" = 1 ]
	# Every blob hashes to its name.
	local f
	for f in "$dir"/blobs/sha256/*; do
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ]
	done
}

@test "builtin: the layout is reproducible (same digests on every build)" {
	scripts_dir=$REPO_DIR/scripts
	run "$scripts_dir/make-busybox-image.sh" "$TESTDIR/again"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.manifests[0].digest' "$TESTDIR/again/index.json")" = "$(jq -r '.manifests[0].digest' "$(layout)/index.json")" ]
}

@test "builtin: a fresh store lists busybox:latest" {
	seed
	[ "$(db "SELECT name FROM tags")" = docker.io/library/busybox:latest ]
	local id want
	id=$(db "SELECT image_id FROM tags WHERE name = 'docker.io/library/busybox:latest'")
	want=$(jq -r .config.digest "$(layout)/blobs/sha256/$(jq -r '.manifests[0].digest' "$(layout)/index.json" | cut -d: -f2)")
	[ "$id" = "$want" ]
	run xocker images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$status" -eq 0 ]
	[ "$output" = "busybox:latest ${want:7:12}" ]
	run xocker image inspect busybox
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[0].Id')" = "$want" ]
}

@test "builtin: its layer is unpacked and holds bin/busybox and the applet links" {
	seed
	local top diff
	top=$(db "SELECT top_layer FROM images")
	diff=$XOCKER_ROOT/layers/${top#sha256:}/diff
	[ -x "$diff/bin/busybox" ]
	cmp "$diff/bin/busybox" /bin/busybox
	[ "$(readlink "$diff/bin/sh")" = /bin/busybox ]
	[ "$(stat -c %a "$diff/tmp")" = 1777 ]
	grep -q '^xuser:x:1000:1000:' "$diff/etc/passwd"
	[ "$(db "SELECT size > 1900000 FROM images")" = 1 ]
}

@test "builtin: xocker save busybox | tar -t lists the archive" {
	seed
	xocker save busybox | tar -t >"$TESTDIR/list"
	grep -qx manifest.json "$TESTDIR/list"
	grep -qx index.json "$TESTDIR/list"
	grep -qx repositories "$TESTDIR/list"
	[ "$(grep -c '^blobs/sha256/[0-9a-f]\{64\}$' "$TESTDIR/list")" -eq 3 ]
}

@test "builtin: no layout at XOCKER_BUILTIN_IMAGES means an empty store, not an error" {
	mkdir "$TESTDIR/nothing"
	XOCKER_BUILTIN_IMAGES=$TESTDIR/nothing run xocker save -o "$TESTDIR/x.tar" busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such image: busybox"* ]]
	[ "$(db "SELECT count(*) FROM images")" = 0 ]
}

@test "builtin: seeding is cheap (a new store in well under a second)" {
	local start end
	start=$(date +%s%N)
	seed
	end=$(date +%s%N)
	echo "seed + save took $(((end - start) / 1000000)) ms"
	[ $(((end - start) / 1000000)) -lt 1500 ]
}
