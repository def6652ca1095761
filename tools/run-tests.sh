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

# Type-check first (esbuild bundles and tsx run the TypeScript without checking types): a type error fails the run.
NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t typecheck --parallel=2 --outputStyle=static "$@" >"$results/typecheck.log" 2>&1
typecheck=$?
if [ $typecheck -ne 0 ]; then
  grep -E "error TS|Failed tasks|- .*:typecheck" "$results/typecheck.log" | head -40
  echo '{"numPassedTests":0,"numFailedTests":1,"numFailedTestSuites":1,"testResults":[{"name":"typecheck","status":"failed","message":"type errors (.test-results/typecheck.log; printed above)","assertionResults":[]}]}' >"$results/typecheck.json"
else
  echo "typecheck: every project type-checks"
  echo '{"numPassedTests":1,"numFailedTests":0}' >"$results/typecheck.json"
fi

MINIMESH_TEST_RESULTS="$PWD/$results" NX_DAEMON=false NX_NO_CLOUD=true \
  npx nx run-many -t test --parallel=1 --outputStyle=stream --skip-nx-cache "$@"
status=$?
[ $typecheck -eq 0 ] || status=1

node tools/test-totals.mjs "$results" "$status"
