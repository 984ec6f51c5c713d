#!/usr/bin/env bash
# tests/compat/docker_compat.sh: run one scenario with Docker (Debian's dockerd 20.10, started here)
# and with xocker, and compare what users see field by field: exit codes, stdout and stderr,
# `ps`, `inspect -f`, `logs`, `wait`, and the error messages of the usual mistakes.
#
#   tests/compat/docker_compat.sh [--tap] [XOCKER]
#
# XOCKER defaults to build/xocker. Prints one PASS/FAIL/KNOWN line per check and a summary (or TAP
# with --tap: a KNOWN difference is "not ok ... # TODO reason"); exits non-zero on any FAIL.
# Everything lives under one mktemp directory: dockerd's data, exec root and socket, and xocker's
# XOCKER_ROOT/XOCKER_RUNROOT. dockerd runs without bridge, iptables or ip_forward changes (both
# engines run containers with no network), is stopped by PID at the end, and anything it still
# left behind (docker0, DOCKER iptables chains, ip_forward) is undone. Needs root.
set -uo pipefail

tap=0
if [[ ${1:-} == --tap ]]; then
	tap=1
	shift
fi
REPO=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
XOCKER=$(realpath -- "${1:-$REPO/build/xocker}")
DOCKER_CLI=${DOCKER_CLI:-docker}
DOCKERD=${DOCKERD:-dockerd}
IMAGE=busybox

# ---- output ----------------------------------------------------------------------------------

npass=0
nfail=0
nknown=0
ntest=0
if ((tap)); then
	# The plan goes last: the number of checks is known only at the end.
	say() { :; }
else
	say() { printf '%s\n' "$*"; }
fi

result() { # result STATUS NAME [DETAIL...]
	local status=$1 name=$2
	shift 2
	ntest=$((ntest + 1))
	case $status in
	PASS)
		npass=$((npass + 1))
		((tap)) && echo "ok $ntest - $name" || echo "PASS  $name"
		;;
	FAIL)
		nfail=$((nfail + 1))
		((tap)) && echo "not ok $ntest - $name" || echo "FAIL  $name"
		;;
	KNOWN*)
		nknown=$((nknown + 1))
		((tap)) && echo "not ok $ntest - $name # TODO ${status#KNOWN }" ||
			echo "KNOWN $name (${status#KNOWN })"
		;;
	esac
	if [[ $status != PASS && $# -gt 0 ]]; then
		local line
		for line in "$@"; do printf '#     %s\n' "$line"; done
	fi
}

# Differences accepted for now, by check name, with the reason (the check still runs and shows
# both outputs; if the two engines come to agree it simply passes).
declare -A KNOWN=()

# compare NAME DOCKER_VALUE XOCKER_VALUE [DETAIL...]: one check; the details are shown with
# both values when they differ.
compare() {
	local name=$1 d=$2 x=$3
	shift 3
	if [[ "$d" == "$x" ]]; then
		result PASS "$name"
	elif [[ -n ${KNOWN[$name]:-} ]]; then
		result "KNOWN ${KNOWN[$name]}" "$name" "docker: $(show "$d")" "xocker: $(show "$x")" "$@"
	else
		result FAIL "$name" "docker: $(show "$d")" "xocker: $(show "$x")" "$@"
	fi
}
# show VALUE: a value on one line, newlines as \n.
show() { printf '%s' "$1" | sed -e ':a;N;$!ba;s/\n/\\n/g'; }

# ---- the two engines ---------------------------------------------------------------------------

# Short paths keep the monitor's unix sockets (XOCKER_RUNROOT/containers/<64-hex id>/...) within
# the 108 bytes of sun_path even on engines that bind them by full path.
TMP=$(mktemp -d /tmp/xc.XXXXXX)
SOCK=$TMP/docker.sock
export XOCKER_ROOT=$TMP/x XOCKER_RUNROOT=$TMP/r
export XOCKER_CGROUP_PARENT=/xocker-compat-$$
export DOCKER_CONFIG=$TMP/docker-config
mkdir -p "$DOCKER_CONFIG"
dockerd_pid=""
ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo "")
had_docker0=0
ip link show docker0 >/dev/null 2>&1 && had_docker0=1
# dockerd (cgroupfs driver) puts containers under /docker in every hierarchy and leaves that behind.
docker_cgroups_before=$(ls -d /sys/fs/cgroup/*/docker 2>/dev/null)

D() { "$DOCKER_CLI" -H "unix://$SOCK" "$@"; }
X() { "$XOCKER" "$@"; }

cleanup() {
	local id
	if [[ -S $SOCK ]]; then
		for id in $(D ps -aq 2>/dev/null); do D rm -f "$id" >/dev/null 2>&1; done
	fi
	for id in $(X ps -aq --no-trunc 2>/dev/null); do timeout 30 "$XOCKER" rm -f "$id" >/dev/null 2>&1; done
	if [[ -n $dockerd_pid ]]; then
		kill -TERM "$dockerd_pid" 2>/dev/null
		local i
		for ((i = 0; i < 100; i++)); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	# What dockerd may leave behind on the host, whatever the flags (see shared/peers/README.md).
	if ((!had_docker0)) && ip link show docker0 >/dev/null 2>&1; then ip link delete docker0; fi
	local table chain
	for table in filter nat; do
		for chain in DOCKER-USER DOCKER-ISOLATION-STAGE-2 DOCKER-ISOLATION-STAGE-1 DOCKER; do
			iptables -t "$table" -L "$chain" -n >/dev/null 2>&1 || continue
			iptables -t "$table" -S | grep -E -- "-j $chain( |$)" | sed 's/^-A/-D/' |
				while read -r rule; do eval "iptables -t $table $rule"; done
			iptables -t "$table" -F "$chain" && iptables -t "$table" -X "$chain"
		done
	done
	if [[ -n $ip_forward_before ]] && [[ $(cat /proc/sys/net/ipv4/ip_forward) != "$ip_forward_before" ]]; then
		echo "$ip_forward_before" >/proc/sys/net/ipv4/ip_forward
	fi
	local cg
	for cg in /sys/fs/cgroup/*/docker; do
		[[ -d $cg ]] && ! grep -qxF "$cg" <<<"$docker_cgroups_before" && rmdir "$cg" 2>/dev/null
	done
	# dockerd's and xocker's mounts under TMP, deepest first.
	awk -v t="$TMP/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	local d
	for d in /sys/fs/cgroup/*/"$XOCKER_CGROUP_PARENT" /sys/fs/cgroup/unified/"$XOCKER_CGROUP_PARENT"; do
		[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $(id -u) -ne 0 ]]; then
	echo "docker_compat.sh: needs root" >&2
	exit 1
fi
if [[ ! -x $XOCKER ]]; then
	echo "docker_compat.sh: $XOCKER is not built" >&2
	exit 1
fi

"$DOCKERD" --data-root "$TMP/docker-data" --exec-root "$TMP/docker-exec" -H "unix://$SOCK" \
	--pidfile "$TMP/docker.pid" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
	--ip-masq=false --userland-proxy=false --storage-driver=overlay2 \
	--containerd-namespace "xocker-compat-$$" --containerd-plugins-namespace "xocker-compat-$$-plugins" \
	>"$TMP/dockerd.log" 2>&1 &
dockerd_pid=$!
for ((i = 0; i < 300; i++)); do
	D version >/dev/null 2>&1 && break
	kill -0 "$dockerd_pid" 2>/dev/null || break
	sleep 0.1
done
if ! D version >/dev/null 2>&1; then
	echo "docker_compat.sh: dockerd did not start; its log:" >&2
	tail -20 "$TMP/dockerd.log" >&2
	exit 1
fi
# The very same image bytes in both engines.
if ! X save "$IMAGE" | D load >/dev/null; then
	echo "docker_compat.sh: could not load $IMAGE into dockerd" >&2
	exit 1
fi
say "# docker $(D version -f '{{.Client.Version}} (daemon {{.Server.Version}})'), xocker $XOCKER, temp $TMP"

# ---- running a step in both --------------------------------------------------------------------

# both CMD ARGS...: run the same command line in both engines; the results are in
# d_out d_err d_rc and x_out x_err x_rc. Both get --network none right after "run"/"create"
# (dockerd runs without a bridge here; networking is tested in tests/engine/network.bats).
both() {
	if [[ $1 == run || $1 == create ]]; then set -- "$1" --network none "${@:2}"; fi
	d_out=$(D "$@" 2>"$TMP/d_err" </dev/null)
	d_rc=$?
	d_err=$(cat "$TMP/d_err")
	x_out=$(timeout 60 "$XOCKER" "$@" 2>"$TMP/x_err" </dev/null)
	x_rc=$?
	x_err=$(cat "$TMP/x_err")
}

# norm_err TEXT: an error message without what differs by design: the program's prefix
# ("docker: ", "Error response from daemon: ", "Error: "), the "See '... --help'." hint,
# container ids, and a trailing period.
norm_err() {
	printf '%s\n' "$1" | sed -E \
		-e "/^See '.*--help'\.?$/d" -e '/^Run .*--help.* for more information/d' -e '/^Usage: /d' \
		-e 's/^(docker|xocker): //' -e 's/^Error response from daemon: //' -e 's/^Error: //' \
		-e 's/[0-9a-f]{64}/<ID>/g' -e 's/\b[0-9a-f]{12}\b/<ID>/g' -e 's/\.$//' |
		sed -e '/^$/d'
}

check_rc() { compare "$1: exit code" "$d_rc" "$x_rc"; }
check_out() { compare "$1: stdout" "$d_out" "$x_out"; }
check_err() { compare "$1: stderr" "$d_err" "$x_err"; }
check_msg() {
	compare "$1: error message" "$(norm_err "$d_err")" "$(norm_err "$x_err")" \
		"docker stderr: $(show "$d_err")" "xocker stderr: $(show "$x_err")"
}

# inspect_both NAME CONTAINER TEMPLATE [FILTER]: one inspect -f field in both engines.
inspect_both() {
	local label=$1 c=$2 tmpl=$3 filter=${4:-cat}
	local d x
	d=$(D inspect -f "$tmpl" "$c" 2>&1 | $filter)
	x=$(X inspect -f "$tmpl" "$c" 2>&1 | $filter)
	compare "inspect $c $label" "$d" "$x"
}

sort_json() { jq -c 'if type == "array" then sort else . end' 2>/dev/null; }

# wait_state C STATUS: until both engines report C in STATUS (at most 10 s).
wait_state() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(D inspect -f '{{.State.Status}}' "$1" 2>/dev/null) == "$2" &&
			$(X inspect -f '{{.State.Status}}' "$1" 2>/dev/null) == "$2" ]] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the scenario ------------------------------------------------------------------------------

# run: exit codes, stdout and stderr of the foreground container.
both run --name c-ok $IMAGE sh -c 'echo out; echo err >&2'
check_rc "run exit 0"
check_out "run exit 0"
check_err "run exit 0"

both run --name c-three $IMAGE sh -c 'echo three; exit 3'
check_rc "run exit 3"
check_out "run exit 3"

both run --name c-killed $IMAGE sh -c 'kill -9 $$'
check_rc "run killed by SIGKILL (137)"

both run --rm $IMAGE nosuchcommand
check_rc "run missing command (127)"

both run --rm $IMAGE /etc
check_rc "run non-executable command (126)"

both run --bogus-flag $IMAGE true
check_rc "run unknown flag (125)"
check_msg "run unknown flag"

both run --rm --pull=never nosuchimage:latest true
check_rc "run unknown image --pull=never (125)"
check_msg "run unknown image --pull=never"

both run --rm $IMAGE sh -c 'echo "$HOME $(id -u) $(pwd) $(hostname | wc -c)"'
check_out "run default HOME, uid, cwd, hostname length"

both run --rm -e FOO=bar -w /tmp -u 1000:1000 $IMAGE sh -c 'echo "$FOO $(id -u):$(id -g) $(pwd)"'
check_out "run -e -w -u"

both run --rm $IMAGE sh -c 'cat /proc/1/cmdline | tr "\0" " "'
check_out "run pid 1 is the command"

both run --rm -i $IMAGE cat
check_rc "run -i with empty stdin"

both run --rm --entrypoint echo $IMAGE hello world
check_out "run --entrypoint"

both run -d --name c-detached $IMAGE sleep 1000
check_rc "run -d"
compare "run -d prints a 64-hex id" "$([[ $d_out =~ ^[0-9a-f]{64}$ ]] && echo yes)" \
	"$([[ $x_out =~ ^[0-9a-f]{64}$ ]] && echo yes)"

# The name is taken.
both run -d --name c-detached $IMAGE sleep 1000
check_rc "run name in use"
check_msg "run name in use"
both create --name c-detached $IMAGE true
check_rc "create name in use"
check_msg "create name in use"

# A created container, a long-running one with settings, a paused one.
both create --name c-created -m 64m --restart on-failure:3 -e B=2 -e A=1 -w /srv -u nobody \
	$IMAGE sh -c 'exit 0'
check_rc "create"
both run -d --name c-settings -m 64m --rm -e FOO=bar $IMAGE sleep 1000
check_rc "run -d --rm -m 64m"
both run -d --name c-paused $IMAGE sleep 1000
both pause c-paused
check_rc "pause"
check_out "pause"
wait_state c-paused paused
both run -d --name c-unpaused $IMAGE sleep 1000
both pause c-unpaused
both unpause c-unpaused
check_rc "unpause"
check_out "unpause"
both pause c-ok
check_rc "pause of a stopped container"
check_msg "pause of a stopped container"
both unpause c-detached
check_rc "unpause of a running container"
check_msg "unpause of a running container"

# A container killed by `kill`, and one stopped by `stop`.
both run -d --name c-kill $IMAGE sleep 1000
both kill c-kill
check_rc "kill"
check_out "kill"
both wait c-kill
check_rc "wait after kill"
check_out "wait after kill (137)"
both run -d --name c-stop $IMAGE sleep 1000
both stop -t 1 c-stop
check_rc "stop"
check_out "stop"
both wait c-stop
check_out "wait after stop"
both stop nosuchcontainer
check_rc "stop of a missing container"
check_msg "stop of a missing container"
both stop c-stop
check_rc "stop of a stopped container"
check_out "stop of a stopped container"
check_msg "stop of a stopped container"
both kill c-stop
check_rc "kill of a stopped container"
check_msg "kill of a stopped container"

# ps.
both ps -a --format '{{.Names}} {{.State}}'
compare "ps -a names and states" "$(sort <<<"$d_out")" "$(sort <<<"$x_out")"
both ps --format '{{.Names}}'
compare "ps (running) names" "$(sort <<<"$d_out")" "$(sort <<<"$x_out")"
both ps -a --format '{{.Names}} {{.Command}} {{.Image}}'
compare "ps -a command and image columns" "$(sort <<<"$d_out")" "$(sort <<<"$x_out")"
# STATUS: times differ, so compare shapes ("Up <T>", "Exited (3) <T> ago", "Up <T> (Paused)").
status_shape() {
	sed -E -e 's/(Less than a second|About a minute|About an hour|[0-9]+ (seconds|minutes|hours)|an? (minute|hour))/<T>/' | sort
}
both ps -a --format '{{.Names}} {{.Status}}'
compare "ps -a STATUS shape" "$(status_shape <<<"$d_out")" "$(status_shape <<<"$x_out")"
both ps -a --filter status=exited --format '{{.Names}}'
compare "ps --filter status=exited" "$(sort <<<"$d_out")" "$(sort <<<"$x_out")"
both ps -a --filter name=c-pa --format '{{.Names}}'
compare "ps --filter name=" "$(sort <<<"$d_out")" "$(sort <<<"$x_out")"
both ps -a -q
compare "ps -a -q count and id shape" \
	"$(wc -l <<<"$d_out") $(grep -cvE '^[0-9a-f]{12}$' <<<"$d_out")" \
	"$(wc -l <<<"$x_out") $(grep -cvE '^[0-9a-f]{12}$' <<<"$x_out")"
both ps -a
compare "ps -a header" "$(head -1 <<<"$d_out" | tr -s ' ')" "$(head -1 <<<"$x_out" | tr -s ' ')"

# inspect -f.
# One inspect call per container and engine, one field a line (a field's name, its template and an
# optional filter for values that legitimately differ in form).
FIELDS=(
	"State.Status|{{.State.Status}}"
	"State.ExitCode|{{.State.ExitCode}}"
	"State.Running|{{.State.Running}}"
	"State.Paused|{{.State.Paused}}"
	"State.OOMKilled|{{.State.OOMKilled}}"
	"State.Pid (0 or set)|{{.State.Pid}}|pid"
	"Name|{{.Name}}"
	"RestartCount|{{.RestartCount}}"
	"Path|{{.Path}}"
	"Args|{{json .Args}}"
	"Config.Cmd|{{json .Config.Cmd}}"
	"Config.Entrypoint|{{json .Config.Entrypoint}}"
	"Config.Env (sorted)|{{json .Config.Env}}|sort"
	"Config.WorkingDir|{{.Config.WorkingDir}}"
	"Config.User|{{.Config.User}}"
	"Config.Image|{{.Config.Image}}"
	"HostConfig.RestartPolicy|{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"
	"HostConfig.Memory|{{.HostConfig.Memory}}"
	"HostConfig.AutoRemove|{{.HostConfig.AutoRemove}}"
	"HostConfig.NetworkMode|{{.HostConfig.NetworkMode}}"
	"Id is 64 hex|{{.Id}}|id"
	"Created is RFC 3339|{{.Created}}|time"
	"Image is a sha256 id|{{.Image}}|imageid"
)
field_filter() { # field_filter KIND: normalise one value
	case $1 in
	pid) sed -E 's/^[1-9][0-9]*$/set/' ;;
	sort) sort_json ;;
	id) sed -E 's/^[0-9a-f]{64}$/<64 hex>/' ;;
	time) sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/<RFC 3339 UTC>/' ;;
	imageid) sed -E 's/^sha256:[0-9a-f]{64}$/<sha256 id>/' ;;
	*) cat ;;
	esac
}
tmpl=""
for f in "${FIELDS[@]}"; do
	IFS='|' read -r _ t _ <<<"$f"
	tmpl+="$t"$'\n'
done
for c in c-ok c-three c-killed c-created c-settings c-paused c-unpaused c-kill c-stop c-detached; do
	mapfile -t dvals < <(D inspect -f "$tmpl" "$c" 2>&1)
	mapfile -t xvals < <(X inspect -f "$tmpl" "$c" 2>&1)
	for i in "${!FIELDS[@]}"; do
		IFS='|' read -r label _ kind <<<"${FIELDS[i]}"
		compare "inspect $c $label" "$(field_filter "$kind" <<<"${dvals[i]:-}")" \
			"$(field_filter "$kind" <<<"${xvals[i]:-}")"
	done
done
both inspect nosuchcontainer
check_rc "inspect of a missing container"
check_msg "inspect of a missing container"
compare "inspect of a missing container: stdout" "$(jq -c . <<<"$d_out")" "$(jq -c . <<<"$x_out")"

# logs.
both logs c-ok
check_rc "logs"
check_out "logs (stdout)"
check_err "logs (stderr)"
both logs c-three
check_out "logs of exit 3"
both run --name c-lines $IMAGE sh -c 'echo one; echo two; echo three'
both logs --tail 1 c-lines
check_out "logs --tail 1"
both logs --tail 0 c-lines
check_out "logs --tail 0"
both logs -t c-lines
ts_shape() { sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z /<TS> /'; }
compare "logs -t shape" "$(ts_shape <<<"$d_out")" "$(ts_shape <<<"$x_out")"
both logs nosuchcontainer
check_rc "logs of a missing container"
check_msg "logs of a missing container"

# exec.
both exec c-detached sh -c 'echo in; echo err >&2; exit 5'
check_rc "exec exit 5"
check_out "exec exit 5"
check_err "exec exit 5"
both exec -e X=1 -w /tmp c-detached sh -c 'echo $X $(pwd)'
check_out "exec -e -w"
both exec c-detached nosuchcommand
check_rc "exec missing command (126)"
both exec c-stop true
check_rc "exec in a stopped container"
check_msg "exec in a stopped container"
both exec c-paused true
check_rc "exec in a paused container"
check_msg "exec in a paused container"

# rm.
both rm c-detached
check_rc "rm of a running container without -f"
check_msg "rm of a running container without -f"
both rm nosuchcontainer
check_rc "rm of a missing container"
check_msg "rm of a missing container"
both rm c-three
check_rc "rm"
check_out "rm"

# rename.
both rename c-ok c-renamed
check_rc "rename"
check_out "rename"
both inspect -f '{{.Name}}' c-renamed
check_out "rename: new name"
both rename c-killed c-detached
check_rc "rename to a name in use"
check_msg "rename to a name in use"

# restart and start.
both restart -t 1 c-stop
check_rc "restart"
check_out "restart"
inspect_both "State.Status after restart" c-stop '{{.State.Status}}'
both start c-lines
check_rc "start"
check_out "start"
both wait c-lines
check_out "wait after start"
both logs c-lines
check_out "logs after a second start"
both start c-detached
check_rc "start of a running container"
check_out "start of a running container"
both wait c-kill c-three-gone c-killed
check_rc "wait of several, one missing"
check_out "wait of several, one missing"
check_msg "wait of several, one missing"
both ps -l --format '{{.Names}}'
check_out "ps -l (the latest container)"
both start -a c-three-gone
check_rc "start of a missing container"
check_msg "start of a missing container"

# --rm: gone once stopped.
both stop -t 1 c-settings
for ((i = 0; i < 50; i++)); do
	D inspect c-settings >/dev/null 2>&1 || X inspect c-settings >/dev/null 2>&1 || break
	sleep 0.1
done
both inspect -f '{{.Name}}' c-settings
check_rc "--rm container gone after stop"

# wait on several.
both wait c-created-nope
check_rc "wait of a missing container"
check_msg "wait of a missing container"

# ---- summary -----------------------------------------------------------------------------------

if ((tap)); then
	echo "1..$ntest"
	echo "# docker_compat: $npass passed, $nfail failed, $nknown known differences"
else
	echo "docker_compat: $npass passed, $nfail failed, $nknown known differences ($ntest checks)"
fi
((nfail == 0))
