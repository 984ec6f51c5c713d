#!/usr/bin/env bash
# bench/network.sh [--record] [--runs N] [--warmup N] [--seconds N] [XOCKER]
#
# Issue 6's networking figures, xocker beside Podman (crun, its default network):
#   1. start-up with networking: `xocker run --rm busybox true` (default bridge network: veth,
#      address, firewall rules) and `nscg podman --runtime crun run --rm --pull=never busybox true`
#      (Podman's default network: netavark, podman0), hyperfine (--runs timed runs, default 30,
#      after --warmup untimed ones, default 3), medians side by side and their ratio (target: xocker
#      at most 1/5 of Podman). `xocker run --rm --network none busybox true` is timed too, for
#      reference (what the network costs).
#   2. throughput through a published port: an iperf3 server in an xocker container started with
#      `-p PORT:5201`, the host's iperf3 client to 127.0.0.1:PORT and to the bridge's gateway
#      address:PORT (both DNAT'ed by xocker's nftables rules), and, for reference, to the
#      container's own address:5201 (the bridge and veth, no DNAT); against the same client to an
#      iperf3 server on the host's loopback. One TCP stream each, --seconds (default 4) after one
#      omitted second, `iperf3 -J`, receiver's Gbit/s; the five paths in turn, 3 rounds, medians;
#      ratio published/loopback (target: at least 0.9).
#      The container runs the host's iperf3: an image made with `xocker import` from the binary
#      and the libraries `ldd` lists.
# Prints markdown; with --record appends it, with the date, commit and command, to bench/RESULTS.md.
#
# Isolation: XOCKER_ROOT/RUNROOT under one mktemp directory, and the network variables the tests
# use (XOCKER_BRIDGE, XOCKER_BRIDGE_SUBNET 10.199.X.0/24, XOCKER_NFT_TABLE, an empty
# XOCKER_RESOLV_CONF), so the machine's default xocker0/172.18 and table "xocker" are never touched.
# Traffic goes only over loopback and the bench's own bridges (xocker's and Podman's podman0).
# Podman is set up as /work/shared/peers/README.md says (podman-env, crun under nscg). At exit,
# even on failure or ^C: every container is removed by id, servers are stopped by PID, the
# bench's networks, bridge and table are deleted, and whatever Podman's default network left
# (podman0, its netns, netavark's chains and rules) is removed only if it was not there before.
# Needs root.
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
REPO=$PWD
PEERS=${PEERS:-/work/shared/peers}

record=0
runs=30
warmup=3
seconds=4
xocker=build/xocker
usage() {
	echo "usage: bench/network.sh [--record] [--runs N] [--warmup N] [--seconds N] [XOCKER]" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--record) record=1 ;;
	--runs) runs=${2:?}; shift ;;
	--warmup) warmup=${2:?}; shift ;;
	--seconds) seconds=${2:?}; shift ;;
	-h | --help | -*) usage ;;
	*) xocker=$1 ;;
	esac
	shift
done
for n in "$runs" "$warmup" "$seconds"; do [[ $n =~ ^[0-9]+$ ]] || usage; done
((runs > 0 && seconds > 0)) || usage
xocker=$(realpath -- "$xocker")

die() { echo "bench/network.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $xocker ]] || die "$xocker is not built (make)"
for tool in hyperfine jq podman iperf3 nft ip ss nsenter ldd; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

# Short paths keep the monitor's sockets (RUNROOT/containers/<64-hex id>/...) within sun_path.
work=$(mktemp -d /tmp/xn.XXXXXX)
export XOCKER_ROOT=$work/x XOCKER_RUNROOT=$work/r
export XOCKER_CGROUP_PARENT=/xocker-bench-$$
export XOCKER_BRIDGE=xnb$(($$ % 1000000))
export XOCKER_BRIDGE_SUBNET=10.199.$(($$ % 256)).0/24
export XOCKER_NFT_TABLE=xocker_bench_$$
export XOCKER_RESOLV_CONF=$work/resolv.conf
: >"$XOCKER_RESOLV_CONF"
gateway=${XOCKER_BRIDGE_SUBNET%.0/24}.1
podman=$("$PEERS/podman-env" "$work/podman")
P() { "$PEERS/nscg" "$podman" --runtime crun "$@"; }
server_pids=()

# ---- what Podman's default network leaves ------------------------------------------------------
# Podman (netavark 1.4, iptables-nft) makes the podman0 bridge, a /run/netns/netns-* per
# container, chains NETAVARK* in the iptables-nft tables `ip nat` and `ip filter` with jumps to
# them, and rules for its subnet 10.88.0.0/16. `run --rm` removes the bridge, the netns and the
# per-network rules itself; the NETAVARK base chains stay. What was there before the bench is
# someone else's: it is recorded here and never touched.
PODMAN_SUBNET=10.88.
podman0_before=0
ip link show podman0 >/dev/null 2>&1 && podman0_before=1
netns_before=$(ls /run/netns 2>/dev/null || true)
for t in nat filter; do
	nft -j list table ip "$t" >"$work/nft-before-$t.json" 2>/dev/null || rm -f "$work/nft-before-$t.json"
done

# podman_net_cleanup: delete, in `ip nat` and `ip filter`, the NETAVARK chains that are new and
# the new rules that jump to them or name Podman's subnet or podman0; a table the bench made
# goes when nothing is left in it; then podman0 and the netns-* that are new.
podman_net_cleanup() {
	local t before now ns
	for t in nat filter; do
		now=$(nft -j list table ip "$t" 2>/dev/null) || continue
		before='{"nftables":[]}'
		[[ -f $work/nft-before-$t.json ]] && before=$(cat "$work/nft-before-$t.json")
		jq -r --argjson b "$before" --arg net "$PODMAN_SUBNET" '
			([$b.nftables[] | .chain? // empty | .name]) as $oldc |
			([$b.nftables[] | .rule? // empty | .handle]) as $oldr |
			([.nftables[] | .chain? // empty | .name | select(startswith("NETAVARK"))
				| select(. as $c | $oldc | index([$c]) | not)]) as $newc |
			(.nftables[] | .rule? // empty | select(.handle as $h | $oldr | index([$h]) | not)
				| select(([.. | .target? // empty | select(type == "string")] | any(. as $x | $newc | index([$x])))
					or (tostring | contains($net) or contains("\"podman0\"")))
				| "rule \(.chain) \(.handle)"),
			($newc[] | "chain \(.)")' <<<"$now" |
			while read -r kind name handle; do
				if [[ $kind == rule ]]; then
					nft delete rule ip "$t" "$name" handle "$handle" 2>/dev/null || true
				else
					nft flush chain ip "$t" "$name" 2>/dev/null || true
					nft delete chain ip "$t" "$name" 2>/dev/null || true
				fi
			done
		if [[ ! -f $work/nft-before-$t.json ]] &&
			[[ $(nft -j list table ip "$t" 2>/dev/null | jq '[.nftables[] | select(.rule)] | length') == 0 ]]; then
			nft delete table ip "$t" 2>/dev/null || true
		fi
	done
	((podman0_before)) || ip link del podman0 2>/dev/null || true
	for ns in /run/netns/netns-*; do
		[[ -e $ns ]] || continue
		ns=${ns##*/}
		grep -qxF -- "$ns" <<<"$netns_before" || ip netns del "$ns" 2>/dev/null || true
	done
}

cleanup() {
	local id d f pid
	trap - EXIT INT TERM
	# Every step is tried, whatever failed before (a server already gone, a table never made).
	set +e
	for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
	for id in $("$xocker" ps -aq --no-trunc 2>/dev/null); do
		timeout 30 "$xocker" rm -f "$id" >/dev/null 2>&1 || true
	done
	[[ -f $XOCKER_ROOT/xocker.db ]] && { timeout 30 "$xocker" network prune -f >/dev/null 2>&1 || true; }
	for f in "$XOCKER_RUNROOT"/networks/*/dnsmasq.pid; do
		[[ -f $f ]] || continue
		pid=$(cat "$f" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && ((pid > 1)) && kill -TERM "$pid" 2>/dev/null
	done
	ip link del "$XOCKER_BRIDGE" 2>/dev/null || true
	nft delete table ip "$XOCKER_NFT_TABLE" 2>/dev/null || true
	for id in $(P ps -aq --no-trunc 2>/dev/null); do P rm -f -t 0 "$id" >/dev/null 2>&1 || true; done
	P system reset --force >/dev/null 2>&1 || true
	podman_net_cleanup
	for d in /sys/fs/cgroup/*/"$XOCKER_CGROUP_PARENT" /sys/fs/cgroup/unified/"$XOCKER_CGROUP_PARENT"; do
		[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	awk -v t="$work/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$xocker" save busybox | P load -q >/dev/null || die "could not load busybox into podman"

out=$work/out.md
emit() { printf '%s\n' "$*" | tee -a "$out"; }

# ---- 1. start-up with networking ---------------------------------------------------------------

xcmd="$xocker run --rm busybox true"
ncmd="$xocker run --rm --network none busybox true"
pcmd="$PEERS/nscg $podman --runtime crun run --rm --pull=never busybox true"
[[ $("$xocker" run --rm busybox ip -4 -o addr show eth0) == *" ${XOCKER_BRIDGE_SUBNET%.0/24}."* ]] ||
	die "xocker's container has no address on $XOCKER_BRIDGE_SUBNET"
[[ $(P run --rm --pull=never busybox ip -4 -o addr show eth0) == *" $PODMAN_SUBNET"* ]] ||
	die "podman's container has no address on its default network"
$ncmd || die "xocker cannot run busybox with --network none"
hyperfine -N --style none --warmup "$warmup" --runs "$runs" --export-json "$work/startup.json" \
	-n xocker "$xcmd" -n "xocker --network none" "$ncmd" -n podman "$pcmd" >/dev/null
ms() { jq -r --arg n "$1" --arg f "$2" '.results[] | select(.command == $n) | .[$f] * 1000' "$work/startup.json"; }
xmed=$(ms xocker median) pmed=$(ms podman median)
emit "### run --rm busybox true with networking (hyperfine, $runs runs after $warmup warm-ups)"
emit ""
emit "| engine | network | median ms | mean ± σ ms | min ms |"
emit "|---|---|---:|---:|---:|"
row() { printf '| %s | %s | %.1f | %.1f ± %.1f | %.1f |' "$1" "$2" "$(ms "$3" median)" "$(ms "$3" mean)" "$(ms "$3" stddev)" "$(ms "$3" min)"; }
emit "$(row xocker "default bridge" xocker)"
emit "$(row podman "default (netavark, podman0)" podman)"
emit "$(row xocker "none (reference)" "xocker --network none")"
emit ""
emit "$(awk -v x="$xmed" -v p="$pmed" 'BEGIN { printf "xocker/podman median ratio: %.3f (1/%.1f); target at most 0.200: %s", x / p, p / x, (x / p <= 0.2 ? "met" : "NOT met") }')"
emit ""

# ---- 2. throughput through a published port ----------------------------------------------------

# free_port: a TCP port nothing listens on.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return 0; }
	done
	die "no free port"
}
# wait_listening PORT [PID]: until something listens on PORT (in PID's network namespace).
wait_listening() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [[ -n ${2:-} ]]; then
			nsenter -t "$2" -n ss -Hltn "sport = :$1" | grep -q . && return 0
		else
			ss -Hltn "sport = :$1" | grep -q . && return 0
		fi
		sleep 0.05
	done
	die "nothing listens on port $1"
}

# The image: the host's iperf3, the libraries it loads and an empty /tmp (iperf3 makes its buffer
# file there).
root=$work/iperf3-root
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"
for f in "$(command -v iperf3)" $(ldd "$(command -v iperf3)" | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do
	mkdir -p "$root$(dirname -- "$f")"
	cp -L -- "$f" "$root$f"
done
tar -C "$root" -cf - . | "$xocker" import - bench-iperf3 >/dev/null || die "could not import the iperf3 image"

port=$(free_port)
cid=$("$xocker" run -d -p "$port:5201" bench-iperf3 "$(command -v iperf3)" -s) || die "could not start the iperf3 container"
cpid=$("$xocker" inspect -f '{{.State.Pid}}' "$cid")
caddr=$("$xocker" inspect -f '{{.NetworkSettings.IPAddress}}' "$cid")
wait_listening 5201 "$cpid"

# The same on a user network whose bridge and veths have a 65520-byte MTU (Docker's option
# com.docker.network.driver.mtu): per-packet costs of a 1500-byte veth bound the default path.
"$xocker" network create --subnet "10.198.$(($$ % 256)).0/24" -o com.docker.network.driver.mtu=65520 bench-jumbo >/dev/null ||
	die "could not create the jumbo network"
jport=$(free_port)
jcid=$("$xocker" run -d --network bench-jumbo -p "$jport:5201" bench-iperf3 "$(command -v iperf3)" -s) ||
	die "could not start the iperf3 container on the jumbo network"
wait_listening 5201 "$("$xocker" inspect -f '{{.State.Pid}}' "$jcid")"

lport=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$lport" >/dev/null 2>&1 &
server_pids+=($!)
wait_listening "$lport"

# measure HOST PORT NAME: one iperf3 run; appends the receiver's Gbit/s and the sender's
# retransmits to $work/tp-NAME.
measure() {
	iperf3 -c "$1" -p "$2" -t "$seconds" -O 1 -J >"$work/iperf.json" ||
		die "iperf3 to $1:$2 failed: $(jq -r '.error // empty' "$work/iperf.json" 2>/dev/null)"
	jq -re '.end.sum_received.bits_per_second // empty | . / 1e9' "$work/iperf.json" >/dev/null ||
		die "iperf3 to $1:$2 gave no result"
	jq -r '"\(.end.sum_received.bits_per_second / 1e9) \(.end.sum_sent.retransmits // 0)"' "$work/iperf.json" >>"$work/tp-$3"
}
# The machine is shared and single runs swing by tens of percent, so the five paths are measured
# in turn, $rounds rounds, and each row gives the median and the range.
rounds=3
for ((r = 0; r < rounds; r++)); do
	measure 127.0.0.1 "$lport" loopback
	measure 127.0.0.1 "$port" published
	measure "$gateway" "$port" gateway
	measure "$caddr" 5201 direct
	measure 127.0.0.1 "$jport" jumbo
done
# median NAME: the median Gbit/s of NAME's rounds.
median() { sort -g -k1,1 "$work/tp-$1" | awk '{ g[NR] = $1 } END { print (NR % 2 ? g[(NR + 1) / 2] : (g[NR / 2] + g[NR / 2 + 1]) / 2) }'; }
lo_g=$(median loopback) pub_g=$(median published) gw_g=$(median gateway) jumbo_g=$(median jumbo)

emit "### TCP throughput through a published port (iperf3, 1 stream, $seconds s after 1 omitted, $rounds rounds in turn)"
emit ""
emit "| client to | path | median Gbit/s | min–max Gbit/s | retransmits per run | median of loopback |"
emit "|---|---|---:|---:|---:|---:|"
# trow NAME TARGET PATH
trow() {
	sort -g -k1,1 "$work/tp-$1" | awk -v a="$2" -v b="$3" -v m="$(median "$1")" -v l="$lo_g" '
		{ g[NR] = $1; r += $2 }
		END { printf "| %s | %s | %.2f | %.2f–%.2f | %d | %.1f%% |", a, b, m, g[1], g[NR], r / NR, 100 * m / l }'
}
emit "$(trow loopback "127.0.0.1:$lport (host server)" "loopback")"
emit "$(trow published "127.0.0.1:$port" "published -p $port:5201 (DNAT, bridge, veth)")"
emit "$(trow gateway "$gateway:$port (gateway)" "published -p $port:5201 (DNAT, bridge, veth)")"
emit "$(trow direct "$caddr:5201 (container)" "bridge, veth (no DNAT; reference)")"
emit "$(trow jumbo "127.0.0.1:$jport" "published -p $jport:5201 on a network with MTU 65520")"
emit ""
emit "$(awk -v p="$pub_g" -v g="$gw_g" -v l="$lo_g" 'BEGIN { printf "published/loopback (medians): %.3f via 127.0.0.1, %.3f via the gateway; target at least 0.900: %s", p / l, g / l, (p / l >= 0.9 && g / l >= 0.9 ? "met" : "NOT met") }')"
emit ""
emit "$(awk -v j="$jumbo_g" -v l="$lo_g" 'BEGIN { printf "with -o com.docker.network.driver.mtu=65520: %.3f of loopback via 127.0.0.1; target at least 0.900: %s", j / l, (j / l >= 0.9 ? "met" : "NOT met") }')"

if ((record)); then
	{
		echo ""
		echo "## $(date -u '+%F %H:%M UTC') — network (issue 6)"
		echo ""
		echo "\`bench/network.sh --record --runs $runs --warmup $warmup --seconds $seconds $xocker\`"
		echo "on commit $(git rev-parse --short HEAD) ($(uname -sr), $(nproc) CPUs), $(hyperfine --version), $(podman --version), $(crun --version | head -1), netavark $(/usr/lib/podman/netavark --version 2>/dev/null | awk '{ print $2 }'), $(iperf3 --version | head -1 | awk '{ print $1, $2 }')."
		echo "Timed: \`$xocker run --rm busybox true\` (default bridge network), \`nscg podman --runtime crun run --rm --pull=never busybox true\` (Podman's default network) and \`$xocker run --rm --network none busybox true\`;"
		echo "then \`iperf3 -c HOST -p PORT -t $seconds -O 1 -J\` (3 rounds of the five paths in turn, the fifth through a network made with \`-o com.docker.network.driver.mtu=65520\`) from the host to an \`iperf3 -s\` in \`xocker run -d -p PORT:5201\` (the host's iperf3 in an image made with \`xocker import\`) and to an \`iperf3 -s -B 127.0.0.1\` on the host."
		echo ""
		cat "$out"
	} >>"$REPO/bench/RESULTS.md"
	echo "(appended to bench/RESULTS.md)"
fi
