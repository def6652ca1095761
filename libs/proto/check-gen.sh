#!/usr/bin/env bash
# Fails when the committed generated code differs from what the schemas in ../../proto produce.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r src/gen "$tmp/committed"
npx buf generate ../../proto --template buf.gen.yaml
if ! diff -r "$tmp/committed" src/gen >/dev/null; then
  diff -r "$tmp/committed" src/gen | head -40
  echo "libs/proto/src/gen is stale: run 'npm run gen' and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
