#!/usr/bin/env bash
# make-busybox-image.sh DIR: make the built-in image busybox:latest as an OCI image layout in DIR,
# from Debian's busybox-static (the rootfs of busybox-rootfs.sh, shared with the runtime tests'
# bundle).
#
#   DIR/oci-layout                      {"imageLayoutVersion": "1.0.0"}
#   DIR/blobs/sha256/<hex>              the layer (tar+gzip), the config, the manifest
#   DIR/index.json                      one manifest, annotated with the names
#                                       org.opencontainers.image.ref.name=latest and
#                                       io.containerd.image.name=docker.io/library/busybox:latest
#
# Reproducible: the layer tar is sorted by name with a fixed mtime and numeric owners, gzip keeps
# no name or time, and the config has a fixed created time, so the same busybox always gives the
# same digests.  Like make-busybox-bundle.sh it builds in a temporary directory beside DIR and
# renames it into place, so DIR is absent, old or complete (index.json is what make checks).
# Needs root (owners in the rootfs), GNU tar, gzip, sha256sum and jq.
set -euo pipefail

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[[ $# -eq 1 && -n "$1" ]] || usage
dir=${1%/}

source "$(dirname -- "${BASH_SOURCE[0]}")/busybox-rootfs.sh"
busybox_check
for tool in tar gzip sha256sum jq; do
	command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 1; }
done

# 2024-01-01T00:00:00Z: the image's created time and every file's mtime.
CREATED=2024-01-01T00:00:00Z
EPOCH=1704067200

mkdir -p -- "$(dirname -- "$dir")"
tmp=$(realpath -- "$(mktemp -d -- "$dir.tmp.XXXXXX")")
old=""
cleanup() {
	[[ -n "$tmp" ]] && rm -rf -- "$tmp"
	[[ -n "$old" ]] && rm -rf -- "$old"
	return 0
}
trap cleanup EXIT
chmod 0755 "$tmp"
mkdir -p "$tmp/blobs/sha256"

# blob FILE: move FILE into blobs/sha256 under its digest; print the digest.
blob() {
	local hex
	hex=$(sha256sum <"$1" | cut -d' ' -f1)
	mv -- "$1" "$tmp/blobs/sha256/$hex"
	chmod 0644 "$tmp/blobs/sha256/$hex"
	echo "sha256:$hex"
}
size() { stat -c %s -- "$tmp/blobs/sha256/${1#sha256:}"; }

# The machine's architecture in Go's names (the config's "architecture").
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
case $arch in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
armv7l | armhf) arch=arm ;;
i?86) arch=386 ;;
esac

# ---- layer --------------------------------------------------------------------------------------
busybox_rootfs "$tmp/rootfs"
# Entries as "bin/busybox" (no "./" prefix, no entry for the root itself), as registries' layers
# have them.  touch first so directory mtimes are fixed too.
find "$tmp/rootfs" -exec touch -h -d "@$EPOCH" {} +
(cd "$tmp/rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	tar --no-recursion --format=gnu --numeric-owner --mtime="@$EPOCH" \
		-cf "$tmp/layer.tar" -T -)
diff_id=sha256:$(sha256sum <"$tmp/layer.tar" | cut -d' ' -f1)
gzip -n -9 <"$tmp/layer.tar" >"$tmp/layer.tar.gz"
rm -rf -- "$tmp/rootfs" "$tmp/layer.tar"
layer=$(blob "$tmp/layer.tar.gz")

# ---- config -------------------------------------------------------------------------------------
jq -cn --arg arch "$arch" --arg created "$CREATED" --arg diff "$diff_id" \
	--arg by "COPY busybox-static rootfs / # xocker make-busybox-image.sh" '{
	architecture: $arch,
	os: "linux",
	created: $created,
	config: {
		Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		Cmd: ["sh"]
	},
	rootfs: {type: "layers", diff_ids: [$diff]},
	history: [
		{created: $created, created_by: $by},
		{created: $created, created_by: "CMD [\"sh\"]", empty_layer: true}
	]
}' | tr -d '\n' >"$tmp/config.json"
config=$(blob "$tmp/config.json")

# ---- manifest and index -------------------------------------------------------------------------
jq -cn --arg config "$config" --argjson csize "$(size "$config")" \
	--arg layer "$layer" --argjson lsize "$(size "$layer")" '{
	schemaVersion: 2,
	mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
	layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $lsize}]
}' | tr -d '\n' >"$tmp/manifest.json"
manifest=$(blob "$tmp/manifest.json")

jq -cn --arg m "$manifest" --argjson msize "$(size "$manifest")" --arg arch "$arch" '{
	schemaVersion: 2,
	mediaType: "application/vnd.oci.image.index.v1+json",
	manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		digest: $m,
		size: $msize,
		platform: {architecture: $arch, os: "linux"},
		annotations: {
			"io.containerd.image.name": "docker.io/library/busybox:latest",
			"org.opencontainers.image.ref.name": "latest"
		}
	}]
}' >"$tmp/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/oci-layout"
chmod 0644 "$tmp/index.json" "$tmp/oci-layout"

# ---- swap into place ----------------------------------------------------------------------------
if [[ -e "$dir" || -L "$dir" ]]; then
	old=$(mktemp -d -- "$dir.old.XXXXXX")
	mv -T -- "$dir" "$old/layout"
fi
mv -T -- "$tmp" "$dir"
tmp=""
echo "made OCI image layout $dir (busybox:latest, manifest $manifest)"
