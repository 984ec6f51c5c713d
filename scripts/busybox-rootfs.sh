#!/usr/bin/env bash
# busybox-rootfs.sh: the busybox root filesystem shared by the OCI bundle of the runtime tests
# (make-busybox-bundle.sh) and the built-in busybox image (make-busybox-image.sh).
#
# Sourced, not run: it defines
#   busybox_check                 fail unless $BUSYBOX (default /bin/busybox) is a static busybox
#                                 that runs
#   busybox_rootfs DIR            fill DIR (created) with
#       /bin/busybox, one symlink per applet where `busybox --list-full` puts it,
#       /etc/passwd, /etc/group and /etc/hosts with a few users and groups for the tests,
#       empty proc sys dev tmp(1777) etc root(0700) home/xuser(1000:1000)
# Both expect `set -euo pipefail` in the caller and must run as root (chown).

BUSYBOX=${BUSYBOX:-/bin/busybox}

busybox_check() {
	if [[ ! -x "$BUSYBOX" ]]; then
		echo "$0: $BUSYBOX not found: install busybox-static (scripts/install-deps.sh)" >&2
		return 1
	fi
	# A dynamically linked busybox would not run in a rootfs without its libraries.
	if ! "$BUSYBOX" --list-full >/dev/null 2>&1; then
		echo "$0: $BUSYBOX does not run" >&2
		return 1
	fi
}

busybox_rootfs() {
	local rootfs=$1 applet
	mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,home/xuser}
	chmod 0755 "$rootfs"
	chmod 1777 "$rootfs/tmp"
	chmod 0700 "$rootfs/root"
	chown 1000:1000 "$rootfs/home/xuser"
	cp -- "$BUSYBOX" "$rootfs/bin/busybox"
	chmod 0755 "$rootfs/bin/busybox"

	# One absolute symlink per applet, e.g. usr/bin/env -> /bin/busybox (absolute is right inside
	# the container's root). Entries are relative paths such as "bin/ls", "usr/sbin/chroot".
	while IFS= read -r applet; do
		[[ -n "$applet" && "$applet" != bin/busybox ]] || continue
		mkdir -p -- "$rootfs/$(dirname -- "$applet")"
		ln -sfn /bin/busybox "$rootfs/$applet"
	done < <("$BUSYBOX" --list-full)

	cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
xuser:x:1000:1000:xrun test user:/home/xuser:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD

	# xuser is also a member of xextra, so tests of supplementary groups from /etc/group have a case.
	cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
xuser:x:1000:
xextra:x:2000:xuser
nogroup:x:65534:
GROUP

	cat >"$rootfs/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
HOSTS
	chmod 0644 "$rootfs"/etc/{passwd,group,hosts}
}
