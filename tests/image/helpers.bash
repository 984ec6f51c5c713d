# Shared helpers for the image and storage tests (bats), run as root.
#
# The engine under test is $XOCKER (an absolute path). Every test gets its own store and runtime
# directories and Docker config under TESTDIR, exported as XOCKER_ROOT, XOCKER_RUNROOT and
# DOCKER_CONFIG, so tests never see each other's images. Teardown unmounts anything left under
# TESTDIR, stops the servers the test started (by PID, see track_pid), and removes TESTDIR, also
# when the test failed.

: "${XOCKER:?set XOCKER to the absolute path of the xocker binary under test}"
HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HELPERS_DIR/../.." && pwd)

setup() { image_setup; }
teardown() { image_teardown; }

image_setup() {
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/xocker-it.XXXXXX")
	chmod 0755 "$TESTDIR"
	export XOCKER_ROOT=$TESTDIR/root XOCKER_RUNROOT=$TESTDIR/run DOCKER_CONFIG=$TESTDIR/docker-config
	mkdir -p "$DOCKER_CONFIG"
	: >"$TESTDIR/.pids"
	network_setup
}

# network_setup: this test's own default bridge, subnet and nftables table (they must not meet
# the machine's or another test's), and an empty host resolv.conf, so no container or DNS server
# of the test ever sends a query to the machine's real resolvers.
network_setup() {
	local n=$(((($$ % 4096) * 64 + ${BATS_TEST_NUMBER:-0}) % 12800))
	export XOCKER_BRIDGE="xtb$(($$ % 100000))t${BATS_TEST_NUMBER:-0}"
	export XOCKER_BRIDGE_SUBNET="10.$((200 + n / 256)).$((n % 256)).0/24"
	export XOCKER_NFT_TABLE="xt_$$_${BATS_TEST_NUMBER:-0}"
	export XOCKER_RESOLV_CONF=$TESTDIR/host-resolv.conf
	: >"$XOCKER_RESOLV_CONF"
}

# network_teardown: what networking left on the host (containers are gone by now): user networks
# (their bridges and DNS servers), the default bridge, the table.
network_teardown() {
	local f pid
	if [ -x "${XOCKER:-}" ] && [ -f "$XOCKER_ROOT/xocker.db" ]; then
		timeout 30 "$XOCKER" network prune -f >/dev/null 2>&1
	fi
	for f in "$XOCKER_RUNROOT"/networks/*/dnsmasq.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null) && [[ "$pid" =~ ^[0-9]+$ ]] && ((pid > 1)) && kill -TERM "$pid" 2>/dev/null
	done
	ip link del "$XOCKER_BRIDGE" 2>/dev/null
	nft delete table ip "$XOCKER_NFT_TABLE" 2>/dev/null
	return 0
}

image_teardown() {
	[ -n "${TESTDIR:-}" ] && [ -d "$TESTDIR" ] || return 0
	network_teardown
	local pid mnt
	while read -r pid; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && { sleep 0.1; kill -KILL "$pid" 2>/dev/null; }
		[ -n "$pid" ] && wait "$pid" 2>/dev/null
	done <"$TESTDIR/.pids"
	# Innermost mounts first.
	awk -v d="$TESTDIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r mnt; do umount -l "$mnt" 2>/dev/null; done
	rm -rf "$TESTDIR"
}

# track_pid PID: stop PID (TERM, then KILL) at teardown.
track_pid() { echo "$1" >>"$TESTDIR/.pids"; }

# xocker ARGS...: the engine under test, with a time limit so a hang fails the test.
xocker() { timeout 120 "$XOCKER" "$@"; }

# free_port: print a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		if ! ss -Hltn "sport = :$port" | grep -q .; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# wait_for CMD...: retry CMD for up to 10 s.
wait_for() {
	local i
	for i in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
