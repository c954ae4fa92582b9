"""The session cookie: written back only when a request changed the session, and never on cacheable files.

Every response of a browser's requests may set the cookie, and the one answered last wins. Written back unchanged,
a cookie can land after a response that did change it and undo that: the sign-in page's background requests (its
service worker's script, the favicon) leave with the anonymous cookie, and one answered after the sign-in signed
the trainer out again. Flask writes whenever the session is `modified`, which any assignment sets (Flask-Login's
session protection sets and removes a key on every anonymous request) and misses a change made in place, so the
content is compared instead.
"""
import copy

from flask import request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from security.headers import CACHEABLE_ENDPOINTS


class SessionAsBrought(SecureCookieSession):
    """A session that keeps what its request brought: a deep copy, as flash() appends to the list it holds."""

    def __init__(self, initial=None):
        super().__init__(initial)
        self.brought = copy.deepcopy(dict(self))


class ChangedSessionOnly(SecureCookieSessionInterface):
    """The session cookie as usual, except that an unchanged session is not written back, and cacheable files
    carry no Set-Cookie and no Vary: Cookie."""

    session_class = SessionAsBrought

    def save_session(self, app, session, response):
        # The hooks before every request read the session (sign-in age, second factor), which makes Flask add
        # Vary: Cookie: a browser then drops its year's copy of Plotly whenever the cookie changes (signing in,
        # the idle clock), so the bundle prefetched at sign-in was fetched again by the first chart page.
        if request.endpoint in CACHEABLE_ENDPOINTS:
            return
        # Written when its content changed, in place too; else no Set-Cookie (SESSION_REFRESH_EACH_REQUEST is
        # off), though Vary: Cookie stays.
        session.modified = session != session.brought
        super().save_session(app, session, response)
