# Helpers for the registry tests: a real registry (Debian's docker-registry) on 127.0.0.1, optionally
# with htpasswd auth or TLS, small fake servers in python3 (errors, stalls, a token front, a
# throttling proxy), and test images made with umoci and pushed with skopeo.
load "$(dirname "${BASH_SOURCE[0]}")/helpers"

# Fast retries and a short stall limit, so error tests take seconds.
export XOCKER_REGISTRY_RETRY_DELAY_MS=100
export XOCKER_REGISTRY_STALL_TIMEOUT=5

REG_PY=$HELPERS_DIR/registry_fake.py

# reg_port: a free port below the ephemeral range (32768-), so that no client connection of
# another test holds it.
reg_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((10000 + RANDOM % 22000))
		ss -Htan "sport = :$port" | grep -q . || { echo "$port"; return 0; }
	done
	return 1
}

# start_registry [--htpasswd] [--tls]: start docker-registry; sets REGISTRY (127.0.0.1:PORT),
# REGISTRY_DATA (its storage) and, with --tls, REGISTRY_CA (the CA that signed its certificate).
# With --htpasswd the user is "user", the password "pass".
start_registry() {
	local htpasswd=0 tls=0 port dir
	for a in "$@"; do
		case $a in
		--htpasswd) htpasswd=1 ;;
		--tls) tls=1 ;;
		*) echo "start_registry: unknown option $a" >&2; return 1 ;;
		esac
	done
	port=$(reg_port)
	dir=$TESTDIR/registry-$port
	mkdir -p "$dir/data"
	REGISTRY=127.0.0.1:$port
	REGISTRY_DATA=$dir/data
	{
		echo "version: 0.1"
		echo "log: {level: error, accesslog: {disabled: true}}"
		echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
		echo "http:"
		echo "  addr: $REGISTRY"
		if [ $tls = 1 ]; then
			make_tls_cert "$dir"
			echo "  tls: {certificate: $dir/server.crt, key: $dir/server.key}"
		fi
		if [ $htpasswd = 1 ]; then
			htpasswd -Bbn user pass >"$dir/htpasswd"
			echo "auth: {htpasswd: {realm: xocker-test, path: $dir/htpasswd}}"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	track_pid $!
	local scheme=http
	[ $tls = 1 ] && scheme=https
	wait_for curl -fsS -k -o /dev/null -w '%{http_code}' "$scheme://$REGISTRY/v2/" ||
		curl -sS -k -o /dev/null -w '%{http_code}' "$scheme://$REGISTRY/v2/" | grep -q 401 ||
		{ cat "$dir/log" >&2; return 1; }
}

# make_tls_cert DIR: a CA (DIR/ca.crt) and a server certificate for 127.0.0.1 signed by it.
make_tls_cert() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=xocker-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
	REGISTRY_CA=$d/ca.crt
}

# make_oci_image DIR TAG [LAYERS] [BYTES]: an OCI layout made by umoci with LAYERS layers (default 2),
# each holding BYTES (default 20000) random bytes at /layerN/data plus a small text file.  (umoci
# 0.4.7's `insert` writes tar streams without their end padding, so layers are made by repack.)
make_oci_image() {
	local d=$1 tag=$2 layers=${3:-2} bytes=${4:-20000} i b=$TESTDIR/bundle-$2
	[ -d "$d" ] || umoci init --layout "$d"
	umoci new --image "$d:$tag"
	umoci unpack --image "$d:$tag" "$b" >/dev/null
	for i in $(seq 1 "$layers"); do
		mkdir -p "$b/rootfs/layer$i"
		head -c "$bytes" /dev/urandom >"$b/rootfs/layer$i/data"
		echo "layer $i of $tag" >"$b/rootfs/layer$i/hello.txt"
		umoci repack --refresh-bundle --image "$d:$tag" "$b"
	done
	umoci config --image "$d:$tag" --config.cmd /bin/sh --config.env PATH=/bin
	rm -rf "$b"
}

# skopeo_push SRC DEST: copy SRC (an skopeo transport reference) to docker://DEST on the test
# registry, with the test credentials when the registry wants them.
skopeo_push() {
	skopeo copy -q --dest-tls-verify=false ${SKOPEO_CREDS:+--dest-creds "$SKOPEO_CREDS"} "$@"
}

# push_test_image NAME[:TAG] [LAYERS] [BYTES]: make an image and push it to $REGISTRY/NAME:TAG.
push_test_image() {
	local name=${1%%:*} tag=latest
	[[ $1 == *:* ]] && tag=${1#*:}
	make_oci_image "$TESTDIR/oci" "$tag-$name" "${2:-2}" "${3:-20000}"
	skopeo_push "oci:$TESTDIR/oci:$tag-$name" "docker://$REGISTRY/$name:$tag"
}

# registry_digest NAME:TAG [HOST:PORT]: the manifest digest the registry ($REGISTRY by default)
# serves for NAME:TAG.
registry_digest() {
	curl -fsS -o /dev/null -D - \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
		"http://${2:-$REGISTRY}/v2/${1%%:*}/manifests/${1#*:}" | tr -d '\r' |
		awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

# start_fake MODE [ARGS...]: a python3 server on a free port (see registry_fake.py); sets FAKE
# (127.0.0.1:PORT).
start_fake() {
	local port
	port=$(reg_port)
	python3 "$REG_PY" "$1" "$port" "${@:2}" >"$TESTDIR/fake-$port.log" 2>&1 &
	track_pid $!
	FAKE=127.0.0.1:$port
	wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || { cat "$TESTDIR/fake-$port.log" >&2; return 1; }
}

# tmp_blobs: the number of files in the store's blobs/tmp.
tmp_blobs() { find "$XOCKER_ROOT/blobs/tmp" -type f | wc -l; }

# xtag SRC DST: tag with `xocker tag`, or, while that command is not there, in the store directly
# (both names normalised).
xtag() {
	xocker tag "$1" "$2" 2>/dev/null && return 0
	sqlite3 "$XOCKER_ROOT/xocker.db" \
		"INSERT OR REPLACE INTO tags(name, image_id) SELECT '$2', image_id FROM tags WHERE name = '$1'"
	[ "$(sqlite3 "$XOCKER_ROOT/xocker.db" "SELECT count(*) FROM tags WHERE name = '$2'")" -eq 1 ]
}
