#!/usr/bin/env bash
# Builds the stack the way `sam deploy` ships it: `sam build` runs
# `cargo lambda build --release --arm64` for each function (BuildMethod
# rust-cargolambda), then every artifact is checked to be an arm64 ELF
# `bootstrap`. Extra arguments go to `sam build` (e.g. CliPollFunction).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n== %s\n' "$*" >&2; }
. scripts/lib/lambda-tools.sh

command -v sam >/dev/null 2>&1 || { echo "the SAM CLI is missing: pip install aws-sam-cli" >&2; exit 1; }
ensure_arm64_target

log "sam build $*"
SAM_CLI_TELEMETRY=0 sam build --beta-features "$@"

log "checking the artifacts"
found=0
for f in .aws-sam/build/*Function/bootstrap; do
  [ -e "$f" ] || continue
  check_bootstrap "$f" arm64
  found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "sam build left no bootstrap in .aws-sam/build" >&2; exit 1; }
log "$found function(s) built for arm64; deploy with: sam deploy (first time: sam deploy --guided)"
