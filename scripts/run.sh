#!/usr/bin/env bash
# `make run`: migrate, load demo data when empty, then serve the web app with its import worker and
# scheduler, three processes sharing the database, their output in this terminal with each line prefixed by
# the process it came from. Ctrl-C (or any of them ending) stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
FLASK=("${VENV:-.venv}/bin/flask" --app app)
export IMR_ENV="${IMR_ENV:-development}"  # the app refuses to start without one; this is a development run
export PYTHONUNBUFFERED=1  # lines appear as they are written, not when a pipe's buffer fills

"${FLASK[@]}" init-db
"${FLASK[@]}" demo-data --if-empty

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

# Prefix each line with the process's name. The prefixer ignores Ctrl-C and SIGTERM and ends when its
# process closes the pipe, so the last lines of a stopping process still reach the terminal.
prefix() { (trap '' INT TERM; exec sed -u "s/^/$(printf '%-9s' "$1") | /"); }
start() {  # start NAME COMMAND...: run it in the background, output prefixed; its pid goes in pids
  local name=$1
  shift
  "$@" > >(prefix "$name") 2>&1 &
  pids+=($!)
}

start worker "${FLASK[@]}" worker        # checks and commits uploaded files (imports/running/worker.py)
start scheduler "${FLASK[@]}" scheduler  # reassessment due dates and reminders
start web "${FLASK[@]}" run --host 127.0.0.1 --port "${PORT:-5000}"
wait -n  # the first to end (or Ctrl-C) brings the others down through the trap
