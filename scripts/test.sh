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

# worksteal: a worker that runs out of tests takes half of the other's queue, so neither idles at the end
exec .venv/bin/python -m pytest -n 2 --dist worksteal -p no:cacheprovider "$@"
