"""What every request and response goes through to be safe: parsing of odd input, response headers."""


def init_app(app):
    """Install the id converter, the bounded JSON reader and the security headers on `app`."""
    from security import headers, parsing
    parsing.init_app(app)
    headers.init_app(app)
