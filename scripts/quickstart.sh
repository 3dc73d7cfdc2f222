#!/usr/bin/env bash
# Run ValueLens with demo data on embedded defaults: SQLite and a filesystem broker under var/,
# a real Celery worker, and the web server on http://127.0.0.1:8000. No server to install.
# A real model runs locally too (Qwen2.5-Coder-0.5B from the local-model extra, served on
# LOCAL_MODEL_PORT, default 8089) and answers a sample of the CValues prompts; VALUELENS_LOCAL_MODEL=0
# leaves it out. Ctrl-C stops everything. PORT=8001 picks another port.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
LOCAL_MODEL="${VALUELENS_LOCAL_MODEL:-1}"
if [ "$LOCAL_MODEL" = 0 ]; then
  venv_ready "${VALUELENS_EXTRAS:-dev}"
else
  venv_ready "${VALUELENS_EXTRAS:-dev,local-model}"
fi

export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
LOCAL_MODEL_PORT="${LOCAL_MODEL_PORT:-8089}"
mkdir -p var
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_seed

PIDS=""
stop_all() {
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  # A worker's warm shutdown waits for the batch the local model is answering; after 10 s it is
  # stopped hard (its unfinished generations are fetched again by the reconcile task).
  for _ in $(seq 20); do
    alive=""
    for pid in $PIDS; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  # Children first: the worker's embedded beat would outlive a killed worker.
  for pid in $PIDS; do pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
  for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

if [ "$LOCAL_MODEL" != 0 ]; then
  # Started first: it loads the model while the worker starts.
  .venv/bin/python manage.py local_model_serve --port "$LOCAL_MODEL_PORT" >var/local_model.log 2>&1 &
  PIDS="$PIDS $!"
  echo "Local model server starting (pid $!, log var/local_model.log)."
fi

# -B runs the periodic tasks (expired leases, stale generations, dashboard refresh) in the worker.
# Without -Q it consumes every queue (generation, imports, exports, figures and celery).
.venv/bin/celery -A config worker -B --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --loglevel INFO --pool threads --concurrency 8 >var/worker.log 2>&1 &
WORKER=$!
PIDS="$PIDS $WORKER"
echo "Celery worker with beat started (pid $WORKER, log var/worker.log)."

if [ "$LOCAL_MODEL" != 0 ]; then
  if .venv/bin/python manage.py local_model_demo --base-url "http://127.0.0.1:${LOCAL_MODEL_PORT}/v1"; then
    # The campaigns need the answers: they open by themselves once the worker has fetched them.
    .venv/bin/python manage.py demo_campaigns --wait 900 >var/demo_campaigns.log 2>&1 &
    echo "Demo campaigns open when the local model has answered (log var/demo_campaigns.log)."
  else
    echo "The local model demo did not start (see above and var/local_model.log); ValueLens runs without it." >&2
  fi
fi

echo "ValueLens: http://127.0.0.1:${PORT}/  (log in as admin / valuelens-demo; see README.md for the other demo users)"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" --noreload
