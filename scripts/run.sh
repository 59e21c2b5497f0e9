#!/usr/bin/env bash
# Set everything up (see setup.sh) and serve DiagramSite on embedded defaults:
# SQLite, in-memory channel layer, in-process worker, daphne on port 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
echo "==> DiagramSite on http://$HOST:$PORT/ (Ctrl-C stops it)"
exec .venv/bin/daphne -b "$HOST" -p "$PORT" diagramsite.asgi:application
