#!/usr/bin/env bash
# setup.sh: on a fresh Debian 12 machine, as root: install the dependencies, build xrun and xocker,
# and run the demo container from the built-in busybox image: xocker makes the container's
# storage (the image's layers under a writable layer, on overlayfs) and mounts it, xrun runs the
# container on it; it prints "hello from a busybox container" and its hostname.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."

if [[ $(id -u) -ne 0 ]]; then
	echo "scripts/setup.sh: must run as root (it installs packages and runs a container)" >&2
	exit 1
fi

scripts/install-deps.sh
make -j2

xocker=build/xocker
name="demo-$$"
bundle=$(mktemp -d)
cleanup() {
	"$xocker" rm -f "$name" >/dev/null 2>&1 || true
	rm -rf -- "$bundle"
}
trap cleanup EXIT

"$xocker" create --name "$name" busybox >/dev/null
rootfs=$("$xocker" mount "$name")
# The bundle's config (runc's defaults, a read-only root) with the mounted image as its root.
jq --arg root "$rootfs" '.root.path = $root' build/busybox-bundle/config.json >"$bundle/config.json"
# `run` without -d waits for the container and removes it when it exits, as runc does.
build/xrun run --bundle "$bundle" "$name"
