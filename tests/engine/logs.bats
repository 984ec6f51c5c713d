#!/usr/bin/env bats
# The json-file log: Docker's line format, logs with -f, --tail, -t, --since, --until, rotation by
# max-size/max-file, --log-driver none; attach.

load helpers

log_path() { xocker inspect -f '{{.LogPath}}' "$1"; }

@test "the log file has Docker's json-file lines for both streams" {
	xocker run --name lg busybox sh -c 'echo out; echo err >&2; printf "no newline"' >/dev/null 2>&1
	f=$(log_path lg)
	[ -f "$f" ]
	[ "$(wc -l <"$f")" -eq 3 ]
	jq -s -e 'any(.[]; .stream == "stdout" and .log == "out\n")' "$f" >/dev/null
	jq -s -e 'any(.[]; .stream == "stderr" and .log == "err\n")' "$f" >/dev/null
	jq -s -e 'any(.[]; .log == "no newline")' "$f" >/dev/null
	# Every line has an RFC 3339 time with nanoseconds.
	[ "$(jq -r '.time' "$f" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$')" -eq 3 ]
}

@test "logs prints stdout and stderr to their own streams" {
	xocker run --name lg busybox sh -c 'echo out; echo err >&2' >/dev/null 2>&1
	xocker logs lg >"$TESTDIR/o" 2>"$TESTDIR/e"
	[ "$(cat "$TESTDIR/o")" = out ]
	[ "$(cat "$TESTDIR/e")" = err ]
}

@test "logs --tail and -t" {
	xocker run --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done' >/dev/null
	run xocker logs --tail 2 lg
	[ "$output" = "$(printf 'line4\nline5')" ]
	run xocker logs -n 0 lg
	[ -z "$output" ]
	run xocker logs --tail all lg
	[ "$(echo "$output" | wc -l)" -eq 5 ]
	run xocker logs -t --tail 1 lg
	[[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ line5$ ]]
	run xocker logs --tail x lg
	[ "$status" -ne 0 ]
}

@test "logs --since and --until select by time" {
	xocker run -d --name lg busybox sh -c 'echo early; sleep 1.2; echo late' >/dev/null
	xocker wait lg >/dev/null
	run xocker logs --since 1s lg
	[ "$output" = late ]
	t=$(jq -r 'select(.log == "late\n") | .time' "$(log_path lg)")
	run xocker logs --until "$t" lg
	[[ "$output" == *early* ]]
	run xocker logs --since 2000-01-01T00:00:00Z lg
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	run xocker logs --since yesterday lg
	[ "$status" -ne 0 ]
}

@test "logs -f follows until the container exits" {
	xocker run -d --name lg busybox sh -c 'echo a; sleep 0.5; echo b; sleep 0.5; echo c' >/dev/null
	run timeout 20 "$XOCKER" logs -f lg
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb\nc')" ]
}

@test "max-size and max-file rotate the log and logs reads across the files" {
	xocker run --name lg --log-opt max-size=1k --log-opt max-file=3 busybox \
		sh -c 'i=0; while [ $i -lt 60 ]; do echo "line $i padding padding padding"; i=$((i+1)); done' >/dev/null
	f=$(log_path lg)
	[ -f "$f.1" ]
	[ -f "$f.2" ]
	[ ! -e "$f.3" ]
	for x in "$f" "$f.1" "$f.2"; do [ "$(stat -c %s "$x")" -le 1100 ]; done
	run xocker logs lg
	# The oldest lines were rotated away; the newest are all there, in order.
	[ "$(echo "$output" | tail -1)" = "line 59 padding padding padding" ]
	echo "$output" | awk '{print $2}' | sort -n -c
}

@test "--log-driver none keeps no log and logs says so" {
	xocker run --name lg --log-driver none busybox echo hi >/dev/null
	[ ! -e "$(log_path lg)" ]
	run xocker logs lg
	[ "$status" -eq 1 ]
	[[ "$output" == *"configured logging driver does not support reading"* ]]
}

@test "attach sees new output and returns the exit code" {
	xocker run -d --name at busybox sh -c "sleep 2; echo attached; exit 6" >/dev/null
	run timeout 20 "$XOCKER" attach at
	echo "$status $output"
	[ "$status" -eq 6 ]
	[[ "$output" == *attached* ]]
	run xocker attach at
	[ "$status" -eq 1 ]
	[[ "$output" == *"You cannot attach to a stopped container"* ]]
}

@test "logs of a missing container fails" {
	run xocker logs nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such container: nosuch"* ]]
}
