#!/usr/bin/env bash
# bench/startup.sh [--record] [--confined] [--runs N] [--warmup N] [XRUN]
#
#   --confined  the same no-op container confined as Docker would run it: the Docker-like default
#               seccomp profile (src/runtime/profiles/default-seccomp.json) plus a memory limit
#               (256 MiB) and a pids limit (1024) in linux.resources (issue 3's bench).
#
# Times the start of a no-op container (/bin/true, no terminal) with xrun, crun and runc, all from
# the same busybox bundle, with hyperfine; measures the peak RSS of one run of each with GNU time,
# and the size of each binary (xrun: a stripped copy). Prints a markdown table; with --record it
# also appends the table, the date and the command to bench/RESULTS.md.
#
#   XRUN      the xrun binary to time (default build/xrun). If it is missing or cannot run the
#             bundle, its rows are skipped with a note and the peers are still timed.
#   --runs    timed runs per runtime (default 50), --warmup untimed runs before them (default 5).
#
# How the runtimes are made comparable (see /work/shared/peers/README.md):
#   - every runtime gets the same absolute linux.cgroupsPath (/xrun-bench/noop), because crun and
#     runc place cgroups differently by default, which slows both when they are timed in turn;
#   - Debian's crun 1.8.1 refuses hybrid cgroups, so it runs under the nscg wrapper (a private mount
#     namespace hiding the cgroup2 controllers); xrun is timed both under the same wrapper (a fair
#     comparison with crun) and directly (how it is used);
#   - each runtime has its own --root state directory; the timed command is `run` alone: runc and
#     crun (and xrun, like runc) remove the container when `run` returns without -d. The script
#     checks that no container is left behind, and says so in the notes if one was.
#
# Needs root. Removes everything it made, even on failure or ^C: its temporary directory (bundle,
# state dirs), any container left in those state dirs, and the cgroup /xrun-bench/noop and
# /xrun-bench in every cgroup hierarchy (rmdir of only those two paths).
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
REPO=$PWD
NSCG=${NSCG:-$REPO/../shared/peers/nscg}
[[ -x "$NSCG" ]] || NSCG=/work/shared/peers/nscg
CGROUP_PARENT="xrun-bench"
CGROUP_PATH=/$CGROUP_PARENT/noop

record=0
confined=0
runs=50
warmup=5
xrun=build/xrun
usage() {
	echo "usage: bench/startup.sh [--record] [--runs N] [--warmup N] [XRUN (default build/xrun)]" >&2
	exit 2
}
while (($#)); do
	case $1 in
	--record) record=1 ;;
	--confined) confined=1 ;;
	--runs) runs=${2:?}; shift ;;
	--warmup) warmup=${2:?}; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) xrun=$1 ;;
	esac
	shift
done
[[ "$runs" =~ ^[0-9]+$ && "$runs" -ge 2 && "$warmup" =~ ^[0-9]+$ ]] || usage
[[ "$xrun" == */* ]] || xrun=./$xrun
xrun=$(realpath -m -- "$xrun")

die() { echo "bench/startup.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (it runs containers and creates cgroups)"
for tool in hyperfine jq strip; do
	command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: run scripts/install-deps.sh (package time)"
[[ -x "$NSCG" ]] || die "nscg wrapper not found at $NSCG"

work=$(mktemp -d /tmp/xrun-bench.XXXXXX)
bundle=$work/bundle

# Every runtime entry: a name, the command prefix (wrapper + binary), the binary (for its size),
# and its state dir. Filled below; cleanup walks the same arrays.
names=()
prefixes=()
binaries=()
states=()
notes=()

# rmdir_cgroups: remove /xrun-bench/noop and /xrun-bench in every mounted cgroup hierarchy, and
# nothing else. A cgroup still holding a process stays (rmdir fails with EBUSY) and is reported.
rmdir_cgroups() {
	local mnt
	while read -r mnt; do
		[[ -d "$mnt/$CGROUP_PARENT" ]] || continue
		rmdir "$mnt$CGROUP_PATH" 2>/dev/null || true
		rmdir "$mnt/$CGROUP_PARENT" 2>/dev/null \
			|| echo "bench/startup.sh: warning: could not remove $mnt/$CGROUP_PARENT" >&2
	done < <(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo)
}

# cleanup: delete any container left in our state dirs, remove the cgroups and the temp dir.
cleanup() {
	local i id
	trap - EXIT INT TERM
	for i in "${!names[@]}"; do
		[[ -d "${states[i]}" ]] || continue
		for id in "${states[i]}"/*/; do
			[[ -d "$id" ]] || continue
			id=$(basename -- "$id")
			# shellcheck disable=SC2086 # the prefix is a word list by design
			${prefixes[i]} --root "${states[i]}" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	rmdir_cgroups
	rm -rf -- "$work"
}
# A signal stops the timing in progress too: hyperfine runs in a session of its own (so a ^C on
# the terminal reaches only this script) and on INT or TERM its whole process group is killed and
# reaped before cleanup deletes what the interrupted run left.
child=""
on_signal() {
	if [[ -n "$child" ]]; then
		kill -TERM -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# add_runtime NAME BINARY [WRAPPER]: register a runtime entry with its own state dir.
add_runtime() {
	local name=$1 binary=$2 wrapper=${3:-} slug
	slug=$(tr -c 'a-z0-9\n' '-' <<<"$name" | tr -s '-')
	slug=${slug%-}
	names+=("$name")
	binaries+=("$binary")
	prefixes+=("${wrapper:+$wrapper }$binary")
	states+=("$work/state-$slug")
	mkdir -p "$work/state-$slug"
}

# probe I: run one no-op container with entry I. On failure print why and return 1. A runtime that
# leaves its container behind after `run` gets a note (its timings would not be comparable).
probe() {
	local i=$1 out id=probe-$$ left
	# shellcheck disable=SC2086
	if ! out=$(${prefixes[i]} --root "${states[i]}" run --bundle "$bundle" "$id" 2>&1 </dev/null); then
		echo "${out:-(no output)}" | head -n 5
		return 1
	fi
	left=$(find "${states[i]}" -mindepth 1 -maxdepth 1 -type d | wc -l)
	if ((left)); then
		notes+=("${names[i]}: \`run\` left the container in its state dir; it was deleted outside the timing")
		# shellcheck disable=SC2086
		${prefixes[i]} --root "${states[i]}" delete -f "$id" >/dev/null 2>&1 || true
	fi
	return 0
}

# peak_rss_mib I: peak RSS of one run of entry I, in MiB (GNU time's maximum resident set size,
# which covers the runtime and every process it waited for: wrapper, runtime, container init).
peak_rss_mib() {
	local i=$1 kib
	# shellcheck disable=SC2086
	/usr/bin/time -v -o "$work/time.txt" ${prefixes[i]} --root "${states[i]}" run --bundle "$bundle" "rss-$$" \
		>/dev/null 2>&1 </dev/null || { echo "-"; return 0; }
	kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
	awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }'
}

# binary_size I: size of entry I's binary in KiB; xrun is measured as a stripped copy (the
# Debian binaries of crun and runc are shipped stripped).
binary_size() {
	local bin=${binaries[$1]} size note=""
	if [[ "${names[$1]}" == xrun* ]]; then
		strip -o "$work/xrun.stripped" "$bin"
		bin=$work/xrun.stripped
		note=" (stripped)"
	fi
	size=$(stat -c %s -- "$bin")
	awk -v s="$size" -v n="$note" 'BEGIN { printf "%d KiB%s", (s + 1023) / 1024, n }'
}

# ---- the bundle ---------------------------------------------------------------------------------
rmdir_cgroups # a leftover of an earlier, killed run
scripts/make-busybox-bundle.sh "$bundle" >/dev/null
jq --arg cg "$CGROUP_PATH" \
	'.process.args = ["/bin/true"] | .process.terminal = false | .linux.cgroupsPath = $cg' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv -- "$bundle/config.json.new" "$bundle/config.json"
what="No-op container start"
if ((confined)); then
	jq --slurpfile sc src/runtime/profiles/default-seccomp.json \
		'.linux.seccomp = $sc[0] | .linux.resources = {"memory": {"limit": 268435456}, "pids": {"limit": 1024}}' \
		"$bundle/config.json" >"$bundle/config.json.new"
	mv -- "$bundle/config.json.new" "$bundle/config.json"
	what="Confined no-op container start (Docker-like seccomp profile, memory 256 MiB, pids 1024)"
fi

# ---- the runtimes -------------------------------------------------------------------------------
if [[ ! -x "$xrun" ]]; then
	notes+=("xrun: skipped: ${xrun#"$REPO"/} is missing (build it with \`make\`)")
elif ! "$xrun" --version >/dev/null 2>&1; then
	notes+=("xrun: skipped: \`${xrun#"$REPO"/} --version\` fails")
else
	add_runtime "xrun" "$xrun"
	add_runtime "xrun (nscg)" "$xrun" "$NSCG"
fi
add_runtime "crun (nscg)" "$(command -v crun)" "$NSCG"
add_runtime "runc" "$(command -v runc)"

runnable=()
for i in "${!names[@]}"; do
	# Not in $(...): probe adds to notes.
	if probe "$i" >"$work/probe.txt"; then
		runnable+=("$i")
	else
		why=$(tr '\n' ' ' <"$work/probe.txt")
		notes+=("${names[i]}: skipped: a probe run failed: ${why% }")
		echo "bench/startup.sh: ${names[i]}: probe run failed: $why" >&2
	fi
done
((${#runnable[@]})) || die "no runtime could run the bundle"

# ---- timings ------------------------------------------------------------------------------------
# The container id is the pid of the shell hyperfine starts for each run: unique among live
# containers, and each run removes its container before the next starts.
hf_args=(--style basic --warmup "$warmup" --runs "$runs" --export-json "$work/hyperfine.json")
for i in "${runnable[@]}"; do
	cmd="${prefixes[i]} --root ${states[i]} run --bundle $bundle noop-\$\$"
	hf_args+=(--command-name "${names[i]}" "$cmd")
done
# The wrapper alone: what the (nscg) rows pay on top of the runtime (unshare, sh, mount).
NSCG_ALONE="nscg /bin/true (wrapper alone)"
hf_args+=(--command-name "$NSCG_ALONE" "$NSCG /bin/true")
setsid hyperfine "${hf_args[@]}" >&2 </dev/null &
child=$!
wait "$child"
child=""

# ---- the table ----------------------------------------------------------------------------------
table=$work/table.md
{
	echo "| runtime | median ms | mean ± σ ms | peak RSS MiB | binary size |"
	echo "|---|---:|---:|---:|---:|"
	for i in "${runnable[@]}"; do
		stats=$(jq -r --arg n "${names[i]}" \
			'.results[] | select(.command == $n) | "\(.median) \(.mean) \(.stddev)"' "$work/hyperfine.json" \
			| awk '{ printf "%.1f | %.1f ± %.1f", $1 * 1000, $2 * 1000, $3 * 1000 }')
		printf '| %s | %s | %s | %s |\n' "${names[i]}" "$stats" "$(peak_rss_mib "$i")" "$(binary_size "$i")"
	done
	stats=$(jq -r --arg n "$NSCG_ALONE" \
		'.results[] | select(.command == $n) | "\(.median) \(.mean) \(.stddev)"' "$work/hyperfine.json" \
		| awk '{ printf "%.1f | %.1f ± %.1f", $1 * 1000, $2 * 1000, $3 * 1000 }')
	printf '| %s | %s | - | - |\n' "$NSCG_ALONE" "$stats"
} >"$table"

# Anything left behind by the timed or measured runs?
for i in "${runnable[@]}"; do
	left=$(find "${states[i]}" -mindepth 1 -maxdepth 1 -type d | wc -l)
	((left == 0)) || notes+=("${names[i]}: $left container(s) left in its state dir after the timings")
done

when=$(date -u '+%F %H:%M UTC')
xrun_version=""
[[ " ${names[*]} " == *" xrun "* ]] && xrun_version="$("$xrun" --version 2>/dev/null | head -n1), "
machine="$(uname -sr), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $xrun_version$(hyperfine --version), $(crun --version | head -n1), $(runc --version | head -n1)"
echo
echo "$what (\`/bin/true\`, busybox bundle, cgroupsPath $CGROUP_PATH), $runs runs after $warmup warm-up, $when"
echo
cat "$table"
for note in "${notes[@]}"; do echo "- $note"; done

if ((record)); then
	{
		echo
		echo "## $when"
		echo
		echo "$what."
		echo
		echo "\`bench/startup.sh --record $( ((confined)) && echo "--confined ")--runs $runs --warmup $warmup ${xrun#"$REPO"/}\` on $machine."
		echo "Timed: \`[nscg] RUNTIME --root STATE run --bundle BUNDLE noop-\$\$\`."
		echo
		cat "$table"
		if ((${#notes[@]})); then
			echo
			for note in "${notes[@]}"; do echo "- $note"; done
		fi
	} >>bench/RESULTS.md
	echo
	echo "recorded in bench/RESULTS.md"
fi
