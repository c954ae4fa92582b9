#!/usr/bin/env bash
# `make run`: migrate, load demo data when empty, then serve the web app with its import worker and
# scheduler, three processes sharing the database. Ctrl-C (or any of them ending) stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK=("${VENV:-.venv}/bin/flask" --app app)
export IMR_ENV="${IMR_ENV:-development}"  # the app refuses to start without one; this is a development run

"${FLASK[@]}" init-db
"${FLASK[@]}" demo-data --if-empty

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

"${FLASK[@]}" worker & pids+=($!)      # checks and commits uploaded files (imports/worker.py)
"${FLASK[@]}" scheduler & pids+=($!)   # reassessment due dates and reminders
"${FLASK[@]}" run --host 127.0.0.1 --port "${PORT:-5000}" & pids+=($!)
wait -n  # the first to end (or Ctrl-C) brings the others down through the trap
