"""Stamp each /static URL with a digest of its file, so the proxy may cache static files for a year (deploy/)."""
import hashlib
import os

from flask import current_app, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


def init_app(app):
    digests = {}

    def digest(filename):
        if filename not in digests:
            # The name may come from a request (cache_stamped): only a file inside the static folder is read,
            # never ../ outside it (a digest would tell its content; /dev/zero would never end).
            path = safe_join(current_app.static_folder, filename)
            try:
                if path is None or not os.path.isfile(path):
                    raise FileNotFoundError(filename)
                with open(path, "rb") as f:
                    found = hashlib.sha256(f.read()).hexdigest()[:12]
            except (OSError, ValueError):  # ValueError: a NUL in the name
                return None  # a missing file answers 404 as before, unstamped (and is not remembered)
            digests[filename] = found
        return digests[filename]

    @app.url_defaults
    def stamp_static(endpoint, values):
        # A changed file gets a new URL, so a browser holding the old one for a year never sees stale CSS or JS.
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        if digest(values["filename"]):
            values["v"] = digest(values["filename"])

    @app.after_request
    def cache_stamped(response):
        # As nginx does in production (deploy/), so that gunicorn alone does not make every page ask again for
        # its CSS and scripts (the render-blocking CSS waited for a 304); only at the URL of the current content.
        filename = (request.view_args or {}).get("filename")
        current = digest(filename) if request.endpoint == "static" and filename else None
        if current and response.status_code == 200 and request.args.get("v") == current:
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
