#!/usr/bin/env bats
# The layer store through the CLI: malicious layers (each refused with a clear error, or kept inside
# the layer) with a canary directory outside that must not change, metadata and whiteouts carried
# into containers, layers shared and unpacked once (also by concurrent imports), broken layers and
# crash leftovers cleaned up.
load helpers

CRAFT=$HELPERS_DIR/layers_craft.py

# snapshot DIR: names, types, modes, owners, link counts, times and contents under DIR.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %n %s %T@ %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}

# layer_of IMAGE: the diff dir of the image's top layer.
layer_of() {
	local top
	top=$(sqlite3 "$XOCKER_ROOT/xocker.db" "SELECT top_layer FROM images i JOIN tags t ON t.image_id = i.id WHERE t.name = 'docker.io/library/$1:latest'")
	[ -n "$top" ] || return 1
	echo "$XOCKER_ROOT/layers/${top#sha256:}/diff"
}

# No half-made layer and no temp blob left.
assert_no_leftovers() {
	[ -z "$(find "$XOCKER_ROOT/layers" -maxdepth 1 -name 'tmp-*')" ]
	[ -z "$(ls -A "$XOCKER_ROOT/blobs/tmp")" ]
}

setup() {
	image_setup
	CANARY=$TESTDIR/canary
	mkdir -p "$CANARY/sub"
	echo original >"$CANARY/target"
	echo keep >"$CANARY/sub/file"
	BEFORE=$(snapshot "$CANARY")
	xocker images >/dev/null # make the store
}

# import_kind KIND: import a crafted layer as image KIND; status and output as `run` leaves them.
import_kind() {
	python3 "$CRAFT" layer "$1" "$TESTDIR/$1.tar" "$CANARY"
	run xocker import "$TESTDIR/$1.tar" "$1"
	echo "import $1: $status $output"
	[ "$(snapshot "$CANARY")" = "$BEFORE" ]
	assert_no_leftovers
}

@test "layers: .. out of the layer is refused, for entries and hard link targets" {
	import_kind traversal
	[ "$status" -eq 1 ]
	[[ "$output" == *"points outside the layer"* ]]
	import_kind hardlink-dotdot
	[ "$status" -eq 1 ]
	[[ "$output" == *"hard link target"*"points outside the layer"* ]]
	run xocker image inspect traversal
	[ "$status" -eq 1 ]
}

@test "layers: absolute names and symlinked parents stay inside the layer" {
	local kind dir
	for kind in absolute symlink-parent symlink-dotdot; do
		import_kind "$kind"
		[ "$status" -eq 0 ]
		dir=$(layer_of "$kind")
		[ -f "$dir/ok" ]
		# The entry landed where the container would see it: under the layer, never outside.
		[ "$(cat "$dir$CANARY/evil")" = escaped ]
	done
	[ ! -e "$CANARY/evil" ]
}

@test "layers: hard links resolve inside the layer; a symlink is replaced, not written through" {
	import_kind hardlink-abs
	[ "$status" -eq 1 ]
	[[ "$output" == *"hard link hl"*"No such file or directory"* ]]
	import_kind hardlink-via-symlink
	[ "$status" -eq 1 ]
	import_kind symlink-then-file
	[ "$status" -eq 0 ]
	local dir
	dir=$(layer_of symlink-then-file)
	[ -f "$dir/t" ]
	[ ! -L "$dir/t" ]
	[ "$(cat "$dir/t")" = replaced ]
	[ "$(cat "$CANARY/target")" = original ]
	[ "$(stat -c %h "$CANARY/target")" = 1 ]
}

check_metadata() {
	export XOCKER_STORAGE_DRIVER=$1
	python3 "$CRAFT" layer metadata "$TESTDIR/meta.tar" "$CANARY"
	xocker import "$TESTDIR/meta.tar" meta >/dev/null
	local r
	# The image has no command: create needs one, as Docker's does.
	xocker create --name m1 meta true >/dev/null
	r=$(xocker mount m1)
	[ "$(stat -c '%a %u:%g %Y' "$r/srv")" = "750 1234:5678 1234567890" ]
	[ "$(stat -c '%a %u:%g %Y %h' "$r/srv/data")" = "640 1234:5678 1234567891 2" ]
	[ "$(stat -c %i "$r/srv/data")" = "$(stat -c %i "$r/srv/hard")" ]
	[ "$(readlink "$r/srv/link")" = data ]
	[ "$(stat -c %Y "$r/srv/link")" = 1234567892 ]
	[ "$(stat -c %a "$r/bin/suid")" = 4755 ]
	[ "$(stat -c '%F %t:%T %a' "$r/dev/null")" = "character special file 1:3 666" ]
	[ "$(stat -c '%F %a' "$r/run/fifo")" = "fifo 620" ]
	run python3 -c 'import os, sys; p = sys.argv[1]
print(os.getxattr(p, "security.capability").hex(), os.getxattr(p, "user.colour").decode())
print(sorted(a for a in os.listxattr(p) if a.startswith("trusted.")))' "$r/bin/ping"
	[ "${lines[0]}" = "0000000200040000000000000000000000000000 blue" ]
	[ "${lines[1]}" = "[]" ]
}

@test "layers: owners, modes, times, links, devices, fifos and xattrs reach the container (overlay)" {
	check_metadata overlay
}
@test "layers: owners, modes, times, links, devices, fifos and xattrs reach the container (vfs)" {
	check_metadata vfs
}

check_whiteouts() {
	export XOCKER_STORAGE_DRIVER=$1
	python3 "$CRAFT" whiteouts "$TESTDIR/l1.tar" "$TESTDIR/l2.tar"
	python3 "$CRAFT" oci "$TESTDIR/oci" wh "$TESTDIR/l1.tar" "$TESTDIR/l2.tar"
	xocker load -i "$TESTDIR/oci" >/dev/null
	# In the layer store: overlayfs' own form.
	local dir r
	dir=$(layer_of wh)
	[ "$(stat -c '%F %t:%T' "$dir/a/gone")" = "character special file 0:0" ]
	[ ! -e "$dir/a/.wh.gone" ]
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$dir/d")" = y ]
	[ ! -e "$dir/d/.wh..wh..opq" ]
	# In a container: deleted and hidden.
	xocker create --name w1 wh >/dev/null
	r=$(xocker mount w1)
	[ "$(cat "$r/a/keep")" = keep ]
	[ ! -e "$r/a/gone" ]
	[ "$(ls -A "$r/d")" = new ]
	run xocker diff w1
	[ -z "$output" ]
}

@test "layers: whiteouts and opaque directories across layers (overlay)" { check_whiteouts overlay; }
@test "layers: whiteouts and opaque directories across layers (vfs)" { check_whiteouts vfs; }

@test "layers: a layer is unpacked once, also when imported by four processes at once" {
	local before after i pids=()
	before=$(ls "$XOCKER_ROOT/layers" | wc -l)
	head -c 20000000 /dev/urandom >"$TESTDIR/big"
	tar -C "$TESTDIR" -cf "$TESTDIR/big.tar" big
	for i in 1 2 3 4; do
		xocker import "$TESTDIR/big.tar" "big$i" >"$TESTDIR/out$i" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		wait "${pids[$i]}"
	done
	after=$(ls "$XOCKER_ROOT/layers" | wc -l)
	[ "$after" -eq $((before + 1)) ]
	assert_no_leftovers
	[ "$(sqlite3 "$XOCKER_ROOT/xocker.db" "SELECT COUNT(*) FROM layers")" -eq "$after" ]
	[ "$(cmp "$TESTDIR/big" "$(layer_of big3)/big" && echo same)" = same ]
}

@test "layers: a wrong diff id and a truncated blob fail naming the layer, leaving nothing" {
	python3 "$CRAFT" whiteouts "$TESTDIR/l1.tar" "$TESTDIR/l2.tar"
	python3 "$CRAFT" oci "$TESTDIR/oci" bad "$TESTDIR/l1.tar" --wrong-diff-id
	local layers
	layers=$(ls "$XOCKER_ROOT/layers" | wc -l)
	run xocker load -i "$TESTDIR/oci"
	[ "$status" -eq 1 ]
	local diff_id
	diff_id=sha256:$(sha256sum "$TESTDIR/l1.tar" | cut -d' ' -f1)
	[[ "$output" == *"hashes to $diff_id"*"sha256:0000000000000000000000000000000000000000000000000000000000000000"* ]]
	[ "$(ls "$XOCKER_ROOT/layers" | wc -l)" -eq "$layers" ]
	assert_no_leftovers
	# A gzip layer cut in half.
	gzip -c "$TESTDIR/l1.tar" | head -c 100 >"$TESTDIR/cut.tar.gz"
	run xocker import "$TESTDIR/cut.tar.gz" cut
	[ "$status" -eq 1 ]
	[[ "$output" == *"truncated gzip input"* ]]
	[ "$(ls "$XOCKER_ROOT/layers" | wc -l)" -eq "$layers" ]
	assert_no_leftovers
	# A plain tar cut inside a file: the layer store's own check.
	head -c 3000 "$TESTDIR/l1.tar" >"$TESTDIR/cut.tar"
	run xocker import "$TESTDIR/cut.tar" cut
	[ "$status" -eq 1 ]
	[[ "$output" == "Error: layer 1 of 1 (sha256:"*"): Truncated tar archive"* ]]
	[ "$(ls "$XOCKER_ROOT/layers" | wc -l)" -eq "$layers" ]
	assert_no_leftovers
}

@test "layers: a crashed unpacker's temp dir goes once it is an hour old" {
	mkdir -p "$XOCKER_ROOT/layers/tmp-crashed/diff" "$XOCKER_ROOT/layers/tmp-recent/diff"
	touch -d '2 hours ago' "$XOCKER_ROOT/layers/tmp-crashed"
	python3 "$CRAFT" whiteouts "$TESTDIR/l1.tar" "$TESTDIR/l2.tar"
	xocker import "$TESTDIR/l1.tar" one >/dev/null
	[ ! -e "$XOCKER_ROOT/layers/tmp-crashed" ]
	[ -d "$XOCKER_ROOT/layers/tmp-recent" ]
}
