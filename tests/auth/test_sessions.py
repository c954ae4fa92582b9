"""Sessions end for good: a cookie copied before sign-out, a password reset or deactivation stops working."""
import pytest
from sqlalchemy import select

from extensions import db
from models import AuditLog, User
from tests.helpers import PASSWORD, Auth, copied_cookie, csrf_token_in


@pytest.fixture
def clock(monkeypatch):
    from itsdangerous import TimestampSigner
    now = [1_800_000_000]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now[0])
    monkeypatch.setattr("auth.sessions.time.time", lambda: now[0])
    return now


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_a_copied_cookie_dies_at_sign_out(app, client, auth, world):
    auth.login(world.users["manager_a"])
    thief = copied_cookie(app, client)
    assert thief.get("/api/v1/programs").status_code == 200  # a copy works while the session lives
    auth.logout()
    assert thief.get("/api/v1/programs").status_code == 401
    assert thief.get("/").status_code == 302


def test_sign_out_ends_the_users_other_sessions_too(app, client, auth, world):
    auth.login(world.users["trainer"])
    laptop = Auth(app.test_client())
    laptop.login(world.users["trainer"])
    auth.logout()
    assert laptop.client.get("/api/v1/programs").status_code == 401


def test_an_admin_password_reset_ends_every_session_of_the_user(app, client, auth, world):
    victim = Auth(app.test_client())
    victim.login(world.users["clerk_a"])
    thief = copied_cookie(app, victim.client)
    auth.login(world.users["admin"])
    clerk = _user(world.users["clerk_a"])
    response = auth.post(f"/admin/users/{clerk.id}/edit", data={
        "email": clerk.email, "role": "clerk", "agency_id": world.agency_a.id, "password": "new-long-passphrase",
        "active": "y"})
    assert response.status_code == 302
    for browser in (victim.client, thief):
        assert browser.get("/api/v1/programs").status_code == 401
    assert client.get("/api/v1/programs").status_code == 200  # the admin's own session goes on
    reset = db.session.scalar(select(AuditLog).where(AuditLog.action == "reset password"))
    assert (reset.entity_id, reset.actor, reset.new_value) == (clerk.id, world.users["admin"], None)


def test_deactivating_an_account_ends_its_sessions(app, client, auth, world):
    other = Auth(app.test_client())
    other.login(world.users["manager_b"])
    auth.login(world.users["admin"])
    manager = _user(world.users["manager_b"])
    auth.post(f"/admin/users/{manager.id}/edit", data={"email": manager.email, "role": "manager",
                                                       "agency_id": world.agency_b.id})  # "active" unticked
    assert other.client.get("/api/v1/programs").status_code == 401


def test_an_admin_signs_a_user_out_everywhere_and_it_is_audited(app, client, auth, world):
    other = Auth(app.test_client())
    other.login(world.users["trainer"])
    auth.login(world.users["admin"])
    trainer = _user(world.users["trainer"])
    page = client.get(f"/admin/users/{trainer.id}/edit").get_data(as_text=True)
    assert "Sign out everywhere" in page
    response = auth.post(f"/admin/users/{trainer.id}/sign-out-everywhere", follow_redirects=True)
    assert f"Every session of {trainer.email} has ended." in response.get_data(as_text=True)
    assert other.client.get("/api/v1/programs").status_code == 401
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "sign out everywhere"))
    assert (row.entity_id, row.actor) == (trainer.id, world.users["admin"])


def test_only_admins_sign_others_out(client, auth, world):
    auth.login(world.users["trainer"])
    admin = _user(world.users["admin"])
    assert auth.post(f"/admin/users/{admin.id}/sign-out-everywhere").status_code == 403
    assert client.get("/api/v1/programs").status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, client, auth, world):
    email = world.users["manager_a"]
    auth.login(email)
    phone = Auth(app.test_client())
    phone.login(email)
    response = auth.post("/account/password", data={"current": "correct-horse-battery", "new": "a new long phrase",
                                                     "confirm": "a new long phrase"}, follow_redirects=True)
    assert "Password changed" in response.get_data(as_text=True)
    assert client.get("/api/v1/programs").status_code == 200
    assert phone.client.get("/api/v1/programs").status_code == 401
    assert _user(email).check_password("a new long phrase")


@pytest.mark.parametrize("current, new, message", [
    ("wrong-password-1", "a new long phrase", "That is not your current password."),
    ("correct-horse-battery", "short", "at least 12 characters"),
    ("correct-horse-battery", "qwertyuiop123", "one of the most common"),
])
def test_a_refused_password_change_changes_nothing(client, auth, world, current, new, message):
    auth.login(world.users["clerk_b"])
    response = auth.post("/account/password", data={"current": current, "new": new, "confirm": new})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _user(world.users["clerk_b"]).check_password("correct-horse-battery")


def test_an_idle_session_ends_after_30_minutes(app, client, auth, world, clock):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    auth.login(world.users["clerk_a"])
    for _ in range(4):  # in use every 29 minutes: it goes on
        clock[0] += 29 * 60
        assert client.get("/api/v1/programs").status_code == 200
    clock[0] += 31 * 60
    assert client.get("/api/v1/programs").status_code == 401
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_idle_limit_is_a_setting(app, client, auth, world, clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    auth.login(world.users["clerk_a"])
    clock[0] += 6 * 60
    assert client.get("/api/v1/programs").status_code == 401


def test_strangers_guessing_the_password_cannot_stop_the_owner_changing_it(app, client, auth, world):
    # Before, the change counted wrong current passwords under the account's sign-in key: a stranger's failed
    # sign-ins made the signed-in owner wait minutes to change a password they had just learnt was under attack.
    email = world.users["clerk_a"]
    auth.login(email)
    stranger = Auth(app.test_client())
    for _ in range(app.config["SIGNIN_FREE_FAILURES"] + 3):
        stranger.login(email, "a-wrong-guess-here")
    assert stranger.login(email).status_code == 429  # strangers do wait
    new = "a new long phrase"
    response = auth.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert _user(email).check_password(new)


def test_wrong_current_passwords_on_the_change_form_make_the_next_try_wait(app, client, auth, world):
    # Someone at a signed-in browser left open cannot guess the current password at full speed.
    auth.login(world.users["clerk_a"])
    wrong = {"current": "not-the-password", "new": "a new long phrase", "confirm": "a new long phrase"}
    statuses = [auth.post("/account/password", data=wrong).status_code
                for _ in range(app.config["SIGNIN_FREE_FAILURES"] + 2)]
    assert statuses[0] == 400 and statuses[-1] == 429


def test_an_admin_resetting_their_own_password_stays_signed_in_here_only(app, client, auth, world):
    email = world.users["admin"]
    laptop = Auth(app.test_client())
    laptop.login(email)
    auth.login(email)
    admin = _user(email)
    response = auth.post(f"/admin/users/{admin.id}/edit", data={
        "email": admin.email, "role": "admin", "agency_id": 0, "password": "new-long-passphrase", "active": "y"})
    assert response.status_code == 302
    assert client.get("/api/v1/programs").status_code == 200
    assert laptop.client.get("/api/v1/programs").status_code == 401


def test_every_cookie_of_a_sign_in_is_httponly_samesite_and_secure_where_production_says(app, client, auth, world):
    app.config["SESSION_COOKIE_SECURE"] = True  # as IMR_ENV=production sets it (tests/test_config.py)
    token = csrf_token_in(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": world.users["clerk_a"], "password": PASSWORD,
                                              "csrf_token": token})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"session", "imr_device"}
    for name, cookie in cookies.items():
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, name
