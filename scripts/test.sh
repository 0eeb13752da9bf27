#!/usr/bin/env bash
# The one test command (`npm test`): installs what the tests need, builds, type-checks, runs every tier.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh

echo "== type-check"
npx --no-install tsc -p . --noEmit

echo "== build"
node esbuild.mjs

SECONDS=0
status=0
# A real PostgreSQL 15 cluster for the PostgreSQL backend's tests, in a temp dir, removed at exit.
echo "== PostgreSQL 15 test cluster (scripts/postgres.sh)"
if pg_out=$(bash scripts/postgres.sh start); then
  export LORE_TEST_PG_DIR=$(echo "$pg_out" | head -1)
  export LORE_TEST_PG_URL=$(echo "$pg_out" | tail -1)
  trap 'bash scripts/postgres.sh stop "$LORE_TEST_PG_DIR"' EXIT
  echo "PostgreSQL at $LORE_TEST_PG_URL"
else
  echo "no PostgreSQL test cluster: the tests that need one are skipped and say why"
fi
echo "== unit tests (node:test)"
node --import tsx --test --test-concurrency=2 --test-reporter=spec test/unit/*.test.ts || status=1
unit_s=$SECONDS
echo "== reliability (quick: 5 kill -9 trials, the damage matrix, hostile input, query fuzz)"
node --import tsx test/reliability/run.ts --quick || status=1

# The VS Code tiers (real VS Code = code-server 4.99.4 driven by Chromium): setup installs apt
# packages and code-server once (about a minute on a fresh machine, instant afterwards).
# LORE_SKIP_VSCODE_TESTS=1 stops after the unit tests.
if [ "${LORE_SKIP_VSCODE_TESTS:-}" != 1 ]; then
  echo "== VS Code test setup (scripts/vscode/setup.sh)"
  LORE_CODE_SERVER_DIR="$(bash scripts/vscode/setup.sh)"
  export LORE_CODE_SERVER_DIR
  echo "== integration tests (mocha in the extension host)"
  node scripts/vscode/run-tests.mjs integration --no-build || status=1
  echo "== UI tests (Chromium)"
  node scripts/vscode/run-tests.mjs e2e --no-build || status=1
fi
echo "== tests done in ${SECONDS} s (unit ${unit_s} s): $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
