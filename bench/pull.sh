#!/bin/bash
# bench/pull.sh [XOCKER]: time `xocker pull` against `podman pull` of the same image from a local
# registry, each run into an empty store, and measure xocker's layer unpack throughput.
#
# The image: 5 layers of 21 MiB of random data each (105 MiB, incompressible), made with umoci
# and pushed with skopeo to Debian's docker-registry started here on 127.0.0.1 (stopped by PID at
# the end). Podman is set up with shared/peers/podman-env (see shared/peers/README.md).
#   XOCKER        the binary to time (default build/xocker)
#   RUNS          hyperfine runs per command (default 5)
#   LAYERS, LAYER_MIB   the image's shape (default 5 x 21)
set -euo pipefail
cd "$(dirname "$0")/.."
XOCKER=$(realpath "${1:-${XOCKER:-build/xocker}}")
RUNS=${RUNS:-5}
LAYERS=${LAYERS:-5}
LAYER_MIB=${LAYER_MIB:-21}
PEERS=$(realpath "${PEERS:-../shared/peers}")
[ -d "$PEERS" ] || PEERS=/work/shared/peers
for tool in docker-registry skopeo umoci hyperfine podman; do
	command -v "$tool" >/dev/null || { echo "bench/pull.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /var/tmp/xocker-pull-bench.XXXXXX)
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
	[ -n "${PODMAN:-}" ] && "$PODMAN" rmi -af >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# A port below the ephemeral range that nothing uses.
port=
for _ in $(seq 1 50); do
	p=$((10000 + RANDOM % 22000))
	ss -Htan "sport = :$p" | grep -q . || { port=$p; break; }
done
REGISTRY=127.0.0.1:$port
cat >"$WORK/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/registry}}
http: {addr: $REGISTRY}
EOF
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null && break
	sleep 0.1
done

echo "== building a ${LAYERS}-layer image of $((LAYERS * LAYER_MIB)) MiB" >&2
umoci init --layout "$WORK/oci"
umoci new --image "$WORK/oci:bench"
umoci unpack --image "$WORK/oci:bench" "$WORK/bundle" >/dev/null
for i in $(seq 1 "$LAYERS"); do
	mkdir -p "$WORK/bundle/rootfs/layer$i"
	# several files per layer, like a real image
	for f in 1 2 3; do
		head -c $((LAYER_MIB * 1024 * 1024 / 3)) /dev/urandom >"$WORK/bundle/rootfs/layer$i/file$f"
	done
	umoci repack --refresh-bundle --image "$WORK/oci:bench" "$WORK/bundle"
done
rm -rf "$WORK/bundle"
skopeo copy -q --dest-tls-verify=false "oci:$WORK/oci:bench" "docker://$REGISTRY/bench:v1"
rm -rf "$WORK/oci"
compressed=$(du -sb "$WORK/registry/docker/registry/v2/blobs" | cut -f1)

PODMAN=$("$PEERS/podman-env" "$WORK/podman")
XROOT=$WORK/xroot
# An empty store for each run; the built-in images are seeded in --prepare, not timed.
XPREP="rm -rf $XROOT && $XOCKER --root $XROOT --runroot $WORK/xrun images >/dev/null"
PPREP="$PODMAN rmi -af >/dev/null 2>&1 || true"

echo "== hyperfine ($RUNS runs each)" >&2
hyperfine --runs "$RUNS" --export-json "$WORK/hf.json" \
	--prepare "$XPREP" -n "xocker pull" \
	"$XOCKER --root $XROOT --runroot $WORK/xrun pull -q $REGISTRY/bench:v1" \
	--prepare "$PPREP" -n "podman pull" \
	"$PODMAN pull -q --tls-verify=false $REGISTRY/bench:v1" >&2

# Layer unpack throughput: the time xocker spends in layer_ensure (its debug log says it).
eval "$XPREP"
"$XOCKER" --root "$XROOT" --runroot "$WORK/xrun" --debug pull -q "$REGISTRY/bench:v1" \
	2>"$WORK/debug.log" >/dev/null
unpack=$(grep -o 'unpacked [0-9]* compressed bytes of layers in [0-9.]* s' "$WORK/debug.log" | tail -1)
ubytes=$(awk '{print $2}' <<<"$unpack")
usecs=$(awk '{print $8}' <<<"$unpack")

python3 - "$WORK/hf.json" "$compressed" "$ubytes" "$usecs" <<'PY'
import json, sys
hf = json.load(open(sys.argv[1]))
compressed, ubytes, usecs = int(sys.argv[2]), int(sys.argv[3] or 0), float(sys.argv[4] or 0)
res = {r["command"]: r for r in hf["results"]}
x, p = res["xocker pull"], res["podman pull"]
print("| command | median s | mean ± σ s | min s |")
print("|---|---|---|---|")
for name, r in (("xocker pull", x), ("podman pull --tls-verify=false", p)):
    print("| %s | %.3f | %.3f ± %.3f | %.3f |" % (name, r["median"], r["mean"], r["stddev"], r["min"]))
print()
print("- image: %.1f MB of blobs in the registry" % (compressed / 1e6))
print("- xocker is %.2fx faster than podman (medians)" % (p["median"] / x["median"]))
if usecs > 0:
    print("- xocker layer unpack (layer_ensure, gzip + tar + diff id): %.1f MB in %.3f s = %.0f MB/s"
          % (ubytes / 1e6, usecs, ubytes / 1e6 / usecs))
PY
