#!/usr/bin/env bats
# state and list: the spec's state JSON and runc's list formats.

load helpers

@test "state reports the spec's fields for a running container" {
	update_config '.annotations = {"org.xrun.test": "yes", "org.xrun.other": "2"}'
	start_sleeper
	xr state "$CTR"
	assert_success
	json=$output
	assert_eq "$(jq -r '.ociVersion | type' <<<"$json")" string
	[ -n "$(jq -r .ociVersion <<<"$json")" ]
	assert_eq "$(jq -r .id <<<"$json")" "$CTR"
	assert_eq "$(jq -r .status <<<"$json")" running
	assert_eq "$(jq -r .bundle <<<"$json")" "$BUNDLE"
	assert_eq "$(jq -r '.annotations["org.xrun.test"]' <<<"$json")" yes
	assert_eq "$(jq -r '.annotations["org.xrun.other"]' <<<"$json")" 2
	pid=$(jq -r .pid <<<"$json")
	assert_eq "$(jq -r '.pid | type' <<<"$json")" number
	# The pid is the container's init, seen from the host.
	[ /proc/$pid/root -ef "$ROOTFS" ]
	assert_eq "$(tr "\0" " " </proc/$pid/cmdline)" "sleep 1000 "
}

@test "state follows the container: created, running, stopped" {
	set_args sh -c 'sleep 0.5'
	create_ctr
	assert_success
	xr state "$CTR"
	assert_success
	assert_eq "$(jq -r .status <<<"$output")" created
	[ "$(jq -r .pid <<<"$output")" -gt 0 ]
	xr start "$CTR"
	assert_success
	assert_eq "$(ctr_status "$CTR")" running
	wait_status "$CTR" stopped
	xr state "$CTR"
	assert_success
	assert_eq "$(jq -r .id <<<"$output")" "$CTR"
	assert_eq "$(jq -r .bundle <<<"$output")" "$BUNDLE"
}

@test "state of a container that does not exist fails with one line naming it" {
	xr state xt-no-such-container
	assert_failure
	assert_contains "$stderr" "does not exist"
	assert_one_error_line
	xrun_only
	assert_contains "$stderr" xt-no-such-container
}

@test "list shows nothing for an empty root" {
	xr list -q
	assert_success
	assert_eq "$output" ""
	xr list --format json
	assert_success
	assert_eq "$(jq -c '. // [] | length' <<<"$output")" 0
}

@test "list --format table has a header and one row per container" {
	start_sleeper
	running=$CTR
	running_pid=$PID
	set_args sleep 1000
	create_ctr
	assert_success
	created=$CTR
	created_pid=$(ctr_pid "$created")

	xr list
	assert_success
	read -r -a header <<<"${lines[0]}"
	assert_eq "${header[*]:0:4}" "ID PID STATUS BUNDLE"
	assert_eq "${#lines[@]}" 3
	row=$(awk -v id="$running" '$1 == id { print $2, $3, $4 }' <<<"$output")
	assert_eq "$row" "$running_pid running $BUNDLE"
	row=$(awk -v id="$created" '$1 == id { print $2, $3, $4 }' <<<"$output")
	assert_eq "$row" "$created_pid created $BUNDLE"
}

@test "list --format json gives the state of every container" {
	update_config '.annotations = {"org.xrun.test": "listed"}'
	start_sleeper
	running=$CTR
	running_pid=$PID
	set_args sleep 1000
	create_ctr
	assert_success
	created=$CTR

	xr list --format json
	assert_success
	assert_eq "$(jq 'length' <<<"$output")" 2
	assert_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .status' <<<"$output")" running
	assert_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .pid' <<<"$output")" "$running_pid"
	assert_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$BUNDLE"
	assert_eq "$(jq -r --arg id "$created" '.[] | select(.id == $id) | .status' <<<"$output")" created
}

@test "list -q prints only the ids" {
	start_sleeper
	a=$CTR
	set_args sleep 1000
	create_ctr
	assert_success
	b=$CTR
	xr list -q
	assert_success
	assert_eq "$(sort <<<"$output")" "$(printf '%s\n' "$a" "$b" | sort)"
}

@test "list shows a stopped container as stopped" {
	set_args true
	create_ctr
	assert_success
	xr start "$CTR"
	assert_success
	wait_status "$CTR" stopped
	xr list --format json
	assert_success
	assert_eq "$(jq -r --arg id "$CTR" '.[] | select(.id == $id) | .status' <<<"$output")" stopped
}

@test "--root keeps containers apart" {
	start_sleeper
	other=$TESTDIR/other-root
	mkdir "$other"
	out=$(timeout 20 "$XRUN" --root "$other" list -q </dev/null 3>&-)
	assert_eq "$out" ""
	run_out=$(timeout 20 "$XRUN" --root "$other" state "$CTR" 2>&1 </dev/null 3>&-) && fail "state found $CTR in another root: $run_out"
	xr state "$CTR"
	assert_success
}
