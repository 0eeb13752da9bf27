#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json (a fresh
# clone, or after a pull). Used by `npm test` and `npm start`, so each works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/better-sqlite3/build ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing npm dependencies"
  npm ci --no-audit --no-fund
fi
