"""Two-factor sign-in: enrolment with a QR code, codes used once, recovery codes, required roles, admin reset."""
import pyotp
import pytest
from flask import url_for
from sqlalchemy import func, select

from auth.totp_at_rest import unseal
from auth.views import ENROLMENT_ENDPOINTS
from extensions import db
from models import AuditLog, RecoveryCode
from tests.auth.two_factor_steps import code_step, enrol, user_by_email
from tests.helpers import PASSWORD, Auth, csrf_token_in


def test_enrol_then_sign_in_with_password_and_code(client, auth, world, clock):
    email = world.users["manager_a"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    user = user_by_email(email)
    assert unseal(user.totp_secret) == secret and user.totp_enabled_at is not None
    auth.logout()

    response = auth.login(email)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"
    assert client.get("/api/v1/programs").status_code == 401  # a password alone signs nobody in
    clock[0] += 30
    code = pyotp.TOTP(secret).at(clock[0])
    response = code_step(client, code)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/api/v1/programs").status_code == 200

    other = Auth(client.application.test_client())  # the same code cannot be used twice
    other.login(email)
    response = code_step(other.client, code)
    assert response.status_code == 401 and "was used already" in response.get_data(as_text=True)


def test_a_wrong_enrolment_code_turns_nothing_on(client, auth, world, clock):
    auth.login(world.users["clerk_a"])
    client.get("/account/two-factor")
    response = auth.post("/account/two-factor", data={"code": "000000"})
    assert response.status_code == 400 and "does not match" in response.get_data(as_text=True)
    assert user_by_email(world.users["clerk_a"]).totp_secret is None


def test_a_recovery_code_signs_in_once(client, auth, world, clock):
    email = world.users["trainer"]
    auth.login(email)
    _, codes = enrol(client, auth, clock)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(c in h for c in codes for h in stored)  # hashes only
    auth.logout()
    auth.login(email)
    assert code_step(client, codes[3].upper()).status_code == 302  # typed in capitals: still fine
    auth.token = csrf_token_in(client.get("/").get_data(as_text=True))
    auth.logout()
    auth.login(email)
    assert code_step(client, codes[3]).status_code == 401
    used = select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    assert db.session.scalar(used) == 1


def test_wrong_codes_make_the_next_attempt_wait(client, auth, world, clock):
    email = world.users["admin"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    auth.logout()
    auth.login(email)
    for _ in range(5):
        assert code_step(client, "123456").status_code == 401
    clock[0] += 1
    response = code_step(client, pyotp.TOTP(secret).at(clock[0] + 30))
    assert response.status_code == 429 and "Too many failed attempts. Wait 1 second" in response.get_data(as_text=True)
    clock[0] += 1  # a wait, not a lock
    assert code_step(client, pyotp.TOTP(secret).at(clock[0] + 30)).status_code == 302


def test_required_roles_must_enrol_before_anything_else(app, client, auth, world, clock):
    app.config["REQUIRE_2FA"] = True
    assert auth.login(world.users["trainer"]).status_code == 302
    response = client.get("/fidelity/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    response = client.get("/api/v1/programs")
    assert response.status_code == 403 and "two-factor" in response.get_json()["error"]["message"]
    enrol(client, auth, clock)
    assert client.get("/api/v1/programs").status_code == 200

    clerk = Auth(app.test_client())  # optional for agency roles
    clerk.login(world.users["clerk_a"])
    assert clerk.client.get("/api/v1/programs").status_code == 200


def _example_url(app, rule):
    """A URL of `rule` with made-up arguments (the hook answers before any view looks them up)."""
    values = dict.fromkeys(rule.arguments, 1)  # an id, or a name (a kind, a scale's key) that is "1"
    if rule.endpoint == "static":
        values["filename"] = "css/app.css"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_one_who_must_enrol_reaches_exactly_sign_out_the_enrolment_page_and_cacheable_files(app, client, auth, world,
                                                                                           clock):
    assert ENROLMENT_ENDPOINTS <= {rule.endpoint for rule in app.url_map.iter_rules()}  # no name without a page
    app.config["REQUIRE_2FA"] = True
    auth.login(world.users["trainer"])
    reached = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "auth.sign_out":
            continue  # last: it ends the session
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(_example_url(app, rule), method=method, data={"csrf_token": auth.token},
                               headers=auth.headers())
        to_enrol = response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
        refused = response.status_code == 403 and "two-factor" in (response.get_json(silent=True) or {}).get(
            "error", {}).get("message", "")
        if not (to_enrol or refused):
            reached.add(rule.endpoint)
    assert reached == {"account.enrol", "static", "assets.plotly_js"}  # Plotly's bundle: a static file, compressed
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert client.get("/account/two-factor").status_code == 302  # signed out: back to the sign-in page
    assert client.get("/account/two-factor").headers["Location"].startswith("/sign-in")


def test_an_admin_resets_a_lost_second_factor(app, client, auth, world, clock):
    trainer = Auth(app.test_client())
    trainer.login(world.users["trainer"])
    enrol(trainer.client, trainer, clock)
    auth.login(world.users["admin"])
    user = user_by_email(world.users["trainer"])
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "Reset two-factor sign-in" in page
    response = auth.post(f"/admin/users/{user.id}/reset-two-factor", follow_redirects=True)
    assert "Two-factor sign-in of trainer@state.example is reset" in response.get_data(as_text=True)
    user = user_by_email(world.users["trainer"])
    assert user.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert trainer.client.get("/api/v1/programs").status_code == 401  # their sessions ended
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "reset two-factor")).entity_id == user.id
    assert trainer.login(world.users["trainer"]).headers["Location"] == "/"  # password only, until set up again


def test_optional_two_factor_can_be_removed_with_a_code_but_not_when_required(app, client, auth, world, clock):
    auth.login(world.users["clerk_b"])
    secret, _ = enrol(client, auth, clock)
    clock[0] += 30
    response = auth.post("/account/two-factor/remove", data={"code": pyotp.TOTP(secret).at(clock[0])})
    assert response.status_code == 302 and user_by_email(world.users["clerk_b"]).totp_secret is None

    app.config["REQUIRE_2FA"] = True
    admin = Auth(app.test_client())
    admin.login(world.users["admin"])
    secret, _ = enrol(admin.client, admin, clock)
    clock[0] += 30
    response = admin.post("/account/two-factor/remove", data={"code": pyotp.TOTP(secret).at(clock[0])})
    assert response.status_code == 403 and unseal(user_by_email(world.users["admin"]).totp_secret) == secret


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client, world):
    response = client.get("/sign-in/code")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert PASSWORD  # the helpers' password is what the world's accounts use


def test_a_cookie_planted_before_sign_in_or_copied_at_the_code_step_is_never_signed_in(client, auth, world, clock):
    # Session fixation: an attacker who sets a victim's cookie (or reads it between password and code) must not
    # find that cookie signed in once the victim finishes signing in.
    email = world.users["manager_a"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    auth.logout()
    client.get("/sign-in")
    planted = client.get_cookie("session").value
    auth.login(email)
    at_code_step = client.get_cookie("session").value
    clock[0] += 30
    assert code_step(client, pyotp.TOTP(secret).at(clock[0])).headers["Location"] == "/"
    assert client.get("/api/v1/programs").status_code == 200
    for value in (planted, at_code_step):
        attacker = client.application.test_client()
        attacker.set_cookie("session", value)
        assert attacker.get("/api/v1/programs").status_code == 401


@pytest.mark.parametrize("url", ["/account/two-factor/remove", "/account/two-factor/recovery-codes"])
def test_codes_guessed_on_the_account_page_make_the_next_attempt_wait(client, auth, world, clock, url):
    # Before, a session left open (or stolen) could try all million codes here at full speed and then turn
    # two-factor sign-in off or make itself recovery codes; the sign-in code step already slowed guesses.
    email = world.users["clerk_b"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    for _ in range(5):
        assert auth.post(url, data={"code": "123456"}).status_code == 400
    clock[0] += 1
    response = auth.post(url, data={"code": pyotp.TOTP(secret).at(clock[0] + 30)})  # the right code must wait too
    assert response.status_code == 429 and "Wait 1 second" in response.get_data(as_text=True)
    assert user_by_email(email).totp_secret is not None
    clock[0] += 1  # a wait, not a lock
    assert auth.post(url, data={"code": pyotp.TOTP(secret).at(clock[0] + 30)}).status_code in (200, 302)
