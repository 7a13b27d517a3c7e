#!/usr/bin/env bash
# The test command's packaging check: builds one function the way
# `sam build` does (`cargo lambda build --release --arm64`) and checks the
# artifact is an arm64 ELF `bootstrap`. Where the arm64 standard library
# cannot be added (no download), the function is built for x86_64 instead
# and the arm64 check is reported as skipped.
#   scripts/lambda-build-check.sh [function]     (default: jwks)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n== %s\n' "$*" >&2; }
. scripts/lib/lambda-tools.sh
function="${1:-jwks}"
target="${CARGO_TARGET_DIR:-target}"

if ensure_arm64_target; then
  log "cargo lambda build --release --arm64 -p cli-auth-functions --bin $function"
  cargo lambda build --release --arm64 -p cli-auth-functions --bin "$function"
  check_bootstrap "$target/lambda/$function/bootstrap" arm64
else
  log "SKIPPED: the arm64 check (rustup could not add aarch64-unknown-linux-gnu); building for x86_64"
  cargo lambda build --release --x86-64 -p cli-auth-functions --bin "$function"
  check_bootstrap "$target/lambda/$function/bootstrap" x86_64
fi
