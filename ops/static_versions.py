"""Stamp each /static URL with a digest of its file, so the proxy may cache static files for a year (deploy/)."""
import hashlib
import os

from flask import current_app


def init_app(app):
    digests = {}

    @app.url_defaults
    def stamp_static(endpoint, values):
        # A changed file gets a new URL, so a browser holding the old one for a year never sees stale CSS or JS.
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        filename = values["filename"]
        if filename not in digests:
            path = os.path.join(current_app.static_folder, filename)
            try:
                with open(path, "rb") as f:
                    digests[filename] = hashlib.sha256(f.read()).hexdigest()[:12]
            except OSError:
                digests[filename] = None  # a missing file answers 404 as before, unstamped
        if digests[filename]:
            values["v"] = digests[filename]
