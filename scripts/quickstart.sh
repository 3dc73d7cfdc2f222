#!/usr/bin/env bash
# Run ValueLens with demo data on embedded defaults: SQLite and a filesystem broker under var/,
# a real Celery worker, and the web server on http://127.0.0.1:8000. No server to install.
# Ctrl-C stops everything. PORT=8001 picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_ready "${VALUELENS_EXTRAS:-dev}"

export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
mkdir -p var
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_seed

.venv/bin/celery -A config worker --loglevel INFO --pool threads --concurrency 8 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT
echo "Celery worker started (pid $WORKER, log var/worker.log)."
echo "ValueLens: http://127.0.0.1:${PORT}/  (log in as admin / valuelens-demo; see README.md for the other demo users)"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload
