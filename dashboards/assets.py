"""Plotly's JavaScript, served from the installed package: nothing is fetched from the internet.

The bundle is 4.8 MB; gzipped once (1.4 MB) and named by its content hash, a browser fetches it once per
Plotly version and keeps it for a year (immutable), where the first chart page of a session took 1.3-1.8 s.
"""
import gzip
import hashlib
import os
from functools import cache

import plotly
from flask import Blueprint, Response, abort, request, url_for

bp = Blueprint("assets", __name__)

PLOTLY_JS = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
YEAR = 365 * 24 * 3600


@cache
def _bundle():
    """(content hash, plain bytes, gzipped bytes) of the installed Plotly, read and compressed once."""
    with open(PLOTLY_JS, "rb") as f:
        body = f.read()
    return hashlib.sha256(body).hexdigest()[:16], body, gzip.compress(body, compresslevel=9, mtime=0)


def plotly_digest():
    """The installed bundle's content hash, the part of its URL that changes whenever its content does."""
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
