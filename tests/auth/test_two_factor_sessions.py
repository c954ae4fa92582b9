"""Turning two-factor sign-in on or off ends the account's other sessions; the secret being set up is unreadable
outside the server and lasts half an hour."""
import pyotp

from tests.auth.two_factor_steps import enrol, shown_key, user_by_email
from auth.account import ENROL_SECRET
from auth.sessions import OTHERS_ENDED
from tests.helpers import Auth, copied_cookie, readable_without_the_key, words

NO_LONGER_VALID = "The key shown before is no longer valid (keys last 30 minutes): add this new one to your app"


def test_turning_two_factor_on_ends_every_other_session_and_keeps_this_one(app, client, auth, world, clock):
    # Before, a session opened elsewhere stayed signed in without ever giving the second factor.
    email = world.users["manager_a"]
    laptop = Auth(app.test_client())
    laptop.login(email)
    auth.login(email)
    thief = copied_cookie(app, client)
    assert thief.get("/api/v1/programs").status_code == laptop.client.get("/api/v1/programs").status_code == 200
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = shown_key(page)
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(clock[0])})
    assert response.status_code == 200 and f"Two-factor sign-in is on. {OTHERS_ENDED}" in words(response)
    for other in (laptop.client, thief):
        assert other.get("/api/v1/programs").status_code == 401
    assert client.get("/api/v1/programs").status_code == 200


def test_turning_two_factor_off_ends_every_other_session_and_keeps_this_one(app, client, auth, world, clock):
    email = world.users["clerk_b"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    thief = copied_cookie(app, client)
    clock[0] += 30
    response = auth.post("/account/two-factor/remove", data={"code": pyotp.TOTP(secret).at(clock[0])},
                         follow_redirects=True)
    assert f"Two-factor sign-in is off for your account. {OTHERS_ENDED}" in words(response)
    assert user_by_email(email).totp_secret is None
    assert thief.get("/api/v1/programs").status_code == 401
    assert client.get("/api/v1/programs").status_code == 200


def test_the_secret_being_set_up_cannot_be_read_from_the_cookie(client, auth, world, clock):
    # Before, the base32 seed sat in the signed (not encrypted) cookie: whoever saw the cookie could mint codes.
    auth.login(world.users["clerk_a"])
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = shown_key(page)
    readable = readable_without_the_key(client.get_cookie("session").value)
    assert "csrf_token" in readable  # the decoding works: the cookie's other fields are there to read
    assert secret not in readable and secret.lower() not in readable
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert f'id="totp-secret">{secret}<' in again  # a reload shows the same key: the app may have it already


def test_a_key_left_unconfirmed_for_half_an_hour_is_replaced(app, client, auth, world, clock):
    app.config["SESSION_IDLE_MINUTES"] = 120  # 31 idle minutes would end the session itself first
    email = world.users["clerk_a"]
    auth.login(email)
    page = client.get("/account/two-factor").get_data(as_text=True)
    old = shown_key(page)
    clock[0] += 31 * 60
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(old).at(clock[0])})
    assert response.status_code == 400
    assert NO_LONGER_VALID in words(response)
    new = shown_key(response.get_data(as_text=True))
    assert new != old and user_by_email(email).totp_secret is None
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(new).at(clock[0])})
    assert response.status_code == 200 and user_by_email(email).totp_secret is not None


def test_a_plain_key_left_in_the_cookie_from_before_sealing_is_replaced_not_blamed_on_its_age(client, auth, world,
                                                                                                clock):
    # A session from before the secret being set up was sealed holds it plain: it opens as no key of this server's,
    # however young, and the words said it had been "good for 30 minutes", as if it had merely expired.
    email = world.users["clerk_a"]
    auth.login(email)
    plain = pyotp.random_base32()
    with client.session_transaction() as cookie:
        cookie[ENROL_SECRET] = plain
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(plain).at(clock[0])})
    assert response.status_code == 400 and NO_LONGER_VALID in words(response)
    assert "good for" not in words(response)
    new = shown_key(response.get_data(as_text=True))
    assert new != plain and user_by_email(email).totp_secret is None
    response = auth.post("/account/two-factor", data={"code": pyotp.TOTP(new).at(clock[0])})
    assert response.status_code == 200 and user_by_email(email).totp_secret is not None
