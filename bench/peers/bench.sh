#!/usr/bin/env bash
# Side-by-side load test: the RFC 8628 peer (oidc-provider) or our CLI-login API.
#
#   bench.sh peer   starts oidc-device-server.mjs on 127.0.0.1:$PORT (default 3999),
#                   runs "device-auth" (POST device_authorization_endpoint) and
#                   "token-poll" (POST token_endpoint with one pending device_code),
#                   reports the node process's peak RSS, then stops it by PID.
#                   With BASE_URL set it uses an already running peer instead
#                   (RSS only if SERVER_PID is given).
#   bench.sh ours   needs BASE_URL (e.g. http://127.0.0.1:8102), CLI_AUTH_DEV_PROJECT_ID,
#                   CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY; runs "initiate"
#                   (POST /api/v1/auth/cli {}) and "poll" (POST /api/v1/auth/cli/poll
#                   with POLLING_CODE, or one obtained from a fresh initiate).
#                   Optional SERVER_PID: report that process's peak RSS (VmHWM).
#
# Each scenario: a ${WARMUP} warm-up run (discarded), then
# `wrk -t$THREADS -c$CONNS -d$DURATION --latency`. One line per scenario:
# requests/s, p50, p99, non-2xx answers split into expected "pending" 4xx
# (authorization_pending), slow_down/429, other 4xx, 5xx, plus socket errors.
# Raw wrk reports go to $OUT_DIR (default $TMPDIR/bench-peers-<UTC time>-<target>).
#
# Env: THREADS=2 CONNS=32 DURATION=15 WARMUP=3 (seconds), PORT=3999,
#      PEER_DIR=<checkout>/.tools/peer (holds node_modules/oidc-provider), SERVER_TIMEOUT=900.
# Load goes to 127.0.0.1 only; every command is bounded with `timeout`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARGET=${1:-}
case "$TARGET" in peer|ours) ;; *) echo "usage: $0 peer|ours" >&2; exit 2 ;; esac

THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
DURATION=${DURATION:-15}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-3}; WARMUP=${WARMUP%s}
PORT=${PORT:-3999}
PEER_DIR=${PEER_DIR:-$HERE/../../.tools/peer}
SERVER_TIMEOUT=${SERVER_TIMEOUT:-900}
if [[ "$TARGET" == ours ]]; then
  : "${BASE_URL:?set BASE_URL to the running server, e.g. http://127.0.0.1:8102}"
  : "${CLI_AUTH_DEV_PROJECT_ID:?set CLI_AUTH_DEV_PROJECT_ID}"
  : "${CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY:?set CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY}"
fi

for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk curl jq)" >&2; exit 2; }
done

# Only loopback targets.
check_loopback() {
  local host
  host=$(printf '%s' "$1" | sed -E 's#^[a-z]+://(\[[^]]*\]|[^/:]*).*#\1#')
  case "$host" in 127.*|localhost|\[::1\]) ;; *) echo "refusing non-loopback target: $1" >&2; exit 2 ;; esac
}

SERVER_TPID=""   # PID of the `timeout` wrapping the peer server we started
cleanup() {
  if [[ -n "$SERVER_TPID" ]] && kill -0 "$SERVER_TPID" 2>/dev/null; then
    kill -TERM "$SERVER_TPID" 2>/dev/null || true
    timeout 5 tail --pid="$SERVER_TPID" -f /dev/null 2>/dev/null || kill -KILL "$SERVER_TPID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

rss() {  # "VmHWM=... VmRSS=..." of a PID, in MiB
  local pid=$1
  [[ -n "$pid" && -r /proc/$pid/status ]] || { echo "rss=n/a"; return; }
  awk '/^VmHWM:/{h=$2} /^VmRSS:/{r=$2} END{printf "VmHWM=%.1fMiB VmRSS=%.1fMiB", h/1024, r/1024}' "/proc/$pid/status"
}

# run_scenario NAME URL SCRIPT   (scripts read their codes/keys from the environment)
run_scenario() {
  local name=$1 url=$2 script=$3
  local limit=$((DURATION + WARMUP + 60))
  check_loopback "$url"
  timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$HERE/$script" "$url" \
    > "$OUT_DIR/$name.warmup.txt" 2>&1
  timeout "$limit" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$HERE/$script" "$url" \
    > "$OUT_DIR/$name.txt" 2>&1
  local stat
  stat=$(grep '^WRKSTAT ' "$OUT_DIR/$name.txt" | tail -1) || { echo "$TARGET $name: wrk failed, see $OUT_DIR/$name.txt" >&2; cat "$OUT_DIR/$name.txt" >&2; return 1; }
  # shellcheck disable=SC2086
  local $(printf '%s' "${stat#WRKSTAT }" | tr ' ' '\n' | sed 's/^/W_/')
  printf '%-4s %-11s rps=%-8s p50=%sms p99=%sms non2xx=%s [pending4xx=%s slow_down=%s other4xx=%s 5xx=%s 3xx=%s] waiting2xx=%s sock_err=%s requests=%s\n' \
    "$TARGET" "$name" "$W_rps" "$W_p50_ms" "$W_p99_ms" "$W_non2xx" "$W_pending4xx" "$W_slowdown" "$W_other4xx" "$W_s5xx" "$W_s3xx" \
    "$W_waiting2xx" "$((W_sock_connect + W_sock_read + W_sock_write + W_sock_timeout))" "$W_requests" | tee -a "$OUT_DIR/summary.txt"
}

[[ -n "${BASE_URL:-}" ]] && check_loopback "$BASE_URL"
OUT_DIR=${OUT_DIR:-${TMPDIR:-/tmp}/bench-peers-$(date -u +%Y%m%dT%H%M%SZ)-$TARGET}
mkdir -p "$OUT_DIR"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) target=$TARGET wrk -t$THREADS -c$CONNS -d${DURATION}s (warm-up ${WARMUP}s) cores=$(nproc) out=$OUT_DIR" | tee "$OUT_DIR/summary.txt"

if [[ "$TARGET" == peer ]]; then
  NODE_PID=${SERVER_PID:-}
  if [[ -z "${BASE_URL:-}" ]]; then
    BASE_URL="http://127.0.0.1:$PORT"
    if timeout 2 curl -s -o /dev/null "$BASE_URL/" 2>/dev/null; then
      echo "port $PORT is already in use; set PORT or BASE_URL" >&2; exit 2
    fi
    (cd "$PEER_DIR" && PORT=$PORT HOST=127.0.0.1 exec timeout "$SERVER_TIMEOUT" node "$HERE/oidc-device-server.mjs") \
      > "$OUT_DIR/server.log" 2>&1 &
    SERVER_TPID=$!
    for _ in $(seq 1 100); do
      grep -q 'listening on' "$OUT_DIR/server.log" 2>/dev/null && break
      kill -0 "$SERVER_TPID" 2>/dev/null || { cat "$OUT_DIR/server.log" >&2; exit 1; }
      sleep 0.1
    done
    NODE_PID=$(sed -nE 's/^oidc-device-server pid=([0-9]+) .*/\1/p' "$OUT_DIR/server.log" | head -1)
    [[ -n "$NODE_PID" ]] || { echo "peer server did not start:" >&2; cat "$OUT_DIR/server.log" >&2; exit 1; }
    echo "# $(head -1 "$OUT_DIR/server.log")" | tee -a "$OUT_DIR/summary.txt"
  fi
  check_loopback "$BASE_URL"
  DISCO=$(timeout 5 curl -sf "$BASE_URL/.well-known/openid-configuration")
  DA_URL=$(jq -r .device_authorization_endpoint <<<"$DISCO")
  TOKEN_URL=$(jq -r .token_endpoint <<<"$DISCO")
  echo "# after start: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"

  run_scenario device-auth "$DA_URL" peer-device-auth.lua
  echo "# after device-auth: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"

  # A fresh code: the in-memory adapter is a 1000-entry LRU, so codes made
  # before the device-auth load are evicted by it.
  DEVICE_CODE=$(timeout 5 curl -sf -X POST "$DA_URL" -d client_id=cli | jq -r .device_code)
  [[ -n "$DEVICE_CODE" && "$DEVICE_CODE" != null ]] || { echo "no device_code" >&2; exit 1; }
  export DEVICE_CODE
  run_scenario token-poll "$TOKEN_URL" peer-token-poll.lua
  echo "# after token-poll: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"
  LAST=$(timeout 5 curl -s -X POST "$TOKEN_URL" \
    -d "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=$DEVICE_CODE&client_id=cli" | jq -r .error)
  echo "# device_code still answers: $LAST" | tee -a "$OUT_DIR/summary.txt"
  [[ -n "$SERVER_TPID" ]] && grep -v '^oidc-device-server pid=' "$OUT_DIR/server.log" | head -5 | sed 's/^/# server: /' || true
else
  BASE_URL=${BASE_URL%/}
  NODE_PID=${SERVER_PID:-}
  [[ -n "$NODE_PID" ]] && echo "# after start: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"

  run_scenario initiate "$BASE_URL/api/v1/auth/cli" ours-initiate.lua
  [[ -n "$NODE_PID" ]] && echo "# after initiate: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"

  if [[ -z "${POLLING_CODE:-}" ]]; then
    POLLING_CODE=$(timeout 5 curl -sf -X POST "$BASE_URL/api/v1/auth/cli" \
      -H 'Content-Type: application/json' -H 'x-stack-access-type: client' \
      -H "x-stack-project-id: $CLI_AUTH_DEV_PROJECT_ID" \
      -H "x-stack-publishable-client-key: $CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY" \
      -d '{}' | jq -r .polling_code)
    [[ -n "$POLLING_CODE" && "$POLLING_CODE" != null ]] || { echo "no polling_code from initiate" >&2; exit 1; }
  fi
  export POLLING_CODE
  run_scenario poll "$BASE_URL/api/v1/auth/cli/poll" ours-poll.lua
  [[ -n "$NODE_PID" ]] && echo "# after poll: $(rss "$NODE_PID")" | tee -a "$OUT_DIR/summary.txt"
fi
exit 0
