#!/usr/bin/env bash
# Set up (if needed) and run every check: ruff, then the whole pytest suite.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system_packages.sh
bash scripts/setup.sh
bash scripts/test_packages.sh
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> pytest"
# Set-up ran above, so a missing model, cache or server is a failure, not a skip.
export TESTS_REQUIRE_ALL=1
exec .venv/bin/pytest "$@"
