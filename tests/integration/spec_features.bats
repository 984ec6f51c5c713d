#!/usr/bin/env bats
# spec (a starting config.json) and features (the OCI features document).

load helpers

@test "spec --bundle writes a valid config.json" {
	mkdir "$TESTDIR/new"
	xr spec --bundle "$TESTDIR/new"
	assert_success
	f=$TESTDIR/new/config.json
	jq -e . "$f" >/dev/null
	[ -n "$(jq -r .ociVersion "$f")" ]
	assert_eq "$(jq -r .root.path "$f")" rootfs
	assert_eq "$(jq -r '.process.args | type' "$f")" array
	assert_eq "$(jq -r '.process.cwd' "$f")" /
	ns=$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$f")
	assert_contains "$ns" mount
	assert_contains "$ns" pid
	assert_eq "$(jq -r '[.mounts[].destination] | index("/proc") != null' "$f")" true
}

@test "spec without --bundle writes into the current directory" {
	mkdir "$TESTDIR/cwd"
	(cd "$TESTDIR/cwd" && timeout 20 "$XRUN" --root "$ROOT" spec </dev/null 3>&-)
	jq -e .ociVersion "$TESTDIR/cwd/config.json" >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	mkdir "$TESTDIR/new"
	echo '{"keep": "me"}' >"$TESTDIR/new/config.json"
	xr spec --bundle "$TESTDIR/new"
	assert_failure
	assert_eq "$(cat "$TESTDIR/new/config.json")" '{"keep": "me"}'
	assert_contains "$stderr" config.json
}

@test "spec --rootless adds a user namespace with mappings" {
	mkdir "$TESTDIR/new"
	xr spec --rootless --bundle "$TESTDIR/new"
	assert_success
	f=$TESTDIR/new/config.json
	assert_eq "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$f")" true
	[ "$(jq '.linux.uidMappings | length' "$f")" -ge 1 ]
	[ "$(jq '.linux.gidMappings | length' "$f")" -ge 1 ]
	assert_eq "$(jq -r '.linux.uidMappings[0].hostID' "$f")" "$(id -u)"
}

@test "a config made by spec runs the busybox rootfs" {
	mkdir "$TESTDIR/fromspec"
	xr spec --bundle "$TESTDIR/fromspec"
	assert_success
	cp -a "$ROOTFS" "$TESTDIR/fromspec/rootfs"
	new_id
	CONFIG=$TESTDIR/fromspec/config.json
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok; hostname"]
		| .linux.cgroupsPath = $p' --arg p "/xrun-test/$CTR"
	xr run --bundle "$TESTDIR/fromspec" "$CTR"
	assert_success
	assert_eq "${lines[0]}" spec-ok
}

@test "features prints the OCI features document" {
	xr features
	assert_success
	jq -e . <<<"$output" >/dev/null
	[ -n "$(jq -r .ociVersionMin <<<"$output")" ]
	[ -n "$(jq -r .ociVersionMax <<<"$output")" ]
	ns=$(jq -r '.linux.namespaces | join(" ")' <<<"$output")
	for n in cgroup ipc mount network pid user uts; do
		assert_contains " $ns " " $n "
	done
	hooks=$(jq -r '.hooks | join(" ")' <<<"$output")
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		assert_contains " $hooks " " $h "
	done
	assert_eq "$(jq -r '.mountOptions | type' <<<"$output")" array
	assert_contains " $(jq -r '.mountOptions | join(" ")' <<<"$output") " " rbind "
}

@test "features lists the time namespace" {
	xrun_only # runc 1.1 has no time namespace
	xr features
	assert_success
	assert_eq "$(jq -r '.linux.namespaces | index("time") != null' <<<"$output")" true
}

@test "--version and --help work" {
	xr --version
	assert_success
	[ -n "$output" ]
	xr --help
	assert_success
	for c in create start run state kill delete list exec ps pause resume spec features; do
		assert_contains "$output" "$c"
	done
}
