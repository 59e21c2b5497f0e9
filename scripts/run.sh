#!/usr/bin/env bash
# Set everything up (see setup.sh) and serve DiagramSite on embedded defaults:
# SQLite, in-memory channel layer, in-process worker, daphne on port 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
echo "==> DiagramSite on http://$HOST:$PORT/ (Ctrl-C stops it)"
# Two malloc arenas instead of 8 per core: with jobs in one thread and requests
# in others, glibc kept a third as much freed memory (docs/benchmarks.md,
# "Daphne's memory over 2,000 jobs"). An exported value wins.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# A websocket handshake may wait 20 s for the database instead of daphne's 5 s:
# under a burst of tabs, a refused handshake comes back as a reconnect and adds
# to the burst (docs/benchmarks.md, "Load"). Browsers wait longer than that.
exec .venv/bin/daphne -b "$HOST" -p "$PORT" --websocket_connect_timeout 20 \
  diagramsite.asgi:application
