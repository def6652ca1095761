#!/usr/bin/env bash
# Runs every project's tests through Nx (one project at a time: the machine has 2 cores and the
# integration tests start real servers), then prints the totals as one line:
#   N passed, N failed[, N skipped]
# Extra arguments go to Nx, e.g. `npm test -- --projects=apiserver`.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.test-results
rm -rf "$results"
mkdir -p "$results"

MINIMESH_TEST_RESULTS="$PWD/$results" NX_DAEMON=false NX_NO_CLOUD=true \
  npx nx run-many -t test --parallel=1 --outputStyle=stream --skip-nx-cache "$@"
status=$?

node tools/test-totals.mjs "$results" "$status"
