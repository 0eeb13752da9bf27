#!/usr/bin/env bash
# The one test command (`npm test`): installs what the tests need, builds, type-checks, runs every tier.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/better-sqlite3/build ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund
fi

echo "== type-check"
npx --no-install tsc -p . --noEmit

echo "== build"
node esbuild.mjs

echo "== unit tests (node:test)"
node --import tsx --test --test-concurrency=2 --test-reporter=spec test/unit/*.test.ts
