#!/usr/bin/env bash
# setup.sh: on a fresh Debian 12 machine, as root: install the dependencies, build xrun, and run the
# busybox demo container, which prints "hello from a busybox container" and its hostname.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."

if [[ $(id -u) -ne 0 ]]; then
	echo "scripts/setup.sh: must run as root (it installs packages and runs a container)" >&2
	exit 1
fi

scripts/install-deps.sh
make -j2
# `run` without -d waits for the container and removes it when it exits, as runc does.
exec build/xrun run --bundle build/busybox-bundle "demo-$$"
