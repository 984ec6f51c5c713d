#!/usr/bin/env bats
# save, load and import: round trips between stores, archives from Podman, skopeo and umoci,
# import with Dockerfile changes, broken archives, and malicious layers.

load helpers

CRAFT=$HELPERS_DIR/archive_craft.py

# A second store with no built-in image, so whatever it holds came from a load.
store2() { XOCKER_ROOT=$TESTDIR/root2 XOCKER_BUILTIN_IMAGES=$TESTDIR/no-builtin "$@"; }
xocker2() { store2 timeout 120 "$XOCKER" "$@"; }

# db2 SQL: query the second store's database.
db2() { sqlite3 "$TESTDIR/root2/xocker.db" "$1"; }

# The unpacked top layer of IMAGE in the store at ROOT.
layer_dir() {
	local root=$1 image=$2 top
	top=$(sqlite3 "$root/xocker.db" "SELECT top_layer FROM images i JOIN tags t ON t.image_id = i.id WHERE t.name = '$image'")
	echo "$root/layers/${top#sha256:}/diff"
}

# The store is clean after a failed command: no image, no temp blob, no half-made layer.
assert_store_clean() {
	local root=${1:-$TESTDIR/root2}
	[ "$(sqlite3 "$root/xocker.db" 'SELECT count(*) FROM images')" = 0 ]
	[ "$(sqlite3 "$root/xocker.db" 'SELECT count(*) FROM tags')" = 0 ]
	[ -z "$(ls -A "$root/blobs/tmp")" ]
	[ -z "$(find "$root/layers" -maxdepth 1 -name 'tmp-*')" ]
}

# ---- save / load round trips ---------------------------------------------------------------------

@test "archive: xocker save busybox -o busybox.tar, then load it into a new store (docker-archive)" {
	xocker save busybox -o "$TESTDIR/busybox.tar"
	# Docker's shape: manifest.json and repositories, beside an OCI layout.
	tar -xOf "$TESTDIR/busybox.tar" manifest.json >"$TESTDIR/manifest.json"
	[ "$(jq -c '.[0].RepoTags' "$TESTDIR/manifest.json")" = '["busybox:latest"]' ]
	[[ "$(jq -r '.[0].Config' "$TESTDIR/manifest.json")" == blobs/sha256/* ]]
	[ "$(jq -r '.[0].Layers | length' "$TESTDIR/manifest.json")" = 1 ]
	[ "$(tar -xOf "$TESTDIR/busybox.tar" repositories | jq -r '.busybox | keys[0]')" = latest ]
	[ "$(tar -xOf "$TESTDIR/busybox.tar" index.json | jq -r '.manifests[0].annotations["io.containerd.image.name"]')" = docker.io/library/busybox:latest ]
	[ -z "$(ls -A "$TESTDIR" | grep xocker-save)" ]

	run xocker2 load -i "$TESTDIR/busybox.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:latest" ]
	[ "$(db2 'SELECT id FROM images')" = "$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT id FROM images')" ]
	diff -r --no-dereference "$(layer_dir "$XOCKER_ROOT" docker.io/library/busybox:latest)" \
		"$(layer_dir "$TESTDIR/root2" docker.io/library/busybox:latest)"
}

@test "archive: save --format oci-archive | load from stdin into a new store" {
	xocker save --format oci-archive busybox >"$TESTDIR/oci.tar"
	tar -tf "$TESTDIR/oci.tar" >"$TESTDIR/list"
	grep -qx oci-layout "$TESTDIR/list"
	! grep -qx manifest.json "$TESTDIR/list"
	[ "$(tar -xOf "$TESTDIR/oci.tar" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" = docker.io/library/busybox:latest ]
	run xocker2 load <"$TESTDIR/oci.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: busybox:latest" ]
	diff -r --no-dereference "$(layer_dir "$XOCKER_ROOT" docker.io/library/busybox:latest)" \
		"$(layer_dir "$TESTDIR/root2" docker.io/library/busybox:latest)"
	# The manifest is the original one, byte for byte.
	[ "$(db2 'SELECT manifest_digest FROM images')" = "$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT manifest_digest FROM images')" ]
}

@test "archive: several images in one archive share their blobs" {
	xocker tag busybox mybox:1
	printf 'hello\n' >"$TESTDIR/hello"
	tar -C "$TESTDIR" -cf "$TESTDIR/rootfs.tar" hello
	xocker import "$TESTDIR/rootfs.tar" other:2
	xocker save -o "$TESTDIR/all.tar" busybox mybox:1 other:2
	tar -xOf "$TESTDIR/all.tar" manifest.json >"$TESTDIR/manifest.json"
	[ "$(jq length "$TESTDIR/manifest.json")" = 2 ]
	[ "$(jq -c '.[0].RepoTags' "$TESTDIR/manifest.json")" = '["busybox:latest","mybox:1"]' ]
	# busybox: layer, config, manifest; other: the same three; nothing twice.
	[ "$(tar -tf "$TESTDIR/all.tar" | grep -c '^blobs/sha256/.')" = 6 ]
	[ "$(tar -tf "$TESTDIR/all.tar" | sort | uniq -d)" = "" ]
	run xocker2 load -i "$TESTDIR/all.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: busybox:latest"* ]]
	[[ "$output" == *"Loaded image: mybox:1"* ]]
	[[ "$output" == *"Loaded image: other:2"* ]]
	[ "$(db2 'SELECT count(*) FROM images')" = 2 ]
	[ "$(cat "$(layer_dir "$TESTDIR/root2" docker.io/library/other:2)/hello")" = hello ]
}

@test "archive: save REPO saves every tag of it; save ID saves no tag" {
	xocker tag busybox busybox:other
	xocker tag busybox unrelated:1
	[ "$(xocker save busybox | tar -xO manifest.json | jq -c '.[0].RepoTags')" = '["busybox:latest","busybox:other"]' ]
	[ "$(xocker save busybox:other | tar -xO manifest.json | jq -c '.[0].RepoTags')" = '["busybox:other"]' ]
	local id
	id=$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT id FROM images')
	[ "$(xocker save "${id:7:12}" | tar -xO manifest.json | jq -c '.[0].RepoTags')" = null ]
	run xocker2 load < <(xocker save "$id")
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $id" ]
}

@test "archive: save refuses a terminal, and -o leaves no file when it fails" {
	run script -qec "$XOCKER save busybox" /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"Cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
	run xocker save -o "$TESTDIR/out.tar" busybox nosuchimage
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such image: nosuchimage"* ]]
	[ ! -e "$TESTDIR/out.tar" ]
	[ -z "$(ls -A "$TESTDIR" | grep xocker-save)" ]
	run xocker save
	[ "$status" -eq 125 ]
	run xocker save --format zip busybox
	[ "$status" -eq 125 ]
}

@test "archive: save of a corrupt blob fails and -o leaves no file" {
	xocker images >/dev/null
	local layer
	layer=$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT blob_digest FROM layers')
	printf 'x' >>"$XOCKER_ROOT/blobs/sha256/${layer#sha256:}"
	run xocker save -o "$TESTDIR/out.tar" busybox
	[ "$status" -eq 1 ]
	[[ "$output" == *"blob $layer is corrupt"* ]]
	[ ! -e "$TESTDIR/out.tar" ]
	[ -z "$(ls -A "$TESTDIR" | grep xocker-save)" ]
}

# ---- archives from other tools -------------------------------------------------------------------

@test "archive: podman save (docker-archive and oci-archive) loads" {
	[ -x /usr/bin/podman ] || skip "podman is not installed"
	local podman
	podman=$(/work/shared/peers/podman-env "$TESTDIR/podman")
	xocker save busybox -o "$TESTDIR/busybox.tar"
	# Podman reads ours ...
	"$podman" load -i "$TESTDIR/busybox.tar"
	"$podman" tag docker.io/library/busybox:latest localhost/pm/busybox:7
	# ... and we read Podman's, both formats.
	"$podman" save --format docker-archive -o "$TESTDIR/pd.tar" localhost/pm/busybox:7
	"$podman" save --format oci-archive -o "$TESTDIR/po.tar" localhost/pm/busybox:7
	tar -tf "$TESTDIR/pd.tar" | grep -q '/layer.tar$'   # the old docker-archive style
	run xocker2 load -i "$TESTDIR/pd.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/pm/busybox:7" ]
	[ -x "$(layer_dir "$TESTDIR/root2" localhost/pm/busybox:7)/bin/busybox" ]
	rm -rf "$TESTDIR/root2"
	run xocker2 load -q -i "$TESTDIR/po.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/pm/busybox:7" ]
	[ -x "$(layer_dir "$TESTDIR/root2" localhost/pm/busybox:7)/bin/busybox" ]
}

@test "archive: skopeo copy to oci-archive and docker-archive loads" {
	local layout
	layout=$(dirname "$XOCKER")/busybox-oci
	skopeo copy -q "oci:$layout:latest" "oci-archive:$TESTDIR/sk.tar:localhost/sk/busybox:1"
	skopeo copy -q "oci:$layout:latest" "docker-archive:$TESTDIR/skd.tar:sk/busybox:2"
	run xocker2 load -i "$TESTDIR/sk.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/sk/busybox:1" ]
	run xocker2 load -i "$TESTDIR/skd.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: sk/busybox:2" ]
	run xocker2 images --format '{{.Repository}}:{{.Tag}}'
	[[ "$output" == *localhost/sk/busybox:1* ]]
	[[ "$output" == *sk/busybox:2* ]]
	# And skopeo reads ours, both formats.
	xocker save busybox -o "$TESTDIR/ours.tar"
	xocker save --format oci-archive busybox -o "$TESTDIR/ours-oci.tar"
	[ "$(skopeo inspect "docker-archive:$TESTDIR/ours.tar" | jq -r '.Layers[0]')" = \
		"$(xocker image inspect busybox | jq -r '.[0].RootFS.Layers[0]')" ]
	skopeo copy -q "oci-archive:$TESTDIR/ours-oci.tar" "oci:$TESTDIR/copy:x"
	[ "$(jq -r '.manifests[0].digest' "$TESTDIR/copy/index.json")" = \
		"$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT manifest_digest FROM images')" ]
}

@test "archive: an OCI layout made by umoci loads from the directory and as a tar" {
	cd "$TESTDIR"
	umoci init --layout D
	umoci new --image D:t
	umoci unpack --image D:t B
	echo hi >B/rootfs/hello
	umoci repack --image D:t B
	run xocker2 load -i D
	[ "$status" -eq 0 ]
	[[ "$output" == "Loaded image ID: sha256:"* ]]
	local id=${output#Loaded image ID: }
	[ "$(db2 'SELECT id FROM images')" = "$id" ]
	local top
	top=$(db2 'SELECT top_layer FROM images')
	[ "$(cat "$TESTDIR/root2/layers/${top#sha256:}/diff/hello")" = hi ]
	rm -rf "$TESTDIR/root2"
	tar -C D -cf D.tar .
	run xocker2 load -i D.tar
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $id" ]
}

@test "archive: a multi-platform OCI archive loads the machine's platform, or --platform's" {
	printf 'x\n' >"$TESTDIR/x"
	tar -C "$TESTDIR" -cf "$TESTDIR/layer.tar" x
	python3 "$CRAFT" oci-archive "$TESTDIR/multi.tar" "$TESTDIR/layer.tar" --multi-platform
	run xocker2 load -i "$TESTDIR/multi.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: crafted/multi:1" ]
	[ "$(xocker2 image inspect crafted/multi:1 | jq -r '.[0].Architecture')" = amd64 ]
	run xocker2 load --platform linux/arm64 -i "$TESTDIR/multi.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"The image crafted/multi:1 already exists, renaming the old one with ID sha256:"*" to empty string"* ]]
	[[ "$output" == *"Loaded image: crafted/multi:1" ]]
	[ "$(xocker2 image inspect crafted/multi:1 | jq -r '.[0].Architecture')" = arm64 ]
	run xocker2 load --platform linux/s390x -i "$TESTDIR/multi.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *s390x* ]]
	[ "$(db2 'SELECT count(*) FROM images')" = 2 ]
}

# ---- import ---------------------------------------------------------------------------------------

@test "archive: import with -c CMD/ENV/WORKDIR/EXPOSE/LABEL/USER and -m" {
	mkdir -p "$TESTDIR/rootfs/etc"
	echo imported >"$TESTDIR/rootfs/etc/motd"
	tar -C "$TESTDIR/rootfs" -czf "$TESTDIR/rootfs.tgz" .
	run xocker import -c 'CMD ["/bin/sh", "-c", "echo hi"]' -c 'ENV A=1 B="two words"' \
		-c 'WORKDIR /srv' -c 'EXPOSE 8080 53/udp' -c 'LABEL team=core' -c 'USER 1000' \
		-c 'ENTRYPOINT /entry' -m "my import" "$TESTDIR/rootfs.tgz" imported:1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	local id=$output
	xocker image inspect imported:1 >"$TESTDIR/inspect.json"
	[ "$(jq -r '.[0].Id' "$TESTDIR/inspect.json")" = "$id" ]
	[ "$(jq -c '.[0].Config.Cmd' "$TESTDIR/inspect.json")" = '["/bin/sh","-c","echo hi"]' ]
	[ "$(jq -c '.[0].Config.Entrypoint' "$TESTDIR/inspect.json")" = '["/bin/sh","-c","/entry"]' ]
	[ "$(jq -c '.[0].Config.Env' "$TESTDIR/inspect.json")" = '["A=1","B=two words"]' ]
	[ "$(jq -r '.[0].Config.WorkingDir' "$TESTDIR/inspect.json")" = /srv ]
	[ "$(jq -c '.[0].Config.ExposedPorts | keys' "$TESTDIR/inspect.json")" = '["53/udp","8080/tcp"]' ]
	[ "$(jq -r '.[0].Config.Labels.team' "$TESTDIR/inspect.json")" = core ]
	[ "$(jq -r '.[0].Config.User' "$TESTDIR/inspect.json")" = 1000 ]
	[ "$(jq -r '.[0].Comment' "$TESTDIR/inspect.json")" = "my import" ]
	[ "$(cat "$(layer_dir "$XOCKER_ROOT" docker.io/library/imported:1)/etc/motd")" = imported ]
}

@test "archive: import from stdin (xz) gives an untagged image; from a local URL too" {
	mkdir -p "$TESTDIR/rootfs"
	echo one >"$TESTDIR/rootfs/one"
	tar -C "$TESTDIR/rootfs" -cJf "$TESTDIR/rootfs.txz" .
	run xocker import - <"$TESTDIR/rootfs.txz"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	local id=$output
	[ "$(sqlite3 "$XOCKER_ROOT/xocker.db" "SELECT count(*) FROM images WHERE id = '$id'")" = 1 ]
	[ "$(xocker image inspect "$id" | jq -r '.[0].Comment')" = "Imported from -" ]
	run xocker import --platform linux/arm64 "$TESTDIR/rootfs.txz" armed:1
	[ "$status" -eq 0 ]
	[ "$(xocker image inspect armed:1 | jq -r '.[0].Architecture + " " + .[0].Os')" = "arm64 linux" ]

	local port
	port=$(free_port)
	(cd "$TESTDIR" && exec python3 -m http.server --bind 127.0.0.1 "$port") >/dev/null 2>&1 &
	track_pid $!
	wait_for curl -sf "http://127.0.0.1:$port/rootfs.txz" -o /dev/null
	run xocker import "http://127.0.0.1:$port/rootfs.txz" fromurl:1
	[ "$status" -eq 0 ]
	[ "$(cat "$(layer_dir "$XOCKER_ROOT" docker.io/library/fromurl:1)/one")" = one ]
	run xocker import https://example.com/rootfs.tar
	[ "$status" -eq 1 ]
	[[ "$output" == *"only http:// URLs on this machine"* ]]
}

@test "archive: import refuses an unknown change, garbage and an empty input" {
	tar -C "$TESTDIR" -cf "$TESTDIR/empty.tar" --files-from /dev/null
	XOCKER_BUILTIN_IMAGES=$TESTDIR/none run xocker import -c 'FROM busybox' "$TESTDIR/empty.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"FROM" is not a valid change command'* ]]
	run xocker import -c 'EXPOSE 99999' "$TESTDIR/empty.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid port"* ]]
	head -c 3000 /dev/urandom >"$TESTDIR/garbage"
	run xocker import "$TESTDIR/garbage"
	[ "$status" -eq 1 ]
	[[ "$output" == Error:* ]]
	run xocker import - </dev/null
	[ "$status" -eq 1 ]
	assert_store_clean "$XOCKER_ROOT"
}

# ---- broken archives ------------------------------------------------------------------------------

@test "archive: load refuses garbage, an empty input and a truncated archive" {
	xocker save busybox -o "$TESTDIR/busybox.tar"
	head -c 10000 /dev/urandom >"$TESTDIR/garbage"
	run xocker2 load -i "$TESTDIR/garbage"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a tar archive"* ]]
	run xocker2 load </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a tar archive"* ]]
	head -c 600000 "$TESTDIR/busybox.tar" >"$TESTDIR/truncated.tar"
	run xocker2 load -i "$TESTDIR/truncated.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"truncated"* ]]
	run xocker2 load -i "$TESTDIR/does-not-exist.tar"
	[ "$status" -eq 1 ]
	assert_store_clean
}

@test "archive: load refuses a tampered layer (diff id mismatch) and registers nothing" {
	printf 'x\n' >"$TESTDIR/x"
	tar -C "$TESTDIR" -cf "$TESTDIR/layer.tar" x
	python3 "$CRAFT" docker-archive "$TESTDIR/tampered.tar" "$TESTDIR/layer.tar" --wrong-diff-id
	run xocker2 load -i "$TESTDIR/tampered.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sha256:"* ]]
	[[ "$output" == *layer* ]]
	assert_store_clean
	# The same archive untampered loads.
	python3 "$CRAFT" docker-archive "$TESTDIR/good.tar" "$TESTDIR/layer.tar"
	run xocker2 load -i "$TESTDIR/good.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: crafted/docker:1" ]
}

@test "archive: load refuses a manifest.json naming a missing file, a bad blob, an unknown media type" {
	printf 'x\n' >"$TESTDIR/x"
	tar -C "$TESTDIR" -cf "$TESTDIR/layer.tar" x
	python3 "$CRAFT" docker-archive "$TESTDIR/missing.tar" "$TESTDIR/layer.tar" --missing-layer
	run xocker2 load -i "$TESTDIR/missing.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"manifest.json names layer nothere/layer.tar, which is not in the archive"* ]]
	assert_store_clean
	python3 "$CRAFT" oci-archive "$TESTDIR/badblob.tar" "$TESTDIR/layer.tar" --bad-blob
	run xocker2 load -i "$TESTDIR/badblob.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"digest mismatch"* ]]
	assert_store_clean
	python3 "$CRAFT" oci-archive "$TESTDIR/badmt.tar" "$TESTDIR/layer.tar" --bad-media-type
	run xocker2 load -i "$TESTDIR/badmt.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"application/x-unknown-layer"* ]]
	assert_store_clean
	python3 "$CRAFT" docker-archive "$TESTDIR/badconfig.tar" "$TESTDIR/layer.tar" --wrong-config-name
	run xocker2 load -i "$TESTDIR/badconfig.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"config "*".json in the archive is corrupt"* ]]
	assert_store_clean
	# A tar with neither manifest.json nor index.json.
	run xocker2 load -i "$TESTDIR/layer.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"neither manifest.json nor index.json"* ]]
	assert_store_clean
}

# ---- malicious layers -----------------------------------------------------------------------------

# snapshot DIR: names, types, link counts and contents of everything under DIR.
snapshot() {
	(cd "$1" && find . -printf '%p %y %n %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

@test "archive: malicious layers through import and load leave the outside untouched" {
	local canary=$TESTDIR/canary kind before
	mkdir -p "$canary"
	echo original >"$canary/target"
	before=$(snapshot "$canary")
	for kind in traversal absolute symlink hardlink hardlink-dotdot; do
		python3 "$CRAFT" layer "$kind" "$TESTDIR/mal-$kind.tar" "$canary"
		python3 "$CRAFT" docker-archive "$TESTDIR/mal-$kind-archive.tar" "$TESTDIR/mal-$kind.tar" --tag "mal/$kind:1"
		run xocker import "$TESTDIR/mal-$kind.tar" "imp/$kind:1"
		echo "import $kind: $status $output"
		[ "$(snapshot "$canary")" = "$before" ]
		run xocker2 load -i "$TESTDIR/mal-$kind-archive.tar"
		echo "load $kind: $status $output"
		[ "$(snapshot "$canary")" = "$before" ]
		# Failed, or succeeded with every entry inside the layer.
		if [ "$status" -eq 0 ]; then
			local dir
			dir=$(layer_dir "$TESTDIR/root2" "docker.io/mal/$kind:1")
			[ -f "$dir/ok" ]
			[ ! -e "$dir/esc/evil" ] || [ ! -L "$dir/esc" ]
		fi
	done
	[ "$(cat "$canary/target")" = original ]
	[ "$(stat -c %h "$canary/target")" = 1 ]
	[ ! -e "$canary/evil" ]
	[ -z "$(ls -A "$XOCKER_ROOT/blobs/tmp")" ]
	[ -z "$(find "$XOCKER_ROOT/layers" "$TESTDIR/root2/layers" -maxdepth 1 -name 'tmp-*')" ]
}
