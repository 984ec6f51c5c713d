#!/usr/bin/env bats
# Networking with real traffic: the default bridge, published ports (from the host, from another
# container, hairpin), user-defined networks with name resolution, static addresses, connect and
# disconnect, internal networks, masquerade to a stand-in "outside host" (a network namespace of
# the test's own), sharing another container's network, and the clean-up of all of it.
# Each test has its own default bridge, subnet and nftables table (helpers: network_setup).
load helpers

# The default network's gateway, 10.A.B.1 of XOCKER_BRIDGE_SUBNET.
gateway() { echo "${XOCKER_BRIDGE_SUBNET%.0/24}.1"; }

# user_subnet K: a /24 for the test's K-th user network (K = 0..2), apart from the default one.
user_subnet() { local b=${XOCKER_BRIDGE_SUBNET#10.*.}; echo "10.$((250 + $1)).${b%.0/24}.0/24"; }

# web NAME [ARGS...]: a detached busybox httpd answering /hostname with the container's name.
web() {
	local name=$1
	shift
	xocker run -d --name "$name" "$@" busybox sh -c 'mkdir -p /www && hostname >/www/hostname && exec httpd -f -p 80 -h /www'
}

# links_of ID: host links of the container's veth pairs (vx + 7 hex of the id ...).
links_of() { ip -br link | awk -v p="vx${1:0:7}" 'index($1, p) == 1' | wc -l; }

@test "default bridge: an address in the subnet, a default route, /etc/hosts, inspect; none has lo up; host shares the host's" {
	id=$(xocker run -d busybox sleep 100)
	ip=$(xocker inspect -f '{{.NetworkSettings.IPAddress}}' "$id")
	[[ "$ip" == "${XOCKER_BRIDGE_SUBNET%.0/24}".* ]]
	[ "$(xocker inspect -f '{{.NetworkSettings.Gateway}}' "$id")" = "$(gateway)" ]
	[ "$(xocker inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$id")" = "$ip" ]
	run xocker exec "$id" sh -c 'ip -4 addr show eth0; ip route; cat /etc/hosts'
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $ip/24"* ]]
	[[ "$output" == *"default via $(gateway) dev eth0"* ]]
	grep -qE "^$ip[[:space:]]+${id:0:12}\$" <<<"$output"
	run xocker exec "$id" ping -c1 -W2 "$(gateway)"
	[ "$status" -eq 0 ]
	busybox ping -c1 -W2 "$ip" >/dev/null
	[ "$(ip -br link show "$XOCKER_BRIDGE" | awk '{print $2}')" = UP ]
	[ "$(links_of "$id")" -eq 1 ]
	run xocker ps --format '{{.Networks}}'
	[ "$output" = bridge ]

	run xocker run --rm --network none busybox ip -o link
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"lo: <LOOPBACK,UP"* ]]
	run xocker run --rm --network host busybox ip -o link show "$XOCKER_BRIDGE"
	[ "$status" -eq 0 ]
}

@test "two containers on the default bridge get different addresses, released on rm and reused" {
	a=$(xocker run -d busybox sleep 100)
	b=$(xocker run -d busybox sleep 100)
	ipa=$(xocker inspect -f '{{.NetworkSettings.IPAddress}}' "$a")
	ipb=$(xocker inspect -f '{{.NetworkSettings.IPAddress}}' "$b")
	[ "$ipa" != "$ipb" ]
	run xocker exec "$a" ping -c1 -W2 "$ipb"
	[ "$status" -eq 0 ]
	xocker rm -f "$a" >/dev/null
	[ "$(links_of "$a")" -eq 0 ]
	c=$(xocker run -d busybox sleep 100)
	[ "$(xocker inspect -f '{{.NetworkSettings.IPAddress}}' "$c")" = "$ipa" ]
}

@test "concurrent runs never get the same address" {
	local i pids=()
	for i in 1 2 3 4 5 6; do
		xocker run -d busybox sleep 100 >"$TESTDIR/id.$i" &
		pids+=($!)
	done
	# Only these: a bare `wait` would also wait for bats' own timeout watchdog.
	wait "${pids[@]}"
	for i in 1 2 3 4 5 6; do
		xocker inspect -f '{{.NetworkSettings.IPAddress}}' "$(cat "$TESTDIR/id.$i")"
	done >"$TESTDIR/ips"
	[ "$(wc -l <"$TESTDIR/ips")" -eq 6 ]
	[ "$(sort -u "$TESTDIR/ips" | wc -l)" -eq 6 ]
}

@test "-p: httpd answers through the published port from 127.0.0.1, the host's own address, another container and itself (hairpin)" {
	port=$(free_port)
	web w1 -p "$port:80"
	run xocker port w1
	[ "$output" = "80/tcp -> 0.0.0.0:$port" ]
	run xocker ps --format '{{.Ports}}'
	[ "$output" = "0.0.0.0:$port->80/tcp" ]
	wait_for curl -fsS -m 2 "http://127.0.0.1:$port/hostname"
	run curl -fsS -m 5 "http://127.0.0.1:$port/hostname"
	[ "$status" -eq 0 ]
	[ "$output" = "$(xocker inspect -f '{{.Config.Hostname}}' w1)" ]
	run curl -fsS -m 5 "http://$(gateway):$port/hostname"
	[ "$status" -eq 0 ]
	run xocker run --rm busybox timeout 5 wget -qO- "http://$(gateway):$port/hostname"
	[ "$status" -eq 0 ]
	[ "$output" = "$(xocker inspect -f '{{.Config.Hostname}}' w1)" ]
	run xocker exec w1 timeout 5 wget -qO- "http://$(gateway):$port/hostname"
	[ "$status" -eq 0 ]
	nft list table ip "$XOCKER_NFT_TABLE" | grep -q "tcp dport $port dnat to"
	# Stopping removes the rule; nothing answers any more.
	xocker stop -t 1 w1 >/dev/null
	! nft list table ip "$XOCKER_NFT_TABLE" | grep -q "dport $port "
	run curl -fsS -m 2 "http://127.0.0.1:$port/hostname"
	[ "$status" -ne 0 ]
	# Started again, it publishes again.
	xocker start w1 >/dev/null
	wait_for curl -fsS -m 2 "http://127.0.0.1:$port/hostname"
}

@test "-p with an address, a range, udp; -P publishes the exposed ports on free host ports" {
	p1=$(free_port)
	p2=$((p1 + 1))
	id=$(xocker run -d -p "127.0.0.1:$p1-$p2:80-81" -p "$p1:53/udp" --expose 9000 -P busybox sleep 100)
	run xocker port "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"80/tcp -> 127.0.0.1:$p1"* ]]
	[[ "$output" == *"81/tcp -> 127.0.0.1:$p2"* ]]
	[[ "$output" == *"53/udp -> 0.0.0.0:$p1"* ]]
	run xocker port "$id" 9000
	[ "$status" -eq 0 ]
	hp=${output##*:}
	((hp >= 49153 && hp <= 60999))
	nft list table ip "$XOCKER_NFT_TABLE" | grep -q "ip daddr 127.0.0.1 tcp dport $p1 dnat to"
	nft list table ip "$XOCKER_NFT_TABLE" | grep -q "udp dport $p1 dnat to"
	nft list table ip "$XOCKER_NFT_TABLE" | grep -q "tcp dport $hp dnat to"
}

@test "a host port already published: Docker's error, exit 125, and nothing left of the second container's network" {
	port=$(free_port)
	web w1 -p "$port:80"
	run xocker run -d --name w2 -p "$port:80" busybox sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"Bind for 0.0.0.0:$port failed: port is already allocated"* ]]
	id=$(xocker inspect -f '{{.Id}}' w2)
	[ "$(xocker inspect -f '{{.State.Status}}' w2)" = created ]
	[ "$(links_of "$id")" -eq 0 ]
	[ "$(nft list table ip "$XOCKER_NFT_TABLE" | grep -c "dport $port ")" -eq 1 ]
	wait_for curl -fsS -m 2 "http://127.0.0.1:$port/hostname"
	run xocker run --rm -p 0:80 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid hostPort: 0"* ]]
	run xocker run --rm -p 80:abc busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid containerPort: abc"* ]]
}

@test "user network: containers resolve each other by name and alias (both addresses), and ping" {
	net=$(xocker network create --subnet "$(user_subnet 0)" appnet)
	[[ "$net" =~ ^[0-9a-f]{64}$ ]]
	xocker run -d --name c1 --network appnet --network-alias svc busybox sleep 100 >/dev/null
	xocker run -d --name c2 --network appnet --network-alias svc busybox sleep 100 >/dev/null
	ip1=$(xocker inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' c1)
	ip2=$(xocker inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' c2)
	run xocker run --rm --network appnet busybox sh -c 'cat /etc/resolv.conf; nslookup c1; nslookup svc; ping -c1 -W2 c2'
	[ "$status" -eq 0 ]
	sub=$(user_subnet 0)
	[[ "$output" == *"nameserver ${sub%.0/24}.1"* ]]
	[[ "$output" == *"Name:	c1"*"Address: $ip1"* ]]
	svc=$(sed -n '/Name:	svc/,$p' <<<"$output")
	[[ "$svc" == *"$ip1"* && "$svc" == *"$ip2"* ]]
	[[ "$output" == *"64 bytes from $ip2"* ]]
	# The short id resolves too.
	run xocker exec c2 nslookup "$(xocker inspect -f '{{.Id}}' c1 | cut -c1-12)"
	[[ "$output" == *"Address: $ip1"* ]]
}

@test "names do not resolve on the default bridge nor leak across networks, and networks are isolated" {
	xocker network create --subnet "$(user_subnet 0)" net1 >/dev/null
	xocker network create --subnet "$(user_subnet 1)" net2 >/dev/null
	xocker run -d --name c1 --network net1 busybox sleep 100 >/dev/null
	xocker run -d --name c0 busybox sleep 100 >/dev/null
	[ "$(xocker ps --filter network=net1 --format '{{.Names}}')" = c1 ]
	[ "$(xocker ps --filter network=bridge --format '{{.Names}}')" = c0 ]
	ip1=$(xocker inspect -f '{{.NetworkSettings.Networks.net1.IPAddress}}' c1)
	run xocker run --rm --network net2 busybox nslookup c1
	[ "$status" -ne 0 ]
	[[ "$output" != *"$ip1"* ]]
	run xocker run --rm busybox nslookup c1
	[ "$status" -ne 0 ]
	run xocker run --rm --network net2 busybox ping -c1 -W1 "$ip1"
	[ "$status" -ne 0 ]
	run xocker run --rm busybox ping -c1 -W1 "$ip1"
	[ "$status" -ne 0 ]
	run xocker run --rm --network net1 busybox ping -c1 -W2 "$ip1"
	[ "$status" -eq 0 ]
}

@test "--ip gives a static address; taken, outside the subnet, on the default bridge: clear errors, nothing left" {
	sub=$(user_subnet 0)
	xocker network create --subnet "$sub" statnet >/dev/null
	want=${sub%.0/24}.77
	id=$(xocker run -d --network statnet --ip "$want" --mac-address 02:42:aa:bb:cc:dd busybox sleep 100)
	run xocker exec "$id" ip -4 -o addr show eth0
	[[ "$output" == *"inet $want/24"* ]]
	run xocker exec "$id" cat /sys/class/net/eth0/address
	[ "$output" = 02:42:aa:bb:cc:dd ]
	[ "$(xocker inspect -f '{{.NetworkSettings.Networks.statnet.MacAddress}}' "$id")" = 02:42:aa:bb:cc:dd ]
	run xocker run --rm --mac-address 02:42:zz busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"02:42:zz is not a valid mac address"* ]]
	run xocker run -d --name dup --network statnet --ip "$want" busybox sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"Address already in use"* ]]
	run xocker inspect dup
	[ "$status" -eq 1 ]
	run xocker run -d --network statnet --ip 192.0.2.9 busybox sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"Invalid address 192.0.2.9: It does not belong to any of this network's subnets"* ]]
	run xocker run -d --ip "${XOCKER_BRIDGE_SUBNET%.0/24}.9" busybox sleep 100
	[ "$status" -eq 125 ]
	[[ "$output" == *"user specified IP address is supported on user defined networks only"* ]]
	run xocker run -d --network statnet --ip 1.2.3 busybox sleep 100
	[ "$status" -eq 125 ]
	[ "$(xocker ps -aq | wc -l)" -eq 1 ]
}

@test "network create/ls/inspect/rm: Docker's output and errors (overlap, duplicate, unknown, in use)" {
	sub=$(user_subnet 0)
	id=$(xocker network create --subnet "$sub" --ip-range "${sub%.0/24}.128/25" --label team=a -o com.docker.network.bridge.name="xtn$$" mine)
	run xocker network ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NETWORK\ ID\ +NAME\ +DRIVER\ +SCOPE$ ]]
	[[ "$output" == *"${id:0:12}   mine      bridge    local"* ]]
	[[ "$output" == *" bridge    bridge    local"* ]]
	[[ "$output" == *" host      host      local"* ]]
	[[ "$output" == *" none      null      local"* ]]
	run xocker network ls -q --filter label=team=a
	[ "$output" = "${id:0:12}" ]
	run xocker network ls --format '{{.Name}}/{{.Driver}}' --filter name=mine
	[ "$output" = "mine/bridge" ]
	[ "$(xocker network inspect -f '{{.Name}} {{.Driver}} {{.Labels.team}} {{.Internal}}' mine)" = "mine bridge a false" ]
	[ "$(xocker network inspect -f '{{json .IPAM.Config}}' mine)" = "[{\"Subnet\":\"$sub\",\"Gateway\":\"${sub%.0/24}.1\",\"IPRange\":\"${sub%.0/24}.128/25\"}]" ]
	run xocker network create --subnet "$(user_subnet 0)" other
	[ "$status" -eq 1 ]
	[[ "$output" == *"Pool overlaps with other one on this address space"* ]]
	run xocker network create --subnet "$(user_subnet 1)" mine
	[ "$status" -eq 1 ]
	[[ "$output" == *"network with name mine already exists"* ]]
	run xocker network create --subnet 10.1.2.3/24 bad
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid subnet 10.1.2.3/24"* ]]
	run xocker network inspect nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"Error: No such network: nosuch"* ]]
	run xocker run --rm --network nosuch busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"network nosuch not found"* ]]
	[ "$(xocker ps -aq | wc -l)" -eq 0 ]

	c=$(xocker run -d --network mine busybox sleep 100)
	ip -br link show "xtn$$" >/dev/null
	# The address comes from the --ip-range.
	[[ "$(xocker inspect -f '{{.NetworkSettings.Networks.mine.IPAddress}}' "$c")" == "${sub%.0/24}.129" ]]
	run xocker network rm mine
	[ "$status" -eq 1 ]
	[[ "$output" == *"error while removing network: network mine id $id has active endpoints"* ]]
	run xocker network rm bridge
	[ "$status" -eq 1 ]
	xocker rm -f "$c" >/dev/null
	run xocker network rm mine
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
	! ip link show "xtn$$" 2>/dev/null
	[ ! -d "$XOCKER_RUNROOT/networks/$id" ]
	! nft list table ip "$XOCKER_NFT_TABLE" 2>/dev/null | grep -q "xtn$$"
	run xocker network rm nosuch
	[ "$status" -eq 1 ]
}

@test "network connect and disconnect a running container: a second interface, reachable, then gone" {
	xocker network create --subnet "$(user_subnet 0)" side >/dev/null
	id=$(xocker run -d busybox sleep 100)
	peer=$(xocker run -d --network side --name peer busybox sleep 100)
	xocker network connect --alias extra side "$id"
	run xocker exec "$id" ip -4 -o addr
	[[ "$output" == *"eth1"*"$(user_subnet 0 | cut -d. -f1-3)."* ]]
	# Started on the default bridge, it has no embedded DNS (as in Docker): by address.
	run xocker exec "$id" ping -c1 -W2 "$(xocker inspect -f '{{.NetworkSettings.Networks.side.IPAddress}}' peer)"
	[ "$status" -eq 0 ]
	# (busybox nslookup fails for the AAAA part, which has no answer: the output tells.)
	run xocker exec peer nslookup extra
	[[ "$output" == *"Name:	extra"*"Address: $(user_subnet 0 | cut -d. -f1-3)."* ]]
	[ "$(links_of "$id")" -eq 2 ]
	xocker network disconnect side "$id"
	[ "$(links_of "$id")" -eq 1 ]
	run xocker exec "$id" ip -o link show eth1
	[ "$status" -ne 0 ]
	run xocker network disconnect side "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not connected to network side"* ]]
	[ -n "$peer" ]
}

# outside_host: a network namespace with its own veth to the host (10.254.X.2/30, the host's end
# .1), serving a CGI that prints the address a request came from. Removed at teardown by PID and
# name (both the test's own).
outside_host() {
	local x=${XOCKER_BRIDGE_SUBNET#10.*.}
	x=${x%.0/24}
	OUT_NS=xto$$
	OUT_HOST=10.254.$x.1
	OUT_IP=10.254.$x.2
	ip netns add "$OUT_NS"
	echo "ip netns del $OUT_NS" >>"$TESTDIR/.cleanup"
	ip link add "xtoh$$" type veth peer name eth0 netns "$OUT_NS"
	echo "ip link del xtoh$$" >>"$TESTDIR/.cleanup"
	ip addr add "$OUT_HOST/30" dev "xtoh$$"
	ip link set "xtoh$$" up
	ip -n "$OUT_NS" addr add "$OUT_IP/30" dev eth0
	ip -n "$OUT_NS" link set eth0 up
	ip -n "$OUT_NS" link set lo up
	mkdir -p "$TESTDIR/www/cgi-bin"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$TESTDIR/www/cgi-bin/ip"
	chmod +x "$TESTDIR/www/cgi-bin/ip"
	ip netns exec "$OUT_NS" busybox httpd -f -p "$OUT_IP:80" -h "$TESTDIR/www" &
	track_pid $!
	wait_for ip netns exec "$OUT_NS" curl -fsS -m 1 "http://$OUT_IP/cgi-bin/ip"
}

teardown() {
	[ -f "${TESTDIR:-/nonexistent}/.cleanup" ] && while read -r cmd; do $cmd 2>/dev/null; done <"$TESTDIR/.cleanup"
	engine_teardown
}

@test "masquerade: a container reaches the outside host, which sees the host's address; an internal network cannot" {
	outside_host
	run xocker run --rm busybox timeout 5 wget -qO- "http://$OUT_IP/cgi-bin/ip"
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT_HOST" ]
	xocker network create --subnet "$(user_subnet 0)" --internal inner >/dev/null
	xocker run -d --name i1 --network inner busybox sleep 100 >/dev/null
	run xocker run --rm --network inner busybox sh -c "ip route; timeout 2 wget -qO- http://$OUT_IP/cgi-bin/ip"
	[ "$status" -ne 0 ]
	[[ "$output" != *default* ]]
	run xocker run --rm --network inner busybox ping -c1 -W2 i1
	[ "$status" -eq 0 ]
	[ "$(xocker network inspect -f '{{.Internal}}' inner)" = true ]
}

@test "--network container:NAME shares its stack: the same address, its services on localhost, its hosts file" {
	web w1 >/dev/null
	ip=$(xocker inspect -f '{{.NetworkSettings.IPAddress}}' w1)
	run xocker run --rm --network container:w1 busybox sh -c 'ip -4 -o addr show eth0; timeout 5 wget -qO- http://127.0.0.1/hostname'
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $ip/24"* ]]
	[[ "$output" == *"$(xocker inspect -f '{{.Config.Hostname}}' w1)" ]]
	run xocker run --rm --network container:nosuch busybox true
	[ "$status" -eq 125 ]
	xocker stop -t 1 w1 >/dev/null
	run xocker run --rm --network container:w1 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"non running container"* ]]
}

@test "clean-up: after stop, kill -9 of the monitor and rm, no veth, no port rule, no lease, no DNS server" {
	xocker network create --subnet "$(user_subnet 0)" cl >/dev/null
	port=$(free_port)
	id=$(xocker run -d --network cl -p "$port:80" busybox sleep 100)
	[ "$(links_of "$id")" -eq 1 ]
	pidfile=$(ls "$XOCKER_RUNROOT"/networks/*/dnsmasq.pid)
	dns=$(cat "$pidfile")
	kill -0 "$dns"
	# A monitor killed: the next command repairs the state and the network.
	kill -KILL "$(cat "$XOCKER_RUNROOT/containers/$id/monitor.pid")"
	[ "$(xocker inspect -f '{{.State.Status}}' "$id")" = exited ]
	[ "$(links_of "$id")" -eq 0 ]
	! nft list table ip "$XOCKER_NFT_TABLE" | grep -q "dport $port "
	# Gone, or a zombie nobody reaps (this machine's pid 1 does not).
	wait_for sh -c "! grep -qv '^[0-9]* ([^)]*) Z' /proc/$dns/stat 2>/dev/null"
	xocker start "$id" >/dev/null
	[ "$(links_of "$id")" -eq 1 ]
	xocker rm -f "$id" >/dev/null
	[ "$(links_of "$id")" -eq 0 ]
	[ "$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT count(*) FROM endpoints')" -eq 0 ]
	[ "$(sqlite3 "$XOCKER_ROOT/xocker.db" 'SELECT count(*) FROM published_ports')" -eq 0 ]
	xocker network rm cl >/dev/null
	[ -z "$(ip -br link | awk '$1 ~ /^vx/' | grep -F "vx${id:0:7}")" ]
}

@test "pods: containers of a pod talk over localhost and share its published port; stop, start, rm" {
	port=$(free_port)
	pod=$(xocker pod create --name pd -p "$port:80" --label tier=web)
	[[ "$pod" =~ ^[0-9a-f]{64}$ ]]
	run xocker pod ls
	[[ "${lines[0]}" =~ ^POD\ ID\ +NAME\ +STATUS\ +CREATED\ +INFRA\ ID\ +#\ OF\ CONTAINERS$ ]]
	[[ "${lines[1]}" == "${pod:0:12}   pd "*" Created "* ]]
	xocker run -d --pod pd --name pw busybox sh -c 'mkdir -p /www && echo from-the-pod >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	run xocker run --rm --pod pd busybox sh -c 'timeout 5 wget -qO- http://127.0.0.1/'
	[ "$status" -eq 0 ]
	[ "$output" = from-the-pod ]
	wait_for curl -fsS -m 2 "http://127.0.0.1:$port/"
	[ "$(curl -fsS -m 5 "http://127.0.0.1:$port/")" = from-the-pod ]
	[ "$(xocker pod inspect -f '{{.State}} {{.NumContainers}} {{.Labels.tier}}' pd)" = "Running 2 web" ]
	infra=$(xocker pod inspect -f '{{.InfraContainerID}}' pd)
	[ "$(xocker inspect -f '{{.Config.Entrypoint}}' "$infra")" = "[/.xocker-pause]" ]
	# Stopped and started again: the members join the new infra's namespaces.
	xocker pod stop -t 1 pd >/dev/null
	[ "$(xocker pod inspect -f '{{.State}}' pd)" = Exited ]
	xocker pod start pd >/dev/null
	wait_for curl -fsS -m 2 "http://127.0.0.1:$port/"
	run xocker pod rm pd
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot remove container"*"as it is running"* ]]
	run xocker pod rm -f pd
	[ "$status" -eq 0 ]
	[ "$output" = "$pod" ]
	[ -z "$(xocker ps -aq)" ]
	[ -z "$(xocker pod ls -q)" ]
	[ "$(ip -br link | awk '$1 ~ /^vx/' | grep -c -F "vx${infra:0:7}")" -eq 0 ]
}

@test "pods: bad input (ports or a network on a member, unknown pod, a taken name) leaves nothing" {
	xocker pod create --name pd >/dev/null
	run xocker run -d --pod pd -p 8080:80 busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"published or exposed ports must be defined when the pod is created"* ]]
	run xocker run -d --pod pd --network none busybox true
	[ "$status" -eq 125 ]
	run xocker run -d --pod nosuch busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no pod with name or ID nosuch found"* ]]
	run xocker pod create --name pd
	[ "$status" -eq 1 ]
	[[ "$output" == *"pod already exists"* ]]
	[ "$(xocker ps -aq | wc -l)" -eq 1 ]
	[ "$(xocker pod ls -q | wc -l)" -eq 1 ]
}

@test "other names go to the host's resolvers, and only when the host has some" {
	# The stand-in for the host's resolver: a dnsmasq of the test's own on a loopback address.
	local x=${XOCKER_BRIDGE_SUBNET#10.*.}
	local upstream=127.77.${x%.0/24}.53
	dnsmasq --conf-file=/dev/null --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$upstream" --address=/outside.test/192.0.2.77 --pid-file= &
	track_pid $!
	xocker network create --subnet "$(user_subnet 0)" fw >/dev/null
	xocker run -d --name r1 --network fw busybox sleep 100 >/dev/null
	# The host has no resolver (the test's empty resolv.conf): nothing is forwarded.
	run xocker exec r1 nslookup outside.test
	[[ "$output" != *192.0.2.77* ]]
	# Now it has one.
	echo "nameserver $upstream" >"$XOCKER_RESOLV_CONF"
	touch -d '+2 seconds' "$XOCKER_RESOLV_CONF"
	wait_for sh -c "\"$XOCKER\" exec r1 nslookup outside.test | grep -q 192.0.2.77"
	# Local names still come first.
	run xocker exec r1 nslookup r1
	[[ "$output" == *"Address: $(user_subnet 0 | cut -d. -f1-3)."* ]]
}

@test "-o com.docker.network.driver.mtu sets the bridge's and the containers' MTU; a bad value is refused" {
	xocker network create --subnet "$(user_subnet 0)" -o com.docker.network.driver.mtu=9000 -o com.docker.network.bridge.name="xtm$$" big >/dev/null
	run xocker run --rm --network big busybox cat /sys/class/net/eth0/mtu
	[ "$output" = 9000 ]
	[ "$(cat "/sys/class/net/xtm$$/mtu")" = 9000 ]
	# (Not a hex name: lookups also take a unique id prefix.)
	run xocker network create --subnet "$(user_subnet 1)" -o com.docker.network.driver.mtu=12ab wrongmtu
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid MTU number: 12ab"* ]]
	run xocker network inspect wrongmtu
	[ "$status" -eq 1 ]
}
