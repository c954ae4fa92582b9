"""Security headers on every response: CSP, framing, sniffing, referrer, HSTS, and no caching of clinical data."""
from flask import current_app, request

# Scripts come only from our own files: figures travel as <script type="application/json"> read by static/js.
# style-src needs 'unsafe-inline' because Plotly sets inline styles (and injects <style> rules) on the charts
# it draws; styles cannot run code, scripts stay strict. img-src allows data:/blob: for Plotly's
# "download as PNG" button. frame-ancestors replaces X-Frame-Options (kept for older browsers).
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"  # a year; production only, where TLS is certain
# Endpoints whose answers hold no data and may be cached (the same for everyone); everything else is no-store.
CACHEABLE_ENDPOINTS = frozenset({"static", "assets.plotly_js"})


def init_app(app):
    """Add the security headers to every response of `app`."""
    app.after_request(add_security_headers)


def add_security_headers(response):
    """Set the headers on one response; keep a view's own stricter Cache-Control only for cacheable files."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("ENV_NAME") == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        # Pages, API answers and downloads hold clinical data: no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    return response
