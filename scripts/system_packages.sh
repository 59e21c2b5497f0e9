#!/usr/bin/env bash
# Install the Debian packages the tests start on loopback: Redis (Celery broker
# and channel layer), PostgreSQL (the scale-out database; the tests run their
# own throwaway cluster with the server programs under
# /usr/lib/postgresql/<version>/bin), Chromium (browser tests) and Node/npm
# (the browser test's mermaid package).
# Skips what is present, so running it again changes nothing.
set -euo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
# Node and npm install the test-only mermaid package (scripts/test_packages.sh).
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
