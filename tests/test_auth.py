"""Signing in and out, and every way it can go wrong."""
import pytest
from sqlalchemy import func, select

from extensions import db
from models import SignInThrottle, User
from tests.helpers import PASSWORD, csrf_token_in


def test_sign_in_and_out(client, auth, world):
    response = auth.login(world.users["manager_a"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "manager@alpha.example" in client.get("/").get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302  # signed out: back to the sign-in page


def test_wrong_password_and_unknown_user_get_the_same_message(client, auth, world):
    for email, password in ((world.users["admin"], "wrong-password"), ("nobody@nowhere.example", PASSWORD)):
        response = auth.login(email, password)
        assert response.status_code == 401
        assert "That email and password do not match an active account." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 6  # nothing created


def test_repeated_failures_make_the_next_attempt_wait_even_with_the_right_password(client, auth, world, monkeypatch):
    monkeypatch.setattr("auth.throttle.time.time", lambda: 1_800_000_000.0)  # however slow the machine
    email = world.users["clerk_a"]
    for _ in range(5):
        assert auth.login(email, "guess-guess").status_code == 401
    response = auth.login(email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 2 seconds and try again." in response.get_data(as_text=True)
    assert auth.login(world.users["clerk_b"]).status_code == 302  # other accounts are unaffected


def test_inactive_account_cannot_sign_in(client, auth, world):
    user = db.session.scalar(select(User).where(User.email == world.users["manager_b"]))
    user.active = False
    db.session.commit()
    assert auth.login(world.users["manager_b"]).status_code == 401


def test_form_without_csrf_token_is_refused_and_changes_nothing(client, world):
    response = client.post("/sign-in", data={"email": world.users["admin"], "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_passwords_are_stored_as_slow_salted_hashes(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    a, b = User(email="x@y.example", role="admin"), User(email="z@y.example", role="admin")
    a.set_password("same-password-1")
    b.set_password("same-password-1")
    assert a.password_hash.startswith("scrypt:") and "same-password-1" not in a.password_hash
    assert a.password_hash != b.password_hash  # salted
    assert a.check_password("same-password-1") and not a.check_password("other")


def test_session_cookie_is_httponly_and_samesite(client, auth, world):
    auth.login(world.users["admin"])
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def clock(monkeypatch):
    """The seconds the session cookie's signer and the sign-in check read; tests move it instead of sleeping."""
    from itsdangerous import TimestampSigner
    now = [1_800_000_000]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now[0])
    monkeypatch.setattr("auth.sessions.time.time", lambda: now[0])
    monkeypatch.setattr("auth.throttle.time.time", lambda: now[0])
    return now


def test_expired_session_must_sign_in_again(client, auth, world, app, clock):
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    auth.login(world.users["admin"])
    clock[0] += 59
    assert client.get("/").status_code == 200
    clock[0] += 2
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/api/v1/programs").status_code == 401


def test_a_session_in_use_still_ends_its_lifetime_after_sign_in(client, auth, world, app, clock):
    """The lifetime is a working day from signing in: using the app, or a changed session, does not stretch it."""
    app.config["PERMANENT_SESSION_LIFETIME"] = 8 * 3600
    app.config["SESSION_IDLE_MINUTES"] = 3 * 60  # clicks two hours apart: the idle limit is tested apart
    auth.login(world.users["admin"])
    start = clock[0]
    for hours in (2, 4, 6, 7.9):  # busy all day
        clock[0] = start + int(hours * 3600)
        assert client.get("/").status_code == 200, hours
        with client.session_transaction() as session:  # a change (a flashed message, say) signs it again
            session["noted"] = hours
    clock[0] = start + 8 * 3600 + 5
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/api/v1/programs").status_code == 401


def test_next_parameter_cannot_redirect_off_site(client, world):
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in?next=//evil.example/x",
                           data={"email": world.users["admin"], "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_failures_are_counted_per_account_and_per_address(client, auth, world):
    auth.login("someone@else.example", "bad-password")
    counts = dict(db.session.execute(select(SignInThrottle.key, SignInThrottle.failures)).all())
    assert counts == {"account:someone@else.example": 1, "address:127.0.0.1": 1}
