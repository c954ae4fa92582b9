"""Two-factor secrets are sealed at rest: the column holds no secret, codes still sign in, a changed key fails closed."""
import re

import pyotp
import pytest
from flask_migrate import downgrade
from sqlalchemy import text

from auth.totp_at_rest import seal, unseal
from extensions import db
from models.cli import upgrade_database
from tests.auth.two_factor_steps import code_step, enrol, user_by_email
from tests.helpers import csrf_token_in

BASE32_SECRET = re.compile(r"[A-Z2-7]{16,}")


def _stored(email):
    return db.session.execute(text("SELECT totp_secret FROM app_user WHERE email = :e"), {"e": email}).scalar()


def test_the_column_holds_no_secret_and_a_code_still_signs_in(client, auth, world, clock):
    email = world.users["manager_a"]
    auth.login(email)
    secret, _ = enrol(client, auth, clock)
    stored = _stored(email)
    assert secret not in stored and not BASE32_SECRET.search(stored) and stored.startswith("gAAAA")
    auth.logout()
    auth.login(email)
    clock[0] += 30
    response = code_step(client, pyotp.TOTP(secret).at(clock[0]))
    assert response.status_code == 302 and client.get("/api/v1/programs").status_code == 200


def _enrolled_then_key_changed(app, client, auth, email, clock):
    """Enrol the account, change the server's key, sign in with the password again: (secret, recovery codes)."""
    auth.login(email)
    secret, codes = enrol(client, auth, clock)
    auth.logout()
    app.config["TOTP_KEY"] = "another key entirely, set after enrolment"
    auth.login(email)
    return secret, codes


def test_a_changed_key_refuses_codes_with_a_clear_message(app, client, auth, world, clock):
    email = world.users["trainer"]
    secret, codes = _enrolled_then_key_changed(app, client, auth, email, clock)
    clock[0] += 30
    response = code_step(client, pyotp.TOTP(secret).at(clock[0]))  # the right code: still refused
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "cannot be read by this server (its key has changed)" in page
    assert client.get("/api/v1/programs").status_code == 401  # not signed in: no bypass
    assert code_step(client, codes[0]).status_code == 302  # a recovery code (hashed, keyless) still works
    auth.token = csrf_token_in(client.get("/account/").get_data(as_text=True))
    response = auth.post("/account/two-factor/recovery-codes", data={"code": pyotp.TOTP(secret).at(clock[0] + 30)})
    assert response.status_code == 400 and "its key has changed" in response.get_data(as_text=True)
    app.config["TOTP_KEY"] = None  # the key back: the same secret opens again
    assert unseal(user_by_email(email).totp_secret) == secret


def test_a_recovery_code_sign_in_under_a_changed_key_leads_to_setting_up_again(app, client, auth, world, clock):
    email = world.users["trainer"]
    old_secret, old_codes = _enrolled_then_key_changed(app, client, auth, email, clock)
    response = code_step(client, old_codes[0])
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/").get_data(as_text=True)
    assert "cannot read your two-factor set-up" in page and 'href="/account/two-factor"' in page
    auth.token = csrf_token_in(page)  # the session began at the code step
    clock[0] += 30
    new_secret, new_codes = enrol(client, auth, clock)  # the set-up page opens although two-factor is on
    assert new_secret != old_secret and unseal(user_by_email(email).totp_secret) == new_secret
    assert "cannot read your two-factor set-up" not in client.get("/account/").get_data(as_text=True)
    auth.logout()
    auth.login(email)
    assert code_step(client, old_codes[1]).status_code == 401  # the old recovery codes went with the old secret
    clock[0] += 30
    response = code_step(client, pyotp.TOTP(new_secret).at(clock[0]))  # the app's new code signs in
    assert response.status_code == 302 and not response.headers["Location"].endswith("/account/two-factor")
    assert client.get("/api/v1/programs").status_code == 200


def test_a_readable_set_up_cannot_be_replaced_without_removing_it(client, auth, world, clock):
    auth.login(world.users["trainer"])
    enrol(client, auth, clock)
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/")


def _down_to_before_0021(app):
    """Downgrade to the revision under 0021 (wherever the history puts it), leaving other branches' heads."""
    from alembic.script import ScriptDirectory
    directory = app.extensions["migrate"].directory
    config = app.extensions["migrate"].migrate.get_config(directory)
    below = ScriptDirectory.from_config(config).get_revision("0021_totp_at_rest").down_revision
    downgrade(directory=directory, revision=below)


def test_the_migration_seals_present_secrets_and_the_downgrade_opens_them(app, world, capsys):
    plain = pyotp.random_base32()
    email = world.users["admin"]
    db.session.commit()
    db.session.close()
    _down_to_before_0021(app)
    db.session.execute(text("UPDATE app_user SET totp_secret = :s WHERE email = :e"), {"s": plain, "e": email})
    db.session.commit()
    upgrade_database()
    sealed = _stored(email)
    assert sealed != plain and not BASE32_SECRET.search(sealed) and unseal(sealed) == plain
    db.session.close()
    _down_to_before_0021(app)
    assert _stored(email) == plain
    db.session.close()
    app.config["TOTP_KEY"] = "not the key the secrets will be sealed with"
    upgrade_database()
    app.config["TOTP_KEY"] = "yet another key"
    db.session.close()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's RuntimeError and exits
        _down_to_before_0021(app)
    said = capsys.readouterr().err
    assert "The two-factor secrets of accounts [" in said and "do not open with this server's key" in said
    db.session.rollback()
    assert len(_stored(email)) > 100  # refused before changing anything: still sealed
    assert seal(plain, "k") != seal(plain, "k")  # Fernet: a fresh IV each time, so equal secrets look different
