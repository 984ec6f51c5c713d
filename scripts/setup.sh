#!/usr/bin/env bash
# setup.sh: on a fresh Debian 12 machine, as root: install the dependencies, build xrun and xocker,
# and run the demo container from the built-in busybox image with `xocker run --rm` (the image's
# layers under a writable layer on overlayfs, run by the container's monitor through xrun); it
# prints "hello from a busybox container" and its hostname.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."

if [[ $(id -u) -ne 0 ]]; then
	echo "scripts/setup.sh: must run as root (it installs packages and runs a container)" >&2
	exit 1
fi

scripts/install-deps.sh
make -j2

# The main job: a container from the built-in busybox image, run by the engine (its monitor, xrun,
# an overlay rootfs, Docker's default confinement), removed when it exits.
build/xocker run --rm --hostname xocker busybox sh -c 'echo hello from a busybox container; hostname'
