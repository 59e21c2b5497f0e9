#!/usr/bin/env bash
# Test-only JavaScript: the real `mermaid` package (tests/npm/package.json, pinned by its
# package-lock.json), which the browser test loads into Chromium to render the Mermaid
# export. Never served by the app. Skips the install when the pinned version is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "npm is missing: run scripts/system_packages.sh" >&2
  exit 1
fi
wanted=$(node -p "require('./tests/npm/package.json').dependencies.mermaid")
installed=$(node -p "try { require('./tests/npm/node_modules/mermaid/package.json').version } catch (e) { '' }")
if [ "$wanted" != "$installed" ] || [ ! -f tests/npm/node_modules/mermaid/dist/mermaid.min.js ]; then
  echo "==> installing test-only npm packages (tests/npm: mermaid $wanted)"
  npm ci --prefix tests/npm --ignore-scripts --no-audit --no-fund --loglevel=error
fi
