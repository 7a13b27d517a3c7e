#!/usr/bin/env bash
# Cold-start and size benchmark: builds every function and the two reference
# binaries (hello-world lambda_http; the same plus an aws-sdk-dynamodb client
# built outside the handler) with the release profile for this machine,
# starts DynamoDB Local, and runs each binary under the Runtime API stand-in
# COLDSTART_RUNS times (default 20), printing a Markdown table: size, init
# (exec → ready for its first invocation), first and warm invocation times.
#   scripts/coldstart.sh [extra cli-auth-coldstart arguments, e.g. --only jwks]
# The figures and how they were read are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(pwd)/.tools"; mkdir -p "$tools"
log() { printf '\n== %s\n' "$*" >&2; }

functions=$(ls functions/src/bin | wc -l)
log "building $((functions + 2)) binaries (release profile): the functions package and the two references"
cargo build --quiet --release -p cli-auth-functions -p ref-hello-http -p ref-hello-sdk
cargo build --quiet --release -p cli-auth-bench --bin cli-auth-coldstart

if [ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ]; then
  . scripts/lib/dynamodb-local.sh
fi

bin="${CARGO_TARGET_DIR:-target}/release"
log "measuring ($(nproc) cores, $(uname -m))"
"$bin/cli-auth-coldstart" --bin-dir "$bin" --runs "${COLDSTART_RUNS:-20}" "$@"
