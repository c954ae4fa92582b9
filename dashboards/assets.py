"""Plotly's JavaScript, served from the project's vendored partial bundle: nothing is fetched from the internet.

What goes out is plotly.js's core with only the trace types the service draws (dashboards/plotly_bundle.py says
how it is made), named by its content hash so a browser fetches it once per version and keeps it for a year
(immutable), in brotli or gzip as the browser accepts, both compressed ahead of any request: each web process
loads them when it starts, from the instance folder where the first start on a machine left them.
"""
import logging
import os
import threading

from flask import Blueprint, Response, abort, current_app, request

from dashboards import plotly_bundle
from dashboards.plotly_bundle import TRACE_TYPES
from fixed_urls import fixed_url

bp = Blueprint("assets", __name__)
log = logging.getLogger(__name__)

YEAR = 365 * 24 * 3600
CACHE_FOLDER = "asset-cache"  # in the app's instance folder: compressed forms named by content hash

_loaded, _lock = None, threading.Lock()


def _bundle(instance_path=None):
    """(content hash, plain bytes, {encoding: compressed bytes}) of what is served, loaded once per process."""
    global _loaded
    with _lock:
        if _loaded is None:
            with open(plotly_bundle.VENDORED, "rb") as f:
                body = f.read()
            _check(body.decode("utf-8"))
            cache = os.path.join(instance_path or current_app.instance_path, CACHE_FOLDER)
            _loaded = plotly_bundle.digest(body), body, plotly_bundle.compressed(body, cache)
        return _loaded


def _check(source):
    """Log what the vendored bundle lacks: a chart of a missing trace type would be drawn empty."""
    missing = set(TRACE_TYPES) - set(plotly_bundle.trace_types(source))
    if missing:
        log.error("the vendored Plotly bundle lacks the trace types %s: run scripts/build_plotly_bundle.sh",
                  ", ".join(sorted(missing)))


@bp.record_once
def _load_at_start(state):
    """Have the bundle compressed before the first chart page asks for it, not while it waits."""
    _bundle(state.app.instance_path)


def plotly_digest():
    """The served bundle's content hash, the part of its URL that changes whenever its content does."""
    return _bundle()[0]


def plotly_url():
    """The bundle's URL, which changes whenever its content does."""
    return fixed_url("assets.plotly_js", digest=plotly_digest())


@bp.route("/assets/plotly-<digest>.min.js")
def plotly_js(digest):
    current, body, forms = _bundle()
    if digest != current:
        abort(404)  # an old page asks for a version this server no longer has
    encoding = request.accept_encodings.best_match(tuple(forms), default=None)
    response = Response(forms[encoding] if encoding else body, mimetype="text/javascript")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.route("/plotly-worker.js")
def plotly_worker():
    """The service worker keeping the bundle (static/js/plotly-worker.js), told the bundle's current URL."""
    with open(os.path.join(current_app.static_folder, "js", "plotly-worker.js"), encoding="utf-8") as f:
        source = f.read().replace("__PLOTLY_BUNDLE__", plotly_url())
    response = Response(source, mimetype="text/javascript")
    # At the site's root, so its scope covers the chart pages; no-store (as every answer not in
    # security/headers.py's CACHEABLE_ENDPOINTS), so a new bundle reaches the browser's next check for updates.
    return response


bp.add_app_template_global(plotly_url)
