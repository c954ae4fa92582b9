"""Accounts: signing in and out, sessions, two-factor sign-in, and the one access check every page uses."""


def init_app(app):
    """Add the account pages, and read the client address from trusted proxies (sign-in throttling needs it)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from auth.account import bp as account_bp

    app.register_blueprint(account_bp)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind a TLS-terminating proxy every request comes from the proxy; X-Forwarded-For names the client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
