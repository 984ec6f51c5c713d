#!/usr/bin/env bash
# bench/engine.sh [--record] [--runs N] [--warmup N] [--count N] [--peer-count N] [XOCKER]
#
# Issue 5's engine figures, xocker beside Podman (crun, no network):
#   1. start-up: `xocker run --rm --network none busybox true` and
#      `nscg podman --runtime crun run --rm --pull=never --network none busybox true`, hyperfine
#      (--runs timed runs, default 30, after --warmup untimed ones, default 3), medians side by
#      side and their ratio (target: xocker at most 1/5 of Podman).
#   2. many: --count (default 200) detached `run -d --name bench-I busybox sleep 3600` one after the other with
#      xocker: total and per-container time, then RSS and PSS of every monitor (smaps_rollup of the
#      pids in RUNROOT/containers/*/monitor.pid), summed and per monitor (target: at most 1 MiB RSS
#      per monitor). The same with Podman for --peer-count containers (default 50, 0 to skip), its
#      conmon processes measured the same way.
# Prints markdown; with --record appends it, with the date, commit and command, to bench/RESULTS.md.
#
# Podman is set up as /work/shared/peers/README.md says: its own config from podman-env (lower
# ulimits, own storage) and crun under the nscg wrapper. Both engines load the very same busybox
# (`xocker save busybox | podman load`). Everything lives under one mktemp directory; every
# container is removed by id at the end, even on failure or ^C. Needs root.
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
REPO=$PWD
PEERS=${PEERS:-/work/shared/peers}

record=0
runs=30
warmup=3
count=200
peer_count=50
xocker=build/xocker
usage() {
	echo "usage: bench/engine.sh [--record] [--runs N] [--warmup N] [--count N] [--peer-count N] [XOCKER]" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--record) record=1 ;;
	--runs) runs=${2:?}; shift ;;
	--warmup) warmup=${2:?}; shift ;;
	--count) count=${2:?}; shift ;;
	--peer-count) peer_count=${2:?}; shift ;;
	-h | --help | -*) usage ;;
	*) xocker=$1 ;;
	esac
	shift
done
for n in "$runs" "$warmup" "$count" "$peer_count"; do [[ $n =~ ^[0-9]+$ ]] || usage; done
xocker=$(realpath -- "$xocker")

die() { echo "bench/engine.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $xocker ]] || die "$xocker is not built (make)"
for tool in hyperfine jq podman; do command -v "$tool" >/dev/null || die "$tool not found"; done

# Short paths keep the monitor's sockets (RUNROOT/containers/<64-hex id>/...) within sun_path.
work=$(mktemp -d /tmp/xb.XXXXXX)
export XOCKER_ROOT=$work/x XOCKER_RUNROOT=$work/r
export XOCKER_CGROUP_PARENT=/xocker-bench-$$
podman=$("$PEERS/podman-env" "$work/podman")
P() { "$PEERS/nscg" "$podman" --runtime crun "$@"; }

cleanup() {
	local id d
	trap - EXIT INT TERM
	for id in $("$xocker" ps -aq --no-trunc 2>/dev/null); do
		timeout 30 "$xocker" rm -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(P ps -aq --no-trunc 2>/dev/null); do P rm -f -t 0 "$id" >/dev/null 2>&1 || true; done
	P system reset --force >/dev/null 2>&1 || true
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

# ---- 1. start-up -------------------------------------------------------------------------------

# No network on either side (bench/network.sh times both with their default networks).
xcmd="$xocker run --rm --network none busybox true"
pcmd="$PEERS/nscg $podman --runtime crun run --rm --pull=never --network none busybox true"
$xcmd || die "xocker cannot run busybox"
$pcmd || die "podman cannot run busybox"
hyperfine -N --style none --warmup "$warmup" --runs "$runs" --export-json "$work/startup.json" \
	-n xocker "$xcmd" -n podman "$pcmd" >/dev/null
ms() { jq -r --arg n "$1" --arg f "$2" '.results[] | select(.command == $n) | .[$f] * 1000' "$work/startup.json"; }
xmed=$(ms xocker median) pmed=$(ms podman median)
emit "### run --rm busybox true (hyperfine, $runs runs after $warmup warm-ups)"
emit ""
emit "| engine | median ms | mean ± σ ms | min ms |"
emit "|---|---:|---:|---:|"
for n in xocker podman; do
	emit "$(printf '| %s | %.1f | %.1f ± %.1f | %.1f |' "$n" "$(ms $n median)" "$(ms $n mean)" "$(ms $n stddev)" "$(ms $n min)")"
done
emit ""
emit "$(awk -v x="$xmed" -v p="$pmed" 'BEGIN { printf "xocker/podman median ratio: %.3f (1/%.1f); target at most 0.200: %s", x / p, p / x, (x / p <= 0.2 ? "met" : "NOT met") }')"
emit ""

# ---- 2. many detached containers ---------------------------------------------------------------

# rss_pss PID...: "RSS_KiB PSS_KiB" summed over the processes' smaps_rollup.
rss_pss() {
	local pid rss=0 pss=0 r p
	for pid in "$@"; do
		read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
			"/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
		rss=$((rss + r))
		pss=$((pss + p))
	done
	echo "$rss $pss"
}
now() { date +%s.%N; }

# start_many N CMD...: start N containers with CMD one after the other (CMD ends with "--name",
# completed with bench-I: xocker's random names, 63 x 63 of them and no retry on a clash, collide
# within a few hundred containers); prints the seconds taken.
start_many() {
	local n=$1 i t0
	shift
	t0=$(now)
	for ((i = 0; i < n; i++)); do
		"$@" "bench-$i" busybox sleep 3600 >/dev/null || die "container $i failed to start: $*"
	done
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

emit "### $count detached \`sleep 3600\` containers, started one after the other"
emit ""
emit "| engine | containers | total s | s per container | monitor | monitors | RSS MiB per monitor | PSS MiB per monitor |"
emit "|---|---:|---:|---:|---|---:|---:|---:|"

xsecs=$(start_many "$count" "$xocker" run -d --network none --name)
sleep 1
mapfile -t xpids < <(cat "$XOCKER_RUNROOT"/containers/*/monitor.pid 2>/dev/null)
read -r xrss xpss < <(rss_pss "${xpids[@]}")
xn=${#xpids[@]}
running=$("$xocker" ps -q | wc -l)
emit "$(awk -v c="$count" -v s="$xsecs" -v n="$xn" -v r="$xrss" -v p="$xpss" 'BEGIN {
	printf "| xocker | %d | %.2f | %.3f | xocker-monitor | %d | %.2f | %.2f |", c, s, s / c, n, r / n / 1024, p / n / 1024 }')"

if ((peer_count > 0)); then
	psecs=$(start_many "$peer_count" P run -d --pull=never --network none --name)
	sleep 1
	mapfile -t ppids < <(P ps -q --no-trunc | while read -r id; do P inspect -f '{{.State.ConmonPid}}' "$id"; done)
	read -r prss ppss < <(rss_pss "${ppids[@]}")
	pn=${#ppids[@]}
	emit "$(awk -v c="$peer_count" -v s="$psecs" -v n="$pn" -v r="$prss" -v p="$ppss" 'BEGIN {
		printf "| podman (crun, nscg) | %d | %.2f | %.3f | conmon | %d | %.2f | %.2f |", c, s, s / c, n, r / n / 1024, p / n / 1024 }')"
fi
emit ""
emit "xocker: $running of $count containers running after the start; RSS per monitor target at most 1 MiB: $(awk -v r="$xrss" -v n="$xn" 'BEGIN { print (r / n / 1024 <= 1 ? "met" : "NOT met") }')."

t0=$(now)
for id in $("$xocker" ps -aq --no-trunc); do "$xocker" rm -f "$id" >/dev/null; done
emit "xocker: \`rm -f\` of the $count containers one by one took $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') s."

if ((record)); then
	{
		echo ""
		echo "## $(date -u '+%F %H:%M UTC') — engine (issue 5)"
		echo ""
		echo "\`bench/engine.sh --record --runs $runs --warmup $warmup --count $count --peer-count $peer_count $xocker\`"
		echo "on commit $(git rev-parse --short HEAD) ($(uname -sr), $(nproc) CPUs), $(hyperfine --version), $(podman --version), $(crun --version | head -1)."
		echo "Timed: \`$xocker run --rm --network none busybox true\` and \`nscg podman --runtime crun run --rm --pull=never --network none busybox true\`;"
		echo "then \`xocker run -d --network none --name bench-I busybox sleep 3600\` (and \`podman run -d --pull=never --network none --name bench-I busybox sleep 3600\`) in a loop; RSS/PSS from /proc/PID/smaps_rollup of each xocker-monitor (RUNROOT/containers/*/monitor.pid) and each conmon (.State.ConmonPid)."
		echo ""
		cat "$out"
	} >>"$REPO/bench/RESULTS.md"
	echo "(appended to bench/RESULTS.md)"
fi
