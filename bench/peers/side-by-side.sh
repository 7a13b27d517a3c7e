#!/usr/bin/env bash
# One run, both servers, on this machine: our cli-auth-dev (release build,
# embedded store) and the RFC 8628 peer (panva's oidc-provider 9.13.3 device
# flow on its in-memory adapter), each loaded the same way by bench.sh (wrk
# -t2 -c32, 3 s warm-up, 15 s measured), then the ratios the performance
# goals are stated in, and our bytes per live attempt.
#
#   bench/peers/side-by-side.sh            (from anywhere in the checkout)
#
# Installs what is missing: oidc-provider into .tools/peer (npm), wrk and jq
# (Debian). Loopback only; servers are stopped by PID. The wrk reports are
# kept in $OUT_ROOT (default target/bench-peers/<UTC time>/).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PORT=${OURS_PORT:-8799}
export PEER_DIR=${PEER_DIR:-$ROOT/.tools/peer}
OUT_ROOT=${OUT_ROOT:-$ROOT/target/bench-peers/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT_ROOT"

if [ ! -d "$PEER_DIR/node_modules/oidc-provider" ]; then
  echo "# installing oidc-provider@9.13.3 in $PEER_DIR" >&2
  mkdir -p "$PEER_DIR"
  [ -f "$PEER_DIR/package.json" ] || echo '{"name":"peer","private":true}' > "$PEER_DIR/package.json"
  npm install --prefix "$PEER_DIR" --no-audit --no-fund --loglevel=error oidc-provider@9.13.3 >/dev/null
fi
for tool in wrk jq curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "# installing $tool (Debian)" >&2
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_=sudo
    $sudo_ apt-get install -y -qq "$tool" >/dev/null 2>&1 || { $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq "$tool" >/dev/null; }
  fi
done

export CLI_AUTH_DEV_PROJECT_ID=$(python3 -c 'import uuid;print(uuid.uuid4())')
export CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY=pck_$(openssl rand -hex 16)
export CLI_AUTH_DEV_SECRET_SERVER_KEY=ssk_$(openssl rand -hex 16)
export CLI_AUTH_DEV_SUPER_SECRET_ADMIN_KEY=sak_$(openssl rand -hex 16)
(cd "$ROOT" && cargo build --release --bin cli-auth-dev >"$OUT_ROOT/build.log" 2>&1) \
  || { echo "build failed: $OUT_ROOT/build.log"; exit 1; }
BIN=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["target_directory"])')/release/cli-auth-dev
# The in-memory store, whatever the environment says.
env -u AWS_ENDPOINT_URL_DYNAMODB timeout 900 "$BIN" --listen 127.0.0.1:$PORT --store memory \
  >"$OUT_ROOT/ours-server.log" 2>&1 &
TPID=$!
trap 'kill $TPID 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$PORT/ && break; sleep 0.2; done
SPID=$(pgrep -P $TPID | head -1); SPID=${SPID:-$TPID}
BASE_URL=http://127.0.0.1:$PORT SERVER_PID=$SPID OUT_DIR="$OUT_ROOT/ours" \
  "$HERE/bench.sh" ours | tee "$OUT_ROOT/ours.txt"
kill $TPID 2>/dev/null; wait $TPID 2>/dev/null
OUT_DIR="$OUT_ROOT/peer" "$HERE/bench.sh" peer | tee "$OUT_ROOT/peer.txt"

python3 - "$OUT_ROOT" <<'PY'
import re, sys, pathlib
root = pathlib.Path(sys.argv[1])
def lines(name):
    out = {}
    for line in (root / f"{name}.txt").read_text().splitlines():
        m = re.match(r"\s*(\S+)\s+(\S+)\s+rps=([\d.]+)\s+p50=([\d.]+)ms p99=([\d.]+)ms", line)
        if m:
            out[m.group(2)] = dict(rps=float(m.group(3)), p50=float(m.group(4)), p99=float(m.group(5)))
    return out
def hwm(name, point):
    text = (root / f"{name}.txt").read_text()
    m = re.search(rf"# after {point}: VmHWM=([\d.]+)MiB", text)
    return float(m.group(1)) if m else None
def requests(path):
    m = re.search(r"^WRKSTAT .*\brequests=(\d+)", path.read_text(), re.M)
    return int(m.group(1)) if m else 0
ours, peer = lines("ours"), lines("peer")
for a, b, rps_goal, p99_goal in [("initiate", "device-auth", 10, 5), ("poll", "token-poll", 10, 5)]:
    if a not in ours or b not in peer:
        print(f"{a}: missing figures"); continue
    o, p = ours[a], peer[b]
    rps_ratio, p99_ratio = o["rps"] / p["rps"], p["p99"] / o["p99"]
    print(f"{a}: {o['rps']:.0f} vs {p['rps']:.0f} req/s = {rps_ratio:.1f}x (goal >= {rps_goal}x); "
          f"p99 {o['p99']:.2f} vs {p['p99']:.2f} ms = 1/{p99_ratio:.1f} (goal <= 1/{p99_goal}) "
          f"{'MET' if rps_ratio >= rps_goal and p99_ratio >= p99_goal else 'NOT MET'}")
start, after = hwm("ours", "start"), hwm("ours", "initiate")
made = requests(root / "ours/initiate.warmup.txt") + requests(root / "ours/initiate.txt")
if start and after and made:
    per = (after - start) * 1024 * 1024 / made
    print(f"memory: {start:.1f} MiB at start, {after:.1f} MiB peak after {made} initiates = "
          f"{per:.0f} B per live attempt (goal <= 400) {'MET' if per <= 400 else 'NOT MET'}; "
          f"start vs peer {hwm('peer', 'start'):.1f} MiB")
PY
