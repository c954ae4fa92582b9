"""What every request and response goes through to be safe: parsing of odd input, response headers."""


def init_app(app):
    """Install the id converter, the bounded JSON reader, the security headers and the session cookie on `app`."""
    from security import headers, parsing, session_cookie
    parsing.init_app(app)
    headers.init_app(app)
    app.session_interface = session_cookie.ChangedSessionOnly()
