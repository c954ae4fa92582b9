"""Test helpers: sign in through the real form with its CSRF token, post forms with the token."""
import base64
import re
import zlib
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db

PASSWORD = "correct-horse-battery"

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def words(response) -> str:
    """A page's text without its tags, its spacing collapsed: what a reader reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def csrf_token_in(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def readable_without_the_key(cookie: str) -> str:
    """A Flask session cookie's payload decoded without the server's key, as anyone who sees the cookie can."""
    payload = cookie.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if cookie.startswith(".") else data).decode()


def copied_cookie(app, client):
    """Another browser holding a copy of this one's session cookie (stolen, or left on a shared laptop)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


class Auth:
    """Signs a test client in and out the way a person does; keeps the session's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, email, password=PASSWORD):
        page = self.client.get("/sign-in")
        token = csrf_token_in(page.get_data(as_text=True))
        response = self.client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
        if response.status_code == 302:
            # Followed: a second-factor step or a required enrolment answers "/" with a redirect.
            self.token = csrf_token_in(self.client.get("/", follow_redirects=True).get_data(as_text=True))
        return response

    def logout(self):
        return self.client.post("/sign-out", data={"csrf_token": self.token})

    def post(self, url, data=None, **kwargs):
        """POST a form with this session's CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def headers(self):
        """Headers for JSON API writes: the CSRF token travels in X-CSRFToken."""
        return {"X-CSRFToken": self.token}


@contextmanager
def statements_sent():
    """The SQL statements sent while the block runs, as a list filled in as they go (a page's statements that must
    not grow with its rows)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
