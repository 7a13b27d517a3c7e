#!/usr/bin/env bash
# Bounded load with invariants against cli-auth-dev on loopback, on the
# in-memory store and on DynamoDB Local: mixed flows (initiate, complete,
# racing polls), throughput and p50/p99 per endpoint, then a check that no
# refresh token was handed out twice and each went to its completer's CLI.
#   scripts/load.sh [release|debug]     (LOAD_FLOWS, LOAD_CONCURRENCY to size it;
#                                        LOAD_SKIP_BUILD=1 when the binaries are built)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-release}"
tools="$(pwd)/.tools"; mkdir -p "$tools"
log() { printf '\n== %s\n' "$*"; }
flows="${LOAD_FLOWS:-2000}"
concurrency="${LOAD_CONCURRENCY:-16}"

if [ -n "${LOAD_SKIP_BUILD:-}" ]; then
  :  # the caller built both binaries
elif [ "$profile" = release ]; then
  cargo build --quiet --release --bin cli-auth-dev --bin cli-auth-load
else
  cargo build --quiet --bin cli-auth-dev --bin cli-auth-load
fi
bin="${CARGO_TARGET_DIR:-target}/$profile"

if [ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ]; then
  . scripts/lib/dynamodb-local.sh
fi

export CLI_AUTH_DEV_PROJECT_ID=load-test CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY=pck_load_test \
       CLI_AUTH_DEV_SECRET_SERVER_KEY=ssk_load_test RUST_LOG=warn

run_against() {
  local store="$1" out port pid
  out=$(mktemp)
  CLI_AUTH_TABLE_PREFIX="load$RANDOM-" "$bin/cli-auth-dev" --listen 127.0.0.1:0 --store "$store" >"$out" &
  pid=$!
  for _ in $(seq 1 100); do grep -q '^listening on' "$out" && break; sleep 0.1; done
  port=$(sed -n 's|^listening on http://127.0.0.1:||p' "$out")
  log "load on the $store store ($profile build, $flows flows, concurrency $concurrency)"
  status=0
  timeout 300 "$bin/cli-auth-load" --base-url "http://127.0.0.1:$port" --flows "$flows" \
    --concurrency "$concurrency" --max-seconds 240 || status=$?
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
  return "$status"
}

run_against memory
run_against dynamodb
