#!/usr/bin/env bash
# The two-region simulation of docs/scale.md with more schedules: 2,000
# seeded schedules per case (or CLI_AUTH_REGIONS_SCHEDULES; about a minute
# in the test profile); prints the figures. Fails if pinning ever loses
# exactly-once.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLI_AUTH_REGIONS_SCHEDULES="${CLI_AUTH_REGIONS_SCHEDULES:-2000}"
cargo test -p cli-auth-tests --test suites -- regions:: --nocapture 2>&1 | grep -E '^regions:|test result|panicked|FAILED'
