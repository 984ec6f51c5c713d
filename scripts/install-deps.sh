#!/usr/bin/env bash
# install-deps.sh: install, from Debian 12 packages, everything needed to build and test xocker,
# plus the peer runtimes used by the interop tests and the benches.
#
# Idempotent and non-interactive. When every package is already installed it does not touch apt
# at all, so running it at the start of every test run costs a fraction of a second.
# Must run as root (it calls apt-get).
set -euo pipefail

# One package a line, grouped by what needs it.
PACKAGES=(
	# build
	gcc make pkg-config libjansson-dev libseccomp-dev libcap-dev
	libarchive-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev
	# libarchive is linked statically (Makefile): the compression libraries it needs
	libzstd-dev liblzma-dev libbz2-dev zlib1g-dev
	# networking: netlink (linked), nftables (dlopen()ed), dnsmasq answers names on user networks
	libmnl-dev libnftables-dev dnsmasq-base
	# tests: unit (cmocka), integration (bats), and the tools the tests call
	libcmocka-dev bats jq busybox-static uidmap iproute2 procps util-linux
	# --init runs tini as docker-init
	tini
	# image tests: a real registry, htpasswd and openssl for its auth and TLS, third-party image tools
	docker-registry apache2-utils openssl skopeo umoci zstd sqlite3 curl python3
	# benches: hyperfine for timings, GNU time for peak RSS
	hyperfine time iperf3
	# peers for interop tests and benches (podman brings its own dependencies)
	crun runc podman conmon
)

# missing_packages: print the packages of PACKAGES that dpkg does not list as installed.
# One dpkg-query for all of them; a package dpkg has never heard of is simply absent from its output.
missing_packages() {
	local -A installed=()
	local pkg status
	while read -r pkg status; do
		[[ "$status" == installed ]] && installed[${pkg%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for pkg in "${PACKAGES[@]}"; do
		[[ -n "${installed[$pkg]:-}" ]] || printf '%s\n' "$pkg"
	done
}

mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#PACKAGES[@]} packages already installed"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: missing packages (${missing[*]}) and not root: cannot run apt-get" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Retry the network steps a little: a mirror hiccup should not fail a CI run.
for attempt in 1 2 3; do
	if apt-get update -q \
		&& apt-get install -y -q \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${PACKAGES[@]}"; then
		break
	fi
	if ((attempt == 3)); then
		echo "install-deps: apt-get failed three times" >&2
		exit 1
	fi
	echo "install-deps: apt-get failed (attempt $attempt); retrying in 5s" >&2
	sleep 5
done

# Check, so a package that apt-get skipped silently is reported here and not as a strange test failure.
mapfile -t missing < <(missing_packages)
if ((${#missing[@]} != 0)); then
	echo "install-deps: still missing after apt-get: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: done"
