#!/usr/bin/env bash
# Long fuzz run: a million generated requests (or FUZZ_CASES) through the
# whole pipeline on the in-memory store, in release mode; prints the count,
# rate and status histogram. Fails on any panic or 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_CASES="${FUZZ_CASES:-1000000}"
cargo test --release -p cli-auth-tests --test suites -- fuzz:: --nocapture 2>&1 | grep -E '^fuzz:|test result|panicked|FAILED'
