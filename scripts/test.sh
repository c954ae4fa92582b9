#!/usr/bin/env bash
# Run the whole suite on SQLite and PostgreSQL, browser tests included.
# Installs PostgreSQL and Chromium from the system packages when they are missing;
# the tests start their own throwaway PostgreSQL on loopback (tests/pgserver.py).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)  # tests/ops/test_deploy.py runs `nginx -t` on deploy/'s site
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The tests' throwaway files (their PostgreSQL servers, SQLite copies, uploads, browser profiles) go on a RAM disk
# when there is one with room: on a disk mounted with `discard` every deleted file is trimmed at once, and the
# database each PostgreSQL test copies from its template took 0.45-0.7 s of kernel time there, 0.04 s on tmpfs.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
    && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $((4 * 1024 * 1024)) ]; then
  TMPDIR="$(mktemp -d /dev/shm/imr-tests-XXXXXX)"
  chmod 711 "$TMPDIR"  # the PostgreSQL servers run as the postgres user under it
  export TMPDIR
  trap 'rm -rf "$TMPDIR"' EXIT
fi

# worksteal: a worker that runs out of tests takes half of the other's queue, so neither idles at the end
.venv/bin/python -m pytest -n 2 --dist worksteal -p no:cacheprovider "$@"
