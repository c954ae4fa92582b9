#!/usr/bin/env bash
# Rebuild static/vendor/plotly/plotly.min.js: plotly.js's core and only the trace types the charts draw
# (TRACE_TYPES in dashboards/plotly_bundle.py), from the pinned plotly.js and esbuild of scripts/plotly_bundle/
# (package.json and its lock). Needs Node 20+ and the npm registry, once, on a developer's machine; the result
# is committed, so running or testing the service never needs Node.
#
#   scripts/build_plotly_bundle.sh          rebuild the vendored bundle and its licence
#
# When the plotly Python package is upgraded it expects another plotly.js: this script stops and says so;
# pin that version in scripts/plotly_bundle/package.json, run `npm install --package-lock-only` there, rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
tools=scripts/plotly_bundle
out=static/vendor/plotly

# One list of trace types and one plotly.js version, both read from the Python side.
traces=$("$PY" -c 'from dashboards.plotly_bundle import TRACE_TYPES; print(",".join(TRACE_TYPES))')
expected=$("$PY" -c 'from plotly.offline import get_plotlyjs_version; print(get_plotlyjs_version())')
pinned=$(node -p "require('./$tools/package.json').dependencies['plotly.js']")
if [ "$pinned" != "$expected" ]; then
  echo "The plotly Python package writes figures for plotly.js $expected, $tools/package.json pins $pinned." >&2
  echo "Pin $expected there, run 'npm install --package-lock-only' in $tools, and run this again." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$tools/package.json" "$tools/package-lock.json" "$tools/build.mjs" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
mkdir -p "$out"
(cd "$work" && node build.mjs "$OLDPWD/$out/plotly.min.js" "$traces")
cp "$work/node_modules/plotly.js/LICENSE" "$out/LICENSE"
