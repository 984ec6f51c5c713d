#!/usr/bin/env bats
# Rootless: xrun run by a non-root user (uid $RL_UID, made for this file
# if missing and removed afterwards; setpriv drops root's ids and
# capabilities). `spec --rootless` gives a working config, the user
# namespace maps the caller (newuidmap/newgidmap for more than one id, with
# /etc/subuid and /etc/subgid entries this file adds and takes back), no
# cgroup is made (a warning says so), and kill/delete work.

load helpers

RL_UID=4711
RL_USER=xrun-rootless
SUB_START=300000
SUB_COUNT=65536

setup_file() {
	# The user (and its group) exist for newuidmap/newgidmap, which look the
	# caller up by name. No subordinate ids are allocated by useradd.
	if ! getent passwd "$RL_UID" >/dev/null; then
		getent group "$RL_UID" >/dev/null || groupadd -g "$RL_UID" "$RL_USER"
		useradd -M -N -u "$RL_UID" -g "$RL_UID" -d /nonexistent -s /usr/sbin/nologin \
			-K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RL_USER"
		touch "$BATS_FILE_TMPDIR/made-user"
	fi
	RL_NAME=$(getent passwd "$RL_UID" | cut -d: -f1)
	export RL_NAME
}

teardown_file() {
	if [ -e "$BATS_FILE_TMPDIR/made-user" ]; then
		userdel "$RL_USER" 2>/dev/null || true
		! getent group "$RL_USER" >/dev/null || groupdel "$RL_USER" 2>/dev/null || true
	fi
}

setup() {
	xrun_setup
	install_xhelper
	# The bundle, the state root and the user's runtime dir belong to the user.
	mkdir -m 0700 "$TESTDIR/run"
	chown -R "$RL_UID:$RL_UID" "$BUNDLE" "$ROOT" "$TESTDIR/run"
	SUBID_SAVED=
}

teardown() {
	local d
	# Containers made without --root live in the user's runtime dir.
	for d in "$(user_root)"/*; do
		[ -e "$d" ] || continue
		timeout -k 2 20 "$XRUN" --root "$(user_root)" delete --force "${d##*/}" >/dev/null 2>&1 </dev/null 3>&- || true
	done
	restore_subids
	xrun_teardown
}

# user_root: the default state root of the user ($XDG_RUNTIME_DIR/xrun;
# runc's is .../runc).
user_root() { if is_runc; then echo "$TESTDIR/run/runc"; else echo "$TESTDIR/run/xrun"; fi; }

# xu ARGS...: as xr, but xrun runs as the user (uid and gid $RL_UID, no
# supplementary groups, no capabilities) with a small environment of its
# own; without --root in ARGS xrun picks its default state root.
xu() {
	local pfx=$TESTDIR/xu
	status=0
	timeout -k 5 "$XR_TIMEOUT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$TESTDIR/run" \
		XDG_RUNTIME_DIR="$TESTDIR/run" \
		setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups --inh-caps=-all \
		"$XRUN" "$@" >"$pfx.out" 2>"$pfx.err" </dev/null 3>&- || status=$?
	_xr_collect "$pfx" "(as $RL_UID) $*"
}

# rootless_bundle ARG...: replace the bundle's config with the user's
# `xrun spec --rootless`, not a terminal, running ARGs, with the test's own
# cgroup path (so a cgroup made by mistake would be found and removed).
rootless_bundle() {
	rm "$BUNDLE/config.json"
	xu spec --rootless --bundle "$BUNDLE"
	assert_success
	update_config '.process.terminal = false | del(.process.consoleSize)'
	set_args "$@"
	new_id
	# runc ignores an unwritable cgroup only when no path is asked for.
	! is_runc || update_config 'del(.linux.cgroupsPath)'
}

# add_subids: give the user SUB_COUNT subordinate uids and gids from
# SUB_START; teardown puts the files back byte for byte.
add_subids() {
	local f
	SUBID_SAVED=$TESTDIR/subid-saved
	mkdir "$SUBID_SAVED"
	for f in subuid subgid; do
		if [ -e "/etc/$f" ]; then cp -p "/etc/$f" "$SUBID_SAVED/$f"; else : >"$SUBID_SAVED/$f.absent"; fi
		echo "$RL_NAME:$SUB_START:$SUB_COUNT" >>"/etc/$f"
	done
}

restore_subids() {
	local f
	[ -n "${SUBID_SAVED:-}" ] && [ -d "$SUBID_SAVED" ] || return 0
	for f in subuid subgid; do
		if [ -e "$SUBID_SAVED/$f.absent" ]; then
			rm -f "/etc/$f"
		else
			# Same inode, owner and mode: only the content is put back.
			cat "$SUBID_SAVED/$f" >"/etc/$f"
		fi
	done
	SUBID_SAVED=
}

# The tests marked RACE use the single own-id mapping that xrun writes
# itself: they once failed when the child made itself non-dumpable before
# the unprivileged parent wrote its maps (fixed: the child waits for GO).

# ---------------------------------------------------------------- spec --rootless

# RACE (see above)
@test "rootless: spec --rootless runs; uid 0 inside, the maps show the caller's uid and gid" {
	rootless_bundle sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; ls -ln /xhelper'
	assert_eq "$(jq -c '[.linux.uidMappings, .linux.gidMappings]' "$BUNDLE/config.json")" \
		"[[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}]]"
	xu --root "$ROOT" run --bundle "$BUNDLE" "$CTR"
	assert_success
	assert_eq "${lines[0]}" 0
	assert_eq "${lines[1]}" 0
	assert_eq "$(xargs <<<"${lines[2]}")" "0 $RL_UID 1"
	assert_eq "$(xargs <<<"${lines[3]}")" "0 $RL_UID 1"
	# The user's own file is root's inside.
	assert_eq "$(awk '{ print $3, $4 }' <<<"${lines[4]}")" "0 0"
}

# RACE (see above)
@test "rootless: --root under the user's dir holds the state, owned by the user" {
	rootless_bundle sleep 1000
	xu --root "$ROOT" run -d --bundle "$BUNDLE" "$CTR"
	assert_success
	wait_status "$CTR" running
	[ -f "$ROOT/$CTR/state.json" ] || fail "no state in $ROOT/$CTR"
	assert_eq "$(stat -c %u "$ROOT/$CTR" "$ROOT/$CTR/state.json" | sort -u)" "$RL_UID"
	pid=$(ctr_pid "$CTR")
	# The init runs as the user on the host (root only inside).
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$RL_UID"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(host_ns user)" ] || fail "no user namespace of its own"
	xu --root "$ROOT" state "$CTR"
	assert_success
	assert_eq "$(jq -r .status <<<"$output")" running
	# exec by the user joins the container: root inside, the user outside.
	xu --root "$ROOT" exec "$CTR" sh -c 'id -u; cat /proc/self/uid_map'
	assert_success
	assert_eq "${lines[0]}" 0
	assert_eq "$(xargs <<<"${lines[1]}")" "0 $RL_UID 1"
	# Without a cgroup there is nothing to freeze: pause says so, and the
	# container runs on.
	xu --root "$ROOT" pause "$CTR"
	assert_failure
	xrun_only # runc warns on top
	assert_one_error_line cgroup
	assert_eq "$(ctr_status "$CTR")" running
}

# RACE (see above)
@test "rootless: without --root the state goes to \$XDG_RUNTIME_DIR/xrun; list/kill/delete work there" {
	rootless_bundle sleep 1000
	xu run -d --bundle "$BUNDLE" "$CTR"
	assert_success
	[ -f "$(user_root)/$CTR/state.json" ] || fail "no state in \$XDG_RUNTIME_DIR/xrun"
	xu list -q
	assert_success
	assert_eq "$output" "$CTR"
	xu kill "$CTR" KILL
	assert_success
	for i in $(seq 50); do
		xu state "$CTR"
		[ "$(jq -r .status <<<"$output")" != stopped ] || break
		sleep 0.1
	done
	assert_eq "$(jq -r .status <<<"$output")" stopped
	xu delete "$CTR"
	assert_success
	[ ! -e "$(user_root)/$CTR" ] || fail "state left in \$XDG_RUNTIME_DIR/xrun"
}

# ---------------------------------------------------------------- cgroups

# RACE (see above)
@test "rootless: no cgroup is made (a warning says so) and the container still works" {
	rootless_bundle sh -c 'echo alive; exec sleep 1000'
	xu --root "$ROOT" run -d --bundle "$BUNDLE" "$CTR"
	assert_success
	warning=$stderr
	wait_status "$CTR" running
	pid=$(ctr_pid "$CTR")
	assert_eq "$(cgroup_dirs "$CTR")" ""
	# The container stays in the caller's cgroups.
	! grep -q "$CTR" "/proc/$pid/cgroup" || fail "in a cgroup of its own: $(cat "/proc/$pid/cgroup")"
	assert_eq "$(sed 's/^[0-9]*://' "/proc/$pid/cgroup" | sort)" "$(sed 's/^[0-9]*://' /proc/self/cgroup | sort)"
	wait_for grep -q alive "$TESTDIR/xu.out"

	xu --root "$ROOT" kill "$CTR" KILL
	assert_success
	wait_status "$CTR" stopped
	xu --root "$ROOT" delete "$CTR"
	assert_success
	assert_gone "$CTR"
	xrun_only # runc says nothing
	assert_contains "$warning" cgroup
	assert_contains "${warning,,}" warn
}

@test "rootless: resources that need a cgroup fail create clearly; nothing left" {
	rootless_bundle sleep 1000
	update_config '.linux.resources = {"pids": {"limit": 10}}'
	xu --root "$ROOT" create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc's messages differ
	assert_one_error_line cgroup
}

# ---------------------------------------------------------------- user namespace

@test "rootless: a config without a user namespace fails clearly; nothing left" {
	rootless_bundle true
	update_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	xu --root "$ROOT" create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc's messages differ
	assert_one_error_line "user namespace"
}

@test "rootless: several mappings go through newuidmap/newgidmap with /etc/subuid and /etc/subgid" {
	add_subids
	rootless_bundle sh -c 'cat /proc/self/uid_map /proc/self/gid_map; exec sleep 1000'
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
			{"containerID": 1, "hostID": $s, "size": $n}]
		| .linux.gidMappings = .linux.uidMappings
		| .process.user = {"uid": 1000, "gid": 1000}' \
		--argjson u "$RL_UID" --argjson s "$SUB_START" --argjson n "$SUB_COUNT"
	xu --root "$ROOT" run -d --bundle "$BUNDLE" "$CTR"
	assert_success
	wait_status "$CTR" running
	pid=$(ctr_pid "$CTR")
	assert_eq "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" "0 $RL_UID 1
1 $SUB_START $SUB_COUNT"
	assert_eq "$(awk '{ print $1, $2, $3 }' "/proc/$pid/gid_map")" "0 $RL_UID 1
1 $SUB_START $SUB_COUNT"
	# uid 1000 inside is SUB_START + 999 on the host.
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" $((SUB_START + 999))
	assert_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" $((SUB_START + 999))
	xu --root "$ROOT" kill "$CTR" KILL
	assert_success
	wait_status "$CTR" stopped
	xu --root "$ROOT" delete "$CTR"
	assert_success
	assert_gone "$CTR"

	# The files are back as they were.
	restore_subids
	! grep -q "^$RL_NAME:" /etc/subuid /etc/subgid || fail "subordinate ids left in /etc/subuid or /etc/subgid"
}

@test "rootless: several mappings without subordinate ids fail create clearly; nothing left" {
	! grep -qE "^($RL_NAME|$RL_UID):" /etc/subuid 2>/dev/null || skip "$RL_NAME has subordinate uids on this host"
	rootless_bundle true
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
			{"containerID": 1, "hostID": $s, "size": $n}]' \
		--argjson u "$RL_UID" --argjson s "$SUB_START" --argjson n "$SUB_COUNT"
	xu --root "$ROOT" create --bundle "$BUNDLE" "$CTR"
	assert_failure
	assert_nothing_left "$CTR"
	xrun_only # runc's messages differ
	# The cgroup warning and newuidmap's own reason may come first; the
	# error is the last line.
	assert_contains "${err_lines[-1]}" linux.uidMappings
	assert_contains "${err_lines[-1]}" newuidmap
	assert_contains "$stderr" "not allowed"
}
