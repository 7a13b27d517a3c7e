#!/usr/bin/env bash
# Long fuzz run: a million generated requests (or FUZZ_CASES) through the
# whole pipeline on the in-memory store, in release mode; prints the count,
# rate, seed and status histogram. Fails on any panic or 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_CASES="${FUZZ_CASES:-1000000}"
# A fresh seed each run (printed on the result line), unless one is given.
export FUZZ_SEED="${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}"
cargo test --release -p cli-auth-tests --test suites -- fuzz:: --nocapture 2>&1 | grep -E '^fuzz:|test result|panicked|FAILED'
