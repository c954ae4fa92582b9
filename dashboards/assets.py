"""Plotly's JavaScript, served from the installed package: nothing is fetched from the internet.

The installed bundle is 4.8 MB and sets up every trace type Plotly has when it starts; a browser with an empty
cache spent 1.3-2.4 s on the first chart page of a session, most of it starting Plotly. What goes out is the
same file registering only the trace types the service draws (dashboards/plotly_bundle.py), gzipped once and
named by its content hash, so a browser fetches it once per Plotly version and keeps it for a year (immutable).
"""
import gzip
import hashlib
import logging
import os
from functools import cache

import plotly
from flask import Blueprint, Response, abort, request, url_for

from dashboards.plotly_bundle import partial_bundle

bp = Blueprint("assets", __name__)
log = logging.getLogger(__name__)

PLOTLY_JS = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
# Every trace type dashboards/figures.py and fidelity/reports/charts.py draw (a test holds them to it): a type
# left out would be drawn as an empty chart.
TRACE_TYPES = ("bar", "heatmap", "scatter")
YEAR = 365 * 24 * 3600


@cache
def _bundle():
    """(content hash, plain bytes, gzipped bytes) of what is served, built and compressed once per process."""
    with open(PLOTLY_JS, encoding="utf-8") as f:
        source = f.read()
    partial = partial_bundle(source, TRACE_TYPES)
    if partial is None:
        log.warning("Plotly's bundle %s has an unexpected shape: serving it whole (slower first chart page)",
                    PLOTLY_JS)
    body = (partial or source).encode("utf-8")
    return hashlib.sha256(body).hexdigest()[:16], body, gzip.compress(body, compresslevel=9, mtime=0)


def plotly_digest():
    """The served bundle's content hash, the part of its URL that changes whenever its content does."""
    return _bundle()[0]


def plotly_url():
    """The bundle's URL, which changes whenever its content does."""
    return url_for("assets.plotly_js", digest=plotly_digest())


@bp.route("/assets/plotly-<digest>.min.js")
def plotly_js(digest):
    current, body, packed = _bundle()
    if digest != current:
        abort(404)  # an old page asks for a version this server no longer has
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(packed if gzipped else body, mimetype="text/javascript")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


bp.add_app_template_global(plotly_url)
