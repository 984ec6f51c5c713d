#!/usr/bin/env bats
# xocker pull / push / login / logout against a real registry (Debian's docker-registry) on
# 127.0.0.1, with images made by umoci and copied by skopeo (interop both ways), and python3 fakes
# for the failures a registry can have.

load registry_helpers

db() { sqlite3 "$XOCKER_ROOT/xocker.db" "$@"; }

@test "pull by tag: every layer downloaded, unpacked, and the image registered" {
	start_registry
	push_test_image app:v1 3
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "v1: Pulling from app" ]
	[ "$(grep -c 'Pull complete' <<<"$output")" -eq 3 ]
	grep -q "^Digest: $(registry_digest app:v1)\$" <<<"$output"
	grep -qx "Status: Downloaded newer image for $REGISTRY/app:v1" <<<"$output"
	[ "${lines[-1]}" = "$REGISTRY/app:v1" ]
	[ "$(db "SELECT count(*) FROM tags WHERE name = '$REGISTRY/app:v1'")" -eq 1 ]
	[ "$(db "SELECT name FROM repo_digests")" = "$REGISTRY/app@$(registry_digest app:v1)" ]
	[ "$(db 'SELECT count(*) FROM layers')" -ge 3 ]
	# The layers' files are there, and blobs/tmp is empty.
	[ "$(find "$XOCKER_ROOT/layers" -path '*/layer3/hello.txt' -exec cat {} \;)" = "layer 3 of v1-app" ]
	[ "$(tmp_blobs)" -eq 0 ]
	# Where the blobs came from is recorded for push's cross-repository mounts.
	[ "$(db "SELECT count(*) FROM blob_sources WHERE registry = '$REGISTRY' AND repo = 'app'")" -eq 4 ]
}

@test "pull again: Image is up to date, nothing downloaded" {
	start_registry
	push_test_image app:v1 2
	xocker pull -q "$REGISTRY/app:v1"
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
	grep -qx "Status: Image is up to date for $REGISTRY/app:v1" <<<"$output"
	! grep -q 'Downloading\|Pull complete\|Already exists' <<<"$output"
	[ "${#lines[@]}" -eq 4 ] # header, Digest, Status, name
}

@test "pull by digest: the repo digest is recorded, no tag" {
	start_registry
	push_test_image app:v1 1
	local d
	d=$(registry_digest app:v1)
	run xocker pull "$REGISTRY/app@$d"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$d: Pulling from app" ]
	[ "${lines[-1]}" = "$REGISTRY/app@$d" ]
	[ "$(db 'SELECT count(*) FROM tags')" -eq "$(db "SELECT count(*) FROM tags WHERE name NOT LIKE '$REGISTRY/%'")" ]
	[ "$(db "SELECT count(*) FROM repo_digests WHERE name = '$REGISTRY/app@$d'")" -eq 1 ]
	# A digest the registry does not have.
	run xocker pull "$REGISTRY/app@sha256:$(printf '0%.0s' {1..64})"
	[ "$status" -eq 1 ]
	[[ $output == *"manifest for $REGISTRY/app@sha256:000"*"not found: manifest unknown"* ]]
}

@test "-q prints only the full name; default tag latest" {
	start_registry
	push_test_image app:latest 1
	run xocker pull -q "$REGISTRY/app"
	[ "$status" -eq 0 ]
	[ "$output" = "$REGISTRY/app:latest" ]
	run xocker pull "$REGISTRY/app"
	[ "${lines[0]}" = "Using default tag: latest" ]
}

@test "shared layers are downloaded once: a second image on the same base reuses them" {
	start_registry
	make_oci_image "$TESTDIR/oci" base 2
	skopeo_push "oci:$TESTDIR/oci:base" "docker://$REGISTRY/base:1"
	# child = base + one layer
	umoci unpack --image "$TESTDIR/oci:base" "$TESTDIR/b" >/dev/null
	echo child >"$TESTDIR/b/rootfs/child.txt"
	umoci repack --image "$TESTDIR/oci:child" "$TESTDIR/b"
	skopeo_push "oci:$TESTDIR/oci:child" "docker://$REGISTRY/child:1"
	xocker pull -q "$REGISTRY/base:1"
	run xocker pull "$REGISTRY/child:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Already exists' <<<"$output")" -eq 2 ]
	[ "$(grep -c 'Pull complete' <<<"$output")" -eq 1 ]
	# The two images share the two base layers: 3 layers for both (plus the built-in ones).
	[ "$(db "SELECT count(*) FROM layers WHERE blob_digest IN (SELECT digest FROM blob_sources)")" -eq 3 ]
}

# push_index NAME:TAG: an OCI index on the registry with an amd64 and an arm64 image.
push_index() {
	make_oci_image "$TESTDIR/oci" amd 1
	make_oci_image "$TESTDIR/oci" arm 1
	umoci config --image "$TESTDIR/oci:arm" --architecture arm64
	skopeo_push "oci:$TESTDIR/oci:amd" "docker://$REGISTRY/multi:amd"
	skopeo_push "oci:$TESTDIR/oci:arm" "docker://$REGISTRY/multi:arm"
	local amd arm
	amd=$(registry_digest multi:amd)
	arm=$(registry_digest multi:arm)
	local size_amd size_arm
	size_amd=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/multi/manifests/$amd" | wc -c)
	size_arm=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/multi/manifests/$arm" | wc -c)
	jq -nc --arg amd "$amd" --arg arm "$arm" --argjson sa "$size_amd" --argjson sr "$size_arm" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [
			{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $arm, size: $sr,
			 platform: {os: "linux", architecture: "arm64", variant: "v8"}},
			{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $amd, size: $sa,
			 platform: {os: "linux", architecture: "amd64"}}]}' >"$TESTDIR/index.json"
	curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
		--data-binary @"$TESTDIR/index.json" "http://$REGISTRY/v2/multi/manifests/$1"
	AMD_ID=$(skopeo inspect --tls-verify=false --raw --config "docker://$REGISTRY/multi:amd" | sha256sum | cut -c1-64)
	ARM_ID=$(skopeo inspect --tls-verify=false --raw --config "docker://$REGISTRY/multi:arm" | sha256sum | cut -c1-64)
}

@test "an OCI index: this machine's platform by default, --platform picks another, a missing one is an error" {
	start_registry
	push_index both
	local index
	index=$(registry_digest multi:both)
	run xocker pull "$REGISTRY/multi:both"
	[ "$status" -eq 0 ]
	grep -qx "Digest: $index" <<<"$output"
	local id
	id=$(db "SELECT image_id FROM tags WHERE name = '$REGISTRY/multi:both'")
	[ "$(db "SELECT manifest_digest FROM images WHERE id = '$id'")" = "$(registry_digest multi:amd)" ]
	[ "$(db "SELECT name FROM repo_digests WHERE image_id = '$id'")" = "$REGISTRY/multi@$index" ]
	# The index itself is kept as a blob.
	[ -f "$XOCKER_ROOT/blobs/sha256/${index#sha256:}" ]
	run xocker pull --platform linux/arm64 "$REGISTRY/multi:both"
	[ "$status" -eq 0 ]
	id=$(db "SELECT image_id FROM tags WHERE name = '$REGISTRY/multi:both'")
	[ "$(db "SELECT manifest_digest FROM images WHERE id = '$id'")" = "$(registry_digest multi:arm)" ]
	run xocker pull --platform linux/s390x "$REGISTRY/multi:both"
	[ "$status" -eq 1 ]
	[[ $output == *"no image for platform linux/s390x"*"linux/arm64/v8, linux/amd64"* ]]
	# A plain manifest for another platform than the one asked for.
	run xocker pull --platform linux/arm64 "$REGISTRY/multi:amd"
	[ "$status" -eq 1 ]
	[[ $output == *"does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64"* ]]
	run xocker pull --platform linux/amd64 "$REGISTRY/multi:amd"
	[ "$status" -eq 0 ]
	run xocker pull --platform "bad platform" "$REGISTRY/multi:both"
	[ "$status" -eq 1 ]
	[[ $output == *'invalid platform'* ]]
}

@test "a manifest list by skopeo copy --all pulls the right image" {
	start_registry
	push_index src
	skopeo copy -q --all --src-tls-verify=false --dest-tls-verify=false \
		"docker://$REGISTRY/multi:src" "docker://$REGISTRY/copied:all"
	run xocker pull --platform arm64 "$REGISTRY/copied:all"
	[ "$status" -eq 0 ]
	local id
	id=$(db "SELECT image_id FROM tags WHERE name = '$REGISTRY/copied:all'")
	[ "$id" = "sha256:$ARM_ID" ]
}

@test "errors: unknown tag and unknown repository are 404s naming the image" {
	start_registry
	push_test_image app:v1 1
	run xocker pull "$REGISTRY/app:nope"
	[ "$status" -eq 1 ]
	[ "$output" = "Error: manifest for $REGISTRY/app:nope not found: manifest unknown: manifest unknown" ]
	run xocker pull "$REGISTRY/nothing/here:v1"
	[ "$status" -eq 1 ]
	# Distribution 2.8 answers MANIFEST_UNKNOWN for an unknown repository too (others NAME_UNKNOWN).
	[[ $output == "Error: manifest for $REGISTRY/nothing/here:v1 not found: manifest unknown"* ||
		$output == "Error: repository $REGISTRY/nothing/here:v1 not found: name unknown"* ]]
}

@test "errors: connection refused, after the retries" {
	local port
	port=$(reg_port)
	run xocker pull "127.0.0.1:$port/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"://127.0.0.1:$port/v2/app/manifests/v1"*"connect to 127.0.0.1:$port: Connection refused (after 3 tries)"* ]]
}

@test "errors: a registry answering 500 fails after 3 tries with its message" {
	start_fake error500
	run xocker pull "$FAKE/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"pull $FAKE/app:v1: unknown: internal failure"* ]]
}

@test "errors: a stalled registry fails after the stall limit" {
	start_fake stall
	export XOCKER_REGISTRY_STALL_TIMEOUT=2
	local t0=$SECONDS
	run xocker pull "$FAKE/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"stalled: no data received for 2 seconds (after 3 tries)"* ]]
	[ $((SECONDS - t0)) -lt 30 ]
}

@test "errors: a corrupted blob on the registry is a digest mismatch; nothing is stored" {
	start_registry
	push_test_image app:v1 1
	local layer
	layer=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REGISTRY/v2/app/manifests/v1" | jq -r '.layers[0].digest')
	local f=$REGISTRY_DATA/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
	[ -f "$f" ]
	printf 'corrupt' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"digest mismatch: expected $layer, the content hashes to sha256:"* ]]
	[ ! -e "$XOCKER_ROOT/blobs/sha256/${layer#sha256:}" ]
	[ "$(tmp_blobs)" -eq 0 ]
	[ "$(db "SELECT count(*) FROM tags WHERE name LIKE '$REGISTRY/%'")" -eq 0 ]
}

@test "errors: an unknown layer media type is refused, naming it" {
	start_registry
	push_test_image app:v1 1
	curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY/v2/app/manifests/v1" |
		jq -c '.layers[0].mediaType = "application/x-strange"' >"$TESTDIR/m.json"
	curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$TESTDIR/m.json" "http://$REGISTRY/v2/app/manifests/strange"
	run xocker pull "$REGISTRY/app:strange"
	[ "$status" -eq 1 ]
	[[ $output == *'unknown layer media type "application/x-strange"'* ]]
}

@test "a pull killed with kill -9 midway leaves only blobs/tmp files; the next pull completes and cleans them" {
	start_registry
	push_test_image big:v1 2 3000000
	start_fake throttle "$REGISTRY" 400000
	"$XOCKER" pull "$FAKE/big:v1" >"$TESTDIR/pull.out" 2>&1 &
	local pid=$!
	track_pid $pid
	# Up to 30 s (a loaded machine starts slowly), and it must have happened.
	local i
	for i in $(seq 1 300); do
		[ "$(find "$XOCKER_ROOT/blobs/tmp" -type f -size +100k 2>/dev/null | wc -l)" -gt 0 ] && break
		sleep 0.1
	done
	cat "$TESTDIR/pull.out"; ls -la "$XOCKER_ROOT/blobs/tmp"; grep State /proc/$pid/status; cat /proc/$pid/wchan; echo; ls -l /proc/$pid/fd; cat /proc/$pid/stack 2>/dev/null | head; ps -ef | grep -v grep | grep "$pid" | head
	[ "$(find "$XOCKER_ROOT/blobs/tmp" -type f -size +100k | wc -l)" -gt 0 ]
	kill -9 $pid
	wait $pid || true
	[ "$(tmp_blobs)" -gt 0 ]
	# Nothing partial under a blob's name: every stored blob hashes to its name.
	for f in "$XOCKER_ROOT"/blobs/sha256/*; do
		[ "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" ]
	done
	run xocker pull "$REGISTRY/big:v1"
	[ "$status" -eq 0 ]
	[ "$(tmp_blobs)" -eq 0 ]
	[ "$(db "SELECT count(*) FROM tags WHERE name = '$REGISTRY/big:v1'")" -eq 1 ]
}

@test "TLS registry: verified with the CA in certs.d or XOCKER_REGISTRY_CA, a clear error without it" {
	start_registry --tls
	make_oci_image "$TESTDIR/oci" t 1
	skopeo_push "oci:$TESTDIR/oci:t" "docker://$REGISTRY/app:v1"
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"https://$REGISTRY/v2/app/manifests/v1"*"tls: failed to verify certificate"* ]]
	mkdir -p "$XOCKER_ROOT/certs.d/$REGISTRY"
	cp "$REGISTRY_CA" "$XOCKER_ROOT/certs.d/$REGISTRY/ca.crt"
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
	rm -rf "$XOCKER_ROOT/certs.d"
	XOCKER_REGISTRY_CA=$REGISTRY_CA run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
	grep -q 'Image is up to date' <<<"$output"
	# Listed as insecure: no certificate check at all.
	XOCKER_INSECURE_REGISTRIES="other:1,$REGISTRY" run xocker pull -q "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
}

@test "push to a new repository, again (Layer already exists), to another repository (Mounted from); skopeo reads it back" {
	start_registry
	local src=$REGISTRY
	push_test_image app:v1 2
	xocker pull -q "$src/app:v1"
	start_registry
	local dst=$REGISTRY
	xtag "$src/app:v1" "$dst/mine:v1"
	run xocker push "$dst/mine:v1"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "The push refers to repository [$dst/mine]" ]
	[ "$(grep -c ': Pushed$' <<<"$output")" -eq 2 ]
	local digest
	digest=$(registry_digest mine:v1 "$dst")
	[ "$digest" = "$(registry_digest app:v1 "$src")" ] # the manifest is pushed as stored
	[[ ${lines[-1]} =~ ^v1:\ digest:\ $digest\ size:\ [0-9]+$ ]]
	[ "$(db "SELECT count(*) FROM repo_digests WHERE name = '$dst/mine@$digest'")" -eq 1 ]
	# Again: nothing to upload.
	run xocker push "$dst/mine:v1"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': Layer already exists$' <<<"$output")" -eq 2 ]
	# To another repository of the same registry: mounted, not uploaded.
	xtag "$src/app:v1" "$dst/other:v2"
	run xocker push "$dst/other:v2"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': Mounted from mine$' <<<"$output")" -eq 2 ]
	[ "$(registry_digest other:v2 "$dst")" = "$digest" ]
	# Interop: skopeo copies what xocker pushed, and the layers hold the files.
	skopeo copy -q --src-tls-verify=false "docker://$dst/other:v2" "oci:$TESTDIR/out:v2"
	local m
	m=$(jq -r '.manifests[0].digest' "$TESTDIR/out/index.json")
	jq -r '.layers[].digest' "$TESTDIR/out/blobs/sha256/${m#sha256:}" >"$TESTDIR/layers"
	[ "$(wc -l <"$TESTDIR/layers")" -eq 2 ]
	local l2
	l2=$(sed -n 2p "$TESTDIR/layers")
	[ "$(tar -xzOf "$TESTDIR/out/blobs/sha256/${l2#sha256:}" layer2/hello.txt)" = "layer 2 of v1-app" ]
}

@test "push -q prints the name; pushing a missing image or a digest is an error" {
	start_registry
	push_test_image app:v1 1
	xocker pull -q "$REGISTRY/app:v1"
	xtag "$REGISTRY/app:v1" "$REGISTRY/copy:v9"
	run xocker push -q "$REGISTRY/copy:v9"
	[ "$status" -eq 0 ]
	[ "$output" = "$REGISTRY/copy:v9" ]
	run xocker push "$REGISTRY/absent:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"Error: An image does not exist locally with the tag: $REGISTRY/absent:v1" ]]
	run xocker push
	[ "$status" -eq 125 ]
	[[ $output == *'"xocker push" requires exactly 1 argument.'* ]]
}

@test "login/logout with htpasswd (Basic): config.json written 0600 keeping other keys; pull needs it" {
	start_registry --htpasswd
	SKOPEO_CREDS=user:pass push_test_image app:v1 1
	echo '{"psFormat": "table {{.ID}}", "auths": {"other.example:5000": {"auth": "eDp5"}}}' >"$DOCKER_CONFIG/config.json"
	run xocker pull "$REGISTRY/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"pull $REGISTRY/app:v1: unauthorized: authentication required"* ]]
	run xocker login -u user -p wrong "$REGISTRY"
	[ "$status" -eq 1 ]
	[[ $output == *"Error response from daemon: login attempt to http://$REGISTRY/v2/ failed with status: 401 Unauthorized"* ]]
	[ "$(jq -r --arg r "$REGISTRY" '.auths[$r]' "$DOCKER_CONFIG/config.json")" = null ]
	run xocker login -u user -p pass "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "Login Succeeded" ]
	[ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ]
	[ "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = user:pass ]
	[ "$(jq -r '.psFormat' "$DOCKER_CONFIG/config.json")" = "table {{.ID}}" ]
	[ "$(jq -r '.auths["other.example:5000"].auth' "$DOCKER_CONFIG/config.json")" = eDp5 ]
	run xocker pull -q "$REGISTRY/app:v1"
	[ "$status" -eq 0 ]
	xtag "$REGISTRY/app:v1" "$REGISTRY/again:v1"
	run xocker push "$REGISTRY/again:v1"
	[ "$status" -eq 0 ]
	run xocker logout "$REGISTRY"
	[ "$status" -eq 0 ]
	[ "$output" = "Removing login credentials for $REGISTRY" ]
	[ "$(jq -r --arg r "$REGISTRY" '.auths[$r]' "$DOCKER_CONFIG/config.json")" = null ]
	[ "$(jq -r '.auths["other.example:5000"].auth' "$DOCKER_CONFIG/config.json")" = eDp5 ]
	run xocker logout "$REGISTRY"
	[ "$output" = "Not logged in to $REGISTRY" ]
	# --password-stdin
	run bash -c "echo pass | '$XOCKER' login -u user --password-stdin http://$REGISTRY/"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "Login Succeeded" ]
	[ "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" = user:pass ]
	run xocker login -p x --password-stdin "$REGISTRY" </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"mutually exclusive"* ]]
}

@test "the default login server is Docker Hub's key; logout of it" {
	echo '{"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"}}}' >"$DOCKER_CONFIG/config.json"
	run xocker logout
	[ "$status" -eq 0 ]
	[ "$output" = "Removing login credentials for https://index.docker.io/v1/" ]
	[ "$(jq -r '.auths | length' "$DOCKER_CONFIG/config.json")" -eq 0 ]
	run xocker login </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"Cannot perform an interactive login from a non TTY device"* ]]
}

@test "Bearer token flow: a token per scope from the realm, with the login's credentials" {
	start_registry
	push_test_image app:v1 1
	start_fake token "$REGISTRY" user:pass
	run xocker pull "$FAKE/app:v1"
	[ "$status" -eq 1 ]
	[[ $output == *"unauthorized: authentication required"* ]]
	run xocker login -u user -p nope "$FAKE"
	[ "$status" -eq 1 ]
	[[ $output == *"Error response from daemon: unauthorized: incorrect username or password"* ]]
	run xocker login -u user -p pass "$FAKE"
	[ "$status" -eq 0 ]
	run xocker pull "$FAKE/app:v1"
	[ "$status" -eq 0 ]
	grep -q 'Pull complete' <<<"$output"
	# Push needs a pull,push token for the new repository.
	xtag "$FAKE/app:v1" "$FAKE/pushed:v2"
	run xocker push "$FAKE/pushed:v2"
	[ "$status" -eq 0 ]
	[ "$(registry_digest pushed:v2)" = "$(registry_digest app:v1)" ]
}
