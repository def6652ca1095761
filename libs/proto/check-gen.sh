#!/usr/bin/env bash
# Fails when the committed generated code in src/gen differs from what the schemas in
# ../../proto produce. Generates into a temporary folder: src/gen is never touched.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PATH="$PWD/../../node_modules/.bin:$PATH" buf generate ../../proto --template buf.gen.yaml -o "$tmp"
if ! diff -r src/gen "$tmp/src/gen" >/dev/null; then
  diff -r src/gen "$tmp/src/gen" | head -40 >&2
  echo "libs/proto/src/gen is stale: run 'npm run gen' and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
